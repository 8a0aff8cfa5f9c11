"""POL-01 in the browser (HTTP): a department writes a policy with the condition editor (rows of
attribute + operator + value, JSON only for advanced trees), previews it, publishes, withdraws
and versions it; the catalogue list searches and filters; who reads what."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.enterprises.actions.facts import record_fact
from sibao.policies.models import Policy, PolicyStatus
from sibao.regions.models import Department

ROWS_EMPTY = {f"{name}_{i}": "" for i in range(5) for name in ("attribute", "value")}
EMPLOYEES = {">=": [{"var": "employees"}, 50]}


@pytest.fixture
def staff(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")


@pytest.fixture
def department(departments):
    return Department.objects.get(region_id=OWN_COUNTY, kind="finance")


def policy_form(**fields):
    data = {
        "title": "小微企业房租减免",
        "category": "tax_relief",
        "document": "《关于进一步支持小微企业纾困发展的通知》",
        "summary": "对承租国有房屋的小微企业减免房租。",
        "benefit": "减免 3 个月租金",
        "benefit_amount": "2.5",
        "route": "quick",
        "how_to_apply": "向出租单位提出申请。",
        "materials": "租赁合同",
        "valid_from": "2022-01-01",
        "valid_to": "2030-12-31",
    }
    data.update(fields)
    return data


def condition_form(**fields):
    data = {"title": "", "clause": "", "order": "", "combinator": "and", "advanced": ""}
    data.update(ROWS_EMPTY)
    data.update({f"operator_{i}": "==" for i in range(5)})
    data.update(fields)
    return data


@pytest.fixture
def draft(staff, department, login):
    client = login(staff)
    response = client.post(
        "/policies/catalogue/new/", {"department": department.pk, **policy_form()}
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    return Policy.objects.get(status=PolicyStatus.DRAFT), client


@pytest.mark.req("POL-01")
def test_the_create_form_offers_only_the_users_department(staff, department, login):
    page = login(staff).get("/policies/catalogue/new/")
    assert page.status_code == 200
    assert list(page.context["form"].fields["department"].queryset) == [department]
    assert "新建政策" in page.content.decode()


@pytest.mark.req("POL-01")
def test_a_department_writes_a_policy_with_conditions_from_rows(draft):
    policy, client = draft
    assert policy.route == "quick" and str(policy.benefit_amount) == "2.50"
    response = client.post(
        f"/policies/catalogue/{policy.pk}/conditions/new/",
        condition_form(
            title="小微企业",
            clause="第一条",
            attribute_0="employees",
            operator_0="<=",
            value_0="300",
            attribute_1="annual_revenue",
            operator_1="<",
            value_1="5,000",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    response = client.post(
        f"/policies/catalogue/{policy.pk}/conditions/new/",
        condition_form(
            title="纳税信用良好",
            clause="第二条",
            attribute_0="tax_credit_grade",
            operator_0="in",
            value_0="A、B",
        ),
    )
    assert response.status_code == 302
    first, second = policy.conditions.all()
    assert first.expression == {
        "and": [
            {"<=": [{"var": "employees"}, 300]},
            {"<": [{"var": "annual_revenue"}, 5000]},
        ]
    }
    assert second.expression == {"in": [{"var": "tax_credit_grade"}, ["A", "B"]]}
    page = client.get(f"/policies/catalogue/{policy.pk}/").content.decode()
    assert "（从业人数 ≤ 300 人 且 年营业收入 &lt; 5000 万元）" in page
    assert "纳税信用等级 属于 A、B" in page
    # the editor shows a stored condition back as rows
    edit = client.get(f"/policies/catalogue/{policy.pk}/conditions/{second.pk}/")
    assert edit.context["form"].initial["attribute_0"] == "tax_credit_grade"
    # reorder, then remove
    client.post(f"/policies/catalogue/{policy.pk}/conditions/{second.pk}/move/up/")
    assert list(policy.conditions.order_by("order").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    assert (
        client.post(f"/policies/catalogue/{policy.pk}/conditions/{second.pk}/move/sideways/")
    ).status_code == 404
    client.post(f"/policies/catalogue/{policy.pk}/conditions/{first.pk}/delete/")
    assert list(policy.conditions.all()) == [second]


@pytest.mark.req("POL-01")
def test_bad_conditions_are_refused_with_messages(draft):
    policy, client = draft
    url = f"/policies/catalogue/{policy.pk}/conditions/new/"
    page = client.post(
        url, condition_form(title="人数", clause="", attribute_0="employees", value_0="很多")
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "“从业人数”的取值无效：很多（应为数值（人））" in text
    assert "该字段是必填项。" in text
    page = client.post(url, condition_form(title="人数", clause="第一条"))
    assert "请填写判定规则：政策条件必须能由企业数据判定。" in page.content.decode()
    page = client.post(
        url,
        condition_form(
            title="人数", clause="第一条", advanced='{">": [{"var": "is_listed"}, true]}'
        ),
    )
    assert "属性“上市公司”不能比较大小。" in page.content.decode()
    assert policy.conditions.count() == 0


@pytest.mark.req("POL-01")
def test_preview_publish_withdraw_and_new_version(draft, staff, login):
    policy, client = draft
    big = make_enterprise(region=OWN_COUNTY, employees=500)
    make_enterprise(region=OWN_COUNTY, employees=10)
    make_enterprise(region=OTHER_COUNTY, employees=900)  # another county: out of scope
    client.post(
        f"/policies/catalogue/{policy.pk}/conditions/new/",
        condition_form(
            title="用工规模",
            clause="第一条",
            attribute_0="employees",
            operator_0=">=",
            value_0="300",
        ),
    )
    panel = client.get(f"/policies/catalogue/{policy.pk}/preview/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert panel.context["preview"]["eligible"] == 1
    assert panel.context["preview"]["total"] == 2
    response = client.post(f"/policies/catalogue/{policy.pk}/publish/", follow=True)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.PUBLISHED
    assert "已发布" in response.content.decode()
    assert policy.matches.filter(enterprise=big, result="eligible").exists()
    page = client.get(f"/policies/catalogue/{policy.pk}/")
    assert page.context["counts"]["eligible"] == 1
    assert page.context["can_withdraw"] and page.context["can_new_version"]
    # editing pages of a published version send back with a message
    edit = client.get(f"/policies/catalogue/{policy.pk}/edit/", follow=True)
    assert "已发布的政策版本不能修改" in edit.content.decode()

    response = client.post(f"/policies/catalogue/{policy.pk}/new-version/")
    second = Policy.objects.get(series=policy.series, version=2)
    assert response["Location"] == f"/policies/catalogue/{second.pk}/"
    assert second.conditions.count() == 1
    response = client.post(f"/policies/catalogue/{second.pk}/delete/")
    assert not Policy.objects.filter(pk=second.pk).exists()

    response = client.post(
        f"/policies/catalogue/{policy.pk}/withdraw/", {"reason": ""}, follow=True
    )
    assert "请填写废止原因" in response.content.decode()
    client.post(f"/policies/catalogue/{policy.pk}/withdraw/", {"reason": "政策调整"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.WITHDRAWN


@pytest.mark.req("POL-01")
def test_publishing_an_empty_draft_is_refused_with_a_message(draft):
    policy, client = draft
    response = client.post(f"/policies/catalogue/{policy.pk}/publish/", follow=True)
    assert "政策至少需要一项享受条件才能发布。" in response.content.decode()
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.DRAFT


@pytest.mark.req("POL-01")
def test_the_list_searches_and_filters(staff, login, departments):
    make_policy(
        region="41", title="留抵退税快速办理", category="vat_refund", conditions=[EMPLOYEES]
    )
    make_policy(
        region=OWN_COUNTY, title="中原区稳岗返还", category="job_retention", conditions=[EMPLOYEES]
    )
    make_policy(
        region=OWN_COUNTY,
        title="已过期的电费补贴",
        category="utilities",
        conditions=[EMPLOYEES],
        valid_from=datetime.date(2022, 1, 1),
        valid_to=datetime.date(2022, 6, 30),
        publish=False,
    )
    client = login(staff)

    def titles(query=""):
        page = client.get(f"/policies/catalogue/?{query}")
        assert page.status_code == 200
        return sorted(p.title for p in page.context["object_list"])

    assert titles() == ["中原区稳岗返还", "已过期的电费补贴", "留抵退税快速办理"]
    assert titles("q=稳岗") == ["中原区稳岗返还"]
    assert titles("category=vat_refund") == ["留抵退税快速办理"]
    assert titles("status=draft") == ["已过期的电费补贴"]
    assert titles("valid_now=true") == ["中原区稳岗返还", "留抵退税快速办理"]
    province = Department.objects.get(region_id="41", kind="finance")
    assert titles(f"department={province.pk}") == ["留抵退税快速办理"]
    partial = client.get("/policies/catalogue/?q=退税", HTTP_HX_REQUEST="true")
    assert (
        "<html" not in partial.content.decode() and "留抵退税快速办理" in partial.content.decode()
    )


@pytest.mark.req("POL-01")
def test_who_reads_what(personas, login, departments, own_enterprise):
    province = make_policy(region="41", title="全省政策", conditions=[EMPLOYEES])
    province_draft = make_policy(
        region="41", title="全省草稿", conditions=[EMPLOYEES], publish=False
    )
    own = make_policy(region=OWN_COUNTY, title="中原区政策", conditions=[EMPLOYEES])
    own_draft = make_policy(
        region=OWN_COUNTY, title="中原区草稿", conditions=[EMPLOYEES], publish=False
    )
    other = make_policy(region=OTHER_COUNTY, title="龙亭区政策", conditions=[EMPLOYEES])

    def titles(persona):
        page = login(personas[persona]).get("/policies/catalogue/")
        assert page.status_code == 200
        return sorted(p.title for p in page.context["object_list"])

    # an HQ office reads its own jurisdiction (drafts included) and the published higher levels
    assert titles("own_county") == ["中原区政策", "中原区草稿", "全省政策"]
    assert titles("other_county") == ["全省政策", "龙亭区政策"]
    # an enterprise reads the published policies that apply where it is registered
    assert titles("enterprise_admin") == ["中原区政策", "全省政策"]
    unit = login(personas["enterprise_admin"])
    assert unit.get(f"/policies/catalogue/{own.pk}/").status_code == 200
    for hidden in (own_draft, other, province_draft):
        assert unit.get(f"/policies/catalogue/{hidden.pk}/").status_code == 404
    page = unit.get(f"/policies/catalogue/{province.pk}/")
    assert "counts" not in page.context and not page.context["can_change"]
    # the HQ office reads but does not write
    office = login(personas["own_county"])
    assert office.get(f"/policies/catalogue/{own_draft.pk}/").status_code == 200
    assert office.post(f"/policies/catalogue/{own_draft.pk}/publish/").status_code == 403
    # another county's department cannot touch the own county's draft
    stranger = make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="finance")
    client = login(stranger)
    assert client.get(f"/policies/catalogue/{own_draft.pk}/edit/").status_code == 404
    # the own county's other department reads it but cannot edit it
    neighbour = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    client = login(neighbour)
    assert client.get(f"/policies/catalogue/{own_draft.pk}/edit/").status_code == 403
    response = client.post(f"/policies/catalogue/{own_draft.pk}/publish/", follow=True)
    assert "您无权发布该政策。" in response.content.decode()


@pytest.mark.req("POL-01")
def test_export_lists_the_filtered_catalogue_with_its_conditions(staff, login, departments):
    make_policy(
        region=OWN_COUNTY,
        title="稳岗返还",
        category="job_retention",
        conditions=[("参保人数", "第二条", EMPLOYEES)],
    )
    make_policy(region=OWN_COUNTY, title="电费补贴", category="utilities", conditions=[EMPLOYEES])
    response = login(staff).get("/policies/catalogue/export/?category=job_retention")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("政策编号", "版本", "政策名称")
    assert len(rows) == 2 and rows[1][2] == "稳岗返还"
    assert rows[1][-1] == "参保人数（第二条）：从业人数 ≥ 50 人"


@pytest.mark.req("POL-01")
def test_the_enterprise_sees_facts_from_any_source_in_the_preview(draft, staff):
    """Self-declared facts count for policies (the contract), unlike whitelist auto-admission."""
    policy, client = draft
    declared = make_enterprise(region=OWN_COUNTY)
    record_fact(declared, "is_above_scale", True, source="self_declared", actor=None)
    client.post(
        f"/policies/catalogue/{policy.pk}/conditions/new/",
        condition_form(title="规上", clause="第一条", attribute_0="is_above_scale", value_0="是"),
    )
    panel = client.get(f"/policies/catalogue/{policy.pk}/preview/")
    assert panel.context["preview"]["eligible"] == 1
