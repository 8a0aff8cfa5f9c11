from functools import cache

from sibao.core.navigation import navigation_for
from sibao.core.notifications import unread_count


def navigation(request):
    return {"nav_items": navigation_for(request) if hasattr(request, "user") else []}


def notifications(request):
    """The header's unread badge; counted only when a template reads it."""
    user = getattr(request, "user", None)
    return {"unread_notification_count": cache(lambda: unread_count(user))}
