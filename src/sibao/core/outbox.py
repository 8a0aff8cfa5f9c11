"""Messages leaving the platform (MON-05): the outbox of SMS, 政务微信 and e-mail messages, their
delivery state and retries.

``queue`` writes one ``OutboxMessage`` per dedupe key (queuing the same key again changes
nothing); ``queue_reminder`` is its SMS form for a roster phone (EPI-04, EPI-10).
``send_pending`` sends what is due, in three steps so that no message goes out twice:

1. claim: in one short transaction, due rows are locked with ``SELECT … FOR UPDATE SKIP LOCKED``
   (PostgreSQL; SQLite serialises writers anyway), moved to ``sending`` with one more attempt
   and a lease (``outbox_sending_lease_minutes``); a concurrent sender skips them;
2. send: outside any transaction, each message goes to its channel's sender;
3. record: a conditional update (still ``sending``, same attempt) marks it ``sent``, or on an
   error schedules the next attempt after ``outbox_backoff_minutes`` × 2^(attempts − 1), or,
   after ``outbox_max_attempts`` attempts, gives up (``failed``).

A claim whose lease ran out (a worker died mid-send) is queued again, or failed when it used its
last attempt. Senders are callables taking the message, named per channel by the setting
``SIBAO_OUTBOX_SENDERS`` (``{"sms": "dotted.path", …}``; ``SIBAO_SMS_SENDER`` still names the SMS
sender); the default writes a log line with the masked recipient only. A sender raises on
failure; it reads the clear address with ``address(message)`` at the last moment. ID numbers and
phone numbers never appear in clear in a body, a log line or a stored error.
"""

import datetime
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from sibao.core import rules
from sibao.core.i18n import stored
from sibao.core.masking import mask_phone
from sibao.core.models import OutboxChannel, OutboxMessage, OutboxStatus
from sibao.core.personal import decrypt

__all__ = [
    "address",
    "email_sender",
    "log_sender",
    "mobile_of",
    "queue",
    "queue_for_users",
    "queue_reminder",
    "scrub",
    "send_pending",
    "sender",
    "senders",
]

DEFAULT_SENDER = "sibao.core.outbox.log_sender"
# claimed and sent in batches, so that a long run renews nothing and a lease covers one batch
BATCH = 100

# an ID number or a mobile number in clear: never in a message body, a log line or an error
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def has_personal_number(text: str) -> bool:
    return bool(_ID_NUMBER.search(text or "") or _PHONE.search(text or ""))


def scrub(text: str) -> str:
    """``text`` with any ID number removed and any mobile number masked."""
    text = _ID_NUMBER.sub("******************", text or "")
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def mobile_of(value: str) -> str:
    """``value`` as an 11-digit mainland mobile number (spaces, dashes and +86 removed), or ""."""
    digits = re.sub(r"[\s\-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if _MOBILE.match(digits) else ""


# --- senders ------------------------------------------------------------------------------------


def sender_paths() -> dict[str, str]:
    """The dotted path of each channel's sender: ``SIBAO_OUTBOX_SENDERS`` first, then
    ``SIBAO_SMS_SENDER`` for SMS, then the log sender."""
    configured = dict(getattr(settings, "SIBAO_OUTBOX_SENDERS", None) or {})
    unknown = sorted(set(configured) - set(OutboxChannel.values))
    if unknown:
        raise ImproperlyConfigured(
            f"SIBAO_OUTBOX_SENDERS names unknown channels {unknown}; "
            f"known: {sorted(OutboxChannel.values)}"
        )
    paths = {channel: DEFAULT_SENDER for channel in OutboxChannel.values}
    legacy = getattr(settings, "SIBAO_SMS_SENDER", "")
    if legacy:
        paths[OutboxChannel.SMS] = legacy
    paths.update({channel: path for channel, path in configured.items() if path})
    return paths


def senders() -> dict:
    """Each channel's sender callable; a path that does not import fails loudly."""
    found = {}
    for channel, path in sender_paths().items():
        try:
            found[channel] = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"the {channel} sender {path!r} cannot be imported: {exc}"
            ) from None
    return found


def sender(channel: str = OutboxChannel.SMS):
    """The sender of one channel (SMS when not named)."""
    return senders()[channel]


