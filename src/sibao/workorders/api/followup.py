"""API of the follow-up area (DEM-05): visits (list / retrieve; ``POST`` records one on a reviewed
order), appeals (list / retrieve; ``POST`` by the enterprise within the window; ``decide``: reopen
or dismiss) and the office's steps on a work order (``work-order-followup/{order id}/review``,
``rework``, ``close``, each with the ``version`` the caller saw). Reads go through ``visible_to``;
writes through ``workorders.actions.followup``, whose Chinese validation messages answer 400 and
refusals 403."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.workorders.actions import followup as actions
from sibao.workorders.models import (
    Appeal,
    Demand,
    Resolution,
    Satisfaction,
    Visit,
    WorkOrder,
)

# --- serializers ---


class FollowupVisitSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "order",
            "order_number",
            "method",
            "resolution",
            "satisfaction",
            "note",
            "at",
            "by",
            "by_name",
        ]
        read_only_fields = fields

    def get_by_name(self, obj) -> str:
        return str(obj.by) if obj.by else ""


@extend_schema_field(OpenApiTypes.INT)
class _VisibleField(serializers.PrimaryKeyRelatedField):
    model = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user, "view")


class _OrderField(_VisibleField):
    model = WorkOrder


class _DemandField(_VisibleField):
    model = Demand


class FollowupVisitCreateSerializer(serializers.Serializer):
    order = _OrderField()
    method = serializers.ChoiceField(choices=Visit.Method.choices)
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowupAppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = [
            "id",
            "demand",
            "reason",
            "at",
            "by",
            "outcome",
            "decided_at",
            "decided_by",
            "decision_note",
        ]
        read_only_fields = fields


class FollowupAppealCreateSerializer(serializers.Serializer):
    demand = _DemandField()
    reason = serializers.CharField(allow_blank=True)


class FollowupAppealDecisionSerializer(serializers.Serializer):
    reopen = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowupOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "demand",
            "role",
            "status",
            "version",
            "reviewed_at",
            "review_note",
            "rework_count",
            "paused_minutes",
            "due_at",
            "supervised",
            "closed_at",
        ]
        read_only_fields = fields


class FollowupReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class FollowupReworkSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class FollowupCloseSerializer(serializers.Serializer):
    unsatisfied_reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


# --- view sets ---


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, "view").order_by(
            *self.model._meta.ordering
        )


class VisitViewSet(mixins.CreateModelMixin, _ReadViewSet):
    """DEM-05: follow-up visits in scope; ``POST`` records one (office or the unit's cadre)."""

    model = Visit
    queryset = Visit.objects.all()

    def get_queryset(self):
        return super().get_queryset().select_related("order", "by")

    def get_serializer_class(self):
        if self.action == "create":
            return FollowupVisitCreateSerializer
        return FollowupVisitSerializer

    @extend_schema(request=FollowupVisitCreateSerializer, responses={201: FollowupVisitSerializer})
    def create(self, request, *args, **kwargs):
        body = FollowupVisitCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        visit = actions.record_visit(data.pop("order"), actor=request.user, **data)
        return Response(FollowupVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class AppealViewSet(mixins.CreateModelMixin, _ReadViewSet):
    """DEM-05: appeals in scope; ``POST`` by the enterprise within the window; ``decide`` by the
    office (reopen or dismiss with a note)."""

    model = Appeal
    queryset = Appeal.objects.all()

    def get_serializer_class(self):
        return {
            "create": FollowupAppealCreateSerializer,
            "decide": FollowupAppealDecisionSerializer,
        }.get(self.action, FollowupAppealSerializer)

    @extend_schema(
        request=FollowupAppealCreateSerializer, responses={201: FollowupAppealSerializer}
    )
    def create(self, request, *args, **kwargs):
        body = FollowupAppealCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        row = actions.appeal(data["demand"], actor=request.user, reason=data["reason"])
        return Response(FollowupAppealSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowupAppealDecisionSerializer, responses=FollowupAppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        row = self.get_object()
        body = FollowupAppealDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = actions.decide_appeal(row, actor=request.user, **body.validated_data)
        return Response(FollowupAppealSerializer(row).data)


class FollowupViewSet(viewsets.GenericViewSet):
    """DEM-05: the office's follow-up steps on a work order (pk = the order's id)."""

    queryset = WorkOrder.objects.all()
    serializer_class = FollowupOrderSerializer

    def get_queryset(self):
        return WorkOrder.objects.visible_to(self.request.user, "view")

    def _step(self, request, body_class, perform):
        order = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        order = perform(order, **body.validated_data)
        return Response(FollowupOrderSerializer(order).data)

    @extend_schema(request=FollowupReviewSerializer, responses=FollowupOrderSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._step(
            request,
            FollowupReviewSerializer,
            lambda order, **data: actions.review(order, actor=request.user, **data),
        )

    @extend_schema(request=FollowupReworkSerializer, responses=FollowupOrderSerializer)
    @action(detail=True, methods=["post"])
    def rework(self, request, pk=None):
        return self._step(
            request,
            FollowupReworkSerializer,
            lambda order, **data: actions.rework(order, actor=request.user, **data),
        )

    @extend_schema(request=FollowupCloseSerializer, responses=FollowupOrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(
            request,
            FollowupCloseSerializer,
            lambda order, **data: actions.close_order(order, actor=request.user, **data),
        )
