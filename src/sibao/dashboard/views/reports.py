"""Daily and weekly reports per HQ level (MON-04).

- the reports the user may produce (``report_list``): 日报 and 周报 of the regions of the user's
  regional grants and the cities and counties below them, with a date picker;
- a report (``report``, ``?kind=daily|weekly&region=&date=``): the printable page, or with
  ``format=xlsx`` the same report as an Excel workbook (one sheet per table).

The gate is the board's: reading early warnings over a region (``dashboard.access``); a region
outside the user's grants answers 404. The data comes from ``dashboard.reports``, each section
scoped through ``visible_to``; every report produced is an audited read.
"""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.http import FileResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from sibao.command.models import EarlyWarning
from sibao.core import rules as rule_set
from sibao.core import tabular
from sibao.core.generic import GrantRequiredMixin
from sibao.dashboard import reports
from sibao.dashboard.access import board_region, board_regions
from sibao.dashboard.actions.reports import record_report
from sibao.dashboard.forms_reports import ReportForm
from sibao.regions.models import Region

NUMBER_FORMATS = {
    reports.INT: "0",
    reports.PCT: "0.0",
    reports.MONEY: "#,##0.00",
    reports.DATETIME: "yyyy-mm-dd hh:mm",
}


def report_regions(user) -> list:
    """The regions whose reports the user may produce: each regional grant's region and every
    city and county below it that has an HQ, in code order (a city right before its counties)."""
    reach = Q()
    for region in board_regions(user):
        reach |= Q(code__startswith=region.code)
    if not reach:
        return []
    # functional zones have no HQ of their own: their figures are in their city's report
    return list(Region.objects.filter(reach, is_statistical_zone=False).order_by("code"))


def _query(kind: str, region: str, day: datetime.date, file_format: str = "") -> str:
    query = QueryDict(mutable=True)
    query.update({"kind": kind, "region": region, "date": day.isoformat()})
    if file_format:
        query["format"] = file_format
    return query.urlencode()


def _picker(request, form, *, status: int = 200):
    """The report list: the form (with its errors, if any) and the quick links of the user's
    grant regions and the regions right below them."""
    user = request.user
    default = board_region(user, None)  # 403 for a user without a regional grant
    today = timezone.localdate()
    yesterday = reports.default_day(reports.DAILY, today)
    last_week = reports.default_day(reports.WEEKLY, today)
    grants = board_regions(user)
    quick = []
    below = [
        c for g in grants for c in g.children.filter(is_statistical_zone=False).order_by("code")
    ]
    for region in grants + below:
        if any(region.code == r.code for r, *_rest in quick):
            continue
        quick.append(
            (
                region,
                _query(reports.DAILY, region.code, yesterday),
                _query(reports.WEEKLY, region.code, last_week),
                _query(reports.DAILY, region.code, yesterday, "xlsx"),
                _query(reports.WEEKLY, region.code, last_week, "xlsx"),
            )
        )
    chosen = form.data.get("region") if form.is_bound else ""
    return render(
        request,
        "dashboard/report_list.html",
        {
            "form": form,
            "regions": report_regions(user),
            "chosen_region": chosen or default.code,
            "quick": quick,
            "today": today,
            "yesterday": yesterday,
            "last_week": reports.Period.of(reports.WEEKLY, last_week),
        },
        status=status,
    )


class ReportListView(GrantRequiredMixin, View):
    """MON-04: the daily and weekly reports the user may produce."""

    permission = (EarlyWarning, "view")

    def get(self, request):
        today = timezone.localdate()
        # no date: each kind takes its own default (yesterday, last week)
        form = ReportForm(initial={"kind": reports.DAILY, "format": "html"}, today=today)
        return _picker(request, form)