def address(message: OutboxMessage) -> str:
    """The clear address a gateway needs — for a sender only, at the moment of sending: the
    mobile number (decrypted, or the recipient user's), the user's e-mail address, or the user's
    account name for 政务微信. ValueError (without any number) when there is none."""
    user = message.recipient
    if message.channel == OutboxChannel.SMS:
        if message.phone_encrypted:
            return decrypt(message.phone_encrypted)
        phone = mobile_of(user.phone) if user is not None else ""
        if not phone:
            raise ValueError("no mobile number for this message")
        return phone
    if user is None:
        raise ValueError("no recipient user for this message")
    if message.channel == OutboxChannel.EMAIL:
        if not user.email:
            raise ValueError("the recipient has no e-mail address")
        return user.email
    return user.username


def log_sender(message: OutboxMessage) -> None:
    """The default sender of every channel: one log line (logger ``sibao.<channel>``) with the
    masked recipient and the scrubbed body, nothing in clear. The platform has no gateway of its
    own; a deployment names its gateways' senders in ``SIBAO_OUTBOX_SENDERS``."""
    if message.channel == OutboxChannel.SMS and not message.phone_masked:
        raise ValueError("no phone number for this message")
    if message.channel != OutboxChannel.SMS and message.recipient_id is None:
        raise ValueError("no recipient user for this message")
    logging.getLogger(f"sibao.{message.channel}").info(
        "%s to %s: %s",
        message.channel.upper(),
        message.recipient_label,
        scrub(f"{message.subject} {message.body}".strip()),
    )


def email_sender(message: OutboxMessage) -> None:
    """An e-mail sender through Django's mail backend (``EMAIL_BACKEND`` and ``EMAIL_HOST``…),
    for ``SIBAO_OUTBOX_SENDERS = {"email": "sibao.core.outbox.email_sender"}``."""
    from django.core.mail import send_mail

    subject = message.subject or message.body[:40]
    send_mail(scrub(subject), scrub(message.body), None, [address(message)])


# --- queuing ------------------------------------------------------------------------------------


def queue(
    *,
    channel: str = OutboxChannel.SMS,
    body: str,
    dedupe_key: str = "",
    subject: str = "",
    recipient=None,
    phone_encrypted: str = "",
    phone_masked: str = "",
    person_key: str = "",
    region_code: str = "",
    enterprise_id: int | None = None,
) -> OutboxMessage:
    """Queue one message, once per ``dedupe_key`` (a fresh key when not given); queuing the same
    key again returns the message already queued and changes nothing. The subject and body must
    not carry an ID number or a phone number in clear, and an SMS needs a phone (encrypted) or a
    recipient user with a mobile number (ValueError: programming errors, not user input)."""
    if channel not in OutboxChannel.values:
        raise ValueError(f"unknown outbox channel {channel!r}")
    if has_personal_number(body) or has_personal_number(subject):
        raise ValueError("an outbox message must not contain an ID or phone number")
    if channel == OutboxChannel.SMS and not phone_encrypted:
        if recipient is None or not mobile_of(recipient.phone):
            raise ValueError("an SMS needs a phone number or a recipient with a mobile number")
        phone_masked = mask_phone(mobile_of(recipient.phone))
    if channel != OutboxChannel.SMS and recipient is None:
        raise ValueError(f"a {channel} message needs a recipient user")
    dedupe_key = dedupe_key or f"{channel}:{uuid.uuid4().hex}"
    existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    try:
        # a savepoint, so that losing a race to a concurrent sweep leaves the caller's
        # transaction usable
        with transaction.atomic():
            return OutboxMessage.objects.create(
                channel=channel,
                recipient=recipient,
                person_key=person_key,
                phone_encrypted=phone_encrypted,
                phone_masked=phone_masked,
                subject=subject[:200],
                body=body[:500],
                dedupe_key=dedupe_key[:160],
                region_code=region_code or "",
                enterprise_id=enterprise_id,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)


def queue_reminder(
    *,
    person_key: str,
    phone_encrypted: str,
    phone_masked: str,
    body: str,
    dedupe_key: str,
    region_code: str,
    enterprise_id: int | None,
) -> OutboxMessage:
    """An SMS reminder to a person's roster phone (EPI-04, EPI-10), once per ``dedupe_key``."""
    return queue(
        channel=OutboxChannel.SMS,
        body=body,
        dedupe_key=dedupe_key,
        person_key=person_key,
        phone_encrypted=phone_encrypted,
        phone_masked=phone_masked,
        region_code=region_code,
        enterprise_id=enterprise_id,
    )


