"""Production-report files (MON-03): the import template an HQ office or a department fills in on
behalf of units, reading and checking an uploaded .xlsx or .csv row by row, and the status-list
export.

The column headers are a file format, not UI text: they stay Chinese whatever the interface
language, so that a file filled in under one language imports under the other.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from sibao.core import rules as rule_set
from sibao.core import tabular
from sibao.enterprises.imports import RowError
from sibao.enterprises.models import ProductionState


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = False


COLUMNS = (
    Column("credit_code", "统一社会信用代码", True),
    Column("name", "单位名称"),
    Column("reported_on", "报告日期", True),
    Column("state", "生产状态", True),
    Column("capacity_percent", "产能利用率（%）", True),
    Column("staff_on_site", "在岗人数", True),
    Column("raw_material_days", "原材料可用天数"),
    Column("note", "情况说明"),
)
HEADERS = [c.header for c in COLUMNS]
HEADER_OF = {c.field: c.header for c in COLUMNS}
SHEET_NAME = "生产经营状况"

# What people write in the 生产状态 column besides the codes and the full labels.
STATE_ALIASES = {
    "正常": ProductionState.OPERATING,
    "生产": ProductionState.OPERATING,
    "部分": ProductionState.PARTIAL,
    "部分停产": ProductionState.PARTIAL,
    "停工": ProductionState.SUSPENDED,
    "停业": ProductionState.SUSPENDED,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def _refuse(message: str):
    from sibao.enterprises.actions.registry import ImportRefused

    return ImportRefused(message, [RowError(None, "", "", message)])


def read_table(data: bytes, filename: str) -> tabular.Table:
    try:
        return tabular.read_table(data, filename, HEADERS, SHEET_NAME)
    except tabular.Refused as exc:
        raise _refuse(exc.messages[0]) from None


def parse_state(text: str) -> str | None:
    text = text.strip()
    if text in ProductionState.values:
        return text
    labels = {str(label): value for value, label in ProductionState.choices}
    return labels.get(text) or STATE_ALIASES.get(text)


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    if "T" in text:  # a date cell with a time part
        text = text.split("T", 1)[0]
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _int(text: str) -> int:
    text = text.replace(",", "").replace("%", "").replace("％", "").strip()
    value = Decimal(text)
    if value != value.to_integral_value():
        raise ValueError
    return int(value)


def validate_rows(table: tabular.Table, *, actor, today: datetime.date):
    """Check every row; return ``(entries, errors)`` — the entries ``(unit, day, values)`` to
    save and every problem found (all rows are checked, so the report lists everything to fix
    in one go). Units are looked up once for the whole file among those the actor may enter
    reports for."""
    from sibao.enterprises.actions.production import report_problems
    from sibao.enterprises.queries_production import roster_counts, units_for

    rules = rule_set.current()
    codes = {r[HEADER_OF["credit_code"]].strip().upper() for _n, r in table.rows}
    units: dict[str, list] = {}
    reachable = units_for(actor, "import") if actor is not None else None
    for start in range(0, len(codes), 500):
        chunk = sorted(codes)[start : start + 500]
        queryset = reachable if reachable is not None else _all_units()
        for unit in queryset.filter(credit_code__in=chunk).order_by("pk"):
            units.setdefault(unit.credit_code, []).append(unit)
    rosters = roster_counts([u.pk for found in units.values() for u in found])

    entries, errors = [], []
    seen: dict[tuple, int] = {}
    for number, record in table.rows:
        row_errors: list[RowError] = []

        def error(field, message, record=record, number=number, row_errors=row_errors):
            header = HEADER_OF.get(field, "")
            row_errors.append(RowError(number, header, record.get(header, ""), message))

        def text(field, record=record):
            return record[HEADER_OF[field]].strip()

        for column in COLUMNS:
            if column.required and not text(column.field):
                error(column.field, _("必填。"))

        unit = None
        code = text("credit_code").upper()
        if code:
            found = units.get(code, [])
            if len(found) > 1 and text("name"):
                found = [u for u in found if u.name == text("name")]
            if not found:
                error(
                    "credit_code",
                    _("未找到该单位，或该单位不在您的管辖范围内。"),
                )
            elif len(found) > 1:
                error(
                    "credit_code",
                    _("该信用代码登记了多个单位，请在“单位名称”列填写登记的名称以区分。"),
                )
            else:
                unit = found[0]

        day = None
        if text("reported_on"):
            day = parse_date(text("reported_on"))
            if day is None:
                error("reported_on", _("日期格式应为 YYYY-MM-DD，例如 2022-05-06。"))

        values = {"note": text("note")}
        if text("state"):
            values["state"] = parse_state(text("state"))
            if values["state"] is None:
                error("state", _("生产状态须为：正常生产、部分生产或停产。"))
        for field in ("capacity_percent", "staff_on_site"):
            if text(field):
                try:
                    values[field] = _int(text(field))
                except (InvalidOperation, ValueError):
                    error(field, _("应为整数。"))
        if text("raw_material_days"):
            try:
                raw = Decimal(text("raw_material_days").replace(",", ""))
                if not raw.is_finite():
                    raise InvalidOperation
                values["raw_material_days"] = raw
            except (InvalidOperation, ValueError):
                error("raw_material_days", _("不是有效的数字。"))

        if not row_errors and unit is not None and day is not None:
            problems = report_problems(
                values,
                reported_on=day,
                today=today,
                rules=rules,
                roster_staff=rosters.get(unit.pk),
            )
            for field, messages in problems.items():
                for message in messages:
                    error(field, message)
            key = (unit.pk, day)
            if key in seen:
                error(
                    "reported_on",
                    _("与第 %(row)d 行重复（同一单位同一天）。") % {"row": seen[key]},
                )
            else:
                seen[key] = number
        if row_errors:
            errors.extend(row_errors)
        else:
            entries.append((unit, day, values))
    return entries, errors


def _all_units():
    from sibao.enterprises.models import Enterprise

    return Enterprise.objects.active()


# --- files we produce -----------------------------------------------------------------------------

BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
TEXT_COLUMNS = {"credit_code", "reported_on"}


def _to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The import template: the header row (required columns shaded, the code and date columns
    formatted as text so Excel keeps them as typed) and a sheet of instructions."""
    rules = rule_set.current()
    workbook = Workbook()
    tabular.template_sheet(workbook, SHEET_NAME, COLUMNS, TEXT_COLUMNS)

    notes = workbook.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    lines = [
        (_("填写说明"), ""),
        (
            "",
            _(
                "每行一个单位一天的生产经营状况。整个文件全部通过校验才会导入；任何一行有错，都不会导入任何记录。"
            ),
        ),
        ("", _("黄色表头为必填列。请勿修改、删除或增加列。")),
        (HEADER_OF["credit_code"], _("单位的统一社会信用代码，单位须在您的管辖范围内。")),
        (HEADER_OF["name"], _("仅在同一信用代码登记了多个单位（如企业和项目）时用于区分。")),
        (
            HEADER_OF["reported_on"],
            _("YYYY-MM-DD。不能晚于今天，最多补报 %(days)d 天；已填报的日期将被更正。")
            % {"days": rules["production_backfill_days"]},
        ),
        (HEADER_OF["state"], _("正常生产、部分生产 或 停产。")),
        (HEADER_OF["capacity_percent"], _("0 到 100 的整数；停产填 0。")),
        (HEADER_OF["staff_on_site"], _("当天在岗人数，不超过单位花名册的在岗人员数。")),
        (HEADER_OF["raw_material_days"], _("现有原材料可维持生产的天数；不涉及原材料的单位留空。")),
    ]
    for line in lines:
        notes.append(list(line))
    notes["A1"].font = BOLD
    return _to_bytes(workbook)


