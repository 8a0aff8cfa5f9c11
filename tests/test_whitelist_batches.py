"""WL-05: a department publishes its region's and industry's changes as numbered batches
(第一批, 第二批 …): exactly the pending changes in its scope, never twice, never empty."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import WhitelistBatch, WhitelistChange
from sibao.regions.models import IndustryDomain, Region


def region(code):
    return Region.objects.get(pk=code)


def industry(code="industry"):
    return IndustryDomain.objects.get(pk=code)


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def changes(departments, staff):
    """Pending changes in and around the own county's industry department's scope."""
    ours = make_enterprise(OWN_COUNTY, name="本县工业一")
    ours_too = make_enterprise(OWN_COUNTY, name="本县工业二")
    commerce = make_enterprise(OWN_COUNTY, industry="commerce", name="本县商贸")
    other_county = make_enterprise(OTHER_COUNTY, name="外市工业")
    neighbour = make_enterprise("410103", name="邻县工业")
    city = make_user(Role.DEPARTMENT_STAFF, "4101", department_kind="industry_it")
    entry = actions.add_unit(ours, actor=staff, tier="county", reason="保供")
    actions.set_service_tier(entry, actor=staff, tier="city", reason="升级")
    actions.add_unit(ours_too, actor=staff, tier="county", reason="保供")
    actions.add_unit(
        commerce,
        actor=make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce"),
        tier="county",
        reason="商贸保供",
    )
    actions.add_unit(
        other_county,
        actor=make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="industry_it"),
        tier="county",
        reason="外市",
    )
    actions.add_unit(neighbour, actor=city, tier="city", reason="邻县")
    return {"entry": entry, "ours": ours, "city": city}


@pytest.mark.req("WL-05")
def test_a_batch_takes_exactly_the_pending_changes_of_its_region_and_industry(changes, staff):
    batch = actions.publish_batch(region(OWN_COUNTY), industry(), actor=staff, note="首批")
    assert batch.number == 1
    assert batch.title == "中原区工业生产白名单（第1批）"
    published = {(c.enterprise.name, c.kind) for c in batch.changes.all()}
    assert published == {
        ("本县工业一", "added"),
        ("本县工业一", "tier_changed"),
        ("本县工业二", "added"),
    }
    # the other industry, the other city and the neighbouring county are still pending
    assert set(
        WhitelistChange.objects.filter(batch__isnull=True).values_list(
            "enterprise__name", flat=True
        )
    ) == {"本县商贸", "外市工业", "邻县工业"}


@pytest.mark.req("WL-05")
def test_batches_are_numbered_and_never_publish_a_change_twice(changes, staff):
    first = actions.publish_batch(region(OWN_COUNTY), industry(), actor=staff)
    with pytest.raises(ValidationError):
        actions.publish_batch(region(OWN_COUNTY), industry(), actor=staff)
    assert WhitelistBatch.objects.count() == 1
    actions.remove_unit(changes["entry"], actor=staff, reason="停产")
    second = actions.publish_batch(region(OWN_COUNTY), industry(), actor=staff)
    assert (first.number, second.number) == (1, 2)
    assert [(c.enterprise.name, c.kind) for c in second.changes.all()] == [
        ("本县工业一", "removed")
    ]
    # the city's own numbering starts at 1 and takes what no county batch took
    city_batch = actions.publish_batch(region("4101"), industry(), actor=changes["city"])
    assert city_batch.number == 1
    assert [c.enterprise.name for c in city_batch.changes.all()] == ["邻县工业"]


@pytest.mark.req("WL-05")
@pytest.mark.req("ORG-04")
def test_departments_publish_only_their_own_region_and_industry(changes, staff, departments):
    commerce = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    with pytest.raises(PermissionDenied):
        actions.publish_batch(region(OWN_COUNTY), industry(), actor=commerce)
    with pytest.raises(PermissionDenied):
        actions.publish_batch(region(OTHER_COUNTY), industry(), actor=staff)
    with pytest.raises(PermissionDenied):
        actions.publish_batch(region("4101"), industry(), actor=staff)  # above its county
    with pytest.raises(PermissionDenied):
        actions.publish_batch(
            region(OWN_COUNTY), industry(), actor=make_user(Role.HQ_OFFICE, OWN_COUNTY)
        )
    assert not WhitelistBatch.objects.exists()


@pytest.mark.req("WL-05")
def test_the_publish_page_previews_the_pending_changes_and_publishes(changes, staff, login):
    client = login(staff)
    page = client.get("/enterprises/batches/publish/").content.decode()
    assert 'value="410102"' in page and 'value="industry"' in page
    assert 'value="commerce"' not in page  # not the department's industry
    assert "本县工业一" in page and "本县工业二" in page and "本县商贸" not in page
    preview = client.get(
        "/enterprises/batches/publish/",
        {"region": OWN_COUNTY, "industry": "industry"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-testid="batch-preview"' in preview and "<html" not in preview
    assert "第 1 批" in preview
    response = client.post(
        "/enterprises/batches/publish/",
        {"region": OWN_COUNTY, "industry": "industry", "title": "", "note": "首批名单"},
    )
    batch = WhitelistBatch.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/enterprises/batches/{batch.pk}/"
    )
    page = client.get(response["Location"]).content.decode()
    assert "首批名单" in page and "本县工业二" in page and "公示页面" in page
    # nothing new: refused with the reason, no batch
    response = client.post(
        "/enterprises/batches/publish/", {"region": OWN_COUNTY, "industry": "industry"}
    )
    assert response.status_code == 200
    assert "没有新的纳入或移出" in response.content.decode()
    assert WhitelistBatch.objects.count() == 1
    # the unit's history names its batch
    panel = client.get(f"/enterprises/{changes['ours'].pk}/whitelist/").content.decode()
    assert f"/enterprises/batches/{batch.pk}/" in panel


@pytest.mark.req("WL-05")
def test_the_batch_list_shows_the_batches_in_scope(changes, staff, login, departments):
    actions.publish_batch(region(OWN_COUNTY), industry(), actor=staff)
    page = login(make_user(Role.HQ_OFFICE, "4101")).get("/enterprises/batches/").content.decode()
    assert "中原区工业生产白名单（第1批）" in page
    page = login(make_user(Role.HQ_OFFICE, OTHER_COUNTY)).get("/enterprises/batches/").content
    assert "中原区工业生产白名单" not in page.decode()


@pytest.mark.req("WL-05")
def test_the_api_publishes_the_next_batch_and_refuses_an_empty_one(changes, staff, login):
    client = login(staff)
    body = {"region": OWN_COUNTY, "industry": "industry", "title": "第一批"}
    response = client.post("/api/whitelist-batches/publish/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 1 and response.json()["change_count"] == 3
    detail = client.get(f"/api/whitelist-batches/{response.json()['id']}/").json()
    assert len(detail["changes"]) == 3
    response = client.post("/api/whitelist-batches/publish/", body, content_type="application/json")
    assert response.status_code == 400
    response = login(make_user(Role.HQ_OFFICE, OWN_COUNTY)).post(
        "/api/whitelist-batches/publish/", body, content_type="application/json"
    )
    assert response.status_code == 403
