"""POL-03 pages: the enterprise's policy page (reason, apply, confirm), the department's board
(HTMX grant / decline / pay, export), the rates pages, the 应享未享 list and follow-up tasks."""

import csv
import io
from decimal import Decimal

import pytest

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_policy, make_user
from sibao.enterprises import actions as enterprise_actions
from sibao.enterprises.models import EnterpriseFact, FactSource
from sibao.policies.models import FollowUpTask, PolicyMatch, UptakeStatus

REVENUE = {">=": [{"var": "annual_revenue"}, 1000]}
# a tree no other test uses: matching caches compiled conditions by primary key and expression,
# and SQLite reuses primary keys across tests
REVENUE_1200 = {">=": [{"var": "annual_revenue"}, 1200]}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def setup(departments):
    unit = make_enterprise(name="中原精密机械有限公司")
    enterprise_actions.record_fact(unit, "annual_revenue", 3000, source=FactSource.TAX, actor=None)
    maybe = make_enterprise(name="中原新材料有限公司")
    far = make_enterprise(region=OTHER_COUNTY, name="龙亭纺织有限公司")
    enterprise_actions.record_fact(far, "annual_revenue", 3000, source=FactSource.TAX, actor=None)
    policy = make_policy(
        region="41",
        conditions=[("年营业收入", "第三条", REVENUE_1200)],
        title="中小企业稳岗奖补",
        benefit_amount=Decimal("10"),
    )
    return {
        "policy": policy,
        "unit": unit,
        "maybe": maybe,
        "far": far,
        "admin": make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit),
        "maybe_admin": make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=maybe),
        "far_admin": make_user(Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=far),
        "finance": make_user(Role.DEPARTMENT_STAFF, "41", department_kind="finance"),
        "office": make_user(Role.HQ_OFFICE, OWN_COUNTY),
    }


def row(s, unit="unit"):
    return PolicyMatch.objects.get(policy=s["policy"], enterprise=s[unit])


