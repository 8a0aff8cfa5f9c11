"""WL-03, WL-11: department staff write a new version in the browser: criteria from rows of
attribute + operator + value (JSON only for advanced trees), the guide and its checklist, and
publish it; bad input is refused with a message and changes nothing."""

import pytest

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_criteria_set, make_user
from sibao.enterprises.models import CriteriaSet, CriteriaStatus

ROWS_EMPTY = {f"{name}_{i}": "" for i in range(5) for name in ("attribute", "value")}


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def published(departments):
    criteria_set = make_criteria_set(
        region=OWN_COUNTY, criteria=[("J1", "", {"==": [{"var": "industry"}, "industry"]})]
    )
    criteria_set.checklist.create(section="staff", text="每日健康监测", order=0)
    return criteria_set


@pytest.fixture
def draft(published, staff, login):
    client = login(staff)
    department = published.department
    response = client.post(
        "/enterprises/criteria/new/",
        {"target": f"{department.pk}:industry", "title": "工业生产白名单入选标准（修订）"},
    )
    assert response.status_code == 302, response.content.decode()[:800]
    return CriteriaSet.objects.get(status=CriteriaStatus.DRAFT), client


def criterion_form(**fields):
    data = {"code": "", "title": "", "tier": "", "clause": "", "order": "", "combinator": "and"}
    data.update(ROWS_EMPTY)
    data.update({f"operator_{i}": "==" for i in range(5)})
    data.update(fields)
    return data


@pytest.mark.req("WL-03")
def test_the_new_version_form_offers_only_the_users_department(staff, published, login):
    page = login(staff).get("/enterprises/criteria/new/")
    assert page.status_code == 200
    choices = [value for value, _label in page.context["form"].fields["target"].choices]
    assert choices == [f"{published.department.pk}:industry"]


