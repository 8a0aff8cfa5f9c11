"""EPI-15: NAT sampling houses: the subsidy and its split, the ≥ 1000-staff prompt, deployment
deadlines by area (主城区 vs 县（市）), payment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sibao.accounts.roles import Role
from sibao.core import rules as rule_set
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_listed, make_user
from sibao.epidemic import actions, queries_units
from sibao.epidemic.models import SamplingHouse
from sibao.regions.models import Region

PURCHASED = datetime.date(2022, 5, 10)


@pytest.fixture
def big(db):
    """A listed unit of 1200 staff in 中原区 (a 市辖区 of 郑州: main urban area)."""
    unit = make_enterprise(region=OWN_COUNTY, employees=1200, name="中原大型制造有限公司")
    make_listed(unit)
    return unit


@pytest.fixture
def admin(big):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=big)


@pytest.fixture
def office(db):
    return make_user(Role.HQ_OFFICE, OWN_COUNTY)


def house(unit, admin, price="85000.01", **fields):
    values = {"site": "南门", "purchased_on": PURCHASED, "price": Decimal(price)}
    values.update(fields)
    return actions.record_sampling_house(unit, actor=admin, **values)


@pytest.mark.req("EPI-15")
def test_the_subsidy_is_half_the_price_split_seven_to_three_to_the_cent(big, admin):
    h = house(big, admin, "85000.01")
    # 85,000.01 × 50 % = 42,500.005 → 42,500.01; × 7/10 = 29,750.007 → 29,750.01; rest 12,750.00
    assert h.subsidy_total == Decimal("42500.01")
    assert h.subsidy_province == Decimal("29750.01")
    assert h.subsidy_local == Decimal("12750.00")
    assert h.subsidy_province + h.subsidy_local == h.subsidy_total
    h.refresh_from_db()
    assert (h.subsidy_total, h.subsidy_province, h.subsidy_local) == (
        Decimal("42500.01"),
        Decimal("29750.01"),
        Decimal("12750.00"),
    )
    assert h.rule_version == rule_set.current().version


def test_the_two_shares_always_add_up_to_the_total():
    rules = rule_set.RuleSet(0, rule_set.defaults())
    for cents in range(1, 100_001, 997):
        price = Decimal(cents) / 100 + Decimal("12345")
        total, province, local = queries_units.sampling_house_subsidy(price, rules)
        assert province + local == total
        assert total == (price / 2).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert abs(province - total * Decimal("0.7")) <= Decimal("0.005")


@pytest.mark.req("EPI-15")
def test_the_subsidy_follows_the_rule_set_in_force_and_keeps_its_version(big, admin):
    before = house(big, admin, "60000.00")
    province_office = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("sampling_house_subsidy_pct", "40", actor=province_office, reason="调整")
    change_rule_parameter(
        "sampling_house_province_share", "6", actor=province_office, reason="调整"
    )
    change_rule_parameter("sampling_house_local_share", "4", actor=province_office, reason="调整")
    after = house(big, admin, "60000.00", site="北门")
    assert (after.subsidy_total, after.subsidy_province, after.subsidy_local) == (
        Decimal("24000.00"),
        Decimal("14400.00"),
        Decimal("9600.00"),
    )
    assert after.rule_version == rule_set.current().version > before.rule_version
    before.refresh_from_db()
    assert before.subsidy_total == Decimal("30000.00")  # a stored decision does not move
    entry = AuditLog.objects.get(action="sampling_house.record", object_id=str(after.pk))
    assert entry.rule_version == after.rule_version


@pytest.mark.req("EPI-15")
def test_bad_input_is_refused_and_changes_nothing(big, admin):
    for bad in (
        {"price": Decimal("0")},
        {"price": Decimal("12.345")},
        {"site": "  "},
        {"purchased_on": datetime.date.today() + datetime.timedelta(days=3)},
        {"deployed_on": PURCHASED - datetime.timedelta(days=1)},
    ):
        with pytest.raises(ValidationError):
            house(big, admin, **{"price": "1000.00", **{k: v for k, v in bad.items()}})
    assert not SamplingHouse.objects.exists()


@pytest.mark.req("EPI-15")
def test_units_of_at_least_1000_staff_without_a_house_are_flagged(big, admin, db):
    small = make_enterprise(region=OWN_COUNTY, employees=999)
    make_listed(small)
    rules = rule_set.current()
    needing = queries_units.units_needing_house(None, rules)
    assert list(needing.values_list("pk", flat=True)) == [big.pk]
    unit = needing.get()
    state = queries_units.sampling_house_status(
        staff=unit.staff_count,
        region=big.region,
        houses=unit.houses,
        first_deployed_on=unit.first_deployed_on,
        today=datetime.date(2022, 5, 1),
        rules=rules,
    )
    assert state.required and state.flagged and state.status == "pending"
    house(big, admin, deployed_on=datetime.date(2022, 5, 20))
    unit = queries_units.units_needing_house(None, rules).get()
    assert (unit.houses, unit.first_deployed_on) == (1, datetime.date(2022, 5, 20))
    state = queries_units.sampling_house_status(
        staff=unit.staff_count,
        region=big.region,
        houses=unit.houses,
        first_deployed_on=unit.first_deployed_on,
        today=datetime.date(2022, 7, 1),
        rules=rules,
    )
    assert not state.flagged and state.status == "on_time"


@pytest.mark.req("EPI-15")
def test_the_threshold_is_a_rule_set_parameter(big, db):
    province_office = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter(
        "sampling_house_staff_threshold", "1500", actor=province_office, reason="调整"
    )
    assert not queries_units.units_needing_house(None, rule_set.current()).exists()


@pytest.mark.req("EPI-15")
@pytest.mark.parametrize(
    ("code", "urban"),
    [
        ("410102", True),  # 中原区: a 市辖区
        ("410104", True),  # 管城回族区
        ("410173", True),  # 郑州航空港经济综合实验区: a city's functional zone
        ("410122", False),  # 中牟县
        ("410181", False),  # 巩义市: a county-level city
        ("419001", False),  # 济源市: city level without counties, administered as a county
        ("4101", True),  # a unit registered at city level: the city proper
    ],
)
def test_the_deadline_follows_the_main_urban_classification(code, urban, db):
    rules = rule_set.current()
    region = Region.objects.get(code=code)
    assert queries_units.is_main_urban(region) is urban
    is_urban, due = queries_units.sampling_house_due(region, rules)
    assert is_urban is urban
    assert due == (datetime.date(2022, 5, 31) if urban else datetime.date(2022, 6, 30))


@pytest.mark.req("EPI-15")
def test_deployment_on_time_late_and_overdue(db):
    rules = rule_set.current()
    urban, county = Region.objects.get(code="410102"), Region.objects.get(code="410122")

    def status(region, first, today):
        return queries_units.sampling_house_status(
            staff=1200,
            region=region,
            houses=1 if first else 0,
            first_deployed_on=first,
            today=today,
            rules=rules,
        ).status

    june_10 = datetime.date(2022, 6, 10)
    assert status(urban, None, june_10) == "overdue"
    assert status(county, None, june_10) == "pending"
    assert status(county, None, datetime.date(2022, 7, 1)) == "overdue"
    assert status(urban, june_10, datetime.date(2022, 7, 1)) == "late"
    assert status(county, june_10, datetime.date(2022, 7, 1)) == "on_time"


@pytest.mark.req("EPI-15")
def test_only_the_hq_office_marks_the_subsidy_paid_once(big, admin, office):
    h = house(big, admin)
    with pytest.raises(PermissionDenied):
        actions.mark_subsidy_paid(h, actor=admin, paid_on=datetime.date(2022, 6, 1))
    other_office = make_user(Role.HQ_OFFICE, OTHER_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.mark_subsidy_paid(h, actor=other_office, paid_on=datetime.date(2022, 6, 1))
    actions.mark_subsidy_paid(h, actor=office, paid_on=datetime.date(2022, 6, 1))
    h.refresh_from_db()
    assert h.subsidy_paid_on == datetime.date(2022, 6, 1)
    with pytest.raises(ValidationError):
        actions.mark_subsidy_paid(h, actor=office, paid_on=datetime.date(2022, 6, 2))
    assert AuditLog.objects.filter(action="sampling_house.subsidy_paid").count() == 1


@pytest.mark.req("EPI-15")
def test_the_unit_registers_a_house_and_its_deployment_on_its_page(big, admin, login, office):
    client = login(admin)
    page = client.get(reverse("epidemic:sampling_house_unit", args=[big.pk]))
    assert 'data-testid="house-flagged"' in page.content.decode()
    added = client.post(
        reverse("epidemic:sampling_house_add", args=[big.pk]),
        {"site": "东门", "purchased_on": "2022-05-10", "price": "85000.01"},
    )
    assert added.status_code == 302
    h = SamplingHouse.objects.get(enterprise=big)
    assert h.subsidy_total == Decimal("42500.01")
    deploy_url = reverse("epidemic:sampling_house_deploy", args=[h.pk])
    assert client.get(deploy_url).status_code == 405
    assert client.post(deploy_url, {"deployed_on": "2022-06-05"}).status_code == 302
    h.refresh_from_db()
    assert h.deployed_on == datetime.date(2022, 6, 5)
    page = client.get(reverse("epidemic:sampling_house_unit", args=[big.pk]))
    assert 'data-status="late"' in page.content.decode()  # 中原区 was due 2022-05-31
    paid_url = reverse("epidemic:sampling_house_paid", args=[h.pk])
    assert client.post(paid_url, {"paid_on": "2022-07-01"}).status_code == 403
    assert login(office).post(paid_url, {"paid_on": "2022-07-01"}).status_code == 302
    h.refresh_from_db()
    assert h.subsidy_paid_on == datetime.date(2022, 7, 1)
    stranger = login(make_user(Role.HQ_OFFICE, OTHER_COUNTY))
    assert stranger.post(paid_url, {"paid_on": "2022-07-01"}).status_code == 404


@pytest.mark.req("EPI-15")
def test_the_region_page_lists_flagged_units_and_subsidy_totals(
    big, admin, login, django_assert_max_num_queries
):
    housed = make_enterprise(region="410122", employees=3000, name="中牟大型有限公司")
    make_listed(housed)
    housed_admin = make_user(Role.ENTERPRISE_ADMIN, "410122", enterprise=housed)
    house(housed, housed_admin, "85000.01", deployed_on=datetime.date(2022, 6, 20))
    house(housed, housed_admin, "10000.00")
    far = make_enterprise(region=OTHER_COUNTY, employees=5000, name="龙亭大型有限公司")
    make_listed(far)
    client = login(make_user(Role.HQ_OFFICE, "4101"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("epidemic:sampling_house_region"))
    assert page.status_code == 200
    totals = page.context["totals"]
    assert (totals["total"], totals["province"], totals["local"]) == (
        Decimal("47500.01"),
        Decimal("33250.01"),
        Decimal("14250.00"),
    )
    rows = {r["region"].code: r for r in page.context["rows"]}
    assert (rows["410102"]["required"], rows["410102"]["flagged"]) == (1, 1)
    assert (rows["410122"]["houses"], rows["410122"]["flagged"]) == (2, 0)
    flagged = [unit.name for unit, _state in page.context["attention"]]
    assert flagged == ["中原大型制造有限公司"]  # not the other county's unit
    assert "龙亭大型有限公司" not in page.content.decode()


@pytest.mark.req("EPI-15")
def test_the_api_computes_the_subsidy_and_keeps_it_read_only(big, admin, login, office):
    client = login(admin)
    made = client.post(
        "/api/sampling-houses/",
        {
            "enterprise": big.pk,
            "site": "西门",
            "purchased_on": "2022-05-10",
            "price": "85000.01",
            "subsidy_total": "99999.00",
            "rule_version": 1,
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["subsidy_total"], data["subsidy_province"], data["subsidy_local"]) == (
        "42500.01",
        "29750.01",
        "12750.00",
    )
    assert data["rule_version"] == rule_set.current().version
    pk = data["id"]
    deployed = client.post(
        f"/api/sampling-houses/{pk}/deployed/",
        {"deployed_on": "2022-05-30"},
        content_type="application/json",
    )
    assert deployed.status_code == 200 and deployed.json()["deployed_on"] == "2022-05-30"
    refused = client.post(f"/api/sampling-houses/{pk}/paid/", {}, content_type="application/json")
    assert refused.status_code == 403
    paid = login(office).post(
        f"/api/sampling-houses/{pk}/paid/",
        {"paid_on": "2022-06-15"},
        content_type="application/json",
    )
    assert paid.status_code == 200 and paid.json()["subsidy_paid_on"] == "2022-06-15"
    listed = login(office).get("/api/sampling-houses/", {"paid": "true"}).json()
    assert [h["id"] for h in listed["results"]] == [pk]