@pytest.mark.req("POL-03")
def test_the_enterprise_sees_why_applies_and_confirms(setup, login):
    client = login(setup["admin"])
    mine = client.get(f"/policies/uptake/policies/{setup['policy'].pk}/mine/")
    match = row(setup)
    assert mine.status_code == 302 and mine["Location"] == f"/policies/uptake/matches/{match.pk}/"
    page = client.get(mine["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "中小企业稳岗奖补" in text and "年营业收入" in text and "第三条" in text
    assert "税务" in text  # the source of the fact read
    assert row(setup).uptake == UptakeStatus.READ
    answer = client.post(f"/policies/uptake/matches/{match.pk}/apply/", {"note": "请审核"})
    assert answer.status_code == 302 and row(setup).uptake == UptakeStatus.APPLIED
    # its own list under 兑现跟踪
    listing = client.get("/policies/uptake/").content.decode()
    assert "中小企业稳岗奖补" in listing and "已申请" in listing
    # another unit cannot reach it
    other = login(setup["far_admin"])
    assert other.get(f"/policies/uptake/matches/{match.pk}/").status_code == 404
    assert other.post(f"/policies/uptake/matches/{match.pk}/apply/").status_code == 404


@pytest.mark.req("POL-03")
def test_the_department_board_grants_and_pays_with_htmx(setup, login):
    row(setup)  # pushed at publishing
    unit_client = login(setup["admin"])
    match = row(setup)
    unit_client.post(f"/policies/uptake/matches/{match.pk}/apply/", {})
    client = login(setup["finance"])
    board = client.get(f"/policies/uptake/policies/{setup['policy'].pk}/")
    text = board.content.decode()
    assert board.status_code == 200
    assert (
        "中原精密机械有限公司" in text
        and "龙亭纺织有限公司" in text
        and "中原新材料有限公司" in text
    )
    filtered = client.get(
        f"/policies/uptake/policies/{setup['policy'].pk}/?uptake=applied", **HTMX
    ).content.decode()
    assert "中原精密机械有限公司" in filtered and "龙亭纺织有限公司" not in filtered
    grant = f"/policies/uptake/matches/{match.pk}/grant/"
    too_much = client.post(grant, {"amount": "15", "from": "board"}, **HTMX)
    assert "请说明理由" in too_much.content.decode()
    assert row(setup).uptake == UptakeStatus.APPLIED
    granted = client.post(grant, {"amount": "10", "from": "board"}, **HTMX)
    body = granted.content.decode()
    assert granted.status_code == 200 and body.lstrip().startswith("<tr") and "已批准" in body
    assert row(setup).granted_amount == Decimal("10.00")
    paid = client.post(f"/policies/uptake/matches/{match.pk}/pay/", {"from": "board"}, **HTMX)
    assert "已拨付" in paid.content.decode()
    # an HQ office reads, it does not grant
    office = login(setup["office"])
    assert office.post(grant, {"amount": "10"}).status_code == 403
    # the unit confirms receipt on its page
    page = unit_client.get(f"/policies/uptake/matches/{match.pk}/").content.decode()
    assert "确认到账" in page
    done = unit_client.post(f"/policies/uptake/matches/{match.pk}/confirm/")
    assert done.status_code == 302 and row(setup).uptake == UptakeStatus.RECEIVED


@pytest.mark.req("POL-03")
def test_decline_from_the_match_page_needs_a_reason(setup, login):
    match = row(setup)
    login(setup["admin"]).post(f"/policies/uptake/matches/{match.pk}/apply/", {})
    client = login(setup["finance"])
    page = client.post(f"/policies/uptake/matches/{match.pk}/decline/", {"reason": ""})
    assert page.status_code == 302 and row(setup).uptake == UptakeStatus.APPLIED
    client.post(f"/policies/uptake/matches/{match.pk}/decline/", {"reason": "材料不全"})
    assert row(setup).uptake == UptakeStatus.DECLINED


@pytest.mark.req("POL-03")
def test_quick_application_page_asks_for_the_missing_fact(departments, login):
    unit = make_enterprise(name="中原快申科技有限公司")
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)
    policy = make_policy(region="41", conditions=[REVENUE], title="快申政策", route="quick")
    match = PolicyMatch.objects.get(policy=policy, enterprise=unit)
    client = login(admin)
    page = client.get(f"/policies/uptake/matches/{match.pk}/").content.decode()
    assert "快申快享" in page and 'name="fact_annual_revenue"' in page
    missing = client.post(f"/policies/uptake/matches/{match.pk}/apply/", {})
    assert missing.status_code == 200 and "请补充" in missing.content.decode()
    client.post(f"/policies/uptake/matches/{match.pk}/apply/", {"fact_annual_revenue": "2500"})
    match.refresh_from_db()
    assert match.uptake == UptakeStatus.APPLIED
    fact = EnterpriseFact.objects.get(enterprise=unit, key="annual_revenue")
    assert fact.source == FactSource.SELF_DECLARED


@pytest.mark.req("POL-03")
def test_rates_pages_and_exports(setup, login):
    client = login(make_user(Role.HQ_OFFICE, "41"))
    index = client.get("/policies/uptake/")
    assert index.status_code == 200 and "中小企业稳岗奖补" in index.content.decode()
    regions = client.get(f"/policies/uptake/regions/?region=41&policy={setup['policy'].pk}")
    text = regions.content.decode()
    assert regions.status_code == 200 and "郑州市" in text and "开封市" in text
    assert "uptake-chart" in text
    out = client.get(f"/policies/uptake/regions/?region=41&policy={setup['policy'].pk}&export=csv")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    zhengzhou = next(r for r in rows if r[0] == "4101")
    assert zhengzhou[2] == "1" and zhengzhou[3] == "1"  # eligible 1, possibly 1
    board = client.get(f"/policies/uptake/policies/{setup['policy'].pk}/?export=xlsx")
    assert board.status_code == 200 and board["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert AuditLog.objects.filter(action="policy.uptake.export").count() == 2
    # out of the user's jurisdiction: 404 as for a missing region
    county = login(setup["office"])
    assert county.get("/policies/uptake/regions/?region=4102").status_code == 404


@pytest.mark.req("POL-03")
def test_unredeemed_list_to_follow_up_task_and_back(setup, login):
    county_finance = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="finance")
    client = login(county_finance)
    page = client.get(f"/policies/uptake/policies/{setup['policy'].pk}/unredeemed/")
    text = page.content.decode()
    assert page.status_code == 200 and "中原精密机械有限公司" in text
    assert "龙亭纺织有限公司" not in text  # another county
    answer = client.post(
        f"/policies/uptake/policies/{setup['policy'].pk}/follow-ups/add/",
        {"region_code": OWN_COUNTY},
    )
    assert answer.status_code == 302
    task = FollowUpTask.objects.get(policy=setup["policy"], region_code=OWN_COUNTY)
    assert task.enterprise_count == 1
    listing = client.get("/policies/uptake/follow-ups/").content.decode()
    assert "中小企业稳岗奖补" in listing and "待跟进" in listing
    refused = login(setup["office"]).post(
        f"/policies/uptake/follow-ups/{task.pk}/close/", {"outcome": "x"}
    )
    assert refused.status_code == 403
    client.post(f"/policies/uptake/follow-ups/{task.pk}/close/", {"outcome": "已督办到位"})
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE and task.outcome == "已督办到位"
    assert "已督办到位" in client.get("/policies/uptake/follow-ups/?status=done").content.decode()
