"""Registry files (WL-01): the import template, reading and checking an uploaded .xlsx or .csv,
the row-by-row error report, and the export rows.

The column headers are a file format, not UI text: they stay Chinese whatever the interface
language, so that a file filled in under one language imports under the other.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from stdnum.cn import uscc

from sibao.accounts.access import covers
from sibao.core import tabular
from sibao.core.masking import mask_phone
from sibao.enterprises.models import PARK_KINDS, Enterprise, EnterpriseKind, WhitelistStatus
from sibao.regions.models import IndustryDomain, Region, RegionLevel


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = False


COLUMNS = (
    Column("credit_code", "统一社会信用代码", True),
    Column("name", "名称", True),
    Column("kind", "类型", True),
    Column("region", "区划代码", True),
    Column("industry", "行业领域", True),
    Column("sub_type", "细分类型"),
    Column("is_city_operation", "城市运行保障"),
    Column("output_value", "年总产值（万元）"),
    Column("investment", "项目投资额（万元）"),
    Column("employees", "从业人数"),
    Column("has_dormitory", "有集体宿舍"),
    Column("has_canteen", "有食堂"),
    Column("address", "地址"),
    Column("park", "所属园区信用代码"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话"),
)
HEADERS = [c.header for c in COLUMNS]
HEADER_OF = {c.field: c.header for c in COLUMNS}
SHEET_NAME = "企业名录"

# Short names people write in the 类型 column, besides the codes and the full labels.
KIND_ALIASES = {
    "企业": EnterpriseKind.ENTERPRISE,
    "项目": EnterpriseKind.PROJECT,
    "园区": EnterpriseKind.PARK,
    "综合保税区": EnterpriseKind.BONDED_ZONE,
    "保税区": EnterpriseKind.BONDED_ZONE,
    "海关特殊监管区域": EnterpriseKind.BONDED_ZONE,
}
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", ""}
MONEY_LIMIT = Decimal(10) ** 12  # the columns hold 14 digits, two of them decimals
CENT = Decimal("0.01")


@dataclass
class RowError:
    """One problem of an uploaded file: ``row`` is the spreadsheet row (the header is row 1),
    None for a problem with the whole file."""

    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


def read_table(data: bytes, filename: str) -> tabular.Table:
    """The file's data rows as {header: text} (``core.tabular``); a file refused as a whole
    becomes an ``ImportRefused`` with one whole-file error."""
    try:
        return tabular.read_table(data, filename, HEADERS, SHEET_NAME)
    except tabular.Refused as exc:
        raise _refuse(exc.messages[0]) from None


def _refuse(message: str):
    from sibao.enterprises.actions.registry import ImportRefused

    return ImportRefused(message, [RowError(None, "", "", message)])


# --- checking ------------------------------------------------------------------------------------


def _parse_bool(text: str):
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError


def _parse_money(text: str):
    if not text:
        return None
    value = Decimal(text.replace(",", "").replace("，", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Lookups:
    """Everything a file's rows are checked against, read once per file."""

    def __init__(self, table: tabular.Table, actor):
        self.actor = actor
        self.regions = {r.code: r for r in Region.objects.all()}
        industries = list(IndustryDomain.objects.all())
        self.industries = {i.code: i for i in industries} | {i.name: i for i in industries}
        self.industry_names = "、".join(f"{i.code}/{i.name}" for i in industries)
        codes = {r[HEADER_OF["credit_code"]].upper() for _n, r in table.rows}
        parks = {r[HEADER_OF["park"]].upper() for _n, r in table.rows if r[HEADER_OF["park"]]}
        self.existing = set()
        self.parks = {}
        for chunk in _chunks(sorted(codes), 500):
            self.existing |= set(
                Enterprise.objects.active()
                .filter(credit_code__in=chunk)
                .values_list("credit_code", "kind")
            )
        visible = Enterprise.objects.visible_to(actor, "view").active()
        for chunk in _chunks(sorted(parks), 500):
            for park in visible.filter(kind__in=PARK_KINDS, credit_code__in=chunk):
                self.parks.setdefault(park.credit_code, park)
        self._covers = {}

    def covers(self, region_code: str, industry: str | None) -> bool:
        # a department's grant reads its industries with a query: ask once per pair, not per row
        key = (region_code, industry)
        if key not in self._covers:
            self._covers[key] = covers(
                self.actor, Enterprise, "add", region_code=region_code, industry=industry
            )
        return self._covers[key]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def validate_rows(table: tabular.Table, *, actor) -> tuple[list[Enterprise], list[RowError]]:
    """Check every row; return the unsaved units and every problem found (all rows are checked,
    so the report lists everything to fix in one go)."""
    lookups = _Lookups(table, actor)
    units, errors = [], []
    seen: dict[tuple, int] = {}
    for number, record in table.rows:
        row_errors: list[RowError] = []

        def error(field, message, record=record, number=number, row_errors=row_errors):
            header = HEADER_OF.get(field, "")
            row_errors.append(RowError(number, header, record.get(header, ""), message))

        def text(field, record=record):
            return record[HEADER_OF[field]].strip()

        values = {}
        for column in COLUMNS:
            if column.required and not text(column.field):
                error(column.field, _("必填。"))

        code = text("credit_code").upper()
        if code:
            if uscc.is_valid(code):
                values["credit_code"] = code
            else:
                error(
                    "credit_code",
                    _("统一社会信用代码无效（18 位，末位校验码不符或含非法字符）。"),
                )
        if text("name"):
            values["name"] = text("name")

        kind_text = text("kind")
        if kind_text:
            kind = KIND_ALIASES.get(kind_text)
            if kind is None and kind_text in EnterpriseKind.values:
                kind = EnterpriseKind(kind_text)
            if kind is None:
                kind = {str(label): value for value, label in EnterpriseKind.choices}.get(kind_text)
            if kind is None:
                error("kind", _("类型须为：企业、项目、园区或综合保税区。"))
            else:
                values["kind"] = EnterpriseKind(kind)

        region = None
        region_text = text("region")
        if region_text:
            region = lookups.regions.get(region_text)
            if region is None:
                error("region", _("区划代码不存在。"))
            elif region.level != RegionLevel.COUNTY:
                error("region", _("须为县级区划（县、市、区或功能区）代码。"))
                region = None
            elif not lookups.covers(region.code, None):
                error("region", _("该区划不在您的管辖范围内。"))
                region = None
            else:
                values["region"] = region

        industry_text = text("industry")
        if industry_text:
            industry = lookups.industries.get(industry_text)
            if industry is None:
                error(
                    "industry",
                    _("未知的行业领域，可填代码或名称：%(names)s。")
                    % {"names": lookups.industry_names},
                )
            elif region is not None and not lookups.covers(region.code, industry.code):
                error("industry", _("您无权登记该行业领域的单位。"))
            else:
                values["industry"] = industry

        for field in ("is_city_operation", "has_dormitory", "has_canteen"):
            try:
                values[field] = _parse_bool(text(field))
            except ValueError:
                error(field, _("请填写“是”或“否”。"))

        for field in ("output_value", "investment"):
            try:
                amount = _parse_money(text(field))
            except (InvalidOperation, ValueError):
                error(field, _("不是有效的数字。"))
                continue
            if amount is not None and amount < 0:
                error(field, _("不能为负数。"))
            elif amount is not None and amount >= MONEY_LIMIT:
                error(field, _("数值过大。"))
            else:
                values[field] = amount

        employees = text("employees").replace(",", "")
        if employees:
            if employees.isdigit():
                values["employees"] = int(employees)
            else:
                error("employees", _("从业人数须为非负整数。"))

        park_code = text("park").upper()
        if park_code:
            park = lookups.parks.get(park_code)
            if park is None:
                error("park", _("所属园区未登记，或不在您的管辖范围内。"))
            else:
                values["park"] = park

        for field in ("sub_type", "address", "contact_name", "contact_phone"):
            values[field] = text(field)

        if "credit_code" in values and "kind" in values:
            key = (values["credit_code"], values["kind"])
            if key in seen:
                error(
                    "credit_code",
                    _("与第 %(row)d 行重复（统一社会信用代码和类型相同）。") % {"row": seen[key]},
                )
            else:
                seen[key] = number
                if key in lookups.existing:
                    error(
                        "credit_code", _("已有一条在用的相同信用代码和类型的记录，不能重复登记。")
                    )

        unit = Enterprise(**values)
        failed = {HEADER_OF_FIELD.get(e.column, e.column) for e in row_errors}
        # foreign keys were checked against the lookups above: no query per row here; without a
        # valid kind the model's kind-dependent rules would only add noise
        exclude = ["region", "industry", "park", *failed]
        try:
            if "kind" in values:
                unit.full_clean(exclude=exclude, validate_unique=False)
            else:
                unit.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in failed:
                    continue
                for message in messages:
                    error(field if field != NON_FIELD_ERRORS else "", message)
        if row_errors:
            errors.extend(row_errors)
        else:
            units.append(unit)
    return units, errors


