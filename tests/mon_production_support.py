"""Builders shared by the production-status tests (MON-03): reports written directly (the
reporting rules are tested through the action itself) and import files."""

import csv
import datetime
import io

from openpyxl import Workbook

from sibao.enterprises.imports_production import HEADERS
from sibao.enterprises.models import ProductionReport
from sibao.enterprises.queries_production import province_today


def day(offset: int = 0) -> datetime.date:
    """The province's today plus ``offset`` days."""
    return province_today() + datetime.timedelta(days=offset)


def put_report(unit, offset: int = 0, *, state="operating", capacity=80, staff=50, raw=None, **f):
    """A report of ``unit`` for today + ``offset``; the latest day of the unit is its current
    report (as the actions keep it)."""
    when = day(offset)
    latest = ProductionReport.objects.filter(enterprise=unit, is_current=True).first()
    is_current = latest is None or latest.reported_on < when
    if is_current and latest is not None:
        ProductionReport.objects.filter(pk=latest.pk).update(is_current=False)
    return ProductionReport.objects.create(
        enterprise=unit,
        reported_on=when,
        state=state,
        capacity_percent=capacity,
        staff_on_site=staff,
        raw_material_days=raw,
        is_current=is_current,
        region_code=unit.region_id,
        industry_id=unit.industry_id,
        **f,
    )


def file_row(unit, offset: int = 0, **values) -> dict:
    """One valid import row for ``unit`` (by header)."""
    row = {
        "统一社会信用代码": unit.credit_code,
        "单位名称": unit.name,
        "报告日期": day(offset).isoformat(),
        "生产状态": "正常生产",
        "产能利用率（%）": "85",
        "在岗人数": "40",
        "原材料可用天数": "12.5",
        "情况说明": "",
    }
    row.update(values)
    return row


def xlsx(rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "gb18030") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(h, "") for h in HEADERS])
    return buffer.getvalue().encode(encoding)
