"""WL-01, WL-02: the registry API writes through the same actions as the pages: create, update,
merge, import (all rows or none) and export."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, credit_code, make_enterprise
from sibao.enterprises.models import Enterprise
from tests.registry_files import csv_bytes, row, xlsx


def body(**values) -> dict:
    data = {
        "credit_code": credit_code(),
        "name": "接口登记有限公司",
        "kind": "enterprise",
        "region": OWN_COUNTY,
        "industry": "industry",
        "output_value": "3000.00",
        "employees": 40,
    }
    data.update(values)
    return data


@pytest.mark.req("WL-01")
def test_an_office_registers_a_unit_through_the_api(personas, login):
    client = login(personas["own_county"])
    response = client.post("/api/enterprises/", body(), content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["region"] == OWN_COUNTY and data["merged_into"] is None
    assert Enterprise.objects.get(pk=data["id"]).name == "接口登记有限公司"
    assert AuditLog.objects.filter(action="enterprise.create", object_id=str(data["id"])).exists()


@pytest.mark.req("WL-01")
@pytest.mark.req("ORG-04")
def test_the_api_refuses_other_counties_duplicates_and_enterprise_admins(
    personas, own_enterprise, login
):
    client = login(personas["own_county"])
    other = client.post(
        "/api/enterprises/", body(region=OTHER_COUNTY), content_type="application/json"
    )
    assert other.status_code == 400 and "管辖范围" in other.json()["region"][0]
    twin = client.post(
        "/api/enterprises/",
        body(credit_code=own_enterprise.credit_code),
        content_type="application/json",
    )
    assert twin.status_code == 400 and "不能重复登记" in twin.json()["credit_code"][0]
    admin = login(personas["enterprise_admin"])
    assert (
        admin.post("/api/enterprises/", body(), content_type="application/json").status_code == 403
    )
    assert not Enterprise.objects.filter(name="接口登记有限公司").exists()


@pytest.mark.req("WL-01")
def test_an_enterprise_admin_patches_only_its_own_site_and_people(personas, own_enterprise, login):
    admin = login(personas["enterprise_admin"])
    url = f"/api/enterprises/{own_enterprise.pk}/"
    ok = admin.patch(
        url, {"address": "新址 1 号", "employees": 99}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["address"] == "新址 1 号"
    refused = admin.patch(url, {"output_value": "1.00"}, content_type="application/json")
    assert refused.status_code == 403
    own_enterprise.refresh_from_db()
    assert own_enterprise.output_value == 10000 and own_enterprise.employees == 99
    other = login(personas["other_county"])
    assert other.patch(url, {"name": "x"}, content_type="application/json").status_code == 404


@pytest.mark.req("WL-01")
def test_the_api_merges_a_duplicate_and_lists_only_active_records(personas, own_enterprise, login):
    twin = make_enterprise(region=OWN_COUNTY, credit_code=own_enterprise.credit_code)
    client = login(personas["own_county"])
    url = f"/api/enterprises/{own_enterprise.pk}/merge/"
    missing = client.post(url, {"duplicate": twin.pk}, content_type="application/json")
    assert missing.status_code == 400 and "reason" in missing.json()
    merged = client.post(
        url, {"duplicate": twin.pk, "reason": "重复"}, content_type="application/json"
    )
    assert merged.status_code == 200
    ids = [r["id"] for r in client.get("/api/enterprises/").json()["results"]]
    assert ids == [own_enterprise.pk]
    assert client.get(f"/api/enterprises/{twin.pk}/").json()["merged_into"] == own_enterprise.pk
    admin = login(personas["enterprise_admin"])
    assert (
        admin.post(
            url, {"duplicate": twin.pk, "reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )


@pytest.mark.req("WL-01")
def test_the_api_imports_all_rows_or_none(personas, login):
    client = login(personas["own_county"])
    bad = client.post(
        "/api/enterprises/import/",
        {"file": SimpleUploadedFile("u.xlsx", xlsx([row(name="好行"), row(region="4101")]))},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [
        {
            "row": 3,
            "column": "区划代码",
            "value": "4101",
            "message": "须为县级区划（县、市、区或功能区）代码。",
        }
    ]
    assert not Enterprise.objects.filter(name="好行").exists()
    good = client.post(
        "/api/enterprises/import/",
        {"file": SimpleUploadedFile("u.csv", csv_bytes([row(name="好行")], "gbk"))},
    )
    assert good.status_code == 201 and good.json() == {"created": 1}
    assert client.get("/api/enterprises/import/").status_code == 405
    admin = login(personas["enterprise_admin"])
    assert (
        admin.post(
            "/api/enterprises/import/",
            {"file": SimpleUploadedFile("u.csv", csv_bytes([row(name="管理员")]))},
        ).status_code
        == 403
    )


@pytest.mark.req("WL-01")
def test_the_api_exports_the_filtered_scoped_list(
    personas, own_enterprise, other_enterprise, login
):
    client = login(personas["own_county"])
    response = client.get("/api/enterprises/export/", {"fmt": "csv", "q": "中原"})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    names = [line[2] for line in list(csv.reader(io.StringIO(text)))[1:]]
    assert names == [own_enterprise.name]
    assert login(personas["enterprise_admin"]).get("/api/enterprises/export/").status_code == 403
