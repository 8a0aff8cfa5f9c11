"""WL-03, WL-11: selection standards are written by the competent department as versioned drafts
and published; a published version never changes and the next one supersedes it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_criteria_set,
    make_enterprise,
    make_user,
)
from sibao.enterprises import actions
from sibao.enterprises.models import CriteriaSet, CriteriaStatus
from sibao.regions.models import Department, IndustryDomain

REVENUE = {">=": [{"var": "annual_revenue"}, 10000]}


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def department(departments):
    return Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")


@pytest.fixture
def industry(db):
    return IndustryDomain.objects.get(code="industry")


@pytest.fixture
def published(departments):
    criteria_set = make_criteria_set(region=OWN_COUNTY, criteria=[("C1", "city", REVENUE)])
    criteria_set.checklist.create(section="staff", text="每日健康监测", order=0)
    return criteria_set


@pytest.mark.req("WL-03")
def test_a_new_version_starts_as_a_draft_copy_of_the_published_one(
    published, staff, department, industry
):
    draft = actions.create_criteria_draft(department, industry, actor=staff, title="第二版标准")
    assert draft.status == CriteriaStatus.DRAFT and draft.version == 2
    assert draft.region_code == OWN_COUNTY
    assert [(c.code, c.tier, c.expression) for c in draft.criteria.all()] == [
        ("C1", "city", REVENUE)
    ]
    assert [i.text for i in draft.checklist.all()] == ["每日健康监测"]
    # the copy is its own: editing it leaves the published version alone
    actions.delete_criterion(draft.criteria.get(), actor=staff)
    assert published.criteria.count() == 1
    assert AuditLog.objects.filter(action="criteria.draft").exists()


@pytest.mark.req("WL-03")
def test_a_first_version_starts_empty(staff, department, industry):
    draft = actions.create_criteria_draft(department, industry, actor=staff, title="首版")
    assert draft.version == 1 and not draft.criteria.exists()


@pytest.mark.req("WL-03")
def test_only_staff_of_the_competent_department_may_write_standards(
    departments, department, industry
):
    commerce_staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    other_county = make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="industry_it")
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    for user in (commerce_staff, other_county, office):
        with pytest.raises(PermissionDenied):
            actions.create_criteria_draft(department, industry, actor=user, title="x")
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    commerce_department = Department.objects.get(region_id=OWN_COUNTY, kind="commerce")
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.create_criteria_draft(commerce_department, industry, actor=staff, title="x")
    assert not CriteriaSet.objects.exists()


@pytest.mark.req("WL-03")
def test_a_second_open_draft_is_refused(staff, department, industry):
    actions.create_criteria_draft(department, industry, actor=staff, title="草稿")
    with pytest.raises(ValidationError):
        actions.create_criteria_draft(department, industry, actor=staff, title="另一份草稿")


@pytest.mark.req("WL-03")
@pytest.mark.req("WL-11")
def test_drafts_are_editable_and_published_versions_are_not(published, staff, department):
    draft = actions.create_criteria_draft(
        department, published.industry, actor=staff, title="第二版"
    )
    criterion = actions.add_criterion(
        draft,
        actor=staff,
        code="P1",
        title="上市公司",
        tier="province",
        expression={"==": [{"var": "is_listed"}, True]},
    )
    actions.update_criterion(
        criterion,
        actor=staff,
        code="P1",
        title="上市或挂牌",
        tier="province",
        expression={
            "or": [{"==": [{"var": "is_listed"}, True]}, {"==": [{"var": "is_neeq"}, True]}]
        },
    )
    item = actions.add_checklist_item(draft, actor=staff, section="site", text="设置隔离区")
    actions.update_checklist_item(item, actor=staff, section="site", text="设置临时观察区")
    actions.update_criteria_draft(draft, actor=staff, title="第二版", guide="场所设置要求……")
    draft.refresh_from_db()
    assert draft.guide == "场所设置要求……"
    assert draft.criteria.get(code="P1").title == "上市或挂牌"
    assert draft.checklist.get(pk=item.pk).text == "设置临时观察区"

    old = published.criteria.get()
    with pytest.raises(ValidationError):
        actions.update_criterion(old, actor=staff, code="C1", title="改", expression=REVENUE)
    with pytest.raises(ValidationError):
        actions.add_criterion(published, actor=staff, code="C2", title="新增")
    with pytest.raises(ValidationError):
        actions.delete_checklist_item(published.checklist.get(), actor=staff)
    with pytest.raises(ValidationError):
        actions.update_criteria_draft(published, actor=staff, title="改标题")
    old.refresh_from_db()
    assert old.title == "条件C1" and published.checklist.count() == 1


@pytest.mark.req("WL-03")
def test_publishing_supersedes_the_previous_version_and_is_audited(published, staff, department):
    draft = actions.create_criteria_draft(
        department, published.industry, actor=staff, title="第二版"
    )
    actions.publish_criteria_set(draft, actor=staff)
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == CriteriaStatus.PUBLISHED and draft.published_at is not None
    assert published.status == CriteriaStatus.SUPERSEDED
    log = AuditLog.objects.get(action="criteria.publish")
    assert log.changes["superseded"] == [1]
    with pytest.raises(ValidationError):
        actions.publish_criteria_set(draft, actor=staff)  # published once only
    # new applications are checked against the new version
    assert actions.published_criteria_for(make_enterprise(region=OWN_COUNTY)) == draft


@pytest.mark.req("WL-03")
def test_an_empty_set_cannot_be_published(staff, department, industry):
    draft = actions.create_criteria_draft(department, industry, actor=staff, title="空标准")
    with pytest.raises(ValidationError) as error:
        actions.publish_criteria_set(draft, actor=staff)
    assert "至少需要一项条件" in str(error.value)
    draft.refresh_from_db()
    assert draft.status == CriteriaStatus.DRAFT


@pytest.mark.req("WL-03")
def test_an_hq_office_may_read_but_not_publish(published, staff, department):
    draft = actions.create_criteria_draft(
        department, published.industry, actor=staff, title="第二版"
    )
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        actions.publish_criteria_set(draft, actor=office)
    draft.refresh_from_db()
    assert draft.status == CriteriaStatus.DRAFT


@pytest.mark.req("WL-03")
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({">=": [{"var": "no_such_attribute"}, 1]}, "未知的属性"),
        ({">=": [{"var": "is_listed"}, True]}, "不能比较大小"),
        ({">=": [{"var": "annual_revenue"}, "很多"]}, "取值无效"),
        ({"xor": [{"var": "is_listed"}]}, "不支持的运算符"),
    ],
)
def test_an_invalid_expression_is_refused_with_a_message(
    staff, department, industry, expression, message
):
    draft = actions.create_criteria_draft(department, industry, actor=staff, title="草稿")
    with pytest.raises(ValidationError) as error:
        actions.add_criterion(draft, actor=staff, code="X", title="x", expression=expression)
    assert message in str(error.value.message_dict["expression"])
    assert not draft.criteria.exists()


@pytest.mark.req("WL-03")
def test_a_criterion_without_a_rule_needs_review(staff, department, industry):
    draft = actions.create_criteria_draft(department, industry, actor=staff, title="草稿")
    criterion = actions.add_criterion(draft, actor=staff, code="R1", title="闭环管理条件")
    assert criterion.expression is None and criterion.needs_review
    with pytest.raises(ValidationError):
        actions.add_criterion(draft, actor=staff, code="R1", title="重复编号")
