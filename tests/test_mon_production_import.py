"""MON-03: an HQ office or a department enters units' production reports from a file, all rows or
none: one bad row imports nothing and the page lists every problem by row (also as .xlsx); a row
for a day already reported corrects it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff, make_user
from sibao.enterprises.imports_production import HEADERS
from sibao.enterprises.models import ProductionReport
from tests.mon_production_support import csv_bytes, day, file_row, put_report, xlsx

URL = "/enterprises/production/import/"


def upload(client, data: bytes, name: str = "reports.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)})


@pytest.mark.req("MON-03")
def test_an_office_imports_reports_and_corrects_a_reported_day(personas, own_enterprise, login):
    client = login(personas["own_county"])
    template = client.get("/enterprises/production/import/template.xlsx")
    assert template.status_code == 200
    sheets = load_workbook(io.BytesIO(template.content)).worksheets
    assert [c.value for c in sheets[0][1]] == HEADERS
    notes = " ".join(str(c.value) for line in sheets[1].iter_rows() for c in line if c.value)
    assert "全部通过" in notes and "最多补报 3 天" in notes

    second = make_enterprise(region=OWN_COUNTY, industry="commerce", name="中原商贸有限公司")
    put_report(own_enterprise, -1, capacity=50)
    put_report(own_enterprise, 0, capacity=50)
    rows = [
        file_row(own_enterprise, 0, **{"产能利用率（%）": "75"}),  # corrects today's
        file_row(second, -1, **{"生产状态": "停产", "产能利用率（%）": "0", "原材料可用天数": ""}),
        file_row(second, 0, **{"生产状态": "部分生产", "产能利用率（%）": "40%"}),
    ]
    response = upload(client, csv_bytes(rows), "reports.csv")  # a GBK CSV, as Excel saves it
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProductionReport.objects.count() == 4
    today = ProductionReport.objects.get(enterprise=own_enterprise, reported_on=day())
    assert (today.capacity_percent, today.is_current, today.reported_by) == (
        75,
        True,
        personas["own_county"],
    )
    current = ProductionReport.objects.get(enterprise=second, is_current=True)
    assert (current.reported_on, current.state, current.capacity_percent) == (day(), "partial", 40)
    assert AuditLog.objects.filter(action="production.report").count() == 2
    assert AuditLog.objects.get(action="production.correct").changes == {
        "capacity_percent": [50, 75],
        "staff_on_site": [50, 40],
        "raw_material_days": [None, "12.5"],
    }
    assert AuditLog.objects.get(action="production.import").changes == {
        "created": [0, 2],
        "corrected": [0, 1],
    }


@pytest.mark.req("MON-03")
def test_one_bad_row_imports_nothing_and_every_problem_is_listed(
    personas, own_enterprise, other_enterprise, login
):
    client = login(personas["own_county"])
    make_staff(own_enterprise)
    ok = file_row(own_enterprise, 0, **{"在岗人数": "1"})
    rows = [
        ok,
        file_row(other_enterprise, 0),  # another county's unit
        {**ok, "报告日期": day(-1).isoformat(), "生产状态": "歇业"},
        {**ok, "报告日期": day(-2).isoformat(), "产能利用率（%）": "120"},
        {**ok, "报告日期": day(-3).isoformat(), "在岗人数": "5"},  # above the roster of one
        {**ok, "报告日期": day(1).isoformat()},
        dict(ok),  # the first row again
    ]
    response = upload(client, xlsx(rows))
    assert response.status_code == 422
    errors = {(e["row"], e["column"]): e["message"] for e in response.context["errors"]}
    assert "不在您的管辖范围内" in errors[(3, "统一社会信用代码")]
    assert "正常生产、部分生产或停产" in errors[(4, "生产状态")]
    assert "0 到 100" in errors[(5, "产能利用率（%）")]
    assert "花名册" in errors[(6, "在岗人数")]
    assert "不能晚于今天" in errors[(7, "报告日期")]
    assert "与第 2 行重复" in errors[(8, "报告日期")]
    assert len(errors) == 6
    assert "未导入任何记录" in response.content.decode()
    assert not ProductionReport.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="production.").exists()

    report = client.post(
        "/enterprises/production/import/report.xlsx", {"report": response.context["report"]}
    )
    lines = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert len(lines) == 1 + 6 and lines[1][0] == 3

    # a department reaches only its industries; a unit's admin may not import at all
    commerce = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    refused = upload(login(commerce), xlsx([ok]))
    assert refused.status_code == 422
    assert "不在您的管辖范围内" in refused.context["errors"][0]["message"]
    assert upload(login(personas["enterprise_admin"]), xlsx([ok])).status_code == 403
    wrong = upload(client, b"not a spreadsheet", "reports.txt")
    assert wrong.status_code == 422 and "只支持" in wrong.context["refused"]
