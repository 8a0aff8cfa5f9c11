from rest_framework import viewsets


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details through ``visible_to``: an out-of-scope id answers 404."""

    scope_action = "view"

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user, self.scope_action)