class ReportView(GrantRequiredMixin, View):
    """MON-04: one report as a printable page or an Excel workbook. Wrong parameters (an unknown
    kind or format, a malformed or future date) answer 400 with the reason and produce nothing;
    a region outside the user's grants answers 404."""

    permission = (EarlyWarning, "view")

    def get(self, request):
        user = request.user
        region = board_region(user, request.GET.get("region") or None)
        today = timezone.localdate()
        form = ReportForm(request.GET, today=today)
        if not form.is_valid():
            return _picker(request, form, status=400)
        data = form.cleaned_data
        period = data["period"]
        report = reports.build(user, region, period, rules=rule_set.current(), now=timezone.now())
        record_report(report, actor=user, file_format=data["format"])
        if data["format"] == "xlsx":
            return workbook_response(report)
        following = period.following()
        return render(
            request,
            "dashboard/report.html",
            {
                "report": report,
                "query": _query(period.kind, region.code, period.first),
                "xlsx_query": _query(period.kind, region.code, period.first, "xlsx"),
                "previous_query": _query(period.kind, region.code, period.previous().first),
                "next_query": _query(period.kind, region.code, following.first)
                if following.first <= today
                else "",
            },
        )


# --- the workbook ---------------------------------------------------------------------------------


def report_filename(report) -> str:
    period = report.period
    if period.kind == reports.WEEKLY:
        day = _("%(first)s至%(last)s") % {
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
        }
    else:
        day = period.first.isoformat()
    return _("四保%(kind)s_%(region)s_%(date)s.xlsx") % {
        "kind": period.kind_label,
        "region": report.region.full_name,
        "date": day,
    }


def _plain(value):
    """A cell value as Excel stores it: numbers stay numbers, datetimes local and naive."""
    if isinstance(value, reports.Cell):
        value = value.value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if value is None or isinstance(value, int | float | Decimal | datetime.date):
        return value
    return str(value)


def _cell(sheet, value, *, number_format: str = "", bold: bool = False):
    cell = WriteOnlyCell(sheet, value=_plain(value))
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _summary_sheet(workbook, report) -> None:
    """The title block and every section's figures."""
    sheet = workbook.create_sheet(_("概况"))
    for letter, width in zip("ABCD", (26, 30, 14, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    title = _cell(sheet, report.title, bold=True)
    title.alignment = Alignment(horizontal="left")
    rows = [
        [title],
        [_("区划"), f"{report.region.full_name}（{report.region.code}）"],
        [_("报告期"), report.period.label],
        [
            _("生成时间"),
            _cell(sheet, report.generated_at, number_format=NUMBER_FORMATS[reports.DATETIME]),
        ],
        [_("规则集版本"), report.rule_version],
        [],
    ]
    header = [_cell(sheet, h, bold=True) for h in (_("部分"), _("指标"), _("数值"), _("单位"))]
    sheet.freeze_panes = f"A{len(rows) + 2}"
    sheet.print_title_rows = f"{len(rows) + 1}:{len(rows) + 1}"
    for row in rows:
        sheet.append(row)
    sheet.append(header)
    for section in report.sections:
        for figure in section.figures:
            kind = reports.PCT if figure.unit == "%" else reports.INT
            sheet.append(
                [
                    f"{section.number}、{section.title}",
                    figure.label,
                    _cell(sheet, figure.value, number_format=NUMBER_FORMATS[kind]),
                    figure.unit,
                ]
            )
    for title in report.withheld:
        sheet.append([title, _("按您的角色不显示此部分")])


def _table_sheet(workbook, table) -> None:
    sheet = workbook.create_sheet(table.title[:31])
    for i, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.append([_cell(sheet, column.label, bold=True) for column in table.columns])
    formats = [NUMBER_FORMATS.get(column.kind, "") for column in table.columns]
    for row in table.every_row():
        sheet.append(
            [
                _cell(sheet, value, number_format=fmt) if fmt else _plain(value)
                for value, fmt in zip(row, formats, strict=True)
            ]
        )
    if table.total is not None:
        sheet.append(
            [
                _cell(sheet, value, number_format=fmt, bold=True)
                for value, fmt in zip(table.total, formats, strict=True)
            ]
        )


def workbook_response(report) -> FileResponse:
    """The report as one workbook: an overview sheet (title block and figures), then a sheet
    per table with a frozen header row. Written in write-only mode through a temporary file,
    so that a province's list of units does not sit in memory."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = report.title
    workbook.properties.creator = "sibao"
    _summary_sheet(workbook, report)
    for section in report.sections:
        for table in section.tables:
            _table_sheet(workbook, table)
    # Django writes a non-ASCII name as RFC 5987 ``filename*=utf-8''…``
    return tabular.workbook_response(workbook, report_filename(report))


urlpatterns = [
    path("reports/", ReportListView.as_view(), name="report_list"),
    path("reports/report/", ReportView.as_view(), name="report"),
]
