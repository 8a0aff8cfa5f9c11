"""The SMS reminders of the epidemic module (EPI-04, EPI-10) go through the platform's outbox,
``core.outbox`` (MON-05); these names stay importable from here."""

from sibao.core.outbox import log_sender, queue_reminder, scrub, send_pending, sender

__all__ = ["log_sender", "queue_reminder", "scrub", "send_pending", "sender"]
