"""DEM-02 actions of the orders area: dispatch with clocks from the rule set, routing suggestion,
each handling step per role, return window over a weekend, extension limits, suspension moving the
deadline, escalation county → city → province, and concurrent transitions with one winner."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import TransitionRecord
from sibao.core.notifications import unread_count
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.enterprises.models import WhitelistEntry
from sibao.workorders import clocks
from sibao.workorders.actions import orders as actions
from sibao.workorders.actions.base import Conflict
from sibao.workorders.models import (
    Demand,
    DemandStatus,
    OrderStatus,
    RequestStatus,
    RoutingRule,
    Urging,
    WorkOrder,
)
from tests.wo_orders_support import (
    CITY,
    FRIDAY,
    PROVINCE,
    accepted_demand,
    at,
    department,
    office,
    staff,
)

pytestmark = pytest.mark.req("DEM-02")


@pytest.fixture
def county(personas):
    return personas["own_county"]


@pytest.fixture
def demand(own_enterprise):
    return accepted_demand(own_enterprise)


@pytest.fixture
def order(demand, county):
    return actions.dispatch(demand, actor=county, department=department(), now=FRIDAY)


@pytest.fixture
def handler(departments):
    return staff(username="gx_staff")


def test_dispatch_fixes_the_clocks_from_the_rule_table(order, demand, county):
    # normal urgency at county level: sign within 1 working day, reply within 5 working days
    calendar = clocks.WorkCalendar.from_rules()
    assert order.number.startswith("GD") and order.level == "county" and order.role == "lead"
    assert order.limit_minutes == 5 * calendar.minutes_per_day
    assert order.sign_due_at == at(2024, 3, 11, 10)  # Friday 10:00 + 1 working day = Monday
    assert order.due_at == at(2024, 3, 15, 10)  # + 5 working days = next Friday
    assert order.dispatched_at == FRIDAY and order.rule_version is not None
    assert order.region_code == OWN_COUNTY and order.origin_region_code == OWN_COUNTY
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.HANDLING


def test_urgent_policy_demand_gets_its_own_limits(own_enterprise, county, departments):
    urgent = accepted_demand(own_enterprise, category="policy", urgency="urgent")
    order = actions.dispatch(urgent, actor=county, department=department(), now=FRIDAY)
    # 4 working hours from 10:00 Friday: 10-12 (2h), 14-16 (2h) → 16:00
    assert order.sign_due_at == at(2024, 3, 8, 16)
    assert order.due_at == at(2024, 3, 12, 10)  # urgent = 2 working days


def test_one_open_lead_order_plus_assist_orders(order, demand, county):
    with pytest.raises(ValidationError, match="主办工单"):
        actions.dispatch(demand, actor=county, department=department(kind="commerce"), now=FRIDAY)
    assist = actions.dispatch(
        demand, actor=county, department=department(kind="commerce"), role="assist", now=FRIDAY
    )
    assert assist.role == "assist"
    with pytest.raises(ValidationError, match="在办工单"):
        actions.dispatch(demand, actor=county, department=department(), role="assist")


def test_only_the_office_of_the_level_dispatches_to_its_departments(demand, personas, departments):
    county = personas["own_county"]
    with pytest.raises(PermissionDenied):
        actions.dispatch(demand, actor=county, department=department(CITY), now=FRIDAY)
    with pytest.raises(PermissionDenied):
        actions.dispatch(
            demand, actor=personas["other_county"], department=department(), now=FRIDAY
        )
    with pytest.raises(PermissionDenied):
        actions.dispatch(demand, actor=staff(), department=department(), now=FRIDAY)
    city_order = actions.dispatch(
        demand, actor=office(CITY), department=department(CITY), now=FRIDAY
    )
    assert city_order.level == "city" and city_order.limit_minutes > 0


def test_dispatch_tells_the_department_staff(demand, county, handler):
    actions.dispatch(demand, actor=county, department=department(), now=FRIDAY)
    assert unread_count(handler) == 1


def test_routing_suggests_the_most_specific_rule(own_enterprise, departments):
    demand = accepted_demand(own_enterprise, category="logistics")
    assert actions.suggest_department(demand) == department(kind="transport")  # province default
    RoutingRule.objects.create(category="logistics", region_code="4101", department_kind="commerce")
    assert actions.suggest_department(demand) == department(kind="commerce")  # city rule
    RoutingRule.objects.create(
        category="logistics", region_code=OWN_COUNTY, department_kind="public_security"
    )
    assert actions.suggest_department(demand) == department(kind="public_security")
    # at the city office's level the same rule maps to the city's department of that kind
    assert actions.suggest_department(demand, region_code=CITY) == department(
        CITY, "public_security"
    )


def test_a_rule_naming_the_units_tier_beats_any_tier(own_enterprise, departments):
    demand = accepted_demand(own_enterprise, category="market")
    RoutingRule.objects.create(
        category="market", region_code=OWN_COUNTY, service_tier="city", department_kind="finance"
    )
    assert actions.suggest_department(demand) == department(kind="commerce")  # not listed
    WhitelistEntry.objects.create(
        enterprise=own_enterprise,
        tier="city",
        listed_at=FRIDAY,
        region_code=OWN_COUNTY,
        industry_id=own_enterprise.industry_id,
    )
    RoutingRule.objects.create(
        category="market", region_code=OWN_COUNTY, department_kind="tax"
    )  # same region, any tier: the tier rule still wins
    assert actions.suggest_department(demand) == department(kind="finance")


def test_each_handling_step_belongs_to_the_department_named(order, handler, departments):
    stranger = staff(kind="commerce")
    for step in (
        lambda actor: actions.sign(order, actor=actor),
        lambda actor: actions.request_return(order, actor=actor, reason="非本部门职责"),
        lambda actor: actions.suspend(order, actor=actor, reason="等待企业补充"),
        lambda actor: actions.escalate(order, actor=actor, reason="超出权限"),
    ):
        with pytest.raises(PermissionDenied):
            step(stranger)
    with pytest.raises(PermissionDenied):
        actions.sign(
            order, actor=make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=order.enterprise)
        )
    signed = actions.sign(order, actor=handler, now=FRIDAY)
    assert signed.status == OrderStatus.SIGNED and signed.signed_by == handler
    started = actions.start(signed, actor=handler, now=FRIDAY)
    assert started.status == OrderStatus.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        actions.reply(started, actor=stranger, answer="已协调")
    with pytest.raises(ValidationError, match="答复"):
        actions.reply(started, actor=handler, answer=" ")
    replied = actions.reply(started, actor=handler, answer="已协调替代货源", now=FRIDAY)
    assert replied.status == OrderStatus.REPLIED and replied.answer == "已协调替代货源"
    actions_log = list(
        TransitionRecord.objects.filter(object_type="workorders.workorder", object_id=str(order.pk))
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions_log == [("sign", handler.pk), ("start", handler.pk), ("reply", handler.pk)]


def test_reply_keeps_the_evidence_files(order, handler):
    from django.core.files.uploadedfile import SimpleUploadedFile

    actions.start(order, actor=handler, now=FRIDAY)
    evidence = SimpleUploadedFile("协调函.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    replied = actions.reply(order, actor=handler, answer="已发协调函", files=[evidence])
    files = list(replied.attachments.all())
    assert [f.name for f in files] == ["协调函.pdf"] and files[0].demand_id == order.demand_id


def test_return_window_counts_working_days_across_a_weekend(order, handler, county, demand):
    # dispatched Friday 10:00; the window is 2 working days: Tuesday 10:00
    monday = at(2024, 3, 11, 16)
    assert actions.return_window_open(order, monday)
    with pytest.raises(ValidationError, match="退回期限"):
        actions.request_return(order, actor=handler, reason="非本部门职责", now=at(2024, 3, 12, 11))
    with pytest.raises(ValidationError, match="退回理由"):
        actions.request_return(order, actor=handler, reason="", now=monday)
    request = actions.request_return(
        order,
        actor=handler,
        reason="属商务部门职责",
        suggested_department=department(kind="commerce"),
        now=monday,
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURN_REQUESTED and order.return_count == 1
    assert request.previous_status == OrderStatus.DISPATCHED
    with pytest.raises(PermissionDenied):
        actions.decide_return(request, actor=handler, approve=True)
    actions.decide_return(request, actor=county, approve=True, note="同意", now=monday)
    order.refresh_from_db()
    demand.refresh_from_db()
    assert order.status == OrderStatus.RETURNED and demand.status == DemandStatus.ACCEPTED
    assert unread_count(handler) >= 1
    again = actions.dispatch(demand, actor=county, department=department(kind="commerce"))
    assert again.role == "lead"
    demand.refresh_from_db()
    assert demand.status == DemandStatus.HANDLING


def test_insisting_puts_the_order_back_where_it_was(order, handler, county):
    actions.sign(order, actor=handler, now=FRIDAY)
    request = actions.request_return(order, actor=handler, reason="不属于本部门", now=FRIDAY)
    with pytest.raises(ValidationError):
        actions.decide_return(request, actor=county, approve=False, note="")
    actions.decide_return(request, actor=county, approve=False, note="属于工信职责，请继续办理")
    order.refresh_from_db()
    request.refresh_from_db()
    assert order.status == OrderStatus.SIGNED and request.status == RequestStatus.REFUSED


def test_extension_is_limited_in_number_and_length(order, handler, county):
    actions.sign(order, actor=handler, now=FRIDAY)
    with pytest.raises(ValidationError):
        actions.request_extension(order, actor=handler, working_days=11, reason="需要时间")
    with pytest.raises(ValidationError):
        actions.request_extension(order, actor=handler, working_days=3, reason="")
    request = actions.request_extension(order, actor=handler, working_days=3, reason="等待钢厂复产")
    with pytest.raises(ValidationError, match="待审批"):
        actions.request_extension(order, actor=handler, working_days=2, reason="再延")
    with pytest.raises(PermissionDenied):
        actions.decide_extension(request, actor=handler, approve=True)
    actions.decide_extension(request, actor=county, approve=True)
    order.refresh_from_db()
    calendar = clocks.WorkCalendar.from_rules()
    assert order.extension_minutes == 3 * calendar.minutes_per_day and order.extension_count == 1
    assert order.due_at == at(2024, 3, 20, 10)  # 5 + 3 working days after Friday 8 March
    with pytest.raises(ValidationError, match="最多延期 1 次"):
        actions.request_extension(order, actor=handler, working_days=1, reason="再延")


def test_suspension_moves_the_deadline_by_the_working_time_suspended(order, handler):
    actions.start(order, actor=handler, now=FRIDAY)
    suspended = actions.suspend(
        order, actor=handler, reason="等待企业补充合同", now=at(2024, 3, 8, 16)
    )
    assert suspended.status == OrderStatus.SUSPENDED
    # suspended from Friday 16:00 to Monday 10:00: 90 + 90 working minutes (the weekend is off)
    resumed = actions.resume(suspended, actor=handler, now=at(2024, 3, 11, 10))
    assert resumed.status == OrderStatus.IN_PROGRESS and resumed.paused_minutes == 180
    assert resumed.due_at == at(2024, 3, 15, 15, 0)  # Friday 10:00 + 180 working minutes
    row = resumed.suspensions.get()
    assert row.paused_minutes == 180 and row.ended_at == at(2024, 3, 11, 10)


def test_escalation_goes_county_city_province_and_stops(order, handler, departments):
    city_staff = staff(CITY, username="city_staff")
    city_office = office(CITY, username="city_office")
    province_office = office(PROVINCE, username="prov_office")
    city_order = actions.escalate(order, actor=handler, reason="涉及跨县协调", now=FRIDAY)
    order.refresh_from_db()
    assert order.status == OrderStatus.ESCALATED
    assert city_order.parent == order and city_order.level == "city" and city_order.role == "lead"
    assert city_order.department == department(CITY) and city_order.region_code == CITY
    assert city_order.dispatched_at == FRIDAY and city_order.status == OrderStatus.DISPATCHED
    assert unread_count(city_office) == 1 and unread_count(city_staff) == 1
    province_order = actions.escalate(city_order, actor=city_staff, reason="需省级协调")
    assert province_order.level == "province" and province_order.limit_minutes == 10 * 420
    with pytest.raises(ValidationError, match="最高一级"):
        actions.escalate(province_order, actor=province_office, reason="再提级")


def test_automatic_escalation_records_an_urging(order):
    new = actions.escalate(order, actor=None, reason="超期 2 个工作日自动提级", automatic=True)
    assert new.supervised
    urging = Urging.objects.get(order=order)
    assert urging.kind == Urging.Kind.AUTO_ESCALATION and urging.by is None


def test_two_officials_on_one_order_leave_one_winner(order, handler, county):
    seen = WorkOrder.objects.get(pk=order.pk).version
    actions.sign(order, actor=handler, version=seen, now=FRIDAY)
    with pytest.raises(Conflict) as refused:
        actions.request_return(order, actor=county, reason="退回", version=seen, now=FRIDAY)
    assert str(handler) in refused.value.messages[0] and "已签收" in refused.value.messages[0]
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED and not order.return_requests.exists()
