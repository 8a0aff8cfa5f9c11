"""Reminders to people (EPI-04, EPI-10): an outbox of SMS messages and a pluggable sender.

``queue_reminder`` writes one ``OutboxMessage`` per dedupe key (queuing again changes nothing);
``send_pending`` hands pending messages to the sender named by the setting ``SIBAO_SMS_SENDER``
(a dotted path to a callable taking the message) and marks each sent or failed. The default sender
writes a log line with the masked phone only: the platform has no SMS gateway of its own, and a
real gateway's sender decrypts ``phone_encrypted`` itself, at the last moment.
"""

import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from sibao.core.masking import mask_phone
from sibao.epidemic.models import OutboxMessage, OutboxStatus

logger = logging.getLogger("sibao.sms")

DEFAULT_SENDER = "sibao.epidemic.outbox.log_sender"
# an ID number or a mobile number in clear: never in a message body, a log line or an error
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _has_personal_number(text: str) -> bool:
    return bool(_ID_NUMBER.search(text) or _PHONE.search(text))


def scrub(text: str) -> str:
    """``text`` with any ID number removed and any mobile number masked."""
    text = _ID_NUMBER.sub("******************", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


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
    """Queue one SMS reminder, once per ``dedupe_key``; queuing the same key again returns the
    message already queued and changes nothing. The body must not carry an ID number or a phone
    number in clear (ValueError: a programming error, not user input)."""
    if _has_personal_number(body):
        raise ValueError("a reminder body must not contain an ID or phone number")
    existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    try:
        # a savepoint, so that losing a race to a concurrent sweep leaves the caller's
        # transaction usable
        with transaction.atomic():
            return OutboxMessage.objects.create(
                person_key=person_key,
                phone_encrypted=phone_encrypted,
                phone_masked=phone_masked,
                body=body[:500],
                dedupe_key=dedupe_key,
                region_code=region_code or "",
                enterprise_id=enterprise_id,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)


def log_sender(message: OutboxMessage) -> None:
    """The default sender: one log line with the masked phone and the body, nothing in clear."""
    if not message.phone_masked:
        raise ValueError("no phone number on the roster")
    logger.info("SMS to %s: %s", message.phone_masked, scrub(message.body))


def sender():
    return import_string(getattr(settings, "SIBAO_SMS_SENDER", "") or DEFAULT_SENDER)


def send_pending(limit: int | None = None) -> dict:
    """Send up to ``limit`` pending messages, oldest first; returns ``{"sent", "failed"}``.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (where the database has it), so
    several workers may run this at once without sending a message twice.
    """
    send = sender()
    counts = {"sent": 0, "failed": 0}
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by(
            "created_at", "id"
        )
        pending = pending.select_for_update(skip_locked=True)
        if limit is not None:
            pending = pending[:limit]
        for message in list(pending):
            try:
                send(message)
            except Exception as exc:  # a gateway may fail in any way: keep the others going
                message.status = OutboxStatus.FAILED
                message.error = scrub(f"{type(exc).__name__}: {exc}")[:255]
                message.save(update_fields=["status", "error"])
                counts["failed"] += 1
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = timezone.now()
            message.error = ""
            message.save(update_fields=["status", "sent_at", "error"])
            counts["sent"] += 1
    return counts
