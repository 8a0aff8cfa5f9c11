import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sibao.accounts import actions
from sibao.accounts.middleware import SESSION_SEEN, SESSION_STARTED
from sibao.accounts.models import User
from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import PASSWORD, make_user


def attempt(username, password):
    return Client().post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.req("ORG-03")
def test_five_failures_lock_the_account_for_fifteen_minutes(db):
    user = make_user(Role.HQ_OFFICE, "4101", username="zhang")
    for _ in range(4):
        assert "用户名或密码错误" in attempt("zhang", "not-the-password").content.decode()
    locked = attempt("zhang", "not-the-password").content.decode()
    assert "账户已锁定" in locked
    user.refresh_from_db()
    remaining = user.locked_until - timezone.now()
    assert datetime.timedelta(minutes=14) < remaining <= datetime.timedelta(minutes=15)
    # even the right password is refused while locked
    response = attempt("zhang", PASSWORD)
    assert response.status_code == 200 and "账户已锁定" in response.content.decode()
    # once the lock has passed, the right password works again
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - datetime.timedelta(1))
    assert attempt("zhang", PASSWORD).status_code == 302


@pytest.mark.req("PLAT-05")
def test_the_lockout_threshold_comes_from_the_rule_set(db):
    admin = make_user(Role.SYSTEM_ADMIN, "41")
    change_rule_parameter("login_max_failures", "3", actor=admin, reason="等保测评整改")
    make_user(Role.HQ_OFFICE, "4101", username="li")
    for _ in range(2):
        attempt("li", "not-the-password")
    assert "账户已锁定" in attempt("li", "not-the-password").content.decode()


@pytest.mark.req("ORG-03")
def test_weak_and_short_passwords_are_refused(db):
    for weak in ("short1!", "password1234", "123456789012"):
        with pytest.raises(ValidationError):
            actions.create_user(username=f"u{len(weak)}", password=weak, actor=None)
    assert not User.objects.exists()


@pytest.mark.req("ORG-03")
def test_an_idle_session_ends_after_thirty_minutes(db, login):
    client = login(make_user(Role.HQ_OFFICE, "4101"))
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_SEEN] = time.time() - 31 * 60
    session.save()
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302


@pytest.mark.req("ORG-03")
def test_a_session_ends_after_twelve_hours_however_active(db, login):
    client = login(make_user(Role.HQ_OFFICE, "4101"))
    session = client.session
    session[SESSION_STARTED] = time.time() - 12 * 3600 - 5
    session.save()
    assert client.get("/enterprises/").status_code == 302


@pytest.mark.req("ORG-03")
def test_logout_ends_the_session(db, login):
    client = login(make_user(Role.HQ_OFFICE, "4101"))
    assert client.get("/accounts/logout/").status_code == 405  # a link cannot log anyone out
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.req("ORG-03")
@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.HEALTH_OFFICE])
def test_privileged_roles_must_pass_a_second_factor(db, login, role, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would delay the right one
    user = make_user(role, "41")
    client = login(user)
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/users/").status_code == 403
    # first visit sets up a device; a wrong code is refused, the right one lets the user in
    assert "totp-secret" in client.get("/accounts/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    wrong = "000000" if code != "000000" else "111111"
    assert "不正确" in client.post("/accounts/two-factor/", {"token": wrong}).content.decode()
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    assert client.post("/accounts/two-factor/", {"token": code}).status_code == 302
    assert client.get("/enterprises/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    steps = AuditLog.objects.filter(object_id=str(user.pk), action__startswith="auth.two_factor")
    assert sorted(steps.values_list("action", flat=True)) == [
        "auth.two_factor",
        "auth.two_factor_enrolled",
    ]


@pytest.mark.req("ORG-03")
def test_ordinary_roles_need_no_second_factor(db, login):
    client = login(make_user(Role.HQ_LEADER, "41"))
    assert client.get("/enterprises/").status_code == 200
