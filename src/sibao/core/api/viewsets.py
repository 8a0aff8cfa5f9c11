from django.utils.translation import gettext as _
from rest_framework import exceptions, viewsets

from sibao.accounts.access import can


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details through ``visible_to``.

    A role that may never ``scope_action`` the model answers 403; an id outside the caller's
    scope answers 404, like a missing one.
    """

    scope_action = "view"

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.queryset.model, self.scope_action):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user, self.scope_action)
