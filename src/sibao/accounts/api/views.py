from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts import actions
from sibao.accounts.api.serializers import UserSerializer
from sibao.accounts.filtersets import UserFilterSet
from sibao.accounts.models import User
from sibao.core.api.viewsets import ScopedReadOnlyViewSet


class UserViewSet(ScopedReadOnlyViewSet):
    """Accounts in the caller's jurisdiction."""

    queryset = User.objects.select_related("region").prefetch_related("grants")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet

    @extend_schema(
        request=None,
        responses=inline_serializer("RevealedPhone", {"phone": drf_serializers.CharField()}),
    )
    @action(detail=True, methods=["post"], url_path="reveal-phone")
    def reveal_phone(self, request, pk=None):
        """PLAT-03: the phone in the clear, for roles allowed to unmask; audited."""
        account = self.get_object()
        return Response({"phone": actions.reveal_phone(account, actor=request.user)})
