"""POL-01: the policy catalogue's actions — drafts, conditions validated with the attribute
catalogue (each citing its clause), versions, the publishing rules and who may do what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, TransitionRecord
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_policy, make_user
from sibao.policies import actions
from sibao.policies.models import Policy, PolicyStatus
from sibao.regions.models import Department

REVENUE = {">=": [{"var": "annual_revenue"}, 2000]}
EMPLOYEES = {"<=": [{"var": "employees"}, 300]}
BASICS = {
    "title": "中小微企业稳岗奖补",
    "category": "job_retention",
    "benefit": "按上年度实际缴纳失业保险费的 90% 返还",
    "valid_from": datetime.date(2022, 1, 1),
    "valid_to": datetime.date(2030, 12, 31),
}


@pytest.fixture
def department(departments):
    return Department.objects.get(region_id=OWN_COUNTY, kind="finance")


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")


def draft_with_conditions(department, staff):
    return actions.create_policy(
        department,
        actor=staff,
        conditions=[
            {"title": "营业收入", "clause": "第二条第（一）项", "expression": REVENUE},
            {"title": "从业人数", "clause": "第二条第（二）项", "expression": EMPLOYEES},
        ],
        **BASICS,
    )


@pytest.mark.req("POL-01")
def test_a_new_policy_is_draft_version_one_of_a_new_series(department, staff):
    policy = draft_with_conditions(department, staff)
    assert policy.status == PolicyStatus.DRAFT and policy.version == 1
    assert policy.region_code == OWN_COUNTY and policy.department == department
    year = timezone.localdate().year
    assert policy.series == f"{OWN_COUNTY}-{year}-0001"
    assert [c.clause for c in policy.conditions.all()] == ["第二条第（一）项", "第二条第（二）项"]
    second = actions.create_policy(department, actor=staff, **BASICS)
    assert second.series == f"{OWN_COUNTY}-{year}-0002"
    assert AuditLog.objects.filter(action="policy.create", object_id=str(policy.pk)).exists()


@pytest.mark.req("POL-01")
def test_policy_fields_are_checked_with_chinese_messages(department, staff):
    with pytest.raises(ValidationError) as caught:
        actions.create_policy(
            department,
            actor=staff,
            title="",
            category="lottery",
            benefit="",
            valid_from=datetime.date(2022, 5, 1),
            valid_to=datetime.date(2022, 4, 1),
            benefit_amount="-3",
        )
    errors = caught.value.message_dict
    assert errors["title"] == ["请填写政策名称。"]
    assert errors["category"] == ["请选择政策类别。"]
    assert errors["benefit"] == ["请填写支持标准。"]
    assert errors["valid_to"] == ["有效期止不能早于有效期起。"]
    assert errors["benefit_amount"] == ["预计享受金额应为不小于 0 的数字（万元）。"]
    with pytest.raises(ValidationError) as caught:
        actions.create_policy(department, actor=staff, **{**BASICS, "valid_from": None})
    assert caught.value.message_dict["valid_from"] == ["请填写有效期起始日期。"]


@pytest.mark.req("POL-01")
def test_conditions_are_validated_with_the_catalogue_and_need_a_clause(department, staff):
    policy = actions.create_policy(department, actor=staff, **BASICS)
    cases = [
        (
            {"clause": "第一条", "expression": {">=": [{"var": "turnover"}, 1]}},
            "未知的属性：turnover",
        ),
        (
            {"clause": "第一条", "expression": {">": [{"var": "tax_credit_grade"}, "A"]}},
            "属性“纳税信用等级”不能比较大小。",
        ),
        (
            {"clause": "第一条", "expression": {"==": [{"var": "employees"}, "many"]}},
            "属性“从业人数”的取值无效：many",
        ),
        ({"clause": "第一条", "expression": {"xor": []}}, "不支持的运算符：xor"),
    ]
    for values, message in cases:
        with pytest.raises(ValidationError) as caught:
            actions.add_condition(policy, actor=staff, title="条件", **values)
        assert message in caught.value.message_dict["expression"][0]
        assert caught.value.message_dict["expression"][0].startswith("判定规则无效：")
    with pytest.raises(ValidationError) as caught:
        actions.add_condition(policy, actor=staff, title="条件", clause=" ", expression=REVENUE)
    assert caught.value.message_dict["clause"] == ["请注明该条件所依据的政策条款。"]
    with pytest.raises(ValidationError) as caught:
        actions.add_condition(policy, actor=staff, title="条件", clause="第一条", expression=None)
    assert "判定规则" in caught.value.message_dict["expression"][0]
    assert policy.conditions.count() == 0
    # creating with a bad condition names it
    with pytest.raises(ValidationError) as caught:
        actions.create_policy(
            department,
            actor=staff,
            conditions=[{"title": "x", "clause": "", "expression": REVENUE}],
            **BASICS,
        )
    assert caught.value.messages[0].startswith("第 1 项条件：")


@pytest.mark.req("POL-01")
def test_conditions_are_added_edited_reordered_and_removed_on_a_draft(department, staff):
    policy = draft_with_conditions(department, staff)
    first, second = policy.conditions.all()
    third = actions.add_condition(
        policy,
        actor=staff,
        title="纳税信用",
        clause="第三条",
        expression={"in": [{"var": "tax_credit_grade"}, ["A", "B"]]},
    )
    assert third.order == 2
    actions.update_condition(
        first,
        actor=staff,
        title="营业收入（修订）",
        clause="第二条第（一）项",
        expression={">=": [{"var": "annual_revenue"}, 1000]},
    )
    actions.move_condition(third, actor=staff, offset=-1)
    assert [c.title for c in policy.conditions.order_by("order")] == [
        "营业收入（修订）",
        "纳税信用",
        "从业人数",
    ]
    actions.reorder_conditions(policy, [second.pk, third.pk, first.pk], actor=staff)
    assert [c.pk for c in policy.conditions.order_by("order")] == [second.pk, third.pk, first.pk]
    with pytest.raises(ValidationError, match="恰好包含"):
        actions.reorder_conditions(policy, [second.pk], actor=staff)
    actions.delete_condition(second, actor=staff)
    assert policy.conditions.count() == 2
    actions.update_policy(policy, actor=staff, title="稳岗奖补（2022 年版）")
    policy.refresh_from_db()
    assert policy.title == "稳岗奖补（2022 年版）" and policy.benefit == BASICS["benefit"]
    assert AuditLog.objects.filter(action="policy.condition_reorder").count() == 2


@pytest.mark.req("POL-01")
def test_publishing_needs_a_condition_and_a_validity_not_yet_over(department, staff):
    empty = actions.create_policy(department, actor=staff, **BASICS)
    with pytest.raises(ValidationError, match="至少需要一项享受条件"):
        actions.publish_policy(empty, actor=staff)
    expired = actions.create_policy(
        department,
        actor=staff,
        conditions=[{"title": "营业收入", "clause": "第二条", "expression": REVENUE}],
        **{**BASICS, "valid_to": timezone.localdate() - datetime.timedelta(days=1)},
    )
    with pytest.raises(ValidationError, match="有效期已于"):
        actions.publish_policy(expired, actor=staff)
    assert Policy.objects.filter(status=PolicyStatus.PUBLISHED).count() == 0


@pytest.mark.req("POL-01")
def test_publishing_supersedes_the_previous_version_and_freezes_it(department, staff):
    policy = draft_with_conditions(department, staff)
    published = actions.publish_policy(policy, actor=staff)
    assert published.status == PolicyStatus.PUBLISHED and published.published_at is not None
    with pytest.raises(ValidationError, match="已发布的政策版本不能修改"):
        actions.update_policy(published, actor=staff, title="改名")
    with pytest.raises(ValidationError, match="已发布的政策版本不能修改"):
        actions.add_condition(published, actor=staff, title="x", clause="y", expression=REVENUE)
    with pytest.raises(ValidationError, match="只有草稿可以发布"):
        actions.publish_policy(published, actor=staff)

    draft = actions.new_policy_version(published, actor=staff)
    assert (draft.series, draft.version, draft.status) == (policy.series, 2, PolicyStatus.DRAFT)
    assert [c.expression for c in draft.conditions.all()] == [REVENUE, EMPLOYEES]
    with pytest.raises(ValidationError, match="已有一个未发布的新版本草稿"):
        actions.new_policy_version(published, actor=staff)
    actions.update_condition(
        draft.conditions.first(),
        actor=staff,
        title="营业收入",
        clause="第二条第（一）项",
        expression={">=": [{"var": "annual_revenue"}, 500]},
    )
    assert published.conditions.first().expression == REVENUE  # the copy is its own

    actions.publish_policy(draft, actor=staff)
    published.refresh_from_db()
    assert published.status == PolicyStatus.SUPERSEDED
    assert list(Policy.objects.filter(series=policy.series, status=PolicyStatus.PUBLISHED)) == [
        draft
    ]
    history = TransitionRecord.objects.filter(object_type="policies.policy")
    assert {(r.object_id, r.action) for r in history} == {
        (str(published.pk), "publish"),
        (str(published.pk), "supersede"),
        (str(draft.pk), "publish"),
    }


@pytest.mark.req("POL-01")
def test_withdrawing_needs_a_reason_and_a_published_policy(department, staff):
    policy = draft_with_conditions(department, staff)
    with pytest.raises(ValidationError, match="只有已发布的政策可以废止"):
        actions.withdraw_policy(policy, actor=staff, reason="政策到期")
    actions.publish_policy(policy, actor=staff)
    with pytest.raises(ValidationError) as caught:
        actions.withdraw_policy(policy, actor=staff, reason="  ")
    assert caught.value.message_dict["reason"] == ["请填写废止原因。"]
    actions.withdraw_policy(policy, actor=staff, reason="上级政策调整，本政策废止")
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.WITHDRAWN
    log = AuditLog.objects.get(action="policy.withdraw")
    assert log.note == "上级政策调整，本政策废止"
    with pytest.raises(ValidationError, match="只能在已发布的版本基础上新建版本"):
        actions.new_policy_version(policy, actor=staff)


@pytest.mark.req("POL-01")
def test_a_draft_can_be_discarded(department, staff):
    policy = draft_with_conditions(department, staff)
    actions.delete_policy_draft(policy, actor=staff)
    assert not Policy.objects.filter(pk=policy.pk).exists()
    assert AuditLog.objects.filter(action="policy.delete_draft").exists()


@pytest.mark.req("POL-01")
def test_only_the_departments_own_staff_write_its_policies_at_its_level(department, staff):
    other_department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    other_staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    province_staff = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance")
    other_county_staff = make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="finance")
    hq_office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    for user in (other_staff, province_staff, other_county_staff, hq_office):
        with pytest.raises(PermissionDenied):
            actions.create_policy(department, actor=user, **BASICS)
    # a county department does not issue the province's policies
    province_department = Department.objects.get(region_id="41", kind="finance")
    with pytest.raises(PermissionDenied):
        actions.create_policy(province_department, actor=staff, **BASICS)
    assert actions.create_policy(province_department, actor=province_staff, **BASICS)
    assert actions.create_policy(other_department, actor=other_staff, **BASICS)

    policy = draft_with_conditions(department, staff)
    for user in (other_staff, province_staff, hq_office):
        with pytest.raises(PermissionDenied):
            actions.update_policy(policy, actor=user, title="改")
        with pytest.raises(PermissionDenied):
            actions.publish_policy(policy, actor=user)
    actions.publish_policy(policy, actor=staff)
    with pytest.raises(PermissionDenied):
        actions.withdraw_policy(policy, actor=hq_office, reason="越权")


@pytest.mark.req("POL-01")
def test_make_policy_builder_publishes_through_the_actions(departments):
    policy = make_policy(region="4101", conditions=[REVENUE, ("人数", "第三条", EMPLOYEES)])
    assert policy.status == PolicyStatus.PUBLISHED and policy.region_code == "4101"
    assert [c.clause for c in policy.conditions.all()] == ["第1条", "第三条"]
