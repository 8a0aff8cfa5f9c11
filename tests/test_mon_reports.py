"""MON-04: daily and weekly reports per HQ level, as a printable page and an Excel workbook.

One small world: whitelisted units, changes, staff, demands and orders, incidents, sentinel
alerts, production reports and early warnings in 中原区 (410102), 二七区 (410103, the same city)
and 龙亭区 (410202, another city), some inside the reported day, some elsewhere in its week and
some just outside the week (the Sunday before at 23:30, the Monday after at 00:10). The week is
two weeks ago, so every period is complete.

Each report's numbers are checked against the list pages they link to (the same contract as the
dashboard's figures), the coverage rows against the coverage page, and the counts of the world.
"""

import datetime
import io
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.command.actions import open_incident
from sibao.command.models import EarlyWarning
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_listed, make_staff, make_user
from sibao.dashboard.reports import WEEKLY, Cell, Period
from sibao.enterprises.models import ProductionReport, WhitelistChange, WhitelistStatus
from sibao.epidemic.actions import close_alert, raise_alert
from sibao.epidemic.models import SentinelAlert
from tests.mon_support import list_count
from tests.routes.wo_clocks import dispatched_order

pytestmark = pytest.mark.req("MON-04")

TZ = ZoneInfo("Asia/Shanghai")
URL = "/dashboard/reports/report/"
ONE_DAY = datetime.timedelta(days=1)


