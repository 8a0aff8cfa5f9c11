"""MON-01: the board's staff-testing, sentinel, demand-SLA and policy-redemption panels and
their map indicators — every number equals the list it links to, for the province, a city and a
county official; a county official counts only its county; roles that may not read a model get
no panel or figure for it.

The dataset (now = the real clock; the lists compare against it too):

Staff (ordinary posts): 410102 (中原区) unit E1: one tested an hour ago, one never tested, one
last tested 10 days ago, one inactive; unit E4: one tested an hour ago. 410103 (二七区) E2: one
recent, one 10 days ago. 410202 (开封龙亭区) E3: one 10 days ago, one recent.

Sentinel alerts: E1 an overdue-test alert raised now (open), E1 a drug-purchase alert raised three
days ago (open, past its deadline); E2 a positive (closed); E3 an unreported arrival raised three
days ago (open, late).

Demands and orders: E1 O1 dispatched 30 days ago and untouched (open overdue), O2 dispatched an
hour ago (open), O3 signed, replied, visited and closed on time; E2 O4 escalated to the city (the
county's order "escalated", a fresh open order at 4101); E2 a demand filed and not yet accepted;
E3 O5 dispatched 30 days ago (overdue).

Policy P (every unit with staff, province finance department): E1 received 8 万元, E2 paid, E3
granted, E4 applied.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.models import AuditLog
from sibao.core.testing import (
    advance_uptake,
    ensure_departments,
    make_enterprise,
    make_policy,
    make_staff,
    make_user,
)
from sibao.dashboard import panels
from sibao.epidemic import actions as epidemic_actions
from sibao.policies.models import PolicyMatch
from sibao.regions.models import Region
from sibao.workorders.actions import followup, intake, orders
from sibao.workorders.models import WorkOrder
from tests.mon_support import assert_figures_match_lists, board, figures, list_count
from tests.routes.wo_clocks import dispatched_order

pytestmark = pytest.mark.req("MON-01")

MINE = ("testing", "alerts", "demands", "policies")
CITY, COUNTY, SIBLING, OTHER = "4101", "410102", "410103", "410202"


PANEL_PATHS = [
    "sibao.dashboard.panels.epidemic.testing",
    "sibao.dashboard.panels.epidemic.alerts",
    "sibao.dashboard.panels.demands.demands",
    "sibao.dashboard.panels.policies.policies",
]
INDICATOR_PATHS = [
    "sibao.dashboard.panels.epidemic.COMPLIANCE",
    "sibao.dashboard.panels.epidemic.OVERDUE_STAFF",
    "sibao.dashboard.panels.epidemic.OPEN_ALERTS",
    "sibao.dashboard.panels.demands.OVERDUE_ORDERS",
    "sibao.dashboard.panels.policies.REDEMPTION_RATE",
]


@pytest.fixture(autouse=True)
def only_these_panels(settings, monkeypatch):
    """The board shows these panels (registered on it) and no others, uncached: a cached board
    would answer an earlier count."""
    assert set(PANEL_PATHS) <= set(panels.PANEL_PATHS)
    assert set(INDICATOR_PATHS) <= set(panels.INDICATOR_PATHS)
    monkeypatch.setattr(panels, "PANEL_PATHS", PANEL_PATHS)
    monkeypatch.setattr(panels, "INDICATOR_PATHS", INDICATOR_PATHS)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def _staff(unit, hours_ago, **fields):
    tested = None if hours_ago is None else timezone.now() - datetime.timedelta(hours=hours_ago)
    return make_staff(unit, last_negative_at=tested, **fields)


def _alert(kind, staff, key, *, days_ago=0):
    return epidemic_actions.raise_alert(
        kind,
        person_key=staff.person_key,
        staff=staff,
        region_code=staff.region_code,
        detail="测试预警",
        dedupe_key=f"mon-b:{key}",
        now=timezone.now() - datetime.timedelta(days=days_ago),
        actor=None,
        notify_parties=False,
    )


def _closed_on_time(unit, start):
    order = dispatched_order(unit, now=start)
    order = orders.sign(order, actor=None, now=start + datetime.timedelta(minutes=10))
    order = orders.reply(
        order, actor=None, answer="已协调解决", now=start + datetime.timedelta(hours=1)
    )
    order = followup.review(order, actor=None, now=start + datetime.timedelta(hours=2))
    followup.record_visit(
        order,
        actor=None,
        method="phone",
        resolution="resolved",
        satisfaction="satisfied",
        now=start + datetime.timedelta(hours=3),
    )
    return followup.close_order(
        WorkOrder.objects.get(pk=order.pk), actor=None, now=start + datetime.timedelta(hours=4)
    )


@pytest.fixture
def dataset(db):
    ensure_departments("41", CITY, COUNTY, SIBLING, "4102", OTHER)
    now = timezone.now()
    e1 = make_enterprise(region=COUNTY, name="中原甲机械有限公司")
    e4 = make_enterprise(region=COUNTY, name="中原乙食品有限公司")
    e2 = make_enterprise(region=SIBLING, name="二七丙电子有限公司")
    e3 = make_enterprise(region=OTHER, name="龙亭丁纺织有限公司", industry="commerce")

    s1 = _staff(e1, 1)
    s2 = _staff(e1, None)
    _staff(e1, 240)
    _staff(e1, 240, is_active=False)
    _staff(e4, 1)
    s5 = _staff(e2, 1)
    _staff(e2, 240)
    s7 = _staff(e3, 240)
    _staff(e3, 1)

    _alert("overdue_test", s2, "a1")
    _alert("drug_purchase", s1, "a2", days_ago=3)
    closed = _alert("positive", s5, "a3")
    _alert("unreported_arrival", s7, "a4", days_ago=3)
    epidemic_actions.close_alert(closed, actor=None, outcome="已隔离转运")

    dispatched_order(e1, now=now - datetime.timedelta(days=30))
    dispatched_order(e1, now=now - datetime.timedelta(hours=1))
    _closed_on_time(e1, now - datetime.timedelta(days=20))
    o4 = dispatched_order(e2, now=now - datetime.timedelta(days=2))
    orders.escalate(o4, actor=None, reason="涉及跨县协调", now=now - datetime.timedelta(days=2))
    intake.file_demand(
        e2,
        actor=None,
        category="raw_materials",
        title="包装材料短缺",
        description="急需协调包装材料供应。",
        urgency="normal",
        now=now,
    )
    dispatched_order(e3, now=now - datetime.timedelta(days=30))

    admins = {
        unit.pk: make_user(Role.ENTERPRISE_ADMIN, unit.region_id, enterprise=unit)
        for unit in (e1, e2, e3, e4)
    }
    finance = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance")
    policy = make_policy(
        region="41",
        conditions=[{">=": [{"var": "employees"}, 1]}],
        title="稳岗奖补",
        benefit_amount=Decimal("10"),
    )
    for unit, step, amount in ((e1, "received", "8"), (e2, "paid", "10"), (e3, "granted", "9")):
        match = PolicyMatch.objects.get(policy=policy, enterprise=unit)
        advance_uptake(match, step, unit_admin=admins[unit.pk], department=finance, amount=amount)
    match = PolicyMatch.objects.get(policy=policy, enterprise=e4)
    advance_uptake(match, "applied", unit_admin=admins[e4.pk], department=finance)

    return {
        "province": make_user(Role.HQ_OFFICE, "41", username="mon_b_province"),
        "city": make_user(Role.HQ_OFFICE, CITY, username="mon_b_city"),
        "county": make_user(Role.HQ_OFFICE, COUNTY, username="mon_b_county"),
        "e1_admin": admins[e1.pk],
    }


def _mine(found: dict) -> dict:
    return {key: f.value for key, f in found.items() if key.split(".")[0] in MINE}


# what each official's board shows (see the module docstring)
EXPECTED = {
    "county": {
        "testing.staff": 4,
        "testing.overdue": 2,
        "testing.compliance_pct": Decimal("50.0"),
        "testing.units_overdue": 1,
        "alerts.open": 2,
        "alerts.late": 1,
        "demands.open_demands": 2,
        "demands.open_orders": 2,
        "demands.closed_on_time": 1,
        "demands.overdue": 1,
        "demands.escalated": 0,
        "policies.eligible": 2,
        "policies.applied": 2,
        "policies.granted": 1,
        "policies.paid": 1,
        "policies.paid_amount": Decimal("8.00"),
        "policies.unredeemed": 1,
        "policies.redemption_rate": Decimal("50.0"),
    },
    "city": {
        "testing.staff": 6,
        "testing.overdue": 3,
        "testing.units_overdue": 2,
        "alerts.open": 2,
        "alerts.late": 1,
        "demands.open_demands": 4,
        "demands.open_orders": 3,
        "demands.overdue": 1,
        "demands.escalated": 1,
        "policies.eligible": 3,
        "policies.paid": 2,
        "policies.unredeemed": 2,
    },
    "province": {
        "testing.staff": 8,
        "testing.overdue": 4,
        "testing.units_overdue": 3,
        "alerts.open": 3,
        "alerts.late": 2,
        "demands.open_demands": 5,
        "demands.open_orders": 4,
        "demands.overdue": 2,
        "demands.escalated": 1,
        "policies.eligible": 4,
        "policies.granted": 3,
        "policies.unredeemed": 3,
    },
}


def test_each_official_sees_exact_figures_that_equal_their_lists(dataset, login):
    for level, expected in EXPECTED.items():
        client = login(dataset[level])
        response = board(client)
        shown = _mine(figures(response))
        assert {key: shown.get(key) for key in expected} == expected, level
        assert shown["alerts.超时未检测核酸.open"] == 1
        linked = [key for key, f in figures(response).items() if key.split(".")[0] in MINE]
        compared = assert_figures_match_lists(client, response, keys=linked)
        assert compared == 20, level  # every count of the four panels, the five alert kinds
        content = response.content.decode()
        assert "测试员工" not in content  # no person is named on the board

        # the rates are the metrics page's and the compliance page's own
        code = {"county": COUNTY, "city": CITY, "province": "41"}[level]
        page = client.get(reverse("workorders:metrics"), {"region": code}).context
        assert shown["demands.sign_rate"] == page["total"].sign_rate
        assert shown["demands.close_rate"] == page["total"].close_rate
        rates = client.get(reverse("epidemic:compliance_regions"), {"region": code}).context
        assert shown["testing.compliance_pct"] == rates["own"].compliance_pct

    # the county official may not look at its sibling county; the city official drilled down to
    # the county sees exactly the county official's figures (nothing of the sibling county)
    county = login(dataset["county"])
    assert county.get(reverse("dashboard:board"), {"region": SIBLING}).status_code == 404
    drilled = _mine(figures(board(login(dataset["city"]), COUNTY)))
    assert drilled == _mine(figures(board(county, COUNTY)))


def _context(user, code):
    now = timezone.now()
    return panels.BoardContext(
        user=user,
        region=Region.objects.get(code=code),
        rules=rules.current(),
        today=timezone.localdate(now),
        now=now,
    )


def test_indicator_values_equal_the_linked_lists_and_pages(dataset, login):
    indicators = {i.key: i for i in panels.indicators()}
    mine = ["test_compliance", "overdue_staff", "open_alerts", "overdue_orders", "redemption_rate"]
    assert set(mine) <= set(indicators)
    overdue_staff = {}
    for level, code, children in (
        ("city", CITY, [COUNTY, SIBLING, "410104"]),  # 410104: no unit there
        ("province", "41", ["4101", "4102", "4103"]),  # 4103: no unit there
    ):
        user, client = dataset[level], login(dataset[level])
        ctx = _context(user, code)
        regions = list(Region.objects.filter(parent_id=code).order_by("code"))
        values = {key: indicators[key].values(ctx, regions) for key in mine}
        overdue_staff.update({child: values["overdue_staff"][child] for child in children})
        for key in ("overdue_staff", "open_alerts", "overdue_orders"):
            for child in children:
                url = indicators[key].url(ctx, child)
                assert values[key][child] == list_count(client, url), (level, key, child)
        for child in children:
            page = client.get(reverse("epidemic:compliance_regions"), {"region": child}).context
            pct = page["own"].compliance_pct
            assert values["test_compliance"][child] == (None if pct is None else float(pct))
            uptake = client.get(reverse("policies:uptake_regions"), {"region": child})
            rate = uptake.context["total"].rate_by_count
            assert values["redemption_rate"][child] == (None if rate is None else float(rate))
    assert overdue_staff == {COUNTY: 2, SIBLING: 1, "410104": 0, "4101": 3, "4102": 1, "4103": 0}
    assert values["overdue_orders"]["4101"] == 1 and values["redemption_rate"]["4103"] is None


def test_roles_see_only_the_panels_and_figures_they_may_read(
    dataset, login, django_assert_num_queries
):
    # an HQ leader reads no rosters or sentinel alerts: no such panels
    leader = make_user(Role.HQ_LEADER, CITY, username="mon_b_leader")
    keys = {p.key for p in board(login(leader)).context["panels"]}
    assert {"demands", "policies"} <= keys and not {"testing", "alerts"} & keys

    # an industry department reads no rosters either; its policy figures are its own lists'
    department = make_user(Role.DEPARTMENT_STAFF, CITY, username="mon_b_department")
    client = login(department)
    response = board(client)
    assert {p.key for p in response.context["panels"]} == {"demands", "policies"}
    assert assert_figures_match_lists(client, response, keys=list(_mine(figures(response))))

    # each panel reads with one or two aggregate queries, each indicator with one grouped query
    ctx = _context(dataset["province"], "41")
    ctx.user.active_grants()  # read once per request, whatever the panels
    regions = list(Region.objects.filter(parent_id="41"))
    reads = {"testing": 2, "alerts": 1, "demands": 2, "policies": 1}  # testing: + emergency scope
    for provider in panels.providers():
        with django_assert_num_queries(reads[provider.__name__]):
            provider(ctx)
    reads = {
        "test_compliance": 2,
        "overdue_staff": 2,
        "open_alerts": 1,
        "overdue_orders": 1,
        "redemption_rate": 2,  # the uptake module's per-region funnels read the children too
    }
    for indicator in panels.indicators():
        with django_assert_num_queries(reads[indicator.key]):
            indicator.values(ctx, regions)

    # the match list behind the redemption figures exports what it lists, audited
    county = login(dataset["county"])
    url = f"{reverse('policies:uptake_matches')}?region={COUNTY}&result=eligible&step=applied"
    assert list_count(county, url) == 2
    export = county.get(url + "&export=csv")
    assert export.status_code == 200
    assert len(export.content.decode("utf-8-sig").strip().splitlines()) == 1 + 2
    assert AuditLog.objects.filter(action="policy.uptake.export", note="matches csv").exists()
    # the unit's own admin sees its own matches only
    assert list_count(login(dataset["e1_admin"]), reverse("policies:uptake_matches")) == 1
