"""Builders of registry import files for the registry tests (xlsx and csv, any encoding)."""

import csv
import io

from openpyxl import Workbook

from sibao.core.testing import credit_code
from sibao.enterprises.imports import HEADERS


def row(**values) -> dict:
    """One valid enterprise row of the own county (410102); override by header-less field names."""
    fields = {
        "credit_code": credit_code(),
        "name": "导入测试有限公司",
        "kind": "企业",
        "region": "410102",
        "industry": "industry",
        "sub_type": "装备制造",
        "is_city_operation": "否",
        "output_value": "12000.5",
        "investment": "",
        "employees": "230",
        "has_dormitory": "是",
        "has_canteen": "否",
        "address": "郑州市中原区建设路 1 号",
        "park": "",
        "contact_name": "王经理",
        "contact_phone": "13812345678",
    }
    fields.update(values)
    return fields


FIELDS = [
    "credit_code",
    "name",
    "kind",
    "region",
    "industry",
    "sub_type",
    "is_city_operation",
    "output_value",
    "investment",
    "employees",
    "has_dormitory",
    "has_canteen",
    "address",
    "park",
    "contact_name",
    "contact_phone",
]


def table(rows, headers=None) -> list[list]:
    headers = list(HEADERS) if headers is None else headers
    lines = [headers]
    for r in rows:
        lines.append([r.get(f, "") for f in FIELDS][: len(headers)])
    return lines


def xlsx(rows, headers=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in table(rows, headers):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8", headers=None) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table(rows, headers))
    return buffer.getvalue().encode(encoding)
