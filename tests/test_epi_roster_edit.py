"""EPI-01, EPI-16: a unit's own admin adds, edits, deactivates and reactivates its staff; officials
read; nobody reaches another unit's roster; new entrants get the rule set's quiet period."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core import actions as core_actions
from sibao.core.models import AuditLog
from sibao.core.personal import decrypt, person_key
from sibao.core.testing import OWN_COUNTY, make_staff, make_user
from sibao.epidemic import actions
from sibao.epidemic.models import PersonStatus, StaffMember
from tests.epi_roster_files import valid_id

ID = valid_id(7)


def form(**values) -> dict:
    data = {
        "id_number": ID,
        "name": "张伟",
        "phone": "13912340007",
        "category": "employee",
        "post_class": "mobile",
        "team": "装卸班",
        "zone": "交接区",
        "dormitory": "2号楼101",
        "joined_on": "",
        "vaccine_doses": "3",
    }
    data.update(values)
    return data


@pytest.fixture
def admin(personas, login):
    return login(personas["enterprise_admin"])


@pytest.mark.req("EPI-01")
def test_the_units_admin_adds_a_person_kept_as_key_cipher_and_mask(admin, own_enterprise, personas):
    # tested before joining: the roster row starts with the person's last negative sample
    sampled = timezone.now() - datetime.timedelta(hours=5)
    PersonStatus.objects.create(person_key=person_key(ID), last_negative_at=sampled)

    response = admin.post(f"/epidemic/units/{own_enterprise.pk}/staff/new/", form())

    staff = StaffMember.objects.get(enterprise=own_enterprise)
    assert response.status_code == 302 and response["Location"] == f"/epidemic/staff/{staff.pk}/"
    assert staff.person_key == person_key(ID) and decrypt(staff.id_encrypted) == ID
    assert staff.id_masked == "410***********" + ID[-4:] and ID not in staff.id_encrypted
    assert staff.phone_masked == "139****0007" and staff.post_class == "mobile"
    assert staff.region_code == OWN_COUNTY and staff.vaccine_doses == 3
    assert staff.last_negative_at == sampled
    log = AuditLog.objects.get(action="staff.create")
    assert log.actor == personas["enterprise_admin"] and log.enterprise_id == own_enterprise.pk
    assert ID not in str(log.changes) + log.object_repr and "13912340007" not in str(log.changes)


@pytest.mark.req("EPI-01")
def test_officials_read_rosters_but_do_not_write_them(personas, login, own_enterprise):
    staff = make_staff(own_enterprise)
    office = login(personas["own_county"])
    assert office.get(f"/epidemic/staff/{staff.pk}/").status_code == 200
    assert office.get(f"/epidemic/units/{own_enterprise.pk}/staff/new/").status_code == 403
    assert office.post(f"/epidemic/units/{own_enterprise.pk}/staff/new/", form()).status_code == 403
    assert office.post(f"/epidemic/staff/{staff.pk}/edit/", form(name="改名")).status_code == 403
    assert office.post(f"/epidemic/staff/{staff.pk}/deactivate/").status_code == 403
    response = office.post("/api/staff/", {**form(), "enterprise": own_enterprise.pk})
    assert response.status_code == 403
    assert StaffMember.objects.count() == 1 and not StaffMember.objects.filter(name="改名").exists()


@pytest.mark.req("EPI-01")
def test_the_admin_of_another_unit_gets_404_for_this_units_roster(
    personas, login, own_enterprise, other_enterprise
):
    staff = make_staff(own_enterprise)
    stranger = make_user(Role.ENTERPRISE_ADMIN, "410202", enterprise=other_enterprise)
    client = login(stranger)
    for url in (
        f"/epidemic/units/{own_enterprise.pk}/staff/",
        f"/epidemic/units/{own_enterprise.pk}/staff/new/",
        f"/epidemic/units/{own_enterprise.pk}/staff/import/",
        f"/epidemic/staff/{staff.pk}/",
        f"/epidemic/staff/{staff.pk}/edit/",
        f"/api/staff/{staff.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/epidemic/units/{own_enterprise.pk}/staff/new/", form()).status_code == 404
    assert client.post(f"/epidemic/staff/{staff.pk}/deactivate/").status_code == 404
    api = client.post("/api/staff/", {**form(), "enterprise": own_enterprise.pk})
    assert api.status_code == 404
    assert (
        client.patch(
            f"/api/staff/{staff.pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    # and the action itself refuses, whoever calls it
    with pytest.raises(PermissionDenied):
        actions.add_staff(own_enterprise, actor=stranger, id_number=ID, name="张伟")
    assert StaffMember.objects.count() == 1


@pytest.mark.req("EPI-01")
def test_a_bad_id_number_is_refused_and_not_written_back_into_the_page(admin, own_enterprise):
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    response = admin.post(f"/epidemic/units/{own_enterprise.pk}/staff/new/", form(id_number=wrong))
    assert response.status_code == 422
    page = response.content.decode()
    assert "校验位不符" in page and wrong not in page
    assert not StaffMember.objects.exists()


@pytest.mark.req("EPI-01")
def test_a_person_is_on_a_units_roster_once(admin, own_enterprise):
    assert admin.post(f"/epidemic/units/{own_enterprise.pk}/staff/new/", form()).status_code == 302
    again = admin.post(f"/epidemic/units/{own_enterprise.pk}/staff/new/", form(name="张伟二"))
    assert again.status_code == 422 and "已在本单位花名册中" in again.content.decode()
    assert ID not in again.content.decode()
    assert StaffMember.objects.count() == 1


@pytest.mark.req("EPI-01")
def test_the_id_number_is_not_changeable_and_a_new_phone_is_protected_again(
    admin, own_enterprise, personas
):
    staff = make_staff(own_enterprise, id_no=ID)
    key = staff.person_key
    with pytest.raises(ValidationError):
        actions.update_staff(staff, actor=personas["enterprise_admin"], id_number=valid_id(8))
    api = admin.patch(
        f"/api/staff/{staff.pk}/", {"id_number": valid_id(8)}, content_type="application/json"
    )
    assert api.status_code == 400

    response = admin.post(
        f"/epidemic/staff/{staff.pk}/edit/",
        form(id_number="", phone="13800138000", team="二班", vaccine_doses="2"),
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.person_key == key and decrypt(staff.id_encrypted) == ID
    assert staff.phone_masked == "138****8000" and decrypt(staff.phone_encrypted) == "13800138000"
    assert staff.team == "二班" and staff.vaccine_doses == 2
    log = AuditLog.objects.get(action="staff.update")
    assert log.changes["team"][1] == "二班"
    assert log.changes["phone_masked"][1] == "138****8000"
    assert "13800138000" not in str(log.changes)

    # left empty, the phone stays
    admin.post(f"/epidemic/staff/{staff.pk}/edit/", form(phone="", team="三班"))
    staff.refresh_from_db()
    assert staff.team == "三班" and staff.phone_masked == "138****8000"


@pytest.mark.req("EPI-01")
def test_the_api_creates_and_updates_with_masked_answers(admin, own_enterprise):
    response = admin.post(
        "/api/staff/",
        {**form(joined_on=None), "enterprise": own_enterprise.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert ID not in response.content.decode() and "id_number" not in body
    assert body["id_masked"].endswith(ID[-4:]) and body["phone_masked"] == "139****0007"
    patched = admin.patch(
        f"/api/staff/{body['id']}/", {"post_class": "ordinary"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["post_class"] == "ordinary"
    bad = admin.post(
        "/api/staff/",
        {**form(id_number=valid_id(9)[:-1] + "Y", joined_on=None), "enterprise": own_enterprise.pk},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "id_number" in bad.json()


@pytest.mark.req("EPI-01")
def test_deactivating_keeps_the_row_and_reactivating_restores_it(admin, own_enterprise):
    staff = make_staff(own_enterprise)
    response = admin.post(f"/epidemic/staff/{staff.pk}/deactivate/", {"reason": "离职"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert AuditLog.objects.get(action="staff.deactivate").note == "离职"
    assert admin.get(f"/epidemic/staff/{staff.pk}/deactivate/").status_code == 405

    assert admin.post(f"/api/staff/{staff.pk}/reactivate/").json()["is_active"] is True
    assert admin.post(f"/api/staff/{staff.pk}/deactivate/").json()["is_active"] is False
    assert admin.post(f"/epidemic/staff/{staff.pk}/reactivate/").status_code == 302
    staff.refresh_from_db()
    assert staff.is_active
    assert AuditLog.objects.filter(action="staff.reactivate").count() == 2


@pytest.mark.req("EPI-16")
def test_a_new_entrant_gets_the_quiet_period_of_the_rule_set(personas, own_enterprise, admin):
    today = timezone.localdate()
    actor = personas["enterprise_admin"]
    newcomer = actions.add_staff(
        own_enterprise, actor=actor, id_number=valid_id(11), name="新人", joined_on=today
    )
    assert newcomer.quiet_until == today + datetime.timedelta(days=3)
    veteran = actions.add_staff(
        own_enterprise,
        actor=actor,
        id_number=valid_id(12),
        name="老员工",
        joined_on=today - datetime.timedelta(days=30),
    )
    assert veteran.quiet_until is None

    province = make_user(Role.HQ_OFFICE, "41")
    core_actions.change_rule_parameter("quiet_period_days", 7, actor=province, reason="加强")
    later = actions.add_staff(
        own_enterprise,
        actor=actor,
        id_number=valid_id(13),
        name="再来",
        joined_on=today - datetime.timedelta(days=2),
    )
    assert later.quiet_until == today + datetime.timedelta(days=5)
    # a corrected entry date recomputes it
    veteran = actions.update_staff(veteran, actor=actor, joined_on=today)
    assert veteran.quiet_until == today + datetime.timedelta(days=7)

    page = admin.get(f"/epidemic/units/{own_enterprise.pk}/staff/?quiet=true").content.decode()
    assert "新人" in page and "再来" in page and "老员工" in page
    assert (
        "老员工"
        not in admin.get(f"/epidemic/units/{own_enterprise.pk}/staff/?quiet=false").content.decode()
    )
