"""Putting messages in users' inboxes, and on their phones when asked (MON-05). Called from
actions, after their own writes (in ``transaction.on_commit``, so a rolled-back action sends
nothing)."""

from django.db.models import Q
from django.utils import timezone

from sibao.core.models import Notification


def notify(users, title: str, *, body: str = "", url: str = "", channels=()) -> int:
    """One inbox message per distinct active user; returns how many were written.

    ``channels`` (e.g. ``("sms",)``; none by default) also queues one outbox message per
    recipient and channel that can reach them — SMS to a user with a mobile number, e-mail to a
    user with an address, 政务微信 to the account — with ID and phone numbers scrubbed from the
    text; ``core.outbox.send_pending`` delivers them."""
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, title=title[:200], body=body, url=url)
            for u in recipients.values()
        ]
    )
    if channels:
        from sibao.core.outbox import queue_for_users

        queue_for_users(recipients.values(), channels, subject=title, body=body)
    return len(recipients)


def mark_read(user, *, notification_ids=None) -> int:
    """Mark the user's own unread messages as read (all of them, or those of
    ``notification_ids``); another user's message is never touched. Returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_counts(user) -> dict:
    """``{"all", "unread"}`` for the inbox's tabs, in one query."""
    from django.db.models import Count

    return Notification.objects.filter(recipient=user).aggregate(
        all=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True))
    )
