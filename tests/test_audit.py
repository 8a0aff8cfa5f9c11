import pytest

from sibao.accounts.roles import Role
from sibao.core.models import AppendOnlyError, AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_user


@pytest.mark.req("ORG-05")
def test_an_action_is_recorded_with_who_role_what_changes_and_address(db, login):
    admin = make_user(Role.SYSTEM_ADMIN, "41")
    officer = make_user(Role.HQ_OFFICE, "41")
    client = login(officer)
    response = client.post(
        "/rules/nat_interval_hours/change/",
        {"value": "72", "reason": "疫情平稳，放宽检测频次"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    row = AuditLog.objects.get(action="rules.change")
    assert row.actor == officer and row.actor_roles == "hq_office"
    assert row.changes == {"nat_interval_hours": [48, 72]}
    assert row.client_address == "10.1.2.3"
    assert row.note == "疫情平稳，放宽检测频次"
    assert row.rule_version is not None
    assert admin  # the grant itself was audited too:
    assert (
        AuditLog.objects.filter(
            action="accounts.grant_role", object_type="accounts.rolegrant", region_code="41"
        ).count()
        == 2
    )


@pytest.mark.req("ORG-05")
def test_the_log_is_append_only(db):
    row = AuditLog.objects.create(action="test.event", region_code=OWN_COUNTY)
    row.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(note="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).delete()
    assert AuditLog.objects.get(pk=row.pk).note == ""


@pytest.mark.req("ORG-05")
@pytest.mark.req("ORG-04")
def test_officials_see_the_audit_of_their_jurisdiction_only(personas, login):
    AuditLog.objects.create(action="test.own", region_code=OWN_COUNTY, object_repr="本县记录")
    AuditLog.objects.create(action="test.other", region_code=OTHER_COUNTY, object_repr="外县记录")
    page = login(personas["own_county"]).get("/audit/").content.decode()
    assert "本县记录" in page and "外县记录" not in page
    api = login(personas["own_county"]).get("/api/audit/", {"action": "test."}).json()
    assert [row["object_repr"] for row in api["results"]] == ["本县记录"]
    assert login(personas["enterprise_admin"]).get("/audit/").status_code == 403


@pytest.mark.req("ORG-05")
def test_logins_and_failures_are_recorded(personas, login):
    from django.test import Client

    Client().post("/accounts/login/", {"username": "own_county", "password": "wrong-password!"})
    login(personas["own_county"])
    actions = list(
        AuditLog.objects.filter(object_id=str(personas["own_county"].pk)).values_list(
            "action", flat=True
        )
    )
    assert "auth.login_failed" in actions and "auth.login" in actions
