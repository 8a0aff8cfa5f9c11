"""POL-05: the policy reserve (政策预研储备) — policy ideas from the difficulties enterprises report,
linked to the record that prompted them, researched → drafted → issued (naming the policy) or
dropped; every step audited and recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, TransitionRecord
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_policy, make_user
from sibao.policies import actions
from sibao.policies.models import DraftStatus, PolicyDraft
from sibao.regions.models import Department

EMPLOYEES = {">=": [{"var": "employees"}, 50]}


@pytest.fixture
def department(departments):
    return Department.objects.get(region_id=OWN_COUNTY, kind="commerce")


@pytest.fixture
def office(departments):
    return make_user(Role.HQ_OFFICE, OWN_COUNTY)


@pytest.mark.req("POL-05")
def test_the_reserve_lifecycle(department, office, own_enterprise):
    entry = actions.create_reserve_entry(
        department,
        actor=office,
        title="商贸企业疫情期间房租减免",
        problem="封控期间商场闭店，商户租金压力大。",
        category="fiscal_award",
        source=own_enterprise,
    )
    assert entry.status == DraftStatus.RESEARCHING and entry.region_code == OWN_COUNTY
    assert entry.source == own_enterprise
    assert entry.source_label == "企业（项目）：中原测试机械有限公司"
    actions.update_reserve_entry(
        entry,
        actor=office,
        title=entry.title,
        problem=entry.problem,
        category="fiscal_award",
        proposal="对承租国有房屋的商户减免 3 个月租金。",
    )
    actions.advance_reserve_entry(entry, "draft", actor=office, note="已形成征求意见稿")
    with pytest.raises(ValidationError) as caught:
        actions.advance_reserve_entry(entry, "issue", actor=office)
    assert caught.value.message_dict["policy"] == ["请选择据此出台的政策。"]
    policy = make_policy(region=OWN_COUNTY, conditions=[EMPLOYEES], category="fiscal_award")
    actions.advance_reserve_entry(entry, "issue", actor=office, policy=policy)
    entry.refresh_from_db()
    policy.refresh_from_db()
    assert entry.status == DraftStatus.ISSUED and policy.draft == entry
    with pytest.raises(ValidationError, match="当前状态“已出台”下不能执行此操作"):
        actions.advance_reserve_entry(entry, "drop", actor=office, note="x")
    with pytest.raises(ValidationError, match="已出台或不再推进的储备不能修改"):
        actions.update_reserve_entry(entry, actor=office, title="x", problem="y")
    steps = TransitionRecord.objects.filter(object_type="policies.policydraft").values_list(
        "source", "action", "target"
    )
    assert list(steps) == [
        ("researching", "draft", "drafted"),
        ("drafted", "issue", "issued"),
    ]
    assert set(
        AuditLog.objects.filter(object_type="policies.policydraft").values_list("action", flat=True)
    ) == {
        "policy_reserve.create",
        "policy_reserve.change",
        "policy_reserve.draft",
        "policy_reserve.issue",
    }


@pytest.mark.req("POL-05")
def test_dropping_needs_a_reason_and_can_be_reopened(department, office):
    entry = actions.create_reserve_entry(
        department, actor=office, title="用工补贴", problem="返岗难。"
    )
    with pytest.raises(ValidationError) as caught:
        actions.advance_reserve_entry(entry, "drop", actor=office)
    assert caught.value.message_dict["note"] == ["请说明不再推进的原因。"]
    actions.advance_reserve_entry(entry, "drop", actor=office, note="已有同类政策")
    actions.advance_reserve_entry(entry, "reopen", actor=office)
    entry.refresh_from_db()
    assert entry.status == DraftStatus.RESEARCHING


@pytest.mark.req("POL-05")
def test_reserve_values_and_scope_are_checked(department, office):
    with pytest.raises(ValidationError) as caught:
        actions.create_reserve_entry(department, actor=office, title="", problem="", category="x")
    assert caught.value.message_dict == {
        "title": ["请填写标题。"],
        "problem": ["请写明企业遇到的问题与诉求。"],
        "category": ["政策类别无效。"],
    }
    stranger = make_user(Role.HQ_OFFICE, OTHER_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.create_reserve_entry(department, actor=stranger, title="t", problem="p")
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.create_reserve_entry(department, actor=health, title="t", problem="p")
    entry = actions.create_reserve_entry(department, actor=office, title="t", problem="p")
    with pytest.raises(PermissionDenied):
        actions.advance_reserve_entry(entry, "draft", actor=stranger)


@pytest.mark.req("POL-05")
def test_a_reserve_entry_is_created_from_the_record_that_prompted_it(
    department, office, login, own_enterprise
):
    client = login(office)
    url = f"/policies/reserve/new/?source=enterprises.enterprise&source_id={own_enterprise.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "来源：企业（项目）：中原测试机械有限公司" in page.content.decode()
    response = client.post(
        url,
        {
            "department": department.pk,
            "title": "机械制造企业物流保通",
            "category": "supply_price",
            "problem": "原材料运输受阻。",
            "proposal": "",
            "source_type": "enterprises.enterprise",
            "source_id": str(own_enterprise.pk),
            "source_label": "企业（项目）：中原测试机械有限公司",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    entry = PolicyDraft.objects.get()
    assert entry.source == own_enterprise and entry.created_by == office
    page = client.get(f"/policies/reserve/{entry.pk}/")
    assert "中原测试机械有限公司" in page.content.decode()
    assert [a for a, _label in page.context["next_actions"]] == ["draft", "issue", "drop"]

    response = client.post(f"/policies/reserve/{entry.pk}/advance/draft/", {"note": "初稿"})
    assert response.status_code == 302
    policy = make_policy(region="41", conditions=[EMPLOYEES])  # a province policy settles it
    response = client.post(
        f"/policies/reserve/{entry.pk}/advance/issue/", {"policy": policy.pk, "note": ""}
    )
    entry.refresh_from_db()
    assert entry.status == DraftStatus.ISSUED
    page = client.get(f"/policies/reserve/{entry.pk}/")
    assert page.context["next_actions"] == [] and list(page.context["policies"]) == [policy]
    listing = client.get("/policies/reserve/?status=issued&q=物流")
    assert [e.pk for e in listing.context["object_list"]] == [entry.pk]


@pytest.mark.req("POL-05")
def test_a_dropped_step_without_reason_shows_the_message(department, office, login):
    entry = actions.create_reserve_entry(department, actor=office, title="t", problem="p")
    client = login(office)
    response = client.post(f"/policies/reserve/{entry.pk}/advance/drop/", {"note": ""}, follow=True)
    assert "请说明不再推进的原因。" in response.content.decode()
    response = client.post(f"/policies/reserve/{entry.pk}/advance/publish/", follow=True)
    assert "当前状态“研究中”下不能执行此操作。" in response.content.decode()


@pytest.mark.req("POL-05")
def test_reserve_api(department, office, login, own_enterprise):
    client = login(office)
    response = client.post(
        "/api/policy-reserve/",
        {
            "department": department.pk,
            "title": "外贸企业出口信保补贴",
            "problem": "海运费用上涨。",
            "category": "credit",
            "source_type": "enterprises.enterprise",
            "source_id": str(own_enterprise.pk),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "researching" and body["source_type"] == "enterprises.enterprise"
    entry_id = body["id"]
    response = client.patch(
        f"/api/policy-reserve/{entry_id}/",
        {"proposal": "按保费 50% 补贴。"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["proposal"] == "按保费 50% 补贴。"
    response = client.post(
        f"/api/policy-reserve/{entry_id}/advance/",
        {"action": "drop"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["note"] == ["请说明不再推进的原因。"]
    policy = make_policy(region=OWN_COUNTY, conditions=[EMPLOYEES])
    response = client.post(
        f"/api/policy-reserve/{entry_id}/advance/",
        {"action": "issue", "policy": policy.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "issued" and response.json()["policies"] == [policy.pk]
    listing = client.get("/api/policy-reserve/?status=issued").json()
    assert [row["id"] for row in listing["results"]] == [entry_id]
    stranger = login(make_user(Role.HQ_OFFICE, OTHER_COUNTY))
    assert stranger.get(f"/api/policy-reserve/{entry_id}/").status_code == 404
    assert (
        stranger.post(
            f"/api/policy-reserve/{entry_id}/advance/",
            {"action": "reopen"},
            content_type="application/json",
        ).status_code
        == 404
    )


@pytest.mark.req("POL-05")
def test_a_policy_drafted_from_the_reserve_is_linked_to_it(department, office, login):
    entry = actions.create_reserve_entry(
        department, actor=office, title="商贸企业租金补贴", problem="租金压力大。"
    )
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    client = login(staff)
    response = client.post(
        f"/policies/catalogue/new/?reserve={entry.pk}",
        {
            "department": department.pk,
            "title": "商贸企业租金补贴",
            "category": "fiscal_award",
            "benefit": "按租金的 30% 补贴",
            "route": "quick",
            "valid_from": "2022-05-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    policy = entry.policies.get()
    assert policy.title == "商贸企业租金补贴" and policy.status == "draft"
    page = login(office).get(f"/policies/reserve/{entry.pk}/")
    assert list(page.context["policies"]) == [policy]