def at(day, hour, minute=0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _change(entry, kind, when, tier=""):
    return WhitelistChange.objects.create(
        entry=entry,
        kind=kind,
        tier=tier or entry.tier,
        reason="测试",
        at=when,
        region_code=entry.region_code,
        industry_id=entry.industry_id,
        enterprise_id=entry.enterprise_id,
    )


def _production(unit, day, state, capacity, staff):
    return ProductionReport.objects.create(
        enterprise=unit,
        reported_on=day,
        state=state,
        capacity_percent=capacity,
        staff_on_site=staff,
        region_code=unit.region_id,
        industry_id=unit.industry_id,
    )


def _warning(unit, n, raised, **fields):
    return EarlyWarning.objects.create(
        rule="test_rule",
        dimension="production",
        key=f"test:{unit.pk}:{n}",
        title="产能利用率偏低",
        rule_set_version=0,
        enterprise=unit,
        region_code=unit.region_id,
        industry_id=unit.industry_id,
        raised_at=raised,
        last_seen_at=raised,
        **fields,
    )


def _alert(staff, n, when):
    return raise_alert(
        "overdue_test",
        person_key=staff.person_key,
        staff=staff,
        region_code="",
        detail="超时未检测核酸",
        dedupe_key=f"report-test-{n}",
        now=when,
    )


@pytest.fixture
def world(personas, own_enterprise, other_enterprise):
    today = timezone.localdate()
    week = Period.of(WEEKLY, today - 14 * ONE_DAY)
    day = week.first + 2 * ONE_DAY  # the Wednesday
    before, after = at(week.first - ONE_DAY, 23, 30), at(week.last + ONE_DAY, 0, 10)
    shop = make_enterprise(region=OWN_COUNTY, industry="commerce", name="中原测试商贸有限公司")
    gone = make_enterprise(region=OWN_COUNTY, name="中原测试已移出有限公司")
    neighbour = make_enterprise(region="410103", name="二七测试电子有限公司")

    own_entry = make_listed(own_enterprise, "county")
    make_listed(shop, "city")
    neighbour_entry = make_listed(neighbour, "county")
    other_entry = make_listed(other_enterprise, "province")
    gone_entry = make_listed(gone)
    gone_entry.status = WhitelistStatus.REMOVED
    gone_entry.save(update_fields=["status"])
    _change(own_entry, "added", at(day, 10))
    _change(neighbour_entry, "added", at(day, 15))
    _change(own_entry, "tier_changed", at(week.last, 23, 30), tier="city")
    _change(gone_entry, "removed", before)
    _change(other_entry, "added", after)

    now = timezone.now()
    make_staff(own_enterprise, last_negative_at=now - datetime.timedelta(hours=1))
    late = make_staff(own_enterprise)  # never tested: overdue
    make_staff(neighbour)
    far = make_staff(other_enterprise)

    dispatched_order(own_enterprise, now=at(day, 9))
    dispatched_order(own_enterprise, now=before)
    dispatched_order(other_enterprise, now=at(week.first + 4 * ONE_DAY, 9))

    open_incident(
        own_enterprise, actor=None, kind="symptom", description="员工发热", now=at(day, 11)
    )
    open_incident(other_enterprise, actor=None, kind="symptom", description="员工咳嗽", now=after)

    _alert(late, 1, at(day, 8))
    closed = _alert(late, 2, at(day, 8, 30))
    close_alert(closed, actor=None, outcome="已完成检测")
    SentinelAlert.objects.filter(pk=closed.pk).update(closed_at=at(day, 17))
    _alert(far, 3, at(week.first + 5 * ONE_DAY, 8))

    _production(own_enterprise, day, "operating", 80, 50)
    _production(own_enterprise, week.last, "partial", 60, 30)
    _production(neighbour, day, "suspended", 0, 3)
    _production(other_enterprise, before.date(), "operating", 90, 40)

    _warning(own_enterprise, 1, at(day, 12))
    _warning(own_enterprise, 2, at(week.first, 9), status="resolved", resolved_at=at(day, 16))
    _warning(other_enterprise, 3, after)
    return {"day": day, "week": week, "today": today}


def linked_numbers(report) -> dict:
    """``{url: number}`` of every figure and table cell that links to a list of rows."""
    found = {}
    for section in report.sections:
        for figure in section.figures:
            if figure.url and figure.value is not None:
                found[figure.url] = figure.value
        for table in section.tables:
            for row in table.rows + ([table.total] if table.total else []):
                for cell in row:
                    if isinstance(cell, Cell) and cell.url and isinstance(cell.value, int):
                        found[cell.url] = cell.value
    return found


def assert_numbers_match_lists(client, report) -> int:
    """Every non-zero linked number equals the count of its list; of the zeros, one per list
    page is compared (a wrong filter would show rows there), to keep the test fast."""
    numbers, zeros = {}, set()
    for url, value in linked_numbers(report).items():
        page = url.split("?")[0]
        if value or page not in zeros:
            numbers[url] = value
            if not value:
                zeros.add(page)
    wrong = {
        url: (value, count)
        for url, value in numbers.items()
        if (count := list_count(client, url)) != value
    }
    assert not wrong, wrong
    return len(numbers)


def figures(report) -> dict:
    return {f.key: f.value for section in report.sections for f in section.figures}


def report_of(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.context["report"], response


def test_a_county_daily_report_counts_its_day_and_equals_its_lists(world, personas, login):
    user = personas["own_county"]
    client = login(user)
    report, response = report_of(client, kind="daily", region=OWN_COUNTY, date=world["day"])

    page = response.content.decode()
    assert "河南省“四保”白名单企业（项目）运行调度日报" in page
    assert "河南省郑州市中原区（410102）" in page and world["day"].isoformat() in page
    assert [s.key for s in report.sections] == [
        "whitelist",
        "coverage",
        "compliance",
        "demands",
        "incidents",
        "production",
    ]
    numbers = figures(report)
    assert (numbers["listed"], numbers["added"], numbers["removed"], numbers["tier"]) == (
        2,
        1,
        0,
        0,
    )
    assert (numbers["staff"], numbers["overdue"]) == (2, 1)
    assert (numbers["received"], numbers["orders"], numbers["open_overdue"]) == (1, 1, 1)
    assert (numbers["incidents_opened"], numbers["incidents_open"]) == (1, 1)
    assert (numbers["alerts_raised"], numbers["alerts_closed"], numbers["alerts_open"]) == (2, 1, 1)
    assert (numbers["production_units"], numbers["production_suspended"]) == (1, 0)
    assert numbers["capacity"] == 80
    assert (numbers["warnings_raised"], numbers["warnings_resolved"]) == (1, 1)
    assert assert_numbers_match_lists(client, report) > 18

    # the coverage rows are the coverage page's own rows
    coverage = next(s for s in report.sections if s.key == "coverage").tables[0]
    assert len(coverage.rows) == 5
    for row in coverage.rows:
        own = client.get(row[0].url).context["own"]
        assert row[1:6] == [own.units, own.covered_units, own.total, own.covered, own.ratio_pct]

    # the list of whitelisted units is the whitelist list filtered by the region
    units = next(t for t in report.sections[0].tables if t.key == "whitelist_units")
    assert [r[0] for r in units.rows] == ["中原测试商贸有限公司", "中原测试机械有限公司"]

    audit = AuditLog.objects.get(action="report.generate")
    assert (audit.actor, audit.region_code) == (user, OWN_COUNTY)
    assert audit.changes["kind"] == "daily" and audit.changes["format"] == "html"
    assert audit.changes["first"] == world["day"].isoformat()

    # the number of queries does not grow with the rows listed
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report_of(client, kind="daily", region=OWN_COUNTY, date=world["day"])
        return len(captured)

    before = queries()
    for n in range(3):
        unit = make_enterprise(region=OWN_COUNTY, industry="transport")
        _change(make_listed(unit), "added", at(world["day"], 13, n))
        make_staff(unit)
        _alert(make_staff(unit), 10 + n, at(world["day"], 14))
    assert queries() == before


def test_the_province_weekly_report_counts_the_week_with_a_trend_per_day(world, login):
    province = make_user(Role.HQ_OFFICE, "41", username="province_office")
    client = login(province)
    week, day = world["week"], world["day"]
    report, response = report_of(client, kind="weekly", region="41", date=day)

    assert report.period == week and "运行调度周报" in response.content.decode()
    numbers = figures(report)
    assert (numbers["listed"], numbers["added"], numbers["tier"], numbers["removed"]) == (
        4,
        2,
        1,
        0,
    )
    assert (numbers["staff"], numbers["overdue"]) == (4, 3)
    assert (numbers["received"], numbers["orders"]) == (2, 2)
    assert (numbers["incidents_opened"], numbers["alerts_raised"]) == (1, 3)
    assert (numbers["production_units"], numbers["production_reports"]) == (2, 3)
    assert numbers["production_suspended"] == 1
    assert (numbers["warnings_raised"], numbers["warnings_resolved"]) == (2, 1)
    assert assert_numbers_match_lists(client, report) > 22

    # compliance per city; coverage per city and industry equals the coverage page's children
    sections = {s.key: s for s in report.sections}
    by_city = {row[0]: row[1:3] for row in sections["compliance"].tables[0].rows}
    assert by_city["郑州市"][0] == 3 and by_city["郑州市"][1].value == 2
    assert by_city["开封市"][0] == 1 and by_city["开封市"][1].value == 1
    per_region = sections["coverage"].tables[1]
    for column, industry_row in enumerate(sections["coverage"].tables[0].rows, start=1):
        children = client.get(industry_row[0].url).context["children"]
        assert [row[column].value for row in per_region.rows] == [c.ratio_pct for c in children]

    # the trend: one row per day of the week; its totals are the sections' figures
    trend = sections["trend"].tables[0]
    assert [row[0][:10] for row in trend.rows] == [d.isoformat() for d in week.days]
    labels = [c.label for c in trend.columns]
    totals = dict(zip(labels, trend.total, strict=True))
    for label, key in {
        "白名单纳入": "added",
        "白名单移出": "removed",
        "收到诉求": "received",
        "诉求销号": "demands_closed",
        "派发工单": "orders",
        "新发事件": "incidents_opened",
        "恢复生产": "incidents_closed",
        "新发哨点预警": "alerts_raised",
        "已处置哨点预警": "alerts_closed",
        "生产填报": "production_reports",
        "停产填报": "production_suspended",
        "新发监测预警": "warnings_raised",
        "已处置监测预警": "warnings_resolved",
    }.items():
        assert totals[label] == numbers[key], label
    wednesday = dict(zip(labels, trend.rows[2], strict=True))
    assert (wednesday["白名单纳入"], wednesday["新发哨点预警"], wednesday["生产填报"]) == (2, 2, 2)

    # the report list offers the province and its cities
    listing = client.get("/dashboard/reports/")
    names = [region.name for region, *_links in listing.context["quick"]]
    assert names[:3] == ["河南省", "郑州市", "开封市"] and len(names) == 19


def test_the_workbook_has_a_sheet_per_table_with_the_numbers_of_the_page(world, personas, login):
    client = login(personas["own_county"])
    day = world["day"].isoformat()
    report, _page = report_of(client, kind="daily", region=OWN_COUNTY, date=day)
    response = client.get(
        URL, {"kind": "daily", "region": OWN_COUNTY, "date": day, "format": "xlsx"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    name = quote(f"四保日报_河南省郑州市中原区_{day}.xlsx")
    assert f"filename*=utf-8''{name}" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [
        "概况",
        "白名单单位（按行业和层级）",
        "白名单本期变更",
        "白名单单位名单",
        "覆盖率（按行业）",
        "核酸检测合规（按单位）",
        "工单办理（按层级）",
        "应急处置事件（按类型）",
        "哨点预警（按类型）",
        "生产经营状况（按状态）",
        "监测预警（按维度）",
    ]
    overview = book["概况"]
    assert overview["A1"].value == "河南省“四保”白名单企业（项目）运行调度日报"
    assert overview["B2"].value == "河南省郑州市中原区（410102）"
    header = next(
        i for i, row in enumerate(overview.iter_rows(values_only=True), 1) if row[0] == "部分"
    )
    assert overview.freeze_panes == f"A{header + 1}"
    in_book = {row[1]: row[2] for row in overview.iter_rows(min_row=header + 1, values_only=True)}
    on_page = {f.label: f.value for s in report.sections for f in s.figures}
    assert {k: (float(v) if v is not None else None) for k, v in in_book.items()} == {
        k: (float(v) if v is not None else None) for k, v in on_page.items()
    }

    tiers = book["白名单单位（按行业和层级）"]
    assert tiers.freeze_panes == "A2"
    assert [c.value for c in tiers[1]] == ["行业领域", "省级保障", "市级保障", "县级保障", "合计"]
    assert tiers.cell(tiers.max_row, 5).value == 2 and isinstance(tiers.cell(2, 2).value, int)
    units = list(book["白名单单位名单"].iter_rows(min_row=2, values_only=True))
    assert units == [
        ("中原测试商贸有限公司", "中原区", "商贸流通", "市级"),
        ("中原测试机械有限公司", "中原区", "工业生产", "县级"),
    ]
    changes = list(book["白名单本期变更"].iter_rows(min_row=2, values_only=True))
    assert len(changes) == 1 and changes[0][0] == at(world["day"], 10).replace(tzinfo=None)
    coverage = book["覆盖率（按行业）"]
    assert coverage.column_dimensions["D"].width == 20
    assert isinstance(coverage.cell(2, 4).value, int | float)

    audits = AuditLog.objects.filter(action="report.generate").order_by("id")
    assert [a.changes["format"] for a in audits] == ["html", "xlsx"]


def test_a_county_official_reaches_only_its_own_county(world, personas, login):
    client = login(personas["own_county"])
    day = world["day"].isoformat()
    for region in ("410202", "41", "4101", "410103", "nowhere"):
        for extra in ({}, {"format": "xlsx"}):
            response = client.get(URL, {"kind": "weekly", "region": region, "date": day, **extra})
            assert response.status_code == 404, (region, extra)
    # another county's official: not this county's report either
    other = login(personas["other_county"])
    assert other.get(URL, {"region": OWN_COUNTY}).status_code == 404
    assert not AuditLog.objects.filter(action="report.generate").exists()

    # a department sees its own industries, and no section its role may not read
    commerce = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    report, response = report_of(login(commerce), region=OWN_COUNTY, date=day)
    assert figures(report)["listed"] == 1
    assert "compliance" not in [s.key for s in report.sections]
    assert "员工核酸检测合规" in report.withheld and "员工核酸检测合规" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "monthly"}, "未知的报告类型“monthly”"),
        ({"date": "2022-13-01"}, "日期格式不正确"),
        ({"date": "05/06/2022"}, "日期格式不正确"),
        ({"kind": "weekly", "date": "tomorrow"}, "日期格式不正确"),
        ({"kind": "weekly", "date": "0001-01-01"}, "报告日期不能早于"),
        ({"format": "pdf"}, "未知的文件格式“pdf”"),
    ],
)
def test_bad_parameters_are_refused_with_a_reason_and_produce_nothing(
    personas, login, params, message
):
    client = login(personas["own_county"])
    response = client.get(URL, {"region": OWN_COUNTY, **params})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "report" not in response.context
    assert not AuditLog.objects.filter(action="report.generate").exists()


def test_a_report_of_a_future_day_is_refused(personas, login):
    client = login(personas["own_county"])
    tomorrow = timezone.localdate() + ONE_DAY
    for kind in ("daily", "weekly"):
        response = client.get(URL, {"kind": kind, "region": OWN_COUNTY, "date": tomorrow})
        assert response.status_code == 400
        assert "报告日期不能晚于今天" in response.content.decode()
    assert not AuditLog.objects.filter(action="report.generate").exists()
    # without parameters: yesterday's daily report of the user's broadest region
    report, _response = report_of(client)
    assert (report.region.code, report.period.first) == (
        OWN_COUNTY,
        timezone.localdate() - ONE_DAY,
    )
