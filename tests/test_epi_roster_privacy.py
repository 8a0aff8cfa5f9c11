"""EPI-01, PLAT-03: ID numbers and phones never show in clear on roster pages, in API answers or
in audit rows; the health office may unmask one, audited; a person is found by full ID number
only through a posted form."""

import pytest

from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, make_staff
from sibao.epidemic.models import PersonStatus
from tests.epi_roster_files import health_office, valid_id

ID = valid_id(21)
PHONE = "13912345021"


@pytest.fixture
def staff(own_enterprise, personas):
    from sibao.epidemic import actions

    return actions.add_staff(
        own_enterprise,
        actor=personas["enterprise_admin"],
        id_number=ID,
        name="赵敏",
        phone=PHONE,
        team="质检班",
    )


@pytest.mark.req("EPI-01")
def test_no_page_or_answer_carries_the_clear_id_number_or_phone(staff, personas, login):
    PersonStatus.objects.create(person_key=staff.person_key, health_code="green")
    urls = [
        "/epidemic/staff/",
        f"/epidemic/units/{staff.enterprise_id}/staff/",
        f"/epidemic/units/{staff.enterprise_id}/staff/panel/",
        f"/epidemic/staff/{staff.pk}/",
        f"/epidemic/staff/{staff.pk}/edit/",
        "/epidemic/code-protection/",
        "/api/staff/",
        f"/api/staff/{staff.pk}/",
        "/api/code-protection/",
        f"/enterprises/{staff.enterprise_id}/",
    ]
    for persona in ("own_county", "enterprise_admin"):
        client = login(personas[persona])
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403), (persona, url, response.status_code)
            assert ID.encode() not in response.content, (persona, url)
            assert PHONE.encode() not in response.content, (persona, url)
        detail = client.get(f"/epidemic/staff/{staff.pk}/").content.decode()
        assert staff.id_masked in detail and "reveal-id" not in detail
    for log in AuditLog.objects.all():
        text = f"{log.changes} {log.note} {log.object_repr}"
        assert ID not in text and PHONE not in text


@pytest.mark.req("EPI-01")
def test_the_health_office_unmasks_one_id_number_and_the_read_is_audited(staff, personas, login):
    office = login(personas["own_county"])
    assert office.post(f"/epidemic/staff/{staff.pk}/reveal/").status_code == 403
    assert office.post(f"/api/staff/{staff.pk}/reveal/").status_code == 403
    admin = login(personas["enterprise_admin"])
    assert admin.post(f"/epidemic/staff/{staff.pk}/reveal/").status_code == 403
    assert not AuditLog.objects.filter(action="staff.unmask").exists()

    user, health = health_office(login)
    page = health.get(f"/epidemic/staff/{staff.pk}/").content.decode()
    assert "reveal-id" in page and ID not in page
    revealed = health.post(f"/epidemic/staff/{staff.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert revealed.status_code == 200 and ID in revealed.content.decode()
    assert health.get(f"/epidemic/staff/{staff.pk}/reveal/").status_code == 405
    assert health.post(f"/api/staff/{staff.pk}/reveal/").json() == {"id_number": ID}
    reads = AuditLog.objects.filter(action="staff.unmask", object_id=str(staff.pk))
    assert reads.count() == 2 and {r.actor_id for r in reads} == {user.pk}
    assert reads.first().enterprise_id == staff.enterprise_id
    assert all(ID not in f"{r.changes} {r.note} {r.object_repr}" for r in reads)

    # another county's health office: out of scope, as if missing
    _other, far = health_office(login, region=OTHER_COUNTY, username="health_far")
    assert far.post(f"/epidemic/staff/{staff.pk}/reveal/").status_code == 404
    assert far.post(f"/api/staff/{staff.pk}/reveal/").status_code == 404


@pytest.mark.req("EPI-01")
def test_a_person_is_found_by_full_id_number_only_through_a_posted_form(
    staff, own_enterprise, personas, login
):
    office = login(personas["own_county"])
    found = office.post("/epidemic/staff/find/", {"id_number": ID.lower()})
    assert found.status_code == 302 and found["Location"] == f"/epidemic/staff/{staff.pk}/"
    missing = office.post("/epidemic/staff/find/", {"id_number": valid_id(99)})
    assert missing.status_code == 200 and "not-found" in missing.content.decode()
    assert valid_id(99) not in missing.content.decode()
    bad = office.post("/epidemic/staff/find/", {"id_number": ID[:-1] + "Y"})
    assert bad.status_code == 422 and ID[:-1] not in bad.content.decode()
    assert office.get("/epidemic/staff/find/").status_code == 405

    api = office.post("/api/staff/find/", {"id_number": ID}, content_type="application/json")
    assert [row["id"] for row in api.json()] == [staff.pk] and ID not in api.content.decode()

    # another county sees nobody by that number
    far = login(personas["other_county"])
    assert "not-found" in far.post("/epidemic/staff/find/", {"id_number": ID}).content.decode()
    assert far.post("/api/staff/find/", {"id_number": ID}).json() == []


@pytest.mark.req("EPI-01")
def test_search_takes_names_and_last_four_digits_never_a_full_number(staff, personas, login):
    make_staff(staff.enterprise, name="钱多多")
    client = login(personas["own_county"])
    by_tail = client.get(f"/epidemic/staff/?q={ID[-4:]}").content.decode()
    assert "赵敏" in by_tail and "钱多多" not in by_tail
    by_mask = client.get("/epidemic/staff/", {"q": staff.id_masked}).content.decode()
    assert "赵敏" in by_mask and "钱多多" not in by_mask
    by_name = client.get("/epidemic/staff/", {"q": "钱多"}).content.decode()
    assert "钱多多" in by_name and "赵敏" not in by_name
    full = client.get("/epidemic/staff/", {"q": ID, "team": "质检班"})
    assert full.status_code == 302
    assert full["Location"] == "/epidemic/staff/?team=%E8%B4%A8%E6%A3%80%E7%8F%AD"
    page = client.get(full["Location"])
    assert "请勿在搜索框输入完整身份证号码" in page.content.decode()
    assert ID.encode() not in page.content
    assert client.get("/epidemic/code-protection/", {"q": ID})["Location"] == (
        "/epidemic/code-protection/"
    )
    assert client.get("/api/staff/", {"q": ID}).status_code == 400
    tail = client.get("/api/staff/", {"q": ID[-4:]}).json()
    assert [r["name"] for r in tail["results"]] == ["赵敏"]
