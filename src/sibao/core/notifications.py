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