def queue_for_users(users, channels, *, subject: str, body: str) -> int:
    """One message per user and channel that can reach the user (SMS: a mobile number;
    e-mail: an address; 政务微信: the account), scoped by the user's home region and unit.
    Numbers in the text are scrubbed first. Returns how many were queued."""
    channels = [c for c in channels if c in OutboxChannel.values]
    if not channels:
        return 0
    subject, body = scrub(subject)[:200], scrub(body)
    # an SMS has no subject line: the title leads the text, after the platform's signature
    texts = {
        OutboxChannel.SMS: stored(gettext_noop("【四保平台】%(title)s"), title=subject)
        + (f"：{body}" if body else ""),
        OutboxChannel.WECOM: body or subject,
        OutboxChannel.EMAIL: body or subject,
    }
    rows = []
    for user in users:
        for channel in channels:
            phone = mobile_of(user.phone) if channel == OutboxChannel.SMS else ""
            if channel == OutboxChannel.SMS and not phone:
                continue
            if channel == OutboxChannel.EMAIL and not user.email:
                continue
            rows.append(
                OutboxMessage(
                    channel=channel,
                    recipient=user,
                    phone_masked=mask_phone(phone) if phone else "",
                    subject=subject,
                    body=texts[channel][:500],
                    dedupe_key=f"user:{channel}:{user.pk}:{uuid.uuid4().hex}",
                    region_code=user.region_id or "",
                    enterprise_id=user.enterprise_id,
                )
            )
    OutboxMessage.objects.bulk_create(rows, batch_size=500)
    return len(rows)


# --- sending ------------------------------------------------------------------------------------


def send_pending(limit: int | None = None, *, now=None) -> dict:
    """Send up to ``limit`` due messages, oldest due first; returns how many were ``sent``, how
    many will be ``retrying`` and how many ``failed`` (gave up) in this run. ``now`` (for
    ``--at``) is the time the run acts as of; by default the clock."""
    by_channel = senders()  # a misconfigured sender fails before anything is claimed
    ruleset = rules.current()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    counts["failed"] += _release_lapsed(now or timezone.now(), ruleset)
    remaining = limit
    while remaining is None or remaining > 0:
        size = BATCH if remaining is None else min(BATCH, remaining)
        claimed = _claim(size, now or timezone.now(), ruleset)
        if not claimed:
            break
        for message in claimed:
            try:
                by_channel[message.channel](message)
            except Exception as exc:  # a gateway may fail in any way: keep the others going
                counts[_record_failure(message, exc, now or timezone.now(), ruleset)] += 1
            else:
                counts["sent"] += _record_sent(message, now or timezone.now())
        if remaining is not None:
            remaining -= len(claimed)
        if len(claimed) < size:
            break
    return counts


def _claim(size: int, now, ruleset) -> list[OutboxMessage]:
    lease = now + datetime.timedelta(minutes=ruleset["outbox_sending_lease_minutes"])
    with transaction.atomic():
        due = (
            OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
        )
        ids = list(due.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=lease
        )
    return list(
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.SENDING)
        .select_related("recipient")
        .order_by("created_at", "id")
    )


def _mine(message):
    """The message's row, only while this run's claim on it holds."""
    return OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.SENDING, attempts=message.attempts
    )


def _record_sent(message, now) -> int:
    return _mine(message).update(
        status=OutboxStatus.SENT, sent_at=now, next_attempt_at=None, last_error=""
    )


def _record_failure(message, exc, now, ruleset) -> str:
    error = scrub(f"{type(exc).__name__}: {exc}")[:255]
    if message.attempts >= ruleset["outbox_max_attempts"]:
        _mine(message).update(status=OutboxStatus.FAILED, next_attempt_at=None, last_error=error)
        return "failed"
    delay = ruleset["outbox_backoff_minutes"] * 2 ** (message.attempts - 1)
    _mine(message).update(
        status=OutboxStatus.PENDING,
        next_attempt_at=now + datetime.timedelta(minutes=delay),
        last_error=error,
    )
    return "retrying"


def _release_lapsed(now, ruleset) -> int:
    """Claims whose lease ran out (the worker stopped mid-send): queued again, or failed when
    they used their last attempt. Returns how many were failed."""
    lapsed = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, next_attempt_at__lte=now)
    note = stored(gettext_noop("发送结果未确认（发送中断或超时）"))
    maximum = ruleset["outbox_max_attempts"]
    failed = lapsed.filter(attempts__gte=maximum).update(
        status=OutboxStatus.FAILED, next_attempt_at=None, last_error=note
    )
    lapsed.filter(attempts__lt=maximum).update(
        status=OutboxStatus.PENDING, next_attempt_at=now, last_error=note
    )
    return failed
