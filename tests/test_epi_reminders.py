"""EPI-04, EPI-10: SMS reminders go through the platform's outbox — queued once per dedupe key,
sent by the sender named in ``SIBAO_SMS_SENDER`` (a log sender by default, writing masked phones
only), each marked sent or retried later; the outbox list is the health office's and the system
administrators'."""

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import OutboxMessage, OutboxStatus
from sibao.core.personal import decrypt
from sibao.core.testing import make_staff, make_user
from sibao.epidemic import outbox


def failing_sender(message):
    raise ConnectionError(f"gateway refused {decrypt(message.phone_encrypted)}")


def queue(staff, key="k-1", body="【四保平台】请尽快进行核酸检测。"):
    return outbox.queue_reminder(
        person_key=staff.person_key,
        phone_encrypted=staff.phone_encrypted,
        phone_masked=staff.phone_masked,
        body=body,
        dedupe_key=key,
        region_code=staff.region_code,
        enterprise_id=staff.enterprise_id,
    )


@pytest.fixture
def worker(own_enterprise):
    return make_staff(own_enterprise)


@pytest.mark.req("EPI-04")
def test_a_reminder_is_queued_once_per_dedupe_key(worker):
    first = queue(worker)
    again = queue(worker)
    other = queue(worker, key="k-2")

    assert first.pk == again.pk != other.pk
    assert OutboxMessage.objects.count() == 2


def test_a_body_with_an_id_number_or_phone_in_clear_is_refused(worker):
    with pytest.raises(ValueError):
        queue(worker, body=f"身份证 {decrypt(worker.id_encrypted)}")
    with pytest.raises(ValueError):
        queue(worker, body=f"电话 {decrypt(worker.phone_encrypted)}")
    assert not OutboxMessage.objects.exists()


@pytest.mark.req("EPI-04")
def test_the_log_sender_writes_the_masked_phone_only(worker, caplog):
    queue(worker)
    caplog.set_level("INFO", logger="sibao.sms")

    assert outbox.send_pending() == {"sent": 1, "retrying": 0, "failed": 0}

    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None
    assert worker.phone_masked in caplog.text
    assert decrypt(worker.phone_encrypted) not in caplog.text
    assert outbox.send_pending()["sent"] == 0  # nothing sent twice


def test_the_sender_is_a_setting_and_a_failure_is_recorded_without_the_phone(worker, settings):
    settings.SIBAO_SMS_SENDER = "tests.test_epi_reminders.failing_sender"
    queue(worker)

    assert outbox.send_pending() == {"sent": 0, "retrying": 1, "failed": 0}

    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1  # retried later
    assert "ConnectionError" in message.last_error
    assert decrypt(worker.phone_encrypted) not in message.last_error


def test_send_pending_honours_its_limit_oldest_first(worker):
    first, second = queue(worker, key="a"), queue(worker, key="b")
    OutboxMessage.objects.filter(pk=second.pk).update(
        next_attempt_at=timezone.now() - timezone.timedelta(hours=1)
    )

    assert outbox.send_pending(limit=1)["sent"] == 1
    assert OutboxMessage.objects.get(pk=second.pk).status == OutboxStatus.SENT
    assert OutboxMessage.objects.get(pk=first.pk).status == OutboxStatus.PENDING


def verified_login(login, user):
    """Health-office and system-admin accounts pass the second factor first."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = login(user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    client.post("/accounts/two-factor/", {"token": code})
    return client


@pytest.mark.req("EPI-10")
def test_the_health_office_lists_the_outbox_in_its_region_masked(
    worker, other_enterprise, login, django_assert_max_num_queries
):
    queue(worker, key="own")
    queue(make_staff(other_enterprise), key="other")
    health = make_user(Role.HEALTH_OFFICE, "4101")
    client = verified_login(login, health)

    with django_assert_max_num_queries(10):
        api = client.get(reverse("api:outbox-list"))
    assert api.status_code == 200
    data = api.json()
    assert data["count"] == 1
    assert data["results"][0]["phone_masked"] == worker.phone_masked
    assert "phone_encrypted" not in data["results"][0]

    with django_assert_max_num_queries(14):
        page = client.get(reverse("core:outbox_list"))
    assert page.status_code == 200
    assert worker.phone_masked in page.content.decode()
    assert decrypt(worker.phone_encrypted) not in page.content.decode()
