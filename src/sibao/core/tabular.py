"""Reading uploaded spreadsheets (.xlsx or .csv in UTF-8, with or without a BOM, or GBK/GB18030)
for every import: the registry, staff rosters, supply links. One reader, so every import accepts
the same files and refuses bad ones with the same messages."""

import codecs
import csv
import datetime
import io
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(workbook, filename: str) -> FileResponse:
    """An Excel download of ``workbook``, spooled through a temporary file (not held in memory)."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


class Refused(ValidationError):
    """A file refused as a whole (its format, encoding or columns), before any row is read."""


@dataclass
class Table:
    """The data rows of a file as ``(spreadsheet row number, {header: text})``."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    encoding: str = ""


def cell(value) -> str:
    """A cell as text: Excel gives numbers for codes typed without the text format, and dates
    (as datetimes at midnight) for date cells."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def normalise_header(value) -> str:
    """Half-width brackets and stray spaces as in the template; a star marking a required column
    still matches."""
    text = cell(value)
    text = text.replace("(", "（").replace(")", "）").replace(" ", "").replace("\u3000", "")
    return text.rstrip("*＊")


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without the BOM Excel writes), else GB18030, which reads GBK too."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise Refused(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码。")) from None


def raw_rows(data: bytes, filename: str, sheet_name: str = "") -> tuple[Iterable, str]:
    """The file's rows as sequences of raw cell values, and the encoding (or "xlsx")."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        text, encoding = decode(data)
        return csv.reader(io.StringIO(text, newline="")), encoding
    if name.endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise Refused(_("无法读取该 Excel 文件，请使用下载的模板（.xlsx）。")) from None
        sheet = (
            workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
        )
        return sheet.iter_rows(values_only=True), "xlsx"
    raise Refused(_("只支持 .xlsx 或 .csv 文件（旧版 .xls 请另存为 .xlsx）。"))


def read_table(data: bytes, filename: str, headers: list[str], sheet_name: str = "") -> Table:
    """The data rows as ``{header: text}``, blank lines skipped; refused as a whole when the
    file's columns are not exactly ``headers`` (missing, unknown or repeated)."""
    rows, encoding = raw_rows(data, filename, sheet_name)
    rows = iter(rows)
    header_row = next(rows, None)
    if header_row is None:
        raise Refused(_("文件是空的。"))
    found = [normalise_header(v) for v in header_row]
    while found and not found[-1]:
        found.pop()
    present = [h for h in found if h]
    missing = [h for h in headers if h not in present]
    unknown = [h for h in present if h not in headers]
    repeated = sorted({h for h in present if present.count(h) > 1})
    problems = []
    if missing:
        problems.append(_("缺少列：%(cols)s") % {"cols": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
    if repeated:
        problems.append(_("重复的列：%(cols)s") % {"cols": "、".join(repeated)})
    if problems:
        raise Refused(
            _("文件的列与模板不一致（%(problems)s），整个文件未导入。请使用下载的模板。")
            % {"problems": "；".join(problems)}
        )
    table = Table(encoding=encoding)
    for number, raw in enumerate(rows, start=2):
        values = [cell(v) for v in raw]
        if not any(values):
            continue  # blank lines between blocks of data are common in hand-kept sheets
        record = {h: (values[i] if i < len(values) else "") for i, h in enumerate(found) if h}
        table.rows.append((number, record))
    return table


TEMPLATE_BOLD = Font(bold=True)
TEMPLATE_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def template_sheet(workbook, title: str, columns, text_fields, *, pad: int = 2, rows: int = 1000):
    """The first sheet of an import template: the header row in bold, required columns shaded,
    widths from the headers, and the ``text_fields`` columns formatted as text for ``rows`` rows
    (so that Excel keeps codes, ID numbers and dates as typed). ``columns`` have ``field``,
    ``header`` and ``required``. Returns the sheet."""
    sheet = workbook.active
    sheet.title = title
    sheet.append([column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = TEMPLATE_BOLD
        if column.required:
            header.fill = TEMPLATE_REQUIRED_FILL
        width = max(12, len(column.header) * 2 + pad)
        sheet.column_dimensions[header.column_letter].width = width
        if column.field in text_fields:
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    return sheet
