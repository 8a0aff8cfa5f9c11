"""Route expectations of the logistics area 'lastmile': receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Receiving points are the unit's own: offices read them, only the unit's admin keeps them. Delivery
plans, stations and closures are government rows (region-scoped): an enterprise grant reaches
none of them (404 on an object; delivery plans are not even readable by a unit: 403). Green
channels and toll discounts are read-only lists of rows owned by other areas.
"""

UI_LIST = (302, 403, 200, 200, 200)
UI_OFFICE = (302, 403, 200, 200, 403)
UI_UNIT_ONLY = (302, 403, 403, 403, 200)
UI_OFFICE_OBJECT = (302, 403, 404, 200, 403)
UI_REGION_OBJECT = (302, 403, 404, 200, 404)
API_LIST = (401, 403, 200, 200, 200)
API_OFFICE = (401, 403, 200, 200, 403)
API_OFFICE_OBJECT = (401, 403, 404, 200, 403)
API_REGION_OBJECT = (401, 403, 404, 200, 404)
API_UNIT_OBJECT = (401, 403, 404, 200, 200)

PAGES = "tests/test_log_lastmile_pages.py"
API = "tests/test_log_lastmile_api.py"

ROUTES: dict = {
    "logistics:receiving_point_list": (None, UI_LIST),
    "logistics:receiving_point_create": (None, UI_UNIT_ONLY),
    "logistics:receiving_point_edit": (lambda o: {"pk": o["own_receiving_point"].pk}, UI_UNIT_ONLY),
    "logistics:delivery_plan_list": (None, UI_OFFICE),
    "logistics:delivery_plan_create": (None, UI_OFFICE),
    "logistics:delivery_plan_edit": (
        lambda o: {"pk": o["own_delivery_plan"].pk},
        UI_OFFICE_OBJECT,
    ),
    "logistics:station_list": (None, UI_LIST),
    "logistics:station_create": (None, UI_OFFICE),
    "logistics:station_edit": (lambda o: {"pk": o["own_station"].pk}, UI_OFFICE_OBJECT),
    "logistics:closure_list": (None, UI_LIST),
    "logistics:closure_create": (None, UI_OFFICE),
    "logistics:closure_detail": (lambda o: {"pk": o["own_closure"].pk}, UI_REGION_OBJECT),
    "logistics:green_channel_list": (None, UI_LIST),
    "logistics:toll_discount_list": (None, UI_LIST),
    "logistics:toll_discount_export": (None, UI_LIST),
    "api:receiving-point-list": (None, API_LIST),
    "api:receiving-point-detail": (
        lambda o: {"pk": o["own_receiving_point"].pk},
        API_UNIT_OBJECT,
    ),
    "api:delivery-plan-list": (None, API_OFFICE),
    "api:delivery-plan-detail": (lambda o: {"pk": o["own_delivery_plan"].pk}, API_OFFICE_OBJECT),
    "api:supply-station-list": (None, API_LIST),
    "api:supply-station-detail": (lambda o: {"pk": o["own_station"].pk}, API_REGION_OBJECT),
    "api:road-closure-list": (None, API_LIST),
    "api:road-closure-detail": (lambda o: {"pk": o["own_closure"].pk}, API_REGION_OBJECT),
    "api:green-channel-list": (None, API_LIST),
    "api:green-channel-detail": (lambda o: {"pk": o["own_green_channel"].pk}, API_REGION_OBJECT),
    "api:toll-discount-list": (None, API_LIST),
}

NOT_GET: dict = {
    "logistics:station_activate": PAGES,
    "logistics:station_deactivate": PAGES,
    "logistics:closure_decide": PAGES,
    "logistics:closure_lift": PAGES,
    "api:supply-station-activate": API,
    "api:supply-station-deactivate": API,
    "api:road-closure-decide": API,
    "api:road-closure-lift": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A receiving point of the own unit, a delivery plan, a station and a pending closure of
    the own county, and an airport green channel there."""
    import datetime

    from django.utils import timezone

    from sibao.core.testing import OWN_COUNTY
    from sibao.logistics.actions import lastmile
    from sibao.logistics.models import Checkpoint, CheckpointKind

    today = timezone.localdate()
    now = timezone.now()
    point = lastmile.add_receiving_point(
        objects["own_enterprise"], actor=None, name="北门无接触接收点", address="厂区北门"
    )
    plan = lastmile.add_delivery_plan(
        OWN_COUNTY,
        actor=None,
        title="中原区末端配送方案",
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
        daily_capacity_tonnes=120,
        reserve_vehicles=10,
        reserve_drivers=12,
    )
    station = lastmile.add_station(
        OWN_COUNTY, actor=None, name="中原物资中转站", kind="transfer", address="西四环"
    )
    closure = lastmile.request_closure(
        OWN_COUNTY,
        actor=None,
        road="连霍高速中原西出口",
        road_kind="highway",
        reason="路由测试",
        starts_at=now + datetime.timedelta(hours=2),
        ends_at=now + datetime.timedelta(days=2),
    )
    # the checkpoint area owns checkpoints; a row is enough for the read-only list here
    airport = Checkpoint.objects.create(
        name="路由测试机场货运绿色通道", kind=CheckpointKind.AIRPORT, region_code=OWN_COUNTY
    )
    return {
        "own_receiving_point": point,
        "own_delivery_plan": plan,
        "own_station": station,
        "own_closure": closure,
        "own_green_channel": airport,
    }