# --- export ---------------------------------------------------------------------------------------


def export_header() -> list[str]:
    return [
        _("单位"),
        _("统一社会信用代码"),
        _("区划代码"),
        _("区划"),
        _("行业领域"),
        _("生产状态"),
        _("报告日期"),
        _("产能利用率（%）"),
        _("在岗人数"),
        _("原材料可用天数"),
        _("情况说明"),
    ]


def export_rows(units, chunk_size: int = 2000):
    """The status list's rows (a ``status_units`` queryset) as export lines, read in chunks."""
    states = {value: str(label) for value, label in ProductionState.choices}
    fields = (
        "name",
        "credit_code",
        "region_id",
        "region__name",
        "industry__name",
        "status__state",
        "status__reported_on",
        "status__capacity_percent",
        "status__staff_on_site",
        "status__raw_material_days",
        "status__note",
    )
    for (
        name,
        code,
        region,
        region_name,
        industry,
        state,
        day,
        capacity,
        staff,
        raw,
        note,
    ) in units.values_list(*fields).iterator(chunk_size=chunk_size):
        yield [
            name,
            code,
            region,
            region_name,
            industry,
            states.get(state, _("未填报")),
            day.isoformat() if day else "",
            capacity if capacity is not None else "",
            staff if staff is not None else "",
            str(raw) if raw is not None else "",
            note or "",
        ]


def export_xlsx(units, fileobj) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.append(export_header())
    count = 0
    for row in export_rows(units):
        sheet.append(row)
        count += 1
    workbook.save(fileobj)
    return count
