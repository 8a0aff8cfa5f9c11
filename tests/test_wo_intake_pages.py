"""DEM-01 pages: the demand list of the user's scope (filters, search, export), the filing form
with attachments and the similar-demand suggestions, the office's intake queue (accept, reject,
merge with the version seen; the conflict message for a second official), the demand page with
its attachments, actions and panels, and the bulk import (template, error report)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders.actions import intake
from sibao.workorders.models import Demand, DemandStatus

pytestmark = pytest.mark.req("DEM-01")

LIST = reverse("workorders:demand_list")
QUEUE = reverse("workorders:intake_queue")


def file_one(enterprise, actor=None, **extra):
    values = {
        "category": "logistics",
        "title": "原料运输车辆通行受阻",
        "description": "县界卡口劝返原料车辆。",
    }
    values.update(extra)
    return intake.file_demand(enterprise, actor=actor, **values)


def detail(demand):
    return reverse("workorders:demand_detail", args=[demand.pk])


def test_list_shows_the_users_scope(personas, login, own_enterprise, other_enterprise):
    own = file_one(own_enterprise, title="中原区的诉求")
    other = file_one(other_enterprise, title="龙亭区的诉求")
    page = login(personas["enterprise_admin"]).get(LIST).content.decode()
    assert own.number in page and other.number not in page
    page = login(personas["other_county"]).get(LIST).content.decode()
    assert other.number in page and own.number not in page


def test_list_filters_search_and_export(personas, login, own_enterprise):
    urgent = file_one(own_enterprise, title="急需防疫物资", category="supplies", urgency="urgent")
    normal = file_one(own_enterprise, title="招工难")
    client = login(personas["own_county"])
    page = client.get(LIST, {"urgency": "urgent"}).content.decode()
    assert urgent.number in page and normal.number not in page
    page = client.get(LIST, {"q": "招工"}).content.decode()
    assert normal.number in page and urgent.number not in page
    page = client.get(LIST, {"q": urgent.number}).content.decode()
    assert urgent.number in page and normal.number not in page
    response = client.get(reverse("workorders:demand_export"), {"category": "supplies"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert [r[0] for r in rows[1:]] == [urgent.number]
    assert (
        login(personas["enterprise_admin"]).get(reverse("workorders:demand_export")).status_code
        == 403
    )


def test_admin_files_with_an_attachment_and_downloads_it(personas, login, own_enterprise):
    client = login(personas["enterprise_admin"])
    form = client.get(reverse("workorders:demand_create")).content.decode()
    assert 'id="similar-suggestions"' in form
    assert reverse("workorders:similar_suggest") in form
    assert "delay:500ms" in form
    response = client.post(
        reverse("workorders:demand_create"),
        {
            "enterprise": own_enterprise.pk,
            "category": "raw_materials",
            "urgency": "normal",
            "title": "钢材断供",
            "description": "上游停产。",
            "files": [SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", "application/pdf")],
        },
    )
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(demand)
    page = client.get(detail(demand)).content.decode()
    assert "合同.pdf" in page
    url = reverse("workorders:demand_attachment", args=[demand.attachments.get().pk])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 contract"
    assert login(personas["other_county"]).get(url).status_code == 404


def test_bad_attachment_comes_back_on_the_form(personas, login, own_enterprise):
    client = login(personas["enterprise_admin"])
    response = client.post(
        reverse("workorders:demand_create"),
        {
            "enterprise": own_enterprise.pk,
            "category": "raw_materials",
            "urgency": "normal",
            "title": "钢材断供",
            "description": "上游停产。",
            "files": [SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream")],
        },
    )
    assert response.status_code == 422
    assert "类型不支持" in response.content.decode()
    assert not Demand.objects.exists()


def test_detail_shows_panels_and_only_allowed_actions(personas, login, own_enterprise):
    demand = file_one(own_enterprise)
    office_page = login(personas["own_county"]).get(detail(demand)).content.decode()
    for name in (
        "demand_orders_panel",
        "demand_followup_panel",
        "demand_history_panel",
        "demand_similar_panel",
    ):
        assert reverse(f"workorders:{name}", args=[demand.pk]) in office_page
    assert 'data-testid="accept-form"' in office_page
    assert 'data-testid="withdraw-form"' not in office_page
    unit_page = login(personas["enterprise_admin"]).get(detail(demand)).content.decode()
    assert 'data-testid="accept-form"' not in unit_page
    assert 'data-testid="withdraw-form"' in unit_page


def test_queue_accept_and_conflict_for_the_second_official(personas, login, own_enterprise):
    older = file_one(own_enterprise, title="较早的诉求")
    newer = file_one(own_enterprise, title="较晚的诉求")
    first = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="office_a", full_name="王科长")
    a, b = login(first), login(personas["own_county"])
    page = b.get(QUEUE).content.decode()
    assert page.index(older.number) < page.index(newer.number)
    accept = reverse("workorders:demand_accept", args=[older.pk])
    response = a.post(accept, {"version": older.version, "next": QUEUE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    # the second official still had the old page open
    reject = reverse("workorders:demand_reject", args=[older.pk])
    response = b.post(
        reject, {"version": older.version, "reason": "duplicate", "note": "重复"}, follow=True
    )
    text = response.content.decode()
    assert "王科长" in text and "请刷新页面" in text
    older.refresh_from_db()
    assert older.status == DemandStatus.ACCEPTED
    assert f'data-number="{older.number}"' not in b.get(QUEUE).content.decode()


def test_queue_reject_and_merge(personas, login, own_enterprise):
    target = file_one(own_enterprise, title="原料断供")
    duplicate = file_one(own_enterprise, title="原料断供（重复）")
    stray = file_one(own_enterprise, title="不属于受理范围")
    client = login(personas["own_county"])
    assert 'data-testid="merge-form"' in client.get(QUEUE).content.decode()
    client.post(
        reverse("workorders:demand_merge", args=[duplicate.pk]),
        {"version": duplicate.version, "into": target.pk},
    )
    client.post(
        reverse("workorders:demand_reject", args=[stray.pk]),
        {"version": stray.version, "reason": "not_competent", "note": "属于民事纠纷"},
    )
    duplicate.refresh_from_db()
    stray.refresh_from_db()
    assert duplicate.merged_into == target
    assert stray.status == DemandStatus.REJECTED
    assert "合并至" in client.get(detail(duplicate)).content.decode()


def test_unit_withdraws_and_office_cannot(personas, login, own_enterprise):
    demand = file_one(own_enterprise)
    url = reverse("workorders:demand_withdraw", args=[demand.pk])
    response = login(personas["own_county"]).post(url, {"version": demand.version}, follow=True)
    assert "撤回" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED
    login(personas["enterprise_admin"]).post(url, {"version": demand.version})
    demand.refresh_from_db()
    assert demand.status == DemandStatus.WITHDRAWN
    # another county's office gets 404 for the POST too
    other = login(personas["other_county"]).post(
        reverse("workorders:demand_accept", args=[demand.pk])
    )
    assert other.status_code == 404


def test_intake_posts_answer_no_get(personas, login, own_enterprise):
    demand = file_one(own_enterprise)
    client = login(personas["own_county"])
    for name in ("demand_accept", "demand_reject", "demand_merge", "demand_withdraw"):
        assert client.get(reverse(f"workorders:{name}", args=[demand.pk])).status_code == 405
    assert client.get(reverse("workorders:demand_import_report")).status_code == 405


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(intake.IMPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_page_template_errors_and_report(personas, login, own_enterprise):
    client = login(personas["own_county"])
    template = client.get(reverse("workorders:demand_import_template"))
    headers = next(load_workbook(io.BytesIO(template.content)).active.values)
    assert list(headers) == intake.IMPORT_HEADERS
    code = own_enterprise.credit_code
    good = [code, "物流运输", "车辆通行", "卡口劝返", "", "", "", "2026-03-01"]
    bad = [code, "天气", "", "描述", "一般", "", "", "2026-03-01"]
    upload = SimpleUploadedFile("v.xlsx", _xlsx([good, bad]))
    response = client.post(reverse("workorders:demand_import"), {"file": upload})
    assert response.status_code == 422
    assert not Demand.objects.exists()
    page = response.content.decode()
    assert 'data-testid="import-error"' in page
    report = client.post(
        reverse("workorders:demand_import_report"), {"report": response.context["report"]}
    )
    rows = list(load_workbook(io.BytesIO(report.content)).active.values)
    assert {(r[0], r[1]) for r in rows[1:]} == {(3, "类别"), (3, "标题")}
    upload = SimpleUploadedFile("v.xlsx", _xlsx([good]))
    response = client.post(reverse("workorders:demand_import"), {"file": upload})
    assert response.status_code == 302
    assert Demand.objects.get().channel == "visit"
