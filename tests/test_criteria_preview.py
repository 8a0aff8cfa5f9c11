"""WL-03: before publishing, the department sees how many enterprises of its region and industry
would meet each tier now; criteria left to a reviewer never count as settled."""

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import FactSource
from sibao.enterprises.queries_criteria import preview
from sibao.regions.models import Department, IndustryDomain


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def draft(staff):
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    draft = actions.create_criteria_draft(
        department, IndustryDomain.objects.get(code="industry"), actor=staff, title="草稿"
    )
    industry = {"==": [{"var": "industry"}, "industry"]}
    actions.add_criterion(draft, actor=staff, code="J1", title="工业企业", expression=industry)
    for code, tier, amount in (("P1", "province", 100000), ("C1", "city", 10000)):
        actions.add_criterion(
            draft,
            actor=staff,
            code=code,
            title=f"营收{amount}",
            tier=tier,
            expression={">=": [{"var": "annual_revenue"}, amount]},
        )
    actions.add_criterion(draft, actor=staff, code="X1", title="闭环条件", tier="county")
    return draft


@pytest.fixture
def units(departments):
    def revenue(unit, amount, source=FactSource.TAX):
        actions.record_fact(unit, "annual_revenue", amount, source=source, actor=None)
        return unit

    big = revenue(make_enterprise(region=OWN_COUNTY), 120000)
    declared = revenue(make_enterprise(region=OWN_COUNTY), 120000, FactSource.SELF_DECLARED)
    small = revenue(make_enterprise(region=OWN_COUNTY), 5000)
    unknown = make_enterprise(region=OWN_COUNTY)
    # not counted: another industry, another county, a merged duplicate
    revenue(make_enterprise(region=OWN_COUNTY, industry="commerce"), 120000)
    revenue(make_enterprise(region=OTHER_COUNTY), 120000)
    revenue(make_enterprise(region=OWN_COUNTY, merged_into=big), 120000)
    return big, declared, small, unknown


def _by_tier(result):
    return {row["tier"]: (row["met"], row["possibly"], row["not_met"]) for row in result["tiers"]}


@pytest.mark.req("WL-03")
def test_the_preview_counts_met_possible_and_failing_units_per_tier(draft, units, staff):
    result = preview(draft, staff)
    assert result["total"] == 4
    assert _by_tier(result) == {
        # met only by the unit whose revenue comes from the tax office; the declared one and the
        # one without data are possible; the small one fails
        "province": (1, 2, 1),
        "city": (1, 2, 1),
        # the county tier has a criterion for the reviewer: nothing is settled automatically
        "county": (0, 4, 0),
    }
    assert [row["reviewed"] for row in result["tiers"]] == [0, 0, 1]


@pytest.mark.req("WL-03")
def test_the_draft_page_loads_the_preview_for_its_department(draft, units, staff, login):
    client = login(staff)
    page = client.get(f"/enterprises/criteria/{draft.pk}/")
    assert page.status_code == 200
    assert f"/enterprises/criteria/{draft.pk}/preview/" in page.content.decode()
    panel = client.get(f"/enterprises/criteria/{draft.pk}/preview/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert _by_tier(panel.context["preview"])["province"] == (1, 2, 1)
    assert "自动达标" in panel.content.decode()


@pytest.mark.req("WL-03")
def test_the_preview_only_counts_units_the_user_may_see(draft, units, departments):
    # a province-level reader of the county draft counts the same units; a unit admin none
    province = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="industry_it")
    assert preview(draft, province)["total"] == 4
    outsider = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=units[2])
    assert preview(draft, outsider)["total"] == 1
