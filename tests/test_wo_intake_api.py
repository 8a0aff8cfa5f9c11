"""DEM-01 API: demands of the user's scope; filing (multipart with files); accept, reject, merge
and withdraw with the version seen (a stale one answers 400 with the conflict message); the
import of visit demands (all or nothing); attachments listed within scope."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from rest_framework.test import APIClient

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders.actions import intake
from sibao.workorders.models import Demand, DemandStatus

pytestmark = pytest.mark.req("DEM-01")

DEMANDS = reverse("api:demand-list")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def file_one(enterprise, **extra):
    values = {
        "category": "market",
        "title": "展会取消，订单下滑",
        "description": "请协调线上对接。",
    }
    values.update(extra)
    return intake.file_demand(enterprise, actor=None, **values)


def act(demand, name):
    return reverse(f"api:demand-{name}", args=[demand.pk])


def test_list_and_retrieve_are_scoped(personas, own_enterprise, other_enterprise):
    own, other = file_one(own_enterprise), file_one(other_enterprise)
    numbers = {d["number"] for d in api(personas["enterprise_admin"]).get(DEMANDS).data["results"]}
    assert numbers == {own.number}
    client = api(personas["other_county"])
    assert client.get(reverse("api:demand-detail", args=[own.pk])).status_code == 404
    assert client.get(reverse("api:demand-detail", args=[other.pk])).status_code == 200
    assert api(personas["no_grant"]).get(DEMANDS).status_code == 403


def test_unit_files_with_files_multipart(personas, own_enterprise, other_enterprise):
    client = api(personas["enterprise_admin"])
    response = client.post(
        DEMANDS,
        {
            "enterprise": own_enterprise.pk,
            "category": "policy",
            "title": "稳岗补贴申领",
            "description": "不清楚申领流程。",
            "urgency": "normal",
            "files": [SimpleUploadedFile("名单.xlsx", b"PK\x03\x04 sheet")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    assert response.data["number"].startswith("SQ")
    assert [a["name"] for a in response.data["attachments"]] == ["名单.xlsx"]
    attachments = client.get(reverse("api:demand-attachment-list")).data["results"]
    assert [a["name"] for a in attachments] == ["名单.xlsx"]
    refused = client.post(
        DEMANDS,
        {"enterprise": own_enterprise.pk, "category": "policy", "title": "", "description": "x"},
    )
    assert refused.status_code == 400 and "title" in refused.data
    # another unit is not even a valid choice for this admin
    stranger = client.post(
        DEMANDS,
        {"enterprise": other_enterprise.pk, "category": "policy", "title": "t", "description": "d"},
    )
    assert stranger.status_code == 400 and "enterprise" in stranger.data


def test_accept_and_conflicting_reject(personas, own_enterprise):
    demand = file_one(own_enterprise)
    first = make_user(Role.HQ_OFFICE, OWN_COUNTY, username="api_first", full_name="赵主任")
    response = api(first).post(act(demand, "accept"), {"version": demand.version})
    assert response.status_code == 200 and response.data["status"] == "accepted"
    stale = api(personas["own_county"]).post(
        act(demand, "reject"),
        {"version": demand.version, "reason": "duplicate", "note": "重复"},
        format="json",
    )
    assert stale.status_code == 400
    assert "赵主任" in str(stale.data)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED


def test_refusals_answer_403(personas, own_enterprise):
    demand = file_one(own_enterprise)
    assert api(personas["enterprise_admin"]).post(act(demand, "accept")).status_code == 403
    assert api(personas["own_county"]).post(act(demand, "withdraw")).status_code == 403
    response = api(personas["enterprise_admin"]).post(act(demand, "withdraw"), {"note": "已解决"})
    assert response.status_code == 200 and response.data["status"] == "withdrawn"


def test_merge_and_reject(personas, own_enterprise):
    target, duplicate, stray = (
        file_one(own_enterprise),
        file_one(own_enterprise),
        file_one(own_enterprise),
    )
    client = api(personas["own_county"])
    response = client.post(act(duplicate, "merge"), {"into": target.pk})
    assert response.status_code == 200 and response.data["merged_into_number"] == target.number
    response = client.post(act(stray, "reject"), {"reason": "other", "note": ""})
    assert response.status_code == 400 and "note" in response.data
    response = client.post(act(stray, "reject"), {"reason": "other", "note": "企业已注销"})
    assert response.data["reject_reason"] == "other"


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(intake.IMPORT_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_import_all_or_nothing(personas, own_enterprise):
    code = own_enterprise.credit_code
    good = [code, "用工需求", "缺焊工", "急需 20 名", "紧急", "李经理", "13800000000", "2026-03-01"]
    bad = [code, "用工需求", "缺电工", "急需 5 名", "马上", "", "", "03/01"]
    client = api(personas["own_county"])
    url = reverse("api:demand-import")
    upload = SimpleUploadedFile("v.xlsx", _xlsx([good, bad]))
    response = client.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert {(e["row"], e["column"]) for e in response.data["errors"]} == {
        (3, "紧急程度"),
        (3, "走访日期"),
    }
    assert not Demand.objects.exists()
    upload = SimpleUploadedFile("v.xlsx", _xlsx([good]))
    response = client.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.data["created"] == 1
    upload = SimpleUploadedFile("v.xlsx", _xlsx([good]))
    refused = api(personas["enterprise_admin"]).post(url, {"file": upload}, format="multipart")
    assert refused.status_code == 403
