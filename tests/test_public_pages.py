"""WL-03, WL-05, WL-11: the public page answers without sign-in with the published criteria (in
words, with tiers, clause, guide and checklist, version and date) and the published batches
only: never a draft, never a change not yet in a batch."""

import pytest
from django.test import Client
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import CriteriaStatus, WhitelistBatch
from sibao.regions.models import Department, IndustryDomain, Region


@pytest.fixture
def published(departments):
    criteria_set = make_criteria_set(
        region="41",
        title="河南省工业生产白名单入选标准",
        guide="一、场所设置：设置临时观察区。",
        criteria=[("C1", "city", {">=": [{"var": "annual_revenue"}, 10000]})],
    )
    criterion = criteria_set.criteria.get()
    criterion.clause = "豫疫防指〔2022〕3号 二(二)"
    criterion.save(update_fields=["clause"])
    criteria_set.checklist.create(section="staff", text="每日健康监测", order=0)
    return criteria_set


@pytest.fixture
def draft(published, departments):
    staff = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="industry_it")
    department = Department.objects.get(region_id="41", kind="industry_it")
    draft = actions.create_criteria_draft(
        department, published.industry, actor=staff, title="尚未发布的修订稿", guide="草稿指南"
    )
    actions.add_criterion(draft, actor=staff, code="D9", title="草稿里的秘密条件")
    return draft


@pytest.fixture
def batches(departments):
    listed = make_enterprise(region=OWN_COUNTY, name="已公布机械有限公司")
    pending = make_enterprise(region=OWN_COUNTY, name="尚未公布机械有限公司")
    actions.add_unit(listed, actor=None, tier="county", reason="达标")
    batch = actions.publish_batch(
        Region.objects.get(code=OWN_COUNTY),
        IndustryDomain.objects.get(code="industry"),
        actor=None,
    )
    actions.add_unit(pending, actor=None, tier="city", reason="达标")  # after the batch
    return batch, listed, pending


@pytest.mark.req("WL-03")
@pytest.mark.req("WL-11")
def test_anyone_reads_the_published_criteria_without_signing_in(published, draft):
    response = Client().get("/public/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "河南省工业生产白名单入选标准" in text
    assert "年营业收入 ≥ 10000 万元" in text and "豫疫防指〔2022〕3号 二(二)" in text
    assert "市级" in text and "第 1 版" in text
    assert timezone.localtime(published.published_at).strftime("%Y-%m-%d") in text
    # the draft and its text are nowhere
    assert "尚未发布的修订稿" not in text and "草稿里的秘密条件" not in text
    # a plain public header, not the platform's navigation
    assert 'data-testid="public-header"' in text and 'data-testid="main-nav"' not in text
    detail = Client().get(f"/public/criteria/{published.pk}/").content.decode()
    assert "一、场所设置：设置临时观察区。" in detail and "每日健康监测" in detail
    assert Client().get(f"/public/criteria/{draft.pk}/").status_code == 404


@pytest.mark.req("WL-03")
def test_a_superseded_version_leaves_the_index_but_stays_readable(published, draft):
    staff = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="industry_it")
    actions.publish_criteria_set(draft, actor=staff)
    index = Client().get("/public/").content.decode()
    assert "尚未发布的修订稿" in index and "草稿里的秘密条件" in index
    assert f'data-criteria-set="{published.pk}"' not in index
    old = Client().get(f"/public/criteria/{published.pk}/").content.decode()
    assert "已被新版本替代" in old
    published.refresh_from_db()
    assert published.status == CriteriaStatus.SUPERSEDED


@pytest.mark.req("WL-05")
def test_published_batches_show_their_changes_and_nothing_pending(batches):
    batch, listed, pending = batches
    index = Client().get("/public/").content.decode()
    assert batch.title in index
    page = Client().get(f"/public/batches/{batch.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert listed.name in text and listed.credit_code in text and "县级" in text
    assert "纳入" in text and str(listed.region) in text
    assert pending.name not in text
    listing = Client().get("/public/batches/", {"industry": "industry"}).content.decode()
    assert batch.title in listing
    assert (
        batch.title
        not in Client().get("/public/batches/", {"industry": "commerce"}).content.decode()
    )
    assert not WhitelistBatch.objects.filter(changes__enterprise=pending).exists()


@pytest.mark.req("WL-03")
def test_signed_in_users_read_the_same_public_pages(published, login, departments):
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    page = office.get("/public/")
    assert page.status_code == 200 and "返回平台" in page.content.decode()


@pytest.mark.req("WL-03")
def test_the_public_index_costs_a_fixed_number_of_queries(
    published, batches, django_assert_max_num_queries
):
    for industry in ("commerce", "transport"):
        make_criteria_set(region="41", industry=industry, criteria=[("A", "", None)])
    with django_assert_max_num_queries(12):
        assert Client().get("/public/").status_code == 200


@pytest.mark.req("WL-03")
def test_an_official_still_at_the_second_factor_step_may_read_the_public_pages(login, departments):
    from sibao.accounts.roles import Role
    from sibao.core.testing import make_user

    officer = login(make_user(Role.HEALTH_OFFICE, "410102"))
    assert officer.get("/enterprises/").status_code == 302  # held at the second factor
    assert officer.get("/public/").status_code == 200
