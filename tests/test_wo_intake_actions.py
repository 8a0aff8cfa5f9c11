"""DEM-01: a unit's demand is filed by its admin, its liaison cadre or (hotline) the office of its
region, with checked attachments; the office takes it in (accept, reject with a reason code,
merge into another open demand of the region) and the filer's side may withdraw it before
dispatch; two officials acting on one demand at once leave one winner and a conflict message
naming the first; cadres import visit demands from the template, all rows or none."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification, TransitionRecord
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.workorders.actions import intake
from sibao.workorders.actions.base import Conflict
from sibao.workorders.models import Attachment, Demand, DemandStatus

pytestmark = pytest.mark.req("DEM-01")

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))


def pdf(name="说明.pdf", size=None):
    body = b"%PDF-1.4 " + (b"x" * (size - 9) if size else b"demo")
    return SimpleUploadedFile(name, body, "application/pdf")


def file_one(enterprise, actor, **extra):
    values = {
        "category": "raw_materials",
        "title": "钢材原料采购渠道中断",
        "description": "上游钢厂停产，原料库存仅够一周，请协调替代供应商。",
    }
    values.update(extra)
    return intake.file_demand(enterprise, actor=actor, **values)


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


@pytest.fixture
def cadre(own_enterprise, personas):
    return make_user(
        Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise, username="cadre_own"
    )


# --- filing ---


def test_enterprise_admin_files_for_its_unit(personas, own_enterprise):
    admin, office = personas["enterprise_admin"], personas["own_county"]
    demand = file_one(own_enterprise, admin, files=[pdf()], urgency="urgent", now=T0)
    assert demand.number.startswith(f"SQ{timezone.localdate():%Y%m%d}-")
    assert demand.status == DemandStatus.SUBMITTED
    assert demand.channel == "online"
    assert demand.submitted_at == T0
    assert demand.submitted_by == admin
    assert demand.region_code == own_enterprise.region_id
    assert demand.industry_code == own_enterprise.industry_id
    assert demand.attachments.get().name == "说明.pdf"
    assert AuditLog.objects.filter(action="demand.file", object_id=str(demand.pk)).exists()
    # the county office is told; the other county's is not
    assert any(demand.number in t for t in inbox(office))
    assert inbox(personas["other_county"]) == []


def test_numbers_count_up_within_the_day(personas, own_enterprise):
    first = file_one(own_enterprise, personas["enterprise_admin"])
    second = file_one(own_enterprise, personas["enterprise_admin"])
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


def test_numbers_go_on_past_the_four_digits_of_a_busy_day(personas, own_enterprise):
    first = file_one(own_enterprise, personas["enterprise_admin"])
    stem = first.number.rsplit("-", 1)[0]
    Demand.objects.filter(pk=first.pk).update(number=f"{stem}-9999")
    tenth_thousand = file_one(own_enterprise, personas["enterprise_admin"])
    assert tenth_thousand.number == f"{stem}-10000"
    # "-10000" sorts before "-9999" as text: the next one still counts on from the largest
    assert file_one(own_enterprise, personas["enterprise_admin"]).number == f"{stem}-10001"


def test_admin_cannot_file_for_another_unit(personas, other_enterprise):
    with pytest.raises(PermissionDenied):
        file_one(other_enterprise, personas["enterprise_admin"])
    assert not Demand.objects.exists()


def test_cadre_files_for_its_assigned_unit_only(personas, own_enterprise, cadre):
    demand = file_one(own_enterprise, cadre)
    assert demand.channel == "cadre"
    stranger = make_enterprise(region=OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        file_one(stranger, cadre)


def test_office_files_by_hotline_for_its_region_only(personas, own_enterprise, other_enterprise):
    demand = file_one(own_enterprise, personas["own_county"], channel="online")
    assert demand.channel == "hotline"
    with pytest.raises(PermissionDenied):
        file_one(other_enterprise, personas["own_county"])
    with pytest.raises(PermissionDenied):
        file_one(own_enterprise, personas["no_grant"])


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"category": "weather"}, "category"),
        ({"urgency": "now"}, "urgency"),
        ({"contact_phone": "call me"}, "contact_phone"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(personas, own_enterprise, extra, field):
    with pytest.raises(ValidationError) as caught:
        file_one(own_enterprise, personas["enterprise_admin"], **extra)
    assert field in caught.value.message_dict
    assert not Demand.objects.exists()


def test_attachment_rules(personas, own_enterprise):
    admin = personas["enterprise_admin"]
    too_big = pdf("大.pdf", size=intake.MAX_FILE_BYTES + 1)
    exe = SimpleUploadedFile("tool.exe", b"MZ....", "application/octet-stream")
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not a png", "image/png")
    for files, words in (
        ([too_big], "10 MB"),
        ([exe], "类型不支持"),
        ([fake], "内容与扩展名不符"),
        ([pdf(f"{i}.pdf") for i in range(6)], "最多 5 个"),
    ):
        with pytest.raises(ValidationError) as caught:
            file_one(own_enterprise, admin, files=files)
        assert words in " ".join(caught.value.message_dict["files"])
    assert not Demand.objects.exists()
    assert not Attachment.objects.exists()
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\nrest", "image/png")
    demand = file_one(own_enterprise, admin, files=[png, pdf()])
    assert demand.attachments.count() == 2


# --- intake decisions ---


def test_office_accepts_and_the_unit_is_told(personas, own_enterprise, cadre):
    demand = file_one(own_enterprise, personas["enterprise_admin"])
    demand = intake.accept_demand(demand, actor=personas["own_county"], note="交工信局", now=T0)
    assert demand.status == DemandStatus.ACCEPTED
    assert demand.accepted_at == T0
    record = TransitionRecord.objects.get(object_id=str(demand.pk), action="accept")
    assert record.actor == personas["own_county"]
    assert any("诉求已受理" in t for t in inbox(personas["enterprise_admin"]))
    assert any("诉求已受理" in t for t in inbox(cadre))


def test_only_the_office_of_the_region_takes_in(personas, own_enterprise):
    demand = file_one(own_enterprise, personas["enterprise_admin"])
    for actor in (personas["other_county"], personas["enterprise_admin"]):
        with pytest.raises(PermissionDenied):
            intake.accept_demand(demand, actor=actor)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED


def test_reject_needs_a_reason_code_and_a_note(personas, own_enterprise):
    office = personas["own_county"]
    demand = file_one(own_enterprise, personas["enterprise_admin"])
    with pytest.raises(ValidationError) as caught:
        intake.reject_demand(demand, actor=office, reason="bored", note="")
    assert set(caught.value.message_dict) == {"reason", "note"}
    demand = intake.reject_demand(
        demand, actor=office, reason="legal_route", note="属合同纠纷，请通过仲裁解决。"
    )
    assert demand.status == DemandStatus.REJECTED
    assert demand.reject_reason == "legal_route"
    assert any("不予受理" in t for t in inbox(personas["enterprise_admin"]))


def test_merge_into_an_open_demand_of_the_same_region(personas, own_enterprise, other_enterprise):
    office = personas["own_county"]
    admin = personas["enterprise_admin"]
    target = file_one(own_enterprise, admin, title="原料断供（首次提交）")
    duplicate = file_one(own_enterprise, admin, title="原料断供（重复提交）")
    with pytest.raises(ValidationError):
        intake.merge_demand(duplicate, into=duplicate, actor=office)
    elsewhere = file_one(other_enterprise, None)
    with pytest.raises(ValidationError):
        intake.merge_demand(duplicate, into=elsewhere, actor=None)
    closed = file_one(own_enterprise, admin, title="已驳回的诉求")
    intake.reject_demand(closed, actor=office, reason="duplicate", note="重复")
    with pytest.raises(ValidationError):
        intake.merge_demand(duplicate, into=closed, actor=office)
    merged = intake.merge_demand(duplicate, into=target, actor=office, note="同一问题")
    assert merged.status == DemandStatus.MERGED
    assert merged.merged_into == target
    assert list(target.merged_demands.all()) == [merged]


def test_withdraw_by_the_filer_side_before_dispatch(personas, own_enterprise, cadre):
    office = personas["own_county"]
    demand = file_one(own_enterprise, personas["enterprise_admin"])
    with pytest.raises(PermissionDenied):
        intake.withdraw_demand(demand, actor=office)
    demand = intake.withdraw_demand(demand, actor=cadre, note="已自行解决")
    assert demand.status == DemandStatus.WITHDRAWN
    assert any("撤回" in t for t in inbox(office))
    with pytest.raises(ValidationError):
        intake.withdraw_demand(demand, actor=personas["enterprise_admin"])


def test_withdraw_refused_once_an_order_was_dispatched(personas, own_enterprise, departments):
    # the orders area's dispatch: a lead order moves the demand to "handling"
    from sibao.regions.models import Department
    from sibao.workorders.actions import orders

    demand = file_one(own_enterprise, personas["enterprise_admin"])
    demand = intake.accept_demand(demand, actor=personas["own_county"])
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    orders.dispatch(demand, actor=personas["own_county"], department=department)
    demand.refresh_from_db()
    with pytest.raises(ValidationError):
        intake.withdraw_demand(demand, actor=personas["enterprise_admin"])
    assert not intake.may_withdraw(personas["enterprise_admin"], demand)


def test_two_officials_at_once_one_wins_the_other_gets_a_conflict(personas, own_enterprise):
    first = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="first_official", full_name="张受理")
    second = personas["own_county"]
    demand = file_one(own_enterprise, personas["enterprise_admin"])
    seen = demand.version  # both officials loaded the page at this version
    intake.accept_demand(demand, actor=first, version=seen)
    with pytest.raises(Conflict) as caught:
        intake.reject_demand(demand, actor=second, reason="duplicate", note="重复", version=seen)
    assert "张受理" in caught.value.messages[0]
    assert "已受理" in caught.value.messages[0]
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED
    assert demand.reject_reason == ""
    assert TransitionRecord.objects.filter(object_id=str(demand.pk)).count() == 1


# --- import ---

HEADERS = intake.IMPORT_HEADERS


def sheet(rows) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(enterprise, **extra):
    values = {
        "code": enterprise.credit_code,
        "category": "用工需求",
        "title": "缺少熟练焊工 20 名",
        "description": "订单增加，急需焊工。",
        "urgency": "紧急",
        "name": "李经理",
        "phone": "13800000000",
        "day": "2026-03-01",
    }
    values.update(extra)
    return list(values.values())


def test_cadre_imports_visit_demands(personas, own_enterprise, cadre):
    data = sheet([row(own_enterprise), row(own_enterprise, title="物流车辆通行证", urgency="")])
    result = intake.import_demands(data, "visits.xlsx", actor=cadre, now=T0)
    assert result.ok, result.errors
    assert len(result.created) == 2
    demand = Demand.objects.get(title="缺少熟练焊工 20 名")
    assert demand.channel == "visit"
    assert demand.category == "labour"
    assert demand.urgency == "urgent"
    assert "2026-03-01" in demand.description
    assert Demand.objects.get(title="物流车辆通行证").urgency == "normal"
    assert AuditLog.objects.filter(action="demand.import").exists()


def test_import_is_all_or_nothing_with_row_errors(personas, own_enterprise, cadre):
    stranger = make_enterprise(region=OWN_COUNTY)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = sheet(
        [
            row(own_enterprise),
            row(stranger),  # not the cadre's unit
            row(own_enterprise, category="天气", day=tomorrow),
            row(own_enterprise, title=""),
        ]
    )
    result = intake.import_demands(data, "visits.xlsx", actor=cadre)
    assert not result.ok
    assert Demand.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result.errors}
    assert found == {(3, "企业统一社会信用代码"), (4, "类别"), (4, "走访日期"), (5, "标题")}


def test_import_csv_and_bad_columns(personas, own_enterprise):
    office = personas["own_county"]
    text = ",".join(HEADERS) + "\n" + ",".join(row(own_enterprise)) + "\n"
    result = intake.import_demands(text.encode("utf-8-sig"), "v.csv", actor=office)
    assert result.ok and len(result.created) == 1
    result = intake.import_demands(b"a,b\n1,2\n", "v.csv", actor=office)
    assert not result.ok and result.errors[0]["row"] is None
    assert "缺少列" in result.errors[0]["message"]


def test_import_needs_the_import_permission(personas, own_enterprise):
    with pytest.raises(PermissionDenied):
        intake.import_demands(
            sheet([row(own_enterprise)]), "v.xlsx", actor=personas["enterprise_admin"]
        )
    # another county's office cannot import for this unit
    result = intake.import_demands(
        sheet([row(own_enterprise)]), "v.xlsx", actor=personas["other_county"]
    )
    assert not result.ok
    assert Demand.objects.count() == 0
    assert OTHER_COUNTY != own_enterprise.region_id
