"""EPI-12: the staff and logistics staff of whitelisted units are listed for registration with the
provincial platform; on each person whether code protection applies now (not for positives,
close or secondary contacts) and why; the export carries clear ID numbers only for those who
may unmask, and every export is audited with its row count."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from sibao.core.models import AuditLog
from sibao.core.personal import decrypt
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff
from sibao.enterprises.models import WhitelistEntry
from sibao.epidemic.models import PersonStatus
from tests.epi_roster_files import health_office, valid_id


def list_unit(unit):
    return WhitelistEntry.objects.create(
        enterprise=unit,
        tier="county",
        listed_at=datetime.datetime.now(datetime.UTC),
        region_code=unit.region_id,
        industry_id=unit.industry_id,
    )


@pytest.fixture
def roster(own_enterprise):
    """A listed unit with five people (one positive, one close and one secondary contact, one
    logistics worker, one deactivated), a member of a listed park, and an unlisted unit."""
    list_unit(own_enterprise)
    people = {
        "clear": make_staff(own_enterprise, id_no=valid_id(31), name="甲"),
        "positive": make_staff(own_enterprise, id_no=valid_id(32), name="乙"),
        "close": make_staff(own_enterprise, id_no=valid_id(33), name="丙"),
        "secondary": make_staff(own_enterprise, id_no=valid_id(34), name="丁"),
        "driver": make_staff(
            own_enterprise,
            id_no=valid_id(35),
            name="戊",
            category="logistics",
            post_class="mobile",
        ),
        "gone": make_staff(own_enterprise, id_no=valid_id(36), name="己", is_active=False),
    }
    PersonStatus.objects.create(person_key=people["positive"].person_key, last_result="positive")
    PersonStatus.objects.create(person_key=people["close"].person_key, contact_level="close")
    PersonStatus.objects.create(
        person_key=people["secondary"].person_key, contact_level="secondary"
    )
    PersonStatus.objects.create(
        person_key=people["clear"].person_key, last_result="negative", health_code="green"
    )
    park = make_enterprise(region=OWN_COUNTY, kind="park", name="中原测试园区")
    list_unit(park)
    member = make_enterprise(region=OWN_COUNTY, park=park, name="园区成员有限公司")
    people["member"] = make_staff(member, id_no=valid_id(37), name="庚")
    unlisted = make_enterprise(region=OWN_COUNTY, name="未入白名单有限公司")
    people["unlisted"] = make_staff(unlisted, id_no=valid_id(38), name="辛")
    return people


@pytest.mark.req("EPI-12")
def test_the_list_shows_who_is_protected_and_why_not(roster, personas, login):
    client = login(personas["own_county"])
    response = client.get("/epidemic/code-protection/")
    assert response.status_code == 200
    rows = {s.name: s for s in response.context["object_list"]}
    assert set(rows) == {"甲", "乙", "丙", "丁", "戊", "庚"}
    assert rows["甲"].is_protected and rows["戊"].is_protected and rows["庚"].is_protected
    assert not rows["乙"].is_protected and "阳性" in rows["乙"].protection_reason
    assert not rows["丙"].is_protected and rows["丙"].protection_reason.startswith("密接")
    assert not rows["丁"].is_protected and rows["丁"].protection_reason.startswith("次密接")
    assert "免予赋红黄码" in rows["甲"].protection_reason

    refused = client.get("/epidemic/code-protection/", {"protected": "false"}).context
    assert {s.name for s in refused["object_list"]} == {"乙", "丙", "丁"}
    api = client.get("/api/code-protection/", {"protected": "true"}).json()
    assert {r["name"] for r in api["results"]} == {"甲", "戊", "庚"}
    reasons = {
        r["name"]: r["reason"] for r in client.get("/api/code-protection/").json()["results"]
    }
    assert "次密接" in reasons["丁"]
    assert all(valid_id(n).encode() not in response.content for n in range(31, 39))

    # another county's office sees none of them
    far = login(personas["other_county"]).get("/epidemic/code-protection/")
    assert list(far.context["object_list"]) == []


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.req("EPI-12")
def test_the_units_export_is_masked_and_audited(roster, personas, login):
    admin = login(personas["enterprise_admin"])
    response = admin.get("/epidemic/code-protection/export/", {"fmt": "csv"})
    assert response.status_code == 200
    lines = _csv(response)
    assert lines[0][4] == "身份证号码"
    body = "\n".join(",".join(line) for line in lines)
    assert all(valid_id(n) not in body for n in range(31, 39))
    names = {line[3]: line for line in lines[1:]}
    # the unit's own admin sees its own people, not the park member
    assert set(names) == {"甲", "乙", "丙", "丁", "戊"}
    assert names["乙"][8] == "否" and "阳性" in names["乙"][9]
    assert names["甲"][4] == roster["clear"].id_masked
    log = AuditLog.objects.get(action="staff.protection_export")
    assert log.changes == {"rows": [0, 5], "clear_rows": [0, 0]}
    assert log.actor == personas["enterprise_admin"]

    # the HQ office reads the list but does not take the file
    office = login(personas["own_county"])
    assert office.get("/epidemic/code-protection/export/", {"fmt": "csv"}).status_code == 403
    assert office.get("/api/code-protection/export/").status_code == 403


@pytest.mark.req("EPI-12")
def test_the_health_offices_export_carries_clear_numbers_and_is_audited_as_unmask(roster, login):
    user, health = health_office(login)
    response = health.get("/epidemic/code-protection/export/", {"fmt": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    lines = [[c.value for c in line] for line in sheet.iter_rows()]
    by_name = {line[3]: line for line in lines[1:]}
    assert set(by_name) == {"甲", "乙", "丙", "丁", "戊", "庚"}
    assert by_name["甲"][4] == decrypt(roster["clear"].id_encrypted) == valid_id(31)
    assert by_name["戊"][6] == "物流保障人员"
    log = AuditLog.objects.get(action="staff.protection_export.unmask")
    assert log.changes == {"rows": [0, 6], "clear_rows": [0, 6]} and log.actor == user
    assert valid_id(31) not in f"{log.changes} {log.note}"

    api = health.get("/api/code-protection/export/", {"fmt": "csv", "protected": "false"})
    assert api.status_code == 200
    lines = _csv(api)
    assert {line[3] for line in lines[1:]} == {"乙", "丙", "丁"}
    assert AuditLog.objects.filter(action="staff.protection_export.unmask").count() == 2
    assert health.get("/epidemic/code-protection/export/", {"fmt": "pdf"}).status_code == 400
