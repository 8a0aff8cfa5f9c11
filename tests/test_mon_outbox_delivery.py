"""MON-05: the outbox delivers messages per channel through pluggable senders, retries failures
with growing delays until the rule set's maximum, then gives up; notifications reach phones when
asked; nothing leaves or is stored with an ID or phone number in clear."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from sibao.core import outbox, tasks
from sibao.core.models import Notification, OutboxChannel, OutboxMessage, OutboxStatus
from sibao.core.notifications import notify
from sibao.core.personal import decrypt
from sibao.core.testing import id_number, make_staff, make_user
from tests import mon_outbox_support as support

MINUTE = datetime.timedelta(minutes=1)
T0 = timezone.make_aware(datetime.datetime(2022, 5, 20, 9, 0))

SENDERS = "tests.mon_outbox_support"


@pytest.fixture(autouse=True)
def fresh_senders():
    support.reset()
    yield
    support.reset()


@pytest.mark.req("MON-05")
def test_notify_queues_one_message_per_recipient_and_reachable_channel(own_enterprise):
    with_phone = make_user(None, phone="138 1234 5678", email="a@example.org")
    landline = make_user(None, phone="0371-12345678")
    inactive = make_user(None, phone="13900000000", is_active=False)
    id_no = id_number()

    written = notify(
        [with_phone, landline, inactive],
        "严重预警：超时未检 6 人",
        body=f"请尽快处置（身份证 {id_no}）",
        url="/command/warnings/",
        channels=("sms", "email"),
    )

    assert written == 2
    assert Notification.objects.count() == 2
    messages = {(m.channel, m.recipient_id): m for m in OutboxMessage.objects.all()}
    # the landline reaches no phone and has no e-mail address; the inactive user gets nothing
    assert set(messages) == {("sms", with_phone.pk), ("email", with_phone.pk)}
    sms = messages[("sms", with_phone.pk)]
    assert sms.phone_masked == "138****5678" and sms.phone_encrypted == ""
    assert sms.body.startswith("【四保平台】严重预警")
    assert id_no not in sms.body and "*" * 18 in sms.body
    assert sms.region_code == with_phone.region_id and sms.status == OutboxStatus.PENDING
    assert messages[("email", with_phone.pk)].subject == "严重预警：超时未检 6 人"

    # the inbox-only signature still works and queues nothing
    notify([landline], "仅站内通知")
    assert OutboxMessage.objects.count() == 2


@pytest.mark.req("MON-05")
def test_each_channel_goes_to_the_sender_named_in_the_settings(own_enterprise, settings):
    settings.SIBAO_OUTBOX_SENDERS = {
        "sms": f"{SENDERS}.recording_sender",
        "wecom": f"{SENDERS}.recording_sender",
        "email": "sibao.core.outbox.email_sender",  # through Django's mail backend
    }
    user = make_user(None, phone="13812345678", email="b@example.org")
    staff = make_staff(own_enterprise)
    notify([user], "通知标题", body="正文", channels=("sms", "wecom", "email"))
    outbox.queue_reminder(
        person_key=staff.person_key,
        phone_encrypted=staff.phone_encrypted,
        phone_masked=staff.phone_masked,
        body="【四保平台】请尽快进行核酸检测。",
        dedupe_key="reminder-1",
        region_code=staff.region_code,
        enterprise_id=staff.enterprise_id,
    )

    assert outbox.send_pending() == {"sent": 4, "retrying": 0, "failed": 0}

    # the senders got the clear addresses at the last moment
    assert [(m.to, m.subject) for m in mail.outbox] == [(["b@example.org"], "通知标题")]
    assert sorted((c, a) for c, a, _ in support.SENT) == sorted(
        [
            ("sms", "13812345678"),
            ("sms", decrypt(staff.phone_encrypted)),
            ("wecom", user.username),
        ]
    )
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}

    # the older setting still names the SMS sender when the new one does not
    settings.SIBAO_OUTBOX_SENDERS = {}
    settings.SIBAO_SMS_SENDER = f"{SENDERS}.flaky_sender"
    assert outbox.sender("sms") is support.flaky_sender
    assert outbox.sender("email") is outbox.log_sender
    settings.SIBAO_OUTBOX_SENDERS = {"fax": f"{SENDERS}.recording_sender"}
    with pytest.raises(ImproperlyConfigured):
        outbox.send_pending()


@pytest.mark.req("MON-05")
def test_a_failure_is_retried_with_backoff_then_given_up_and_nothing_is_in_clear(
    own_enterprise, settings, caplog
):
    settings.SIBAO_SMS_SENDER = f"{SENDERS}.flaky_sender"
    staff = make_staff(own_enterprise)
    phone = decrypt(staff.phone_encrypted)
    with pytest.raises(ValueError):  # a body with a number in clear is refused outright
        outbox.queue_reminder(
            person_key=staff.person_key,
            phone_encrypted=staff.phone_encrypted,
            phone_masked=staff.phone_masked,
            body=f"请联系 {phone}",
            dedupe_key="bad",
            region_code=staff.region_code,
            enterprise_id=staff.enterprise_id,
        )
    message = outbox.queue_reminder(
        person_key=staff.person_key,
        phone_encrypted=staff.phone_encrypted,
        phone_masked=staff.phone_masked,
        body="【四保平台】请尽快进行核酸检测。",
        dedupe_key="retry-me",
        region_code=staff.region_code,
        enterprise_id=staff.enterprise_id,
    )
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0)

    # defaults: 5 attempts, 5 minutes doubling: due again after 5, 10, 20, 40 minutes
    now, delays = T0, []
    for attempt in range(1, 5):
        assert outbox.send_pending(now=now) == {"sent": 0, "retrying": 1, "failed": 0}
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.attempts == attempt
        assert outbox.send_pending(now=message.next_attempt_at - MINUTE)["retrying"] == 0
        delays.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    assert delays == [5 * MINUTE, 10 * MINUTE, 20 * MINUTE, 40 * MINUTE]

    assert outbox.send_pending(now=now) == {"sent": 0, "retrying": 0, "failed": 1}
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 5
    assert message.next_attempt_at is None
    assert "ConnectionError" in message.last_error and "****" in message.last_error
    assert phone not in message.last_error
    assert outbox.send_pending(now=now + datetime.timedelta(days=1))["failed"] == 0  # given up

    # the default log sender writes the masked phone only
    settings.SIBAO_SMS_SENDER = ""
    caplog.set_level("INFO", logger="sibao.sms")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now
    )
    assert outbox.send_pending(now=now)["sent"] == 1
    assert staff.phone_masked in caplog.text and phone not in caplog.text


@pytest.mark.req("MON-05")
def test_a_later_success_marks_the_message_sent(own_enterprise, settings):
    settings.SIBAO_OUTBOX_SENDERS = {"sms": f"{SENDERS}.flaky_sender"}
    user = make_user(None, phone="13700001111")
    notify([user], "复工审批结果", channels=("sms",))
    OutboxMessage.objects.update(next_attempt_at=T0)

    assert outbox.send_pending(now=T0)["retrying"] == 1
    support.BROKEN["on"] = False
    assert outbox.send_pending(now=T0 + 5 * MINUTE) == {"sent": 1, "retrying": 0, "failed": 0}

    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.SENT and message.attempts == 2
    assert message.sent_at == T0 + 5 * MINUTE and message.last_error == ""
    assert support.SENT == [("sms", "13700001111", "【四保平台】复工审批结果")]


def test_a_claim_whose_worker_died_is_queued_again_or_failed_on_its_last_attempt(own_enterprise):
    user = make_user(None, phone="13700002222")
    notify([user], "第一条", channels=("sms",))
    notify([user], "第二条", channels=("sms",))
    first, second = OutboxMessage.objects.order_by("id")
    # both were claimed at T0 by a worker that never came back (lease: 15 minutes)
    OutboxMessage.objects.filter(pk=first.pk).update(
        status=OutboxStatus.SENDING, attempts=1, next_attempt_at=T0 + 15 * MINUTE
    )
    OutboxMessage.objects.filter(pk=second.pk).update(
        status=OutboxStatus.SENDING, attempts=5, next_attempt_at=T0 + 15 * MINUTE
    )

    assert outbox.send_pending(now=T0 + 10 * MINUTE) == {"sent": 0, "retrying": 0, "failed": 0}
    assert outbox.send_pending(now=T0 + 15 * MINUTE) == {"sent": 1, "retrying": 0, "failed": 1}

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OutboxStatus.SENT and first.attempts == 2
    assert second.status == OutboxStatus.FAILED and second.last_error


@pytest.mark.req("MON-05")
def test_the_command_and_the_task_send_the_outbox(own_enterprise, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    users = [make_user(None, phone=f"1370000{n:04d}") for n in range(3)]
    notify(users, "复工复产通知", channels=(OutboxChannel.SMS,))

    out = io.StringIO()
    call_command("send-outbox", "--limit", "2", stdout=out)
    assert out.getvalue().strip() == "sent=2 retrying=0 failed=0"
    assert tasks.send_outbox.enqueue().return_value == {"sent": 1, "retrying": 0, "failed": 0}
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()

    enqueued = io.StringIO()
    call_command("send-outbox", "--enqueue", stdout=enqueued)
    assert enqueued.getvalue().startswith("enqueued outbox task")
