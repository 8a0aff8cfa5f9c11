"""Roster files (EPI-01, EPI-12): the import template, reading and checking an uploaded .xlsx or
.csv of staff, the row-by-row error report, and the code-protection registration export.

The column headers are a file format, not UI text: they stay Chinese whatever the interface
language, so that a file filled in under one language imports under the other.

Personal data: an error report echoes what was typed so that people can find the cell, except
ID numbers and phones, which are masked there as everywhere else (the report is rendered on a
page, signed into a hidden field and downloaded: none of that may carry them in clear).
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from sibao.core import tabular
from sibao.core.masking import mask_id_number, mask_phone
from sibao.core.personal import decrypt, normalise_id_number, normalise_phone, person_key
from sibao.epidemic.models import PostClass, StaffCategory


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = False


COLUMNS = (
    Column("id_number", "身份证号码", True),
    Column("name", "姓名", True),
    Column("phone", "手机号码"),
    Column("category", "人员类别", True),
    Column("post_class", "岗位类别", True),
    Column("team", "班组"),
    Column("zone", "区域"),
    Column("dormitory", "宿舍"),
    Column("joined_on", "入职（进入）日期"),
    Column("vaccine_doses", "疫苗接种剂次"),
)
HEADERS = [c.header for c in COLUMNS]
HEADER_OF = {c.field: c.header for c in COLUMNS}
SHEET_NAME = "员工花名册"
# What people write in the two class columns besides the full labels and the codes.
CATEGORY_ALIASES = {
    "员工": StaffCategory.EMPLOYEE,
    "职工": StaffCategory.EMPLOYEE,
    "物流": StaffCategory.LOGISTICS,
    "物流人员": StaffCategory.LOGISTICS,
    "物流保障": StaffCategory.LOGISTICS,
    "城市保供": StaffCategory.CITY_SUPPLY,
    "保供人员": StaffCategory.CITY_SUPPLY,
}
POST_CLASS_ALIASES = {
    "普通": PostClass.ORDINARY,
    "普通岗": PostClass.ORDINARY,
    "流动": PostClass.MOBILE,
    "接触": PostClass.MOBILE,
    "流动岗": PostClass.MOBILE,
    "流动性岗位": PostClass.MOBILE,
    "接触性岗位": PostClass.MOBILE,
    "流动性、接触性岗位": PostClass.MOBILE,
    "流动性接触性岗位": PostClass.MOBILE,
}
# A sanity bound against typing errors (e.g. a date typed into the doses column), not a policy.
MAX_DOSES = 9
MASKED_COLUMNS = {"id_number": mask_id_number, "phone": mask_phone}
TEXT_LIMITS = {"name": 64, "team": 64, "zone": 64, "dormitory": 64}


def parse_choice(text: str, choices, aliases: dict):
    """A choice from its code, its Chinese label or a common short name; None if unknown."""
    text = (text or "").strip()
    if text in aliases:
        return aliases[text]
    if text in choices.values:
        return choices(text)
    return {str(label): value for value, label in choices.choices}.get(text)


@dataclass
class RowError:
    """One problem of an uploaded file: ``row`` is the spreadsheet row (the header is row 1),
    None for a problem with the whole file. ``value`` is already masked for personal data."""

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


Refused = tabular.Refused
Table = tabular.Table


def read_table(data: bytes, filename: str) -> Table:
    """The file's data rows as {header: text} (``core.tabular``)."""
    return tabular.read_table(data, filename, HEADERS, SHEET_NAME)


# --- checking ------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(text: str) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


@dataclass
class StaffRow:
    """One checked row, ready for ``actions.import_roster`` to protect and store."""

    row: int
    id_number: str
    person_key: str
    values: dict


def validate_rows(table: Table, existing: dict[str, bool]) -> tuple[list[StaffRow], list[RowError]]:
    """Check every row; return the good rows and every problem found (all rows are checked, so
    the report lists everything to fix in one go). ``existing`` maps the person keys already on
    the unit's roster to whether that row is active."""
    good, errors = [], []
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for number, record in table.rows:
        row_errors: list[RowError] = []

        def error(field, message, record=record, number=number, row_errors=row_errors):
            header = HEADER_OF[field]
            raw = record.get(header, "")
            shown = MASKED_COLUMNS[field](raw) if field in MASKED_COLUMNS else raw
            row_errors.append(RowError(number, header, shown, message))

        def text(field, record=record):
            return record.get(HEADER_OF[field], "").strip()

        for column in COLUMNS:
            if column.required and not text(column.field):
                error(column.field, _("必填。"))

        values: dict = {}
        id_text, key = "", ""
        if text("id_number"):
            try:
                id_text = normalise_id_number(text("id_number"))
            except ValidationError as exc:
                error("id_number", exc.messages[0])
            else:
                key = person_key(id_text)
                if key in seen:
                    error("id_number", _("与第 %(row)d 行是同一人。") % {"row": seen[key]})
                else:
                    seen[key] = number
                    if key in existing:
                        error(
                            "id_number",
                            _("该人员已在本单位花名册中，不能重复登记。")
                            if existing[key]
                            else _("该人员已在本单位花名册中（已停用），请在花名册中恢复在岗。"),
                        )

        for field, limit in TEXT_LIMITS.items():
            value = text(field)
            if len(value) > limit:
                error(field, _("不能超过 %(n)d 个字。") % {"n": limit})
            else:
                values[field] = value

        phone = text("phone")
        values["phone"] = ""
        if phone:
            try:
                values["phone"] = normalise_phone(phone)
            except ValidationError as exc:
                error("phone", exc.messages[0])

        if text("category"):
            category = parse_choice(text("category"), StaffCategory, CATEGORY_ALIASES)
            if category is None:
                error("category", _("人员类别须为：员工、物流保障人员或城市保供人员。"))
            values["category"] = category
        if text("post_class"):
            post_class = parse_choice(text("post_class"), PostClass, POST_CLASS_ALIASES)
            if post_class is None:
                error("post_class", _("岗位类别须为：普通岗位 或 流动性、接触性岗位。"))
            values["post_class"] = post_class

        try:
            joined_on = parse_date(text("joined_on"))
        except ValueError:
            error("joined_on", _("日期格式应为 YYYY-MM-DD，例如 2022-05-01。"))
        else:
            if joined_on is not None and joined_on > today:
                error("joined_on", _("入职（进入）日期不能晚于今天。"))
            values["joined_on"] = joined_on

        doses = text("vaccine_doses")
        values["vaccine_doses"] = None
        if doses:
            if doses.isdigit() and int(doses) <= MAX_DOSES:
                values["vaccine_doses"] = int(doses)
            else:
                error("vaccine_doses", _("疫苗接种剂次须为 0 到 %(n)d 的整数。") % {"n": MAX_DOSES})

        if row_errors:
            errors.extend(row_errors)
        else:
            good.append(StaffRow(number, id_text, key, values))
    return good, errors