@pytest.mark.req("WL-03")
def test_rows_build_the_rule_without_json(draft):
    criteria_set, client = draft
    response = client.post(
        f"/enterprises/criteria/{criteria_set.pk}/criteria/new/",
        criterion_form(
            code="P1",
            title="营收十亿元以上或上市公司",
            tier="province",
            combinator="or",
            attribute_0="annual_revenue",
            operator_0=">=",
            value_0="100,000",
            attribute_1="is_listed",
            operator_1="==",
            value_1="是",
            attribute_2="specialised_level",
            operator_2="in",
            value_2="省级专精特新、little_giant",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    criterion = criteria_set.criteria.get(code="P1")
    assert criterion.expression == {
        "or": [
            {">=": [{"var": "annual_revenue"}, 100000]},
            {"==": [{"var": "is_listed"}, True]},
            {"in": [{"var": "specialised_level"}, ["provincial", "little_giant"]]},
        ]
    }
    assert not criterion.needs_review
    detail = client.get(f"/enterprises/criteria/{criteria_set.pk}/").content.decode()
    assert "年营业收入 ≥ 100000 万元 或 上市公司 = 是" in detail
    # the edit form shows the rows again, not JSON
    edit = client.get(f"/enterprises/criteria/{criteria_set.pk}/criteria/{criterion.pk}/")
    assert edit.context["form"].initial["attribute_2"] == "specialised_level"
    assert "advanced" not in edit.context["form"].initial


@pytest.mark.req("WL-03")
def test_an_advanced_tree_is_written_as_json(draft):
    criteria_set, client = draft
    tree = '{"!": {"==": [{"var": "tax_credit_grade"}, "D"]}}'
    response = client.post(
        f"/enterprises/criteria/{criteria_set.pk}/criteria/new/",
        criterion_form(code="T1", title="纳税信用非D级", advanced=tree),
    )
    assert response.status_code == 302
    assert criteria_set.criteria.get(code="T1").expression == {
        "!": {"==": [{"var": "tax_credit_grade"}, "D"]}
    }


@pytest.mark.req("WL-03")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"advanced": "{not json"}, "JSON 格式错误"),
        ({"advanced": '{">=": [{"var": "nope"}, 1]}'}, "未知的属性"),
        ({"attribute_0": "annual_revenue", "operator_0": ">=", "value_0": "很多"}, "取值无效"),
        ({"attribute_0": "is_listed", "operator_0": ">", "value_0": "是"}, "不能比较大小"),
    ],
)
def test_an_invalid_rule_is_refused_with_a_message(draft, fields, message):
    criteria_set, client = draft
    before = criteria_set.criteria.count()
    response = client.post(
        f"/enterprises/criteria/{criteria_set.pk}/criteria/new/",
        criterion_form(code="B1", title="坏规则", **fields),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert criteria_set.criteria.count() == before


@pytest.mark.req("WL-03")
def test_a_criterion_without_rows_is_left_to_the_reviewer(draft):
    criteria_set, client = draft
    client.post(
        f"/enterprises/criteria/{criteria_set.pk}/criteria/new/",
        criterion_form(code="R1", title="具备闭环管理条件"),
    )
    criterion = criteria_set.criteria.get(code="R1")
    assert criterion.expression is None and criterion.needs_review


@pytest.mark.req("WL-11")
def test_the_guide_and_checklist_are_edited_on_the_draft(draft):
    criteria_set, client = draft
    client.post(
        f"/enterprises/criteria/{criteria_set.pk}/edit/",
        {"title": criteria_set.title, "summary": "", "guide": "一、场所设置：设置临时观察区。"},
    )
    client.post(
        f"/enterprises/criteria/{criteria_set.pk}/checklist/new/",
        {"section": "site", "text": "设置临时观察区", "is_mandatory": "on"},
    )
    copied = criteria_set.checklist.get(text="每日健康监测")
    client.post(f"/enterprises/criteria/{criteria_set.pk}/checklist/{copied.pk}/delete/")
    criteria_set.refresh_from_db()
    assert criteria_set.guide == "一、场所设置：设置临时观察区。"
    assert [(i.section, i.text, i.is_mandatory) for i in criteria_set.checklist.all()] == [
        ("site", "设置临时观察区", True)
    ]
    page = client.get(f"/enterprises/criteria/{criteria_set.pk}/").content.decode()
    assert "设置临时观察区" in page and "一、场所设置" in page


@pytest.mark.req("WL-03")
def test_the_department_publishes_and_the_old_version_is_superseded(draft, published):
    criteria_set, client = draft
    copied = criteria_set.criteria.get(code="J1")
    client.post(f"/enterprises/criteria/{criteria_set.pk}/criteria/{copied.pk}/delete/")
    refused = client.post(f"/enterprises/criteria/{criteria_set.pk}/publish/", follow=True)
    assert "至少需要一项条件" in refused.content.decode()
    client.post(
        f"/enterprises/criteria/{criteria_set.pk}/criteria/new/",
        criterion_form(code="C1", title="规上企业", attribute_0="is_above_scale", value_0="是"),
    )
    response = client.post(f"/enterprises/criteria/{criteria_set.pk}/publish/")
    assert response.status_code == 302
    criteria_set.refresh_from_db()
    published.refresh_from_db()
    assert criteria_set.status == CriteriaStatus.PUBLISHED
    assert published.status == CriteriaStatus.SUPERSEDED
    # a published version has no editing tools any more, and edits are refused
    page = client.get(f"/enterprises/criteria/{criteria_set.pk}/").content.decode()
    assert 'data-testid="publish"' not in page and 'data-testid="criterion-add"' not in page
    client.post(
        f"/enterprises/criteria/{criteria_set.pk}/criteria/new/",
        criterion_form(code="C2", title="新增"),
    )
    assert not criteria_set.criteria.filter(code="C2").exists()


@pytest.mark.req("WL-03")
def test_an_hq_office_reads_criteria_but_cannot_publish_them(draft, login):
    criteria_set, _client = draft
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    assert office.get(f"/enterprises/criteria/{criteria_set.pk}/").status_code == 200
    assert office.post(f"/enterprises/criteria/{criteria_set.pk}/publish/").status_code == 403
    criteria_set.refresh_from_db()
    assert criteria_set.status == CriteriaStatus.DRAFT


@pytest.mark.req("WL-03")
def test_the_criteria_list_is_scoped_and_cheap(
    published, staff, login, departments, django_assert_max_num_queries
):
    for region in ("41", OWN_COUNTY):
        make_criteria_set(region=region, criteria=[("A", "", None)], industry="commerce")
    client = login(staff)
    with django_assert_max_num_queries(12):
        page = client.get("/enterprises/criteria/")
    titles = [s.title for s in page.context["object_list"]]
    # the county's industry department: its own industry, its own county
    assert titles == [published.title]