HEADER_OF_FIELD = {c.header: c.field for c in COLUMNS}


# --- files we produce ----------------------------------------------------------------------------

BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
TEXT_COLUMNS = {"credit_code", "region", "park", "contact_phone"}


def _to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The import template: the header row (required columns shaded, code columns formatted as
    text so Excel keeps every digit) and a sheet of instructions with the allowed values."""
    workbook = Workbook()
    tabular.template_sheet(workbook, SHEET_NAME, COLUMNS, TEXT_COLUMNS)

    notes = workbook.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    lines = [
        (_("填写说明"), ""),
        ("", _("每行一个单位。整个文件全部通过校验才会导入；任何一行有错，都不会导入任何记录。")),
        ("", _("黄色表头为必填列。请勿修改、删除或增加列。")),
        (HEADER_OF["credit_code"], _("18 位统一社会信用代码，校验位须正确。")),
        (HEADER_OF["kind"], _("企业、项目、园区 或 综合保税区。")),
        (HEADER_OF["region"], _("县级区划代码（6 位），须在您的管辖范围内，例如 410102。")),
        (HEADER_OF["industry"], _("填写下表中的代码或名称。")),
        (
            HEADER_OF["output_value"],
            _("企业必填，单位万元；项目填写“项目投资额（万元）”。"),
        ),
        (HEADER_OF["investment"], _("项目必填，单位万元。")),
        (_("是/否列"), _("城市运行保障、有集体宿舍、有食堂：填写“是”或“否”，留空视为“否”。")),
        (HEADER_OF["park"], _("成员单位所属园区或保税区的统一社会信用代码（须已登记）。")),
        ("", ""),
        (_("行业领域代码"), _("行业领域名称")),
    ]
    lines += [(i.code, i.name) for i in IndustryDomain.objects.all()]
    lines += [("", ""), (_("类型"), _("含义"))]
    lines += [(str(label), value) for value, label in EnterpriseKind.choices]
    for line in lines:
        notes.append(list(line))
    notes["A1"].font = BOLD
    return _to_bytes(workbook)


def error_report_xlsx(errors: Iterable[dict]) -> bytes:
    """The row-by-row error report of a refused file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误报告"))
    sheet.append([_("行号"), _("列"), _("填写的值"), _("问题")])
    for e in errors:
        sheet.append([e.get("row") or "", e.get("column", ""), e.get("value", ""), e["message"]])
    return _to_bytes(workbook)


