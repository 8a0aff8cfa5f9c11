"""ORG-03: three-role separation (MLPS 2.0 level 3). The security auditor reads, exports and
verifies the audit trail; the system administrator manages accounts but cannot read it; no user
holds both roles."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from sibao.accounts import actions
from sibao.accounts.roles import Role
from sibao.core import audit, auditchain
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_user, pass_second_factor
from sibao.regions.models import Region

pytestmark = pytest.mark.req("ORG-03")


def past_second_factor(login, user):
    """``user`` signed in and past the second factor (both roles here require it)."""
    return pass_second_factor(login(user), user)


@pytest.fixture
def trail(db):
    own = audit.record("test.own", note="本县记录", region_code=OWN_COUNTY)
    other = audit.record("test.other", note="外县记录", region_code=OTHER_COUNTY)
    return own, other


def test_the_auditor_needs_a_second_factor(db, login):
    client = login(make_user(Role.AUDITOR, "41"))
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")


@pytest.mark.req("ORG-05")
def test_the_system_admin_cannot_read_the_audit_trail(trail, login):
    own, _other = trail
    client = past_second_factor(login, make_user(Role.SYSTEM_ADMIN, "41"))
    assert client.get("/accounts/users/").status_code == 200
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403
    assert client.post("/audit/verify/").status_code == 403
    assert client.get("/api/audit/").status_code == 403
    assert client.get(f"/api/audit/{own.pk}/").status_code == 403
    assert "/audit/" not in client.get("/").content.decode()  # no nav entry, no recent panel


@pytest.mark.req("ORG-05")
def test_the_auditor_reads_and_exports_within_the_grant(trail, login):
    own, other = trail
    auditor = make_user(Role.AUDITOR, OWN_COUNTY, username="auditor")
    client = past_second_factor(login, auditor)
    home = client.get("/").content.decode()
    assert 'href="/audit/"' in home  # the nav entry
    page = client.get("/audit/").content.decode()
    assert "本县记录" in page and "外县记录" not in page
    assert 'data-testid="audit-chain"' in page and "校验审计链" in page
    api = client.get("/api/audit/", {"action": "test."}).json()
    assert [row["note"] for row in api["results"]] == ["本县记录"]
    assert client.get(f"/api/audit/{other.pk}/").status_code == 404

    response = client.get("/audit/export/", {"action": "test."})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    notes = [row[9] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert notes == ["本县记录"]
    export = AuditLog.objects.get(action="audit.export")
    assert export.actor == auditor and export.changes == {"rows": 1}


@pytest.mark.req("ORG-05")
def test_the_api_gives_the_auditor_each_rows_place_in_the_chain(trail, login):
    own, _other = trail
    client = past_second_factor(login, make_user(Role.AUDITOR, OWN_COUNTY, username="auditor"))
    unsealed = client.get(f"/api/audit/{own.pk}/").json()
    assert (unsealed["seq"], unsealed["digest"]) == (None, "")

    auditchain.seal()
    sealed = client.get(f"/api/audit/{own.pk}/").json()
    own.refresh_from_db()
    assert sealed["seq"] == own.seq and sealed["seq"] >= 1
    assert sealed["digest"] == own.digest and len(sealed["digest"]) == 64


@pytest.mark.req("ORG-05")
def test_the_auditors_verification_is_shown_and_audited(trail, login):
    auditor = make_user(Role.AUDITOR, "41", username="auditor")
    auditchain.seal()
    client = past_second_factor(login, auditor)
    page = client.get("/audit/").content.decode()
    sealed = AuditLog.objects.filter(seq__isnull=False).count()
    assert f"链序号 {sealed}" in page
    assert client.get("/audit/verify/").status_code == 405  # a link cannot run it
    response = client.post("/audit/verify/", follow=True)
    assert "审计链校验通过" in response.content.decode()
    row = AuditLog.objects.get(action="audit.verify")
    assert row.actor == auditor and row.changes["ok"] is True
    assert row.changes["checked"] == sealed

    # a tampered chain is reported with its seq
    from django.db import connection

    first = AuditLog.objects.get(seq=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(AuditLog._meta.db_table)} SET note = %s "
            "WHERE id = %s",
            ["篡改", first.pk],
        )
    response = client.post("/audit/verify/", follow=True)
    text = response.content.decode()
    assert "审计链校验失败" in text and "第 1 号记录" in text
    assert AuditLog.objects.filter(action="audit.verify").count() == 2


def test_other_roles_cannot_verify(personas, login):
    client = login(personas["own_county"])
    assert client.get("/audit/").status_code == 200  # their region's history, as before
    assert 'data-testid="audit-chain"' not in client.get("/audit/").content.decode()
    assert client.post("/audit/verify/").status_code == 403
    assert client.get("/audit/export/").status_code == 403
    with pytest.raises(PermissionDenied):
        auditchain.verify_chain(actor=personas["own_county"])


def test_one_user_never_holds_both_system_admin_and_auditor(db):
    province = Region.objects.get(code="41")
    granter = make_user(Role.SYSTEM_ADMIN, "41", username="granter")
    for first, second in ((Role.SYSTEM_ADMIN, Role.AUDITOR), (Role.AUDITOR, Role.SYSTEM_ADMIN)):
        user = make_user(None, "41")
        actions.grant_role(user, role=first, region=province, actor=granter)
        before = AuditLog.objects.count()
        with pytest.raises(ValidationError, match="三员分立"):
            actions.grant_role(user, role=second, region=province, actor=granter)
        with pytest.raises(ValidationError):  # not by the platform either
            actions.grant_role(user, role=second, region=province, actor=None)
        assert list(user.grants.values_list("role", flat=True)) == [first]
        assert AuditLog.objects.count() == before
    # a revoked grant no longer stands in the way
    user = make_user(Role.SYSTEM_ADMIN, "41")
    actions.revoke_grant(user.grants.get(), actor=granter)
    actions.grant_role(user, role=Role.AUDITOR, region=province, actor=granter)
    assert user.grants.filter(is_active=True).get().role == Role.AUDITOR


def test_nobody_grants_a_role_to_themselves(db):
    admin = make_user(Role.SYSTEM_ADMIN, "41")
    with pytest.raises(PermissionDenied, match="不能给自己授予角色"):
        actions.grant_role(
            admin, role=Role.HQ_LEADER, region=Region.objects.get(code="41"), actor=admin
        )
    assert admin.grants.count() == 1
