"""WL-01: units are imported from an .xlsx or .csv file, all rows or none, with a row-by-row
error report; the template explains every column."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, credit_code, make_enterprise
from sibao.enterprises.imports import HEADERS
from sibao.enterprises.models import Enterprise
from tests.registry_files import csv_bytes, row, xlsx

IMPORT = "/enterprises/import/"


def upload(client, data: bytes, name: str):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def office(personas, login):
    return login(personas["own_county"])


def errors_of(response) -> list[dict]:
    return response.context["errors"]


@pytest.mark.req("WL-01")
def test_the_template_has_the_chinese_header_row_and_an_instructions_sheet(office):
    response = office.get("/enterprises/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    data, notes = workbook.worksheets
    assert [c.value for c in data[1]] == HEADERS
    text = "\n".join(str(c.value) for line in notes.iter_rows() for c in line if c.value)
    for code, name in [
        ("industry", "工业生产"),
        ("commerce", "商贸流通"),
        ("key_project", "重点项目"),
    ]:
        assert code in text and name in text
    assert "全部通过" in text


@pytest.mark.req("WL-01")
@pytest.mark.req("WL-02")
def test_a_valid_file_imports_every_row_with_one_audit_row(office, personas):
    park_code = credit_code()
    rows = [
        row(name="郑州一号机械有限公司"),
        row(
            name="中原商贸中心项目",
            kind="项目",
            industry="重点项目",
            output_value="",
            investment="56000",
        ),
        row(name="中原科技园", kind="园区", credit_code=park_code, output_value=""),
    ]
    response = upload(office, xlsx(rows), "units.xlsx")
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Enterprise.objects.filter(name__in=[r["name"] for r in rows])
    assert created.count() == 3
    unit = created.get(name="郑州一号机械有限公司")
    assert unit.region_id == "410102" and unit.industry_id == "industry"
    assert unit.employees == 230 and unit.has_dormitory and not unit.has_canteen
    assert str(unit.output_value) == "12000.50"
    project = created.get(kind="project")
    assert project.industry_id == "key_project" and project.investment == 56000
    log = AuditLog.objects.get(action="enterprise.import")
    assert log.changes["created"] == [0, 3] and log.actor == personas["own_county"]
    assert log.region_code == "410102"

    # members name their park by credit code, once the park is registered
    member = row(name="园区成员电子有限公司", park=park_code)
    assert upload(office, csv_bytes([member]), "members.csv").status_code == 302
    assert Enterprise.objects.get(name="园区成员电子有限公司").park.name == "中原科技园"


@pytest.mark.req("WL-01")
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_files_are_read_in_gbk_and_utf8_with_or_without_bom(office, encoding):
    response = upload(office, csv_bytes([row(name="豫中食品（郑州）有限公司")], encoding), "a.csv")
    assert response.status_code == 302
    assert Enterprise.objects.filter(name="豫中食品（郑州）有限公司").exists()


def _wrong_check_digit():
    code = credit_code()
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def _case_existing(own_enterprise):
    return row(credit_code=own_enterprise.credit_code)


FAILURES = {
    "bad credit code": (
        lambda e: row(credit_code=_wrong_check_digit()),
        "统一社会信用代码",
        "无效",
    ),
    "missing name": (lambda e: row(name=""), "名称", "必填"),
    "existing active record": (_case_existing, "统一社会信用代码", "已有一条在用"),
    "unknown region": (lambda e: row(region="419999"), "区划代码", "不存在"),
    "region not a county": (lambda e: row(region="4101"), "区划代码", "县级"),
    "region outside scope": (lambda e: row(region=OTHER_COUNTY), "区划代码", "管辖范围"),
    "unknown industry": (lambda e: row(industry="农业"), "行业领域", "未知的行业领域"),
    "unknown kind": (lambda e: row(kind="公司"), "类型", "类型须为"),
    "bad number": (lambda e: row(output_value="一万"), "年总产值（万元）", "不是有效的数字"),
    "negative number": (lambda e: row(output_value="-5"), "年总产值（万元）", "负数"),
    "bad employees": (lambda e: row(employees="12.5"), "从业人数", "非负整数"),
    "bad yes/no": (lambda e: row(has_canteen="也许"), "有食堂", "是"),
    "enterprise without output": (lambda e: row(output_value=""), "年总产值（万元）", "年总产值"),
    "project without investment": (
        lambda e: row(kind="项目", output_value=""),
        "项目投资额（万元）",
        "投资额",
    ),
    "unknown park": (lambda e: row(park=credit_code()), "所属园区信用代码", "未登记"),
}


@pytest.mark.req("WL-01")
@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_file_with_one_bad_row_is_refused_whole_and_nothing_is_imported(
    office, own_enterprise, case
):
    build, column, fragment = FAILURES[case]
    good = row(name="本应导入的良好行有限公司")
    before = Enterprise.objects.count()
    response = upload(office, xlsx([good, build(own_enterprise)]), "units.xlsx")
    assert response.status_code == 422
    problems = errors_of(response)
    assert [(p["row"], p["column"]) for p in problems if fragment in p["message"]] == [
        (3, column)
    ], problems
    assert "未导入任何记录" in response.content.decode()
    assert Enterprise.objects.count() == before
    assert not AuditLog.objects.filter(action="enterprise.import").exists()


@pytest.mark.req("WL-01")
def test_duplicates_inside_the_file_are_reported_with_the_first_row(office):
    twin = row()
    response = upload(office, xlsx([twin, row(), dict(twin, name="同码另名有限公司")]), "d.xlsx")
    assert response.status_code == 422
    assert [(p["row"], p["message"]) for p in errors_of(response)] == [
        (4, "与第 2 行重复（统一社会信用代码和类型相同）。")
    ]
    assert not Enterprise.objects.filter(name="导入测试有限公司").exists()


@pytest.mark.req("WL-01")
@pytest.mark.parametrize(
    "headers, message",
    [
        (HEADERS[:-1], "缺少列：联系电话"),
        ([*HEADERS, "备注"], "无法识别的列：备注"),
        (["名称", *HEADERS[1:], "名称"], "缺少列：统一社会信用代码"),
    ],
)
def test_a_file_with_wrong_or_missing_columns_is_refused_whole(office, headers, message):
    response = upload(office, xlsx([row()], headers=headers), "cols.xlsx")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert errors_of(response)[0]["row"] is None
    assert not Enterprise.objects.filter(name="导入测试有限公司").exists()


@pytest.mark.req("WL-01")
def test_files_that_are_not_xlsx_or_csv_are_refused(office):
    response = upload(office, b"not a spreadsheet", "units.xls")
    assert response.status_code == 422 and ".xlsx" in response.content.decode()
    response = upload(office, b"PK\x03\x04 broken", "units.xlsx")
    assert response.status_code == 422 and "无法读取" in response.content.decode()


@pytest.mark.req("WL-01")
def test_the_error_report_downloads_as_xlsx(office, personas, login):
    response = upload(office, xlsx([row(region="419999"), row(employees="x")]), "bad.xlsx")
    report = response.context["report"]
    download = office.post("/enterprises/import/report.xlsx", {"report": report})
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).active
    lines = [[c.value for c in line] for line in sheet.iter_rows()]
    assert lines[0] == ["行号", "列", "填写的值", "问题"]
    assert [(line[0], line[1], line[2]) for line in lines[1:]] == [
        (2, "区划代码", "419999"),
        (3, "从业人数", "x"),
    ]
    # the report comes back signed: an altered one is not turned into a file
    assert (
        office.post("/enterprises/import/report.xlsx", {"report": report + "x"}).status_code == 404
    )
    assert office.get("/enterprises/import/report.xlsx").status_code == 405
    assert (
        login(personas["enterprise_admin"])
        .post("/enterprises/import/report.xlsx", {"report": report})
        .status_code
        == 403
    )


@pytest.mark.req("WL-01")
def test_a_department_imports_only_its_own_industry(departments, login):
    from sibao.accounts.roles import Role
    from sibao.core.testing import make_user

    staff = make_user(Role.DEPARTMENT_STAFF, "410102", department_kind="commerce")
    response = upload(login(staff), xlsx([row(industry="commerce"), row()]), "d.xlsx")
    assert response.status_code == 422
    assert [(p["row"], p["column"]) for p in errors_of(response)] == [(3, "行业领域")]


@pytest.mark.req("WL-01")
def test_an_enterprise_admin_cannot_import(personas, login):
    response = upload(login(personas["enterprise_admin"]), xlsx([row()]), "u.xlsx")
    assert response.status_code == 403
    assert not Enterprise.objects.filter(name="导入测试有限公司").exists()


@pytest.mark.req("WL-01")
def test_the_command_imports_with_the_same_checks(personas, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(name="命令导入有限公司")], "gbk"))
    out = io.StringIO()
    call_command("import-enterprises", str(good), actor="own_county", stdout=out)
    assert "imported 1" in out.getvalue()
    assert Enterprise.objects.filter(name="命令导入有限公司").count() == 1

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(name="不应导入有限公司"), row(region=OTHER_COUNTY)]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何记录"):
        call_command("import-enterprises", str(bad), actor="own_county", stderr=err)
    assert "row 3 [区划代码]" in err.getvalue()
    assert not Enterprise.objects.filter(name="不应导入有限公司").exists()
    with pytest.raises(CommandError, match="无权"):
        call_command("import-enterprises", str(good), actor="ent_admin")


@pytest.mark.req("WL-01")
def test_blank_lines_are_skipped_and_numbers_typed_in_excel_are_read(office):
    unit = row(name="数字格式有限公司", region=410102, employees=88.0, output_value=1500)
    response = upload(office, xlsx([unit, {}]), "n.xlsx")
    assert response.status_code == 302, errors_of(response)
    made = Enterprise.objects.get(name="数字格式有限公司")
    assert made.employees == 88 and made.output_value == 1500


@pytest.mark.req("WL-01")
def test_a_code_registered_in_another_county_is_still_a_duplicate(office):
    # a unit registered in another county is still the same unit: the check is registry-wide
    other = make_enterprise(region=OTHER_COUNTY)
    response = upload(office, xlsx([row(credit_code=other.credit_code)]), "x.xlsx")
    assert response.status_code == 422
