from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from sibao.accounts.access import has_any_grant


class HasRoleGrant(permissions.BasePermission):
    """Authenticated and holding at least one active role grant."""

    message = _("您的账户尚未授予角色，请联系系统管理员。")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and has_any_grant(user))