# --- export --------------------------------------------------------------------------------------

EXPORT_FIELDS = (
    "id",
    "credit_code",
    "name",
    "kind",
    "region_id",
    "region__name",
    "industry_id",
    "industry__name",
    "sub_type",
    "is_city_operation",
    "output_value",
    "investment",
    "employees",
    "has_dormitory",
    "has_canteen",
    "address",
    "park__credit_code",
    "contact_name",
    "contact_phone",
    "whitelist_entry__status",
)


def export_header() -> list[str]:
    """The import columns (so an export edits and imports elsewhere) plus the record id, names
    and whitelist status."""
    return [
        _("记录编号"),
        *HEADERS[:4],
        _("区划名称"),
        *HEADERS[4:],
        _("白名单状态"),
    ]


def export_rows(queryset, chunk_size: int = 2000) -> Iterator[list]:
    """The rows of ``queryset`` as export lines, read in chunks so memory stays flat however
    many rows there are. The contact phone is masked, as on screen."""
    kinds = {value: str(label) for value, label in EnterpriseKind.choices}
    statuses = {value: str(label) for value, label in WhitelistStatus.choices}
    yes, no = "是", "否"
    for (
        pk,
        credit_code,
        name,
        kind,
        region,
        region_name,
        _industry,
        industry_name,
        sub_type,
        city,
        output,
        investment,
        employees,
        dormitory,
        canteen,
        address,
        park,
        contact,
        phone,
        status,
    ) in queryset.values_list(*EXPORT_FIELDS).iterator(chunk_size=chunk_size):
        yield [
            pk,
            credit_code,
            name,
            kinds.get(kind, kind),
            region,
            region_name,
            industry_name,
            sub_type,
            yes if city else no,
            "" if output is None else str(output),
            "" if investment is None else str(investment),
            employees,
            yes if dormitory else no,
            yes if canteen else no,
            address,
            park or "",
            contact,
            mask_phone(phone),
            statuses.get(status, _("未纳入")),
        ]


