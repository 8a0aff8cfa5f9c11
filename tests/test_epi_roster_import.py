"""EPI-01: a unit imports its roster from .xlsx or .csv, all rows or none, with a row-by-row error
report in which ID numbers and phones are masked; the template explains every column."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from sibao.core.models import AuditLog
from sibao.core.personal import decrypt, id_check_digit, person_key
from sibao.core.testing import make_staff
from sibao.epidemic.imports_roster import HEADERS
from sibao.epidemic.models import PersonStatus, StaffMember
from tests.epi_roster_files import bad_checksum, csv_bytes, row, valid_id, xlsx


@pytest.fixture
def admin(personas, login):
    return login(personas["enterprise_admin"])


def upload(client, unit, data: bytes, name: str):
    return client.post(
        f"/epidemic/units/{unit.pk}/staff/import/", {"file": SimpleUploadedFile(name, data)}
    )


def messages_of(response) -> list[str]:
    return [e["message"] for e in response.context["errors"]]


@pytest.mark.req("EPI-01")
def test_the_template_has_the_chinese_headers_and_an_instructions_sheet(admin):
    response = admin.get("/epidemic/staff/import/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    data, notes = workbook.worksheets
    assert [c.value for c in data[1]] == HEADERS
    assert "身份证号码" in HEADERS and "岗位类别" in HEADERS
    text = "\n".join(str(c.value) for line in notes.iter_rows() for c in line if c.value)
    assert "全部通过" in text and "流动性、接触性岗位" in text and "物流保障人员" in text


@pytest.mark.req("EPI-01")
@pytest.mark.req("EPI-16")
def test_a_valid_file_imports_every_row_with_one_audit_row(admin, own_enterprise, personas):
    today = timezone.localdate()
    sampled = timezone.now() - datetime.timedelta(hours=3)
    PersonStatus.objects.create(person_key=person_key(valid_id(2)), last_negative_at=sampled)
    rows = [
        row(1),
        row(2, category="物流保障人员", post_class="流动性、接触性岗位", phone=""),
        row(3, joined_on=today.isoformat(), vaccine_doses=""),
        # a functional-zone county code (航空港区 410173) that python-stdnum does not know
        row(4, id_number=valid_id(4, region="410173"), category="城市保供", post_class="流动"),
    ]
    response = upload(admin, own_enterprise, xlsx(rows), "roster.xlsx")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/epidemic/units/{own_enterprise.pk}/staff/"

    staff = {s.name: s for s in StaffMember.objects.filter(enterprise=own_enterprise)}
    assert len(staff) == 4
    assert decrypt(staff["导入员工1"].id_encrypted) == valid_id(1)
    assert staff["导入员工1"].vaccine_doses == 2 and staff["导入员工1"].team == "一班"
    assert staff["导入员工2"].category == "logistics" and staff["导入员工2"].post_class == "mobile"
    assert staff["导入员工2"].phone_masked == "" and staff["导入员工2"].last_negative_at == sampled
    assert staff["导入员工3"].quiet_until == today + datetime.timedelta(days=3)
    assert staff["导入员工3"].vaccine_doses is None
    assert staff["导入员工4"].category == "city_supply"
    assert staff["导入员工4"].person_key == person_key(valid_id(4, region="410173"))

    log = AuditLog.objects.get(action="staff.import")
    assert log.actor == personas["enterprise_admin"] and log.enterprise_id == own_enterprise.pk
    assert log.changes["created"] == [0, 4] and log.changes["quiet_period"] == [0, 1]
    assert log.changes["post_class_mobile"] == [0, 2]
    assert not any(valid_id(n) in str(log.changes) + log.note for n in range(1, 5))


@pytest.mark.req("EPI-01")
def test_a_gbk_csv_imports(admin, own_enterprise):
    rows = [row(1, name="王芳", team="包装班"), row(2, name="李娜")]
    response = upload(admin, own_enterprise, csv_bytes(rows, encoding="gbk"), "名单.csv")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(StaffMember.objects.values_list("name", flat=True)) == {"王芳", "李娜"}
    assert StaffMember.objects.get(name="王芳").team == "包装班"


@pytest.mark.req("EPI-01")
def test_a_utf8_csv_with_bom_imports(admin, own_enterprise):
    response = upload(
        admin, own_enterprise, csv_bytes([row(1)], encoding="utf-8-sig"), "roster.csv"
    )
    assert response.status_code == 302
    assert StaffMember.objects.count() == 1


@pytest.mark.req("EPI-01")
def test_wrong_columns_refuse_the_whole_file(admin, own_enterprise):
    headers = [h for h in HEADERS if h != "岗位类别"] + ["工号"]
    response = upload(admin, own_enterprise, xlsx([row(1)], headers=headers), "roster.xlsx")
    assert response.status_code == 422
    page = response.content.decode()
    assert "缺少列：岗位类别" in page and "无法识别的列：工号" in page
    assert not StaffMember.objects.exists()


@pytest.mark.req("EPI-01")
def test_every_bad_row_is_reported_and_nothing_is_imported(admin, own_enterprise):
    existing = make_staff(own_enterprise, id_no=valid_id(50))
    bad_birth = "410102" + "19900230" + "123"
    bad_birth += id_check_digit(bad_birth)
    rows = [
        row(1),  # good, but the file is refused as a whole
        row(2, id_number=bad_checksum(valid_id(2))),
        row(3, id_number=bad_birth),
        row(4, phone="12345"),
        row(5, post_class="管理岗"),
        row(6, category="临时工"),
        row(1, name="重复的人"),  # same person as row 2 of the sheet
        row(50, name="已在册"),
        row(7, joined_on="明天"),
        row(8, vaccine_doses="两剂"),
        row(9, name=""),
    ]
    response = upload(admin, own_enterprise, xlsx(rows), "roster.xlsx")
    assert response.status_code == 422
    found = messages_of(response)
    assert "身份证号码校验位不符。" in found
    assert "身份证号码中的出生日期无效。" in found
    assert "手机号码应为 11 位，以 1 开头。" in found
    assert any("岗位类别须为" in m for m in found)
    assert any("人员类别须为" in m for m in found)
    assert "与第 2 行是同一人。" in found
    assert "该人员已在本单位花名册中，不能重复登记。" in found
    assert any("日期格式" in m for m in found)
    assert any("疫苗接种剂次" in m for m in found)
    assert "必填。" in found
    rows_reported = {e["row"] for e in response.context["errors"]}
    assert rows_reported == set(range(3, 13))
    assert StaffMember.objects.count() == 1 and StaffMember.objects.get() == existing
    assert not AuditLog.objects.filter(action="staff.import").exists()


@pytest.mark.req("EPI-01")
def test_the_report_masks_id_numbers_and_phones_on_the_page_and_in_the_download(
    admin, own_enterprise
):
    wrong = bad_checksum(valid_id(2))
    duplicate = valid_id(3)
    rows = [row(2, id_number=wrong), row(3, phone="1391234"), row(3, id_number=duplicate)]
    response = upload(admin, own_enterprise, xlsx(rows), "roster.xlsx")
    assert response.status_code == 422
    body = response.content
    for clear in (wrong, duplicate, "1391234"):
        assert clear.encode() not in body
    assert ("410***********" + wrong[-4:]).encode() in body

    report = response.context["report"]
    download = admin.post("/epidemic/staff/import/report.xlsx", {"report": report})
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).active
    cells = " ".join(str(c.value) for line in sheet.iter_rows() for c in line if c.value)
    assert "校验位不符" in cells and wrong not in cells and duplicate not in cells
    # the signed report in the page carries the masked values only
    from django.core import signing

    from sibao.epidemic.views.roster import REPORT_SALT

    assert wrong not in str(signing.loads(report, salt=REPORT_SALT))
    assert admin.post("/epidemic/staff/import/report.xlsx", {"report": "forged"}).status_code == 404
    assert admin.get("/epidemic/staff/import/report.xlsx").status_code == 405


@pytest.mark.req("EPI-01")
def test_the_api_imports_and_refuses_like_the_page(admin, own_enterprise, personas, login):
    good = SimpleUploadedFile("r.xlsx", xlsx([row(1), row(2)]))
    response = admin.post("/api/staff/import/", {"enterprise": own_enterprise.pk, "file": good})
    assert response.status_code == 201 and response.json() == {"created": 2}

    wrong = bad_checksum(valid_id(5))
    bad = SimpleUploadedFile("r.csv", csv_bytes([row(5, id_number=wrong)]))
    refused = admin.post("/api/staff/import/", {"enterprise": own_enterprise.pk, "file": bad})
    assert refused.status_code == 400 and wrong not in refused.content.decode()
    assert refused.json()["errors"][0]["row"] == 2
    assert StaffMember.objects.count() == 2

    office = login(personas["own_county"])
    again = SimpleUploadedFile("r.xlsx", xlsx([row(9)]))
    denied = office.post("/api/staff/import/", {"enterprise": own_enterprise.pk, "file": again})
    assert denied.status_code == 403
    assert StaffMember.objects.count() == 2
