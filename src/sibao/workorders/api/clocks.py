"""API of the clocks area (DEM-03): ``work-order-metrics`` (GET, the metrics page's filters plus
``dim`` = department | level | category: one row per group and the total, every count behind each
rate) and ``urgings`` (the reminders, urgings and automatic escalations of the orders in scope;
``POST`` urges an order through ``actions.clocks.urge``: Chinese validation messages answer 400,
refusals 403)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.workorders import metrics
from sibao.workorders.actions import clocks as actions
from sibao.workorders.filtersets_clocks import MetricsFilterSet
from sibao.workorders.models import Urging, WorkOrder


class UrgingSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = Urging
        fields = ["id", "order", "order_number", "kind", "percent", "note", "at", "by", "by_name"]
        read_only_fields = fields

    def get_by_name(self, obj) -> str:
        return str(obj.by) if obj.by_id else ""


@extend_schema_field(OpenApiTypes.INT)
class _OrderField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return WorkOrder.objects.visible_to(self.context["request"].user, "view")


class UrgeSerializer(serializers.Serializer):
    order = _OrderField()
    note = serializers.CharField(allow_blank=True)


class UrgingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """DEM-03: the ledger of reminders (50/80/100 % of the limit; percent 0 = the sign deadline),
    urgings and automatic escalations of the orders in scope (``order`` filters one order).
    ``POST`` ``{order, note}`` urges the order (the office or leader over its handling region)."""

    queryset = Urging.objects.all()
    serializer_class = UrgingSerializer

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Urging, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        rows = Urging.objects.visible_to(self.request.user, "view").select_related("order", "by")
        order = self.request.query_params.get("order", "")
        if order.isdigit():
            rows = rows.filter(order_id=int(order))
        return rows.order_by(*Urging._meta.ordering)

    def get_serializer_class(self):
        return UrgeSerializer if self.action == "create" else UrgingSerializer

    @extend_schema(request=UrgeSerializer, responses={201: UrgingSerializer})
    def create(self, request, *args, **kwargs):
        if not can(request.user, WorkOrder, "urge"):
            raise exceptions.PermissionDenied(_("只有指挥部办公室或领导可以督办工单。"))
        body = UrgeSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        urging = actions.urge(
            body.validated_data["order"], actor=request.user, note=body.validated_data["note"]
        )
        return Response(UrgingSerializer(urging).data, status=status.HTTP_201_CREATED)


class MetricsCountsSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    held = serializers.IntegerField()
    returned = serializers.IntegerField()
    escalated = serializers.IntegerField()
    sign_due = serializers.IntegerField()
    signed_on_time = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    open_overdue = serializers.IntegerField()
    rated_resolution = serializers.IntegerField()
    resolved = serializers.IntegerField()
    rated_satisfaction = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    return_requested = serializers.IntegerField()
    reworked = serializers.IntegerField()
    extended = serializers.IntegerField()
    replied = serializers.IntegerField()
    sign_rate = serializers.FloatField(allow_null=True)
    close_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    return_rate = serializers.FloatField(allow_null=True)
    rework_rate = serializers.FloatField(allow_null=True)
    extension_rate = serializers.FloatField(allow_null=True)
    median_hours = serializers.FloatField(allow_null=True)


class MetricsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    metrics = MetricsCountsSerializer()


@extend_schema_serializer(many=False)  # one object, not a list, though the action is "list"
class WorkOrderMetricsSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    at = serializers.DateTimeField()
    rows = MetricsRowSerializer(many=True)
    total = MetricsCountsSerializer()


class WorkOrderMetricsViewSet(viewsets.GenericViewSet):
    """DEM-03: handling metrics of the orders in scope, grouped by ``dim``; filters ``level``,
    ``region`` (handling region code prefix), ``category``, ``dispatched_from``/``dispatched_to``
    (dates of dispatch), ``department``. Rates are percentages (null when nothing to divide)."""

    queryset = WorkOrder.objects.none()
    serializer_class = WorkOrderMetricsSerializer
    filterset_class = None  # the filters are applied by hand: the answer is not a list of orders
    pagination_class = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, WorkOrder, "export"):
            raise exceptions.PermissionDenied(_("您的角色无权查看办理统计。"))

    @extend_schema(
        parameters=[
            OpenApiParameter("dim", str, enum=list(metrics.DIMENSIONS)),
            OpenApiParameter("level", str),
            OpenApiParameter("region", str),
            OpenApiParameter("category", str),
            OpenApiParameter("dispatched_from", OpenApiTypes.DATE),
            OpenApiParameter("dispatched_to", OpenApiTypes.DATE),
            OpenApiParameter("department", int),
        ],
        responses=WorkOrderMetricsSerializer,
    )
    def list(self, request):
        filterset = MetricsFilterSet(
            request.query_params,
            queryset=WorkOrder.objects.visible_to(request.user, "export"),
            request=request,
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        dimension = request.query_params.get("dim", "department")
        if dimension not in metrics.DIMENSIONS:
            raise exceptions.ValidationError({"dim": _("分组应为 department、level 或 category。")})
        now = timezone.now()
        orders = filterset.qs
        rows = metrics.by(dimension, orders, now=now)
        data = {
            "dimension": dimension,
            "at": now,
            "rows": [
                {"key": str(r.key), "label": r.label, "metrics": r.metrics.as_dict()} for r in rows
            ],
            "total": metrics.compute(orders, now=now).as_dict(),
        }
        return Response(WorkOrderMetricsSerializer(data).data)