def write_xlsx(rows: Iterable[list], fileobj) -> int:
    """Write the export to ``fileobj`` with a write-only workbook (rows go straight to disk)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.append(export_header())
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(fileobj)
    return count


class _Echo:
    def write(self, value):
        return value


def csv_chunks(rows: Iterable[list], lines_per_chunk: int = 500) -> Iterator[str]:
    """The export as CSV text chunks: a BOM first so that Excel reads the UTF-8 Chinese."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export_header())
    batch = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= lines_per_chunk:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def export_queryset(user, params):
    """The registry rows ``user`` may export, active records only, filtered like the list;
    returns (queryset, filterset)."""
    from sibao.enterprises.filtersets import EnterpriseFilterSet

    queryset = Enterprise.objects.visible_to(user, "export").active().order_by("region_id", "id")
    filterset = EnterpriseFilterSet(params, queryset=queryset, request=_RequestLike(user))
    return filterset.qs, filterset


@dataclass
class _RequestLike:
    user: object


def export_response(user, params, file_format: str):
    """WL-01: the filtered, scoped list as a file that never sits whole in memory: .xlsx is
    written row by row into a temporary file and served from it, .csv is streamed as it is read.
    The export is audited with its row count and filters."""
    import tempfile

    from django.http import FileResponse, StreamingHttpResponse
    from django.utils import timezone

    from sibao.enterprises import actions

    queryset, filterset = export_queryset(user, params)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    filters = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "")}
    stem = f"enterprises-{timezone.localdate():%Y%m%d}"
    if file_format == "csv":
        actions.record_export(actor=user, rows=queryset.count(), filters=filters, file_format="csv")
        response = StreamingHttpResponse(
            csv_chunks(export_rows(queryset)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    if file_format != "xlsx":
        raise ValidationError({"fmt": _("导出格式须为 xlsx 或 csv。")})
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    rows = write_xlsx(export_rows(queryset), spool)
    spool.seek(0)
    actions.record_export(actor=user, rows=rows, filters=filters, file_format="xlsx")
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{stem}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
