import pytest

from sibao.regions.actions import ensure_organisations
from sibao.regions.models import (
    Department,
    DepartmentKind,
    Headquarters,
    IndustryDomain,
    Region,
    WorkingGroup,
)


@pytest.mark.req("ORG-02")
def test_every_level_gets_an_hq_with_office_working_groups_and_departments(db):
    ensure_organisations()
    administrative = Region.objects.filter(is_statistical_zone=False).count()
    assert Headquarters.objects.count() == administrative  # province, cities and counties
    province = Headquarters.objects.get(region_id="41")
    assert "办公室" in province.office_name
    groups = {g.kind: g for g in province.working_groups.select_related("lead_department")}
    assert set(groups) == {
        "industry",
        "commerce",
        "transport",
        "culture_tourism",
        "key_project",
        "epidemic",
    }
    assert groups["industry"].lead_department.kind == DepartmentKind.INDUSTRY_IT
    assert groups["epidemic"].lead_department.kind == DepartmentKind.HEALTH
    # the D3 departments at province level, with county branches where the body has them
    assert set(Department.objects.filter(region_id="41").values_list("kind", flat=True)) == set(
        DepartmentKind.values
    )
    county_kinds = set(Department.objects.filter(region_id="410102").values_list("kind", flat=True))
    assert DepartmentKind.COMMERCE in county_kinds and DepartmentKind.CUSTOMS not in county_kinds
    assert not Headquarters.objects.filter(region__is_statistical_zone=True).exists()


@pytest.mark.req("ORG-02")
def test_creating_the_organisations_twice_duplicates_nothing(db):
    ensure_organisations()
    counts = (
        Headquarters.objects.count(),
        Department.objects.count(),
        WorkingGroup.objects.count(),
    )
    ensure_organisations()
    assert counts == (
        Headquarters.objects.count(),
        Department.objects.count(),
        WorkingGroup.objects.count(),
    )


@pytest.mark.req("ORG-02")
def test_each_industry_names_its_competent_department(db):
    competent = dict(IndustryDomain.objects.values_list("code", "competent_department"))
    assert competent == {
        "industry": "industry_it",
        "commerce": "commerce",
        "transport": "transport",
        "culture_tourism": "culture_tourism",
        "key_project": "development_reform",
    }


@pytest.mark.req("ORG-02")
def test_the_hq_page_shows_its_working_groups(personas, login):
    ensure_organisations()
    page = login(personas["own_county"]).get("/organisations/4101/").content.decode()
    assert "郑州市统筹疫情防控和经济社会发展调度指挥部" in page
    assert "郑州市防疫保障组" in page and "郑州市卫生健康委员会" in page
