"""WL-01, WL-02: the registry list searches and filters active records in scope (park, whitelist
status, city operation, kind); a park's page lists its members."""

import pytest

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise
from sibao.enterprises import actions
from sibao.enterprises.models import Enterprise


@pytest.fixture
def registry(personas, own_enterprise):
    park = make_enterprise(region=OWN_COUNTY, kind="park", name="中原科技园", output_value=None)
    member = make_enterprise(region=OWN_COUNTY, name="园内电子有限公司", park=park)
    city = make_enterprise(region=OWN_COUNTY, name="中原供水有限公司", is_city_operation=True)
    project = make_enterprise(
        region=OWN_COUNTY, kind="project", name="中原物流园项目", output_value=None, investment=5
    )
    actions.admit_unit(member, tier="county", actor=None, reason="达标")
    merged = make_enterprise(
        region=OWN_COUNTY, name="已合并的重复记录", credit_code=city.credit_code
    )
    Enterprise.objects.filter(pk=merged.pk).update(merged_into=city)
    make_enterprise(region=OTHER_COUNTY, name="龙亭园内企业")
    return {"park": park, "member": member, "city": city, "project": project}


def names(client, **params):
    response = client.get("/enterprises/", params)
    assert response.status_code == 200
    return sorted(e.name for e in response.context["object_list"])


@pytest.mark.req("WL-01")
@pytest.mark.req("WL-02")
def test_the_list_filters_by_park_whitelist_city_operation_and_kind(
    personas, registry, own_enterprise, login
):
    client = login(personas["own_county"])
    everything = names(client)
    assert "已合并的重复记录" not in everything and "龙亭园内企业" not in everything
    assert len(everything) == 5
    assert names(client, park=registry["park"].pk) == ["园内电子有限公司"]
    assert names(client, whitelist="listed") == ["园内电子有限公司"]
    assert "园内电子有限公司" not in names(client, whitelist="not_listed")
    assert len(names(client, whitelist="not_listed")) == 4
    assert names(client, is_city_operation="true") == ["中原供水有限公司"]
    assert names(client, kind="project") == ["中原物流园项目"]
    assert names(client, kind="park") == ["中原科技园"]
    assert names(client, q="供水") == ["中原供水有限公司"]
    # the park choices are the parks the user sees
    form = client.get("/enterprises/").context["filterset"].form
    assert list(form.fields["park"].queryset) == [registry["park"]]


@pytest.mark.req("WL-01")
def test_the_list_page_costs_a_fixed_number_of_queries(
    personas, registry, login, django_assert_max_num_queries
):
    client = login(personas["own_county"])
    for _n in range(30):
        make_enterprise(region=OWN_COUNTY, park=registry["park"])
    # session, user, rules, grants, count, notifications, industries, parks, rows, session save
    with django_assert_max_num_queries(12):
        response = client.get("/enterprises/", {"whitelist": "not_listed"})
    assert response.status_code == 200 and len(response.context["object_list"]) == 34
    with django_assert_max_num_queries(10):
        assert client.get("/api/enterprises/", {"park": registry["park"].pk}).status_code == 200


@pytest.mark.req("WL-02")
def test_a_parks_page_lists_its_members(personas, registry, login):
    client = login(personas["own_county"])
    page = client.get(f"/enterprises/{registry['park'].pk}/")
    assert list(page.context["members"]) == [registry["member"]]
    assert 'data-testid="park-members"' in page.content.decode()
    # a new member is registered from the park's page with the park chosen
    create = f"/enterprises/new/?park={registry['park'].pk}"
    assert create in page.content.decode()
    assert client.get(create).context["form"]["park"].value() == str(registry["park"].pk)
    member_page = client.get(f"/enterprises/{registry['member'].pk}/").content.decode()
    assert "中原科技园" in member_page


@pytest.mark.req("WL-01")
def test_the_detail_shows_the_edit_button_only_to_those_who_may_edit(
    personas, own_enterprise, login
):
    url = f"/enterprises/{own_enterprise.pk}/"
    assert login(personas["own_county"]).get(url).context["can_change"]
    assert login(personas["enterprise_admin"]).get(url).context["can_change"]
