"""WL-01: the filtered, scoped registry list exports as .xlsx (from a temporary file) and .csv
(streamed), reading rows in chunks; exports need the export permission and are audited."""

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook

from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise
from sibao.enterprises.models import Enterprise


@pytest.fixture
def units(personas, own_enterprise, other_enterprise):
    Enterprise.objects.filter(pk=own_enterprise.pk).update(contact_phone="13812345678")
    project = make_enterprise(
        region=OWN_COUNTY, kind="project", name="中原项目", output_value=None, investment=321
    )
    merged = make_enterprise(region=OWN_COUNTY, name="重复记录", credit_code=project.credit_code)
    Enterprise.objects.filter(pk=merged.pk).update(merged_into=project)
    return {"own": own_enterprise, "project": project, "other": other_enterprise}


def xlsx_lines(response) -> list[list]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(line) for line in sheet.iter_rows(values_only=True)]


def csv_lines(response) -> list[list]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-04")
def test_the_xlsx_export_is_a_file_response_of_the_scoped_active_rows(personas, units, login):
    response = login(personas["own_county"]).get("/enterprises/export/", {"fmt": "xlsx"})
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response.streaming
    assert "attachment" in response["Content-Disposition"]
    lines = xlsx_lines(response)
    header, rows = lines[0], lines[1:]
    assert header[:4] == ["记录编号", "统一社会信用代码", "名称", "类型"]
    assert {r[2] for r in rows} == {"中原项目", "中原测试机械有限公司"}
    own = next(r for r in rows if r[0] == units["own"].pk)
    by_header = dict(zip(header, own, strict=True))
    assert by_header["区划代码"] == OWN_COUNTY and by_header["行业领域"] == "工业生产"
    assert by_header["联系电话"] == "138****5678"  # masked, as on screen
    assert by_header["白名单状态"] == "未纳入"


@pytest.mark.req("WL-01")
def test_the_csv_export_streams_the_filtered_rows_and_is_audited(personas, units, login):
    client = login(personas["own_county"])
    response = client.get("/enterprises/export/", {"fmt": "csv", "kind": "project"})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    lines = csv_lines(response)
    assert [line[2] for line in lines[1:]] == ["中原项目"]
    assert lines[1][lines[0].index("项目投资额（万元）")] == "321.00"
    log = AuditLog.objects.get(action="enterprise.export")
    assert log.changes == {"rows": [0, 1]} and "kind=project" in log.note
    assert log.actor == personas["own_county"] and log.region_code == OWN_COUNTY


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-04")
def test_another_county_exports_only_its_own_rows(personas, units, login):
    response = login(personas["other_county"]).get("/enterprises/export/", {"fmt": "csv"})
    assert [line[2] for line in csv_lines(response)[1:]] == [units["other"].name]
    assert (
        csv_lines(login(personas["other_county"]).get("/enterprises/export/", {"fmt": "csv"}))[1][4]
        == OTHER_COUNTY
    )


@pytest.mark.req("WL-01")
def test_export_needs_the_export_permission(personas, units, login):
    for persona in ("enterprise_admin", "no_grant"):
        assert login(personas[persona]).get("/enterprises/export/").status_code == 403
    assert not AuditLog.objects.filter(action="enterprise.export").exists()
    bad = login(personas["own_county"]).get("/enterprises/export/", {"fmt": "pdf"})
    assert bad.status_code == 400


@pytest.mark.req("WL-01")
def test_the_export_reads_rows_in_chunks_with_a_fixed_number_of_queries(
    personas, units, login, django_assert_max_num_queries
):
    client = login(personas["own_county"])
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                credit_code=units["own"].credit_code,
                name=f"批量{n}",
                kind="project",
                region_id=OWN_COUNTY,
                industry_id="industry",
                investment=n,
            )
            for n in range(300)
        ]
    )
    # one query reads every row; the rest is the session, the grants and the audit row
    with django_assert_max_num_queries(11):
        response = client.get("/enterprises/export/", {"fmt": "xlsx"})
        assert len(xlsx_lines(response)) == 1 + 302
    with django_assert_max_num_queries(12):  # and a count for the audit row before streaming
        response = client.get("/enterprises/export/", {"fmt": "csv"})
        assert len(csv_lines(response)) == 1 + 302
