"""Putting messages in users' inboxes. Called from actions, after their own writes."""

from sibao.core.models import Notification


def notify(users, title: str, *, body: str = "", url: str = "") -> int:
    """One inbox message per distinct active user; returns how many were written."""
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, title=title[:200], body=body, url=url)
            for u in recipients.values()
        ]
    )
    return len(recipients)


def mark_read(user, *, notification_ids=None) -> int:
    """Mark the user's own unread messages as read (all of them, or those of
    ``notification_ids``); another user's message is never touched. Returns how many changed."""
    from django.utils import timezone

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