# --- files we produce ----------------------------------------------------------------------------

BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
TEXT_COLUMNS = {"id_number", "phone"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The import template: the header row (required columns shaded, ID and phone columns
    formatted as text so Excel keeps every digit and the X) and a sheet of instructions."""
    workbook = Workbook()
    tabular.template_sheet(workbook, SHEET_NAME, COLUMNS, TEXT_COLUMNS, pad=4)

    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    categories = "、".join(str(label) for _v, label in StaffCategory.choices)
    posts = "、".join(str(label) for _v, label in PostClass.choices)
    lines = [
        ("填写说明", ""),
        ("", "每行一名人员。整个文件全部通过校验才会导入；任何一行有错，都不会导入任何记录。"),
        ("", "黄色表头为必填列。请勿修改、删除或增加列。"),
        (HEADER_OF["id_number"], "18 位居民身份证号码（末位可为 X），校验位和出生日期须正确。"),
        (HEADER_OF["name"], "与身份证一致。"),
        (HEADER_OF["phone"], "11 位手机号码，可不填。"),
        (HEADER_OF["category"], f"填写：{categories}。白名单单位的物流保障人员一并登记。"),
        (
            HEADER_OF["post_class"],
            f"填写：{posts}。物流、销售等流动性、接触性岗位核酸检测频次更高。",
        ),
        (HEADER_OF["team"], "所在班组，可不填。"),
        (HEADER_OF["zone"], "工作区域（生产经营区、交接区等），可不填。"),
        (HEADER_OF["dormitory"], "宿舍（楼栋、房间），可不填。"),
        (
            HEADER_OF["joined_on"],
            "YYYY-MM-DD。新进入人员按规则设置静置期，可不填。",
        ),
        (HEADER_OF["vaccine_doses"], "已接种新冠病毒疫苗的剂次（0、1、2、3 …），未知可不填。"),
        ("", ""),
        ("同一人", "同一文件中同一身份证号码只能出现一次；已在本单位花名册中的人员不能重复导入。"),
    ]
    for line in lines:
        notes.append(list(line))
    notes["A1"].font = BOLD
    return _to_bytes(workbook)


def error_report_xlsx(errors: Iterable[dict]) -> bytes:
    """The row-by-row error report of a refused file (values already masked)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误报告")
    sheet.append(["行号", "列", "填写的值", "问题"])
    for e in errors:
        sheet.append([e.get("row") or "", e.get("column", ""), e.get("value", ""), e["message"]])
    return _to_bytes(workbook)


# --- code-protection registration list (EPI-12) ---------------------------------------------------

PROTECTION_HEADER = [
    "单位名称",
    "统一社会信用代码",
    "区划代码",
    "姓名",
    "身份证号码",
    "手机号码",
    "人员类别",
    "岗位类别",
    "赋码保护",
    "说明",
]


def protection_rows(queryset, *, reasons, chunk_size: int = 2000) -> Iterator[list]:
    """The rows of the registration list, read in chunks so memory stays flat. ``queryset``
    carries the ``clear`` annotation (whether the reader may see this row's ID number and phone
    in clear) and the status columns; ``reasons`` turns them into (protected, reason)."""
    categories = {value: str(label) for value, label in StaffCategory.choices}
    posts = {value: str(label) for value, label in PostClass.choices}
    fields = (
        "enterprise__name",
        "enterprise__credit_code",
        "region_code",
        "name",
        "id_masked",
        "id_encrypted",
        "phone_masked",
        "phone_encrypted",
        "category",
        "post_class",
        "clear",
        "status_result",
        "status_contact",
    )
    for (
        unit,
        credit,
        region,
        name,
        id_masked,
        id_encrypted,
        phone_masked,
        phone_encrypted,
        category,
        post_class,
        clear,
        result,
        contact,
    ) in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        protected, reason = reasons(result, contact)
        yield [
            unit,
            credit,
            region,
            name,
            decrypt(id_encrypted) if clear else id_masked,
            decrypt(phone_encrypted) if clear and phone_encrypted else phone_masked,
            categories.get(category, category),
            posts.get(post_class, post_class),
            "是" if protected else "否",
            reason,
        ]


def write_xlsx(rows: Iterable[list], fileobj) -> int:
    """Write the registration list with a write-only workbook (rows go straight to disk)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("赋码保护名单")
    sheet.append(PROTECTION_HEADER)
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
    """The list as CSV text chunks: a BOM first so that Excel reads the UTF-8 Chinese."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(PROTECTION_HEADER)
    batch = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= lines_per_chunk:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)
