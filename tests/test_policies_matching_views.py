"""POL-02 / POL-04 through HTTP: 政策找企 per policy (tabs, filters, scope, export), the
explanation of one pair, the enterprise's self-check (我的政策), re-matching, the departments'
fact import, and the API (matches, explanation, own matches)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    ensure_departments,
    make_enterprise,
    make_published_policy,
    make_user,
)
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import EnterpriseFact, FactSource
from sibao.policies import matching
from sibao.policies.models import MatchResult, PolicyMatch, UptakeStatus

REVENUE = {">=": [{"var": "annual_revenue"}, 5000]}
STAFF = {">=": [{"var": "employees"}, 50]}


def fact(unit, key, value, source=FactSource.TAX):
    enterprise_actions.record_fact(unit, key, value, source=source, actor=None)


@pytest.fixture
def world(personas, own_enterprise, other_enterprise):
    """A provincial policy (revenue ≥ 5000 and staff ≥ 50): the own-county unit eligible on tax
    data, a second own-county unit possibly (revenue unknown), a third not (too small), and the
    other county's unit eligible."""
    own_enterprise.employees = 100
    own_enterprise.save()
    fact(own_enterprise, "annual_revenue", 8000)
    possible = make_enterprise(region=OWN_COUNTY, name="中原待补充科技有限公司", employees=80)
    small = make_enterprise(
        region=OWN_COUNTY, name="中原小微商贸有限公司", employees=5, industry="commerce"
    )
    fact(small, "annual_revenue", 9000)
    other_enterprise.employees = 300
    other_enterprise.save()
    fact(other_enterprise, "annual_revenue", 6000, source=FactSource.SELF_DECLARED)
    policy = make_published_policy(
        [REVENUE, STAFF], region="41", title="规上工业企业稳增长奖励", route="quick"
    )
    return {
        "policy": policy,
        "eligible": own_enterprise,
        "possible": possible,
        "small": small,
        "other": other_enterprise,
    }


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_an_official_finds_the_enterprises_of_a_policy_by_tab(world, personas, login):
    client = login(personas["own_county"])
    url = reverse("policies:matching_policy", args=[world["policy"].pk])
    page = client.get(url).content.decode()
    assert world["eligible"].name in page
    assert "年营业收入 8000 万元" in page and "税务" in page  # the facts and their source
    assert world["possible"].name not in page
    assert world["other"].name not in page  # another county: out of scope
    assert 'data-testid="tab-eligible"' in page

    page = client.get(url, {"tab": "possible"}).content.decode()
    assert world["possible"].name in page and "年营业收入" in page
    page = client.get(url, {"tab": "not"}).content.decode()
    assert world["small"].name in page
    assert "从业人数 ≥ 50 人" in page  # the failing condition
    # filters: industry, region, name
    page = client.get(url, {"tab": "not", "industry": "industry"}).content.decode()
    assert world["small"].name not in page
    page = client.get(url, {"tab": "eligible", "q": "不存在的名字"}).content.decode()
    assert world["eligible"].name not in page
    page = client.get(url, {"tab": "eligible", "region": OWN_COUNTY}).content.decode()
    assert world["eligible"].name in page
    # the other county's office sees its own enterprise, declared revenue included
    page = login(personas["other_county"]).get(url).content.decode()
    assert world["other"].name in page and world["eligible"].name not in page
    assert "企业自报" in page
    # the index lists the active policy with the official's counts
    page = client.get(reverse("policies:matching_index")).content.decode()
    assert world["policy"].title in page


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_the_list_pages_and_answers_htmx_with_the_table_only(world, personas, login):
    for n in range(35):
        make_enterprise(region=OWN_COUNTY, name=f"批量企业{n:02d}", employees=60)
    matching.match_policy(world["policy"])
    client = login(personas["own_county"])
    url = reverse("policies:matching_policy", args=[world["policy"].pk])
    page = client.get(url, {"tab": "possible"}).content.decode()
    assert "1 / 2" in page
    partial = client.get(url, {"tab": "possible", "page": 2}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert 'data-testid="matching-table"' in partial.content.decode()


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_the_export_lists_the_tab_and_is_audited(world, personas, login):
    client = login(personas["own_county"])
    url = reverse("policies:matching_export", args=[world["policy"].pk])
    response = client.get(url, {"tab": "possible"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == world["policy"].title
    assert rows[1][:2] == ("统一社会信用代码", "企业名称")
    assert [r[1] for r in rows[2:]] == [world["possible"].name]
    assert "年营业收入" in rows[2][6]
    assert AuditLog.objects.filter(action="policy.match_export").exists()
    assert client.get(url, {"tab": "not"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.req("POL-02", "POL-04")
def test_the_pair_explanation_shows_each_condition_source_and_date(world, personas, login):
    url = reverse("policies:matching_pair", args=[world["policy"].pk, world["possible"].pk])
    page = login(personas["own_county"]).get(url).content.decode()
    assert "可能符合" in page
    assert "第1条" in page and "条件1" in page
    assert "还需补充的信息" in page and "年营业收入" in page
    assert "部门登记" in page  # the registry's staff figure
    assert login(personas["other_county"]).get(url).status_code == 404
    eligible = reverse("policies:matching_pair", args=[world["policy"].pk, world["eligible"].pk])
    page = login(personas["enterprise_admin"]).get(eligible).content.decode()
    assert "符合" in page and "税务" in page
    assert reverse("policies:uptake_match", args=[_match(world, "eligible").pk]) in page


def _match(world, key):
    return PolicyMatch.objects.get(policy=world["policy"], enterprise=world[key])


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_the_enterprise_self_check_lists_what_it_matches_and_what_it_needs(world, personas, login):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=world["possible"])
    grade = make_published_policy(
        [{"in": [{"var": "tax_credit_grade"}, ["A", "B"]]}], region="4101", title="纳税信用贷"
    )
    county = make_published_policy([STAFF], region=OTHER_COUNTY, title="别县政策")
    tiny = make_published_policy(
        [{"<=": [{"var": "employees"}, 10]}], region="41", title="小微企业社保补贴"
    )
    client = login(admin)
    page = client.get(reverse("policies:matching_mine")).content.decode()
    assert 'data-testid="count-possible">2<' in page  # the policy and the credit loan
    assert 'data-testid="count-ineligible">1<' in page
    assert world["policy"].title in page and grade.title in page and tiny.title in page
    assert county.title not in page  # another county's policy does not apply here
    assert "还需补充" in page and "纳税信用等级" in page
    facts_url = reverse("enterprises:enterprise_detail", args=[world["possible"].pk])
    assert facts_url + "#facts-panel" in page
    # it supplies its revenue itself: eligible at once (a declaration counts for policies)
    fact(world["possible"], "annual_revenue", 5200, source=FactSource.SELF_DECLARED)
    page = client.get(reverse("policies:matching_mine")).content.decode()
    assert 'data-testid="count-eligible">1<' in page
    assert "企业自报" in page
    match = _match(world, "possible")
    assert match.result == MatchResult.ELIGIBLE
    # an official opens the same check for an enterprise of the jurisdiction
    official = login(personas["own_county"])
    url = reverse("policies:matching_mine")
    assert world["possible"].name in official.get(url, {"q": "待补充"}).content.decode()
    page = official.get(url, {"enterprise": world["possible"].pk}).content.decode()
    assert grade.title in page
    other = login(personas["other_county"])
    assert other.get(url, {"enterprise": world["possible"].pk}).status_code == 404


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_a_department_rematches_its_policy_and_others_may_not(world, personas, login):
    staff = make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance")
    PolicyMatch.objects.filter(policy=world["policy"]).delete()
    url = reverse("policies:matching_rematch", args=[world["policy"].pk])
    assert login(personas["own_county"]).post(url).status_code == 403
    assert PolicyMatch.objects.filter(policy=world["policy"]).count() == 0
    response = login(staff).post(url, follow=True)
    assert "已重新匹配" in response.content.decode()
    rows = {m.enterprise_id: m for m in PolicyMatch.objects.filter(policy=world["policy"])}
    assert rows[world["eligible"].pk].result == MatchResult.ELIGIBLE
    assert rows[world["eligible"].pk].uptake == UptakeStatus.NOTIFIED  # pushed
    assert AuditLog.objects.filter(action="policy.rematch").exists()


def _csv(*lines) -> bytes:
    text = "统一社会信用代码,企业名称,属性,取值,数据日期\n" + "\n".join(lines) + "\n"
    return text.encode("utf-8-sig")


def _upload(client, data: bytes, source: str, name="facts.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(
        reverse("policies:matching_fact_import"), {"source": source, "file": file}, follow=True
    )


@pytest.mark.django_db
@pytest.mark.req("POL-04")
def test_a_departmental_fact_import_records_sourced_facts_and_rematches(world, personas, login):
    possible = world["possible"]
    fact(possible, "annual_revenue", 99999, source=FactSource.SELF_DECLARED)
    assert _match(world, "possible").result == MatchResult.ELIGIBLE
    client = login(personas["own_county"])
    page = client.get(reverse("policies:matching_fact_import")).content.decode()
    assert "税务" in page and "人社（社保）" in page  # an HQ office relays every department
    data = _csv(
        f'{possible.credit_code},,年营业收入,"4,200",2022-03-31',
        f"{possible.credit_code},,纳税信用等级,A,2022/4/1",
        f"{world['small'].credit_code},,专精特新,省级专精特新,",
    )
    response = _upload(client, data, FactSource.TAX)
    assert "导入完成" in response.content.decode()
    revenue = EnterpriseFact.objects.get(enterprise=possible, key="annual_revenue", source="tax")
    assert revenue.number_value == 4200 and revenue.is_current
    assert str(revenue.as_of) == "2022-03-31"
    declared = EnterpriseFact.objects.get(
        enterprise=possible, key="annual_revenue", source="self_declared"
    )
    assert not declared.is_current  # the tax office's figure wins
    assert EnterpriseFact.objects.get(
        enterprise=world["small"], key="specialised_level"
    ).text_value == ("provincial")
    # re-matched: the declaration no longer carries it; the started row stays as ineligible
    assert _match(world, "possible").result == MatchResult.INELIGIBLE
    assert AuditLog.objects.filter(action="enterprise.fact_import").exists()


@pytest.mark.django_db
@pytest.mark.req("POL-04")
def test_a_bad_fact_file_is_refused_whole_with_every_problem(world, personas, login):
    client = login(personas["own_county"])
    possible = world["possible"]
    data = _csv(
        f"{possible.credit_code},,年营业收入,很多,",
        f"{possible.credit_code},,不存在的属性,1,",
        f"{world['other'].credit_code},,上市公司,是,",
        "911234567890123456,,上市公司,是,",
        f"{possible.credit_code},,纳税信用等级,A,2099-01-01",
        f"{world['small'].credit_code},,上市公司,是,",
        f"{world['small'].credit_code},,is_listed,否,",
    )
    response = _upload(client, data, FactSource.STATISTICS)
    page = response.content.decode()
    assert response.status_code == 422
    assert "未导入任何数据" in page
    for message in (
        "取值无效",
        "未知的属性",
        "不在您的管辖范围内",
        "未在企业名录中登记",
        "不能晚于今天",
        "与第 7 行重复",
    ):
        assert message in page, message
    assert not EnterpriseFact.objects.filter(source=FactSource.STATISTICS).exists()
    report = client.post(
        reverse("policies:matching_fact_report"),
        {"report": page.split('name="report" value="')[1].split('"')[0]},
    )
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert sheet.max_row == 7  # the header and six problems
    bad = client.post(reverse("policies:matching_fact_report"), {"report": "x"})
    assert bad.status_code == 404
    # wrong columns: refused as a whole
    response = _upload(client, "名称,值\n甲,1\n".encode(), FactSource.TAX)
    assert "缺少列" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.req("POL-04")
def test_the_importers_department_decides_the_source(world, personas, login):
    ensure_departments(OWN_COUNTY)
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    client = login(staff)
    page = client.get(reverse("policies:matching_fact_import")).content.decode()
    assert "行业主管部门" in page and "税务" not in page
    data = _csv(f"{world['small'].credit_code},,产业链链主企业,是,")
    assert _upload(client, data, FactSource.TAX).status_code == 422
    assert "导入完成" in _upload(client, data, FactSource.INDUSTRY_DEPARTMENT).content.decode()
    row = EnterpriseFact.objects.get(enterprise=world["small"], key="is_chain_leader")
    assert row.source == FactSource.INDUSTRY_DEPARTMENT and row.recorded_by == staff
    template = client.get(reverse("policies:matching_fact_template"))
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == [
        "统一社会信用代码",
        "企业名称",
        "属性",
        "取值",
        "数据日期",
    ]
    admin = login(personas["enterprise_admin"])
    assert admin.get(reverse("policies:matching_fact_import")).status_code == 403


@pytest.mark.django_db
@pytest.mark.req("POL-02")
def test_the_api_lists_explains_and_answers_an_enterprise_its_own(world, personas, login):
    official = login(personas["own_county"])
    body = official.get(
        "/api/policy-matches/", {"policy": world["policy"].pk, "result": "possible"}
    ).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [r["enterprise"] for r in rows] == [world["possible"].pk]
    assert rows[0]["missing"] == ["annual_revenue"]
    url = reverse("api:policy-match-explain", args=[world["policy"].pk, world["eligible"].pk])
    answer = official.get(url).json()
    assert answer["result"] == "eligible"
    first = answer["conditions"][0]["facts"][0]
    assert (first["key"], first["source"], first["shown"]) == ("annual_revenue", "tax", "8000 万元")
    admin = login(personas["enterprise_admin"])
    mine = admin.get(reverse("api:policy-match-mine")).json()
    assert mine["enterprise"] == world["eligible"].pk
    assert [a["policy"] for a in mine["eligible"]] == [world["policy"].pk]
    assert mine["eligible"][0]["uptake"] == UptakeStatus.MATCHED
    other = reverse("api:policy-match-explain", args=[world["policy"].pk, world["other"].pk])
    assert admin.get(other).status_code == 404
    body = admin.get("/api/policy-matches/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {r["enterprise"] for r in rows} == {world["eligible"].pk}
    assert official.get(reverse("api:policy-match-mine")).status_code == 400
    assert (
        official.get(reverse("api:policy-match-mine"), {"enterprise": world["small"].pk}).json()[
            "ineligible"
        ][0]["policy"]
        == world["policy"].pk
    )
