"""POL-06: the subsidy calculators — parameters from the rule set, the result stored with the
rule version (a changed parameter gives a new version and a new result), the sampling-house
formula shared with EPI-15, who may calculate, the forms and the history."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_user
from sibao.epidemic import actions as epidemic_actions
from sibao.policies import actions, calculators
from sibao.policies.models import SubsidyCalculation


@pytest.fixture
def unit_admin(personas):
    return personas["enterprise_admin"]


@pytest.fixture
def province_office(departments):
    return make_user(Role.HQ_OFFICE, "41")


@pytest.mark.req("POL-06")
def test_sampling_house_subsidy_is_half_split_7_to_3_for_large_units(own_enterprise, unit_admin):
    calc = actions.calculate_subsidy(
        "sampling_house",
        actor=unit_admin,
        inputs={"price": "60000", "staff": "1200"},
        enterprise=own_enterprise,
    )
    assert calc.total == Decimal("30000.00")
    assert calc.result["province"] == "21000.00" and calc.result["local"] == "9000.00"
    assert calc.rule_version == rules.current().version
    assert calc.inputs == {"price": "60000", "staff": 1200}
    assert calc.region_code == OWN_COUNTY and calc.calculated_by == unit_admin
    assert AuditLog.objects.filter(
        action="policy.subsidy.calculate", object_id=str(calc.pk), rule_version=calc.rule_version
    ).exists()
    # rounding: the shares add up to the total to the cent
    odd = actions.calculate_subsidy(
        "sampling_house",
        actor=None,
        inputs={"price": "33333.33", "staff": 1000},
        enterprise=own_enterprise,
    )
    assert odd.total == Decimal("16666.67")
    assert Decimal(odd.result["province"]) + Decimal(odd.result["local"]) == odd.total
    with pytest.raises(ValidationError) as error:
        actions.calculate_subsidy(
            "sampling_house",
            actor=unit_admin,
            inputs={"price": "60000", "staff": "999"},
            enterprise=own_enterprise,
        )
    assert "1000" in error.value.message_dict["staff"][0]


@pytest.mark.req("POL-06")
def test_a_changed_parameter_gives_a_new_version_and_a_new_result(
    own_enterprise, unit_admin, province_office
):
    inputs = {"price": "60000", "staff": "1500"}
    before = actions.calculate_subsidy(
        "sampling_house", actor=unit_admin, inputs=inputs, enterprise=own_enterprise
    )
    change_rule_parameter("sampling_house_subsidy_pct", "40", actor=province_office, reason="调整")
    after = actions.calculate_subsidy(
        "sampling_house", actor=unit_admin, inputs=inputs, enterprise=own_enterprise
    )
    assert after.rule_version == before.rule_version + 1
    assert (before.total, after.total) == (Decimal("30000.00"), Decimal("24000.00"))
    assert after.result["parameters"]["sampling_house_subsidy_pct"] == 40
    before.refresh_from_db()
    assert before.total == Decimal("30000.00")  # a stored result keeps its version
    # EPI-15 registers a house with the very same formula and version
    house = epidemic_actions.record_sampling_house(
        own_enterprise,
        actor=unit_admin,
        site="东门",
        purchased_on=datetime.date(2022, 5, 1),
        price=Decimal("60000"),
    )
    assert house.subsidy_total == after.total and house.rule_version == after.rule_version
    assert str(house.subsidy_province) == after.result["province"]


@pytest.mark.req("POL-06")
def test_nat_testing_cost_by_rhythm_and_price(own_enterprise, unit_admin, province_office):
    week = {"start": "2022-05-01", "end": "2022-05-07", "staff": 100, "mobile_staff": 20}
    pooled = actions.calculate_subsidy(
        "nat_testing",
        actor=unit_admin,
        inputs={**week, "mode": "pooled"},
        enterprise=own_enterprise,
    )
    # 7 days: ordinary posts every 48 h = 4 tests, mobile posts every 24 h = 7 tests
    # (100 × 4 + 20 × 7) × 3.5 = 540 × 3.5
    assert pooled.result["tests"] == 540 and pooled.total == Decimal("1890.00")
    single = actions.calculate_subsidy(
        "nat_testing",
        actor=unit_admin,
        inputs={**week, "mode": "single"},
        enterprise=own_enterprise,
    )
    assert single.total == Decimal("8640.00")  # 540 × 16
    closed = actions.calculate_subsidy(
        "nat_testing",
        actor=unit_admin,
        inputs={**week, "mode": "pooled", "closed_loop": True},
        enterprise=own_enterprise,
    )
    assert closed.total == Decimal("2940.00")  # (100 × 7 + 20 × 7) × 3.5
    change_rule_parameter("nat_price_pooled_yuan", "3", actor=province_office, reason="集采降价")
    cheaper = actions.calculate_subsidy(
        "nat_testing",
        actor=unit_admin,
        inputs={**week, "mode": "pooled"},
        enterprise=own_enterprise,
    )
    assert cheaper.total == Decimal("1620.00") and cheaper.rule_version == pooled.rule_version + 1
    with pytest.raises(ValidationError) as error:
        actions.calculate_subsidy(
            "nat_testing",
            actor=unit_admin,
            inputs={**week, "end": "2022-04-01", "mode": "pooled"},
            enterprise=own_enterprise,
        )
    assert "end" in error.value.message_dict


@pytest.mark.req("POL-06")
def test_prevention_cost_subsidy(own_enterprise, unit_admin, province_office):
    calc = actions.calculate_subsidy(
        "prevention_cost", actor=unit_admin, inputs={"cost": "12345.67"}, enterprise=own_enterprise
    )
    assert calc.total == Decimal("3703.70")  # 30 % half-up to the cent
    change_rule_parameter("prevention_cost_subsidy_pct", "50", actor=province_office, reason="加大")
    again = actions.calculate_subsidy(
        "prevention_cost", actor=unit_admin, inputs={"cost": "12345.67"}, enterprise=own_enterprise
    )
    assert again.total == Decimal("6172.84") and again.rule_version == calc.rule_version + 1
    with pytest.raises(ValidationError):
        actions.calculate_subsidy(
            "prevention_cost", actor=unit_admin, inputs={"cost": "-5"}, enterprise=own_enterprise
        )


@pytest.mark.req("POL-06")
def test_who_may_calculate(own_enterprise, other_enterprise, unit_admin, personas):
    inputs = {"cost": "1000"}
    with pytest.raises(PermissionDenied):  # another unit
        actions.calculate_subsidy(
            "prevention_cost", actor=unit_admin, inputs=inputs, enterprise=other_enterprise
        )
    with pytest.raises(PermissionDenied):  # a unit calculates for itself only
        actions.calculate_subsidy(
            "prevention_cost", actor=unit_admin, inputs=inputs, region_code=OWN_COUNTY
        )
    with pytest.raises(PermissionDenied):  # HQ offices read calculations, do not make them
        actions.calculate_subsidy(
            "prevention_cost", actor=personas["own_county"], inputs=inputs, region_code=OWN_COUNTY
        )
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")
    calc = actions.calculate_subsidy(
        "prevention_cost", actor=staff, inputs=inputs, region_code=OWN_COUNTY
    )
    assert calc.enterprise is None and calc.total == Decimal("300.00")
    with pytest.raises(PermissionDenied):
        actions.calculate_subsidy(
            "prevention_cost", actor=staff, inputs=inputs, region_code=OTHER_COUNTY
        )
    with pytest.raises(ValidationError):
        actions.calculate_subsidy("no_such", actor=staff, inputs=inputs, region_code=OWN_COUNTY)
    # a unit sees its own calculations only
    seen = SubsidyCalculation.objects.visible_to(unit_admin, "view")
    assert calc not in seen


def test_tests_in_period_counts_the_first_day():
    assert calculators.tests_in_period(7, 48) == 4
    assert calculators.tests_in_period(1, 48) == 1
    assert calculators.tests_in_period(2, 24) == 2
    assert calculators.tests_in_period(0, 24) == 0


@pytest.mark.req("POL-06")
def test_the_calculator_pages(own_enterprise, unit_admin, personas, login):
    client = login(unit_admin)
    page = client.get("/policies/subsidies/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "核酸采样屋购置补贴" in text and "防疫费用补助" in text and "30%" in text
    form = client.get("/policies/subsidies/sampling_house/")
    assert form.status_code == 200 and "用工人数" in form.content.decode()
    refused = client.post(
        "/policies/subsidies/sampling_house/",
        {"enterprise": own_enterprise.pk, "price": "60000", "staff": "200"},
    )
    assert refused.status_code == 200 and "1000" in refused.content.decode()
    done = client.post(
        "/policies/subsidies/sampling_house/",
        {"enterprise": own_enterprise.pk, "price": "60000", "staff": "1200"},
    )
    assert done.status_code == 302
    detail = client.get(done["Location"])
    body = detail.content.decode()
    assert "30,000.00" in body and "21000.00" in body and "9000.00" in body
    assert f"v{rules.current().version}" in body
    history = client.get("/policies/subsidies/?calculator=sampling_house").content.decode()
    assert "30,000.00" in history
    # a department calculates for a unit by its credit code
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")
    dept = login(staff)
    answer = dept.post(
        "/policies/subsidies/prevention_cost/",
        {"credit_code": own_enterprise.credit_code, "cost": "10000"},
    )
    assert answer.status_code == 302
    assert SubsidyCalculation.objects.filter(
        enterprise=own_enterprise, calculated_by=staff, total=Decimal("3000.00")
    ).exists()
    unknown = dept.post(
        "/policies/subsidies/prevention_cost/", {"credit_code": "X" * 18, "cost": "1"}
    )
    assert "没有该统一社会信用代码" in unknown.content.decode()
