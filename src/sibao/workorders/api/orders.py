"""API of the orders area (DEM-02): work orders (``POST`` dispatches a demand: ``demand``,
``department``, ``role``; actions ``sign``, ``start``, ``reply``, ``request-return``,
``request-extension``, ``suspend``, ``resume``, ``escalate``), return and extension requests
(``decide``), routing rules (CRUD for the office). Reads go through ``visible_to``; writes through
``workorders.actions.orders``, whose Chinese validation messages (and version conflicts) answer
400 and refusals 403."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.regions.models import Department
from sibao.workorders.actions import orders as actions
from sibao.workorders.filtersets_orders import RoutingRuleFilterSet, WorkOrderFilterSet
from sibao.workorders.models import (
    Demand,
    ExtensionRequest,
    ReturnRequest,
    RoutingRule,
    WorkOrder,
)
from sibao.workorders.queries_orders import queue_for

# --- serializers ---


def _code(help_text: str):
    """A choice code as plain text (the choices are documented, not emitted as shared enums)."""
    return serializers.CharField(read_only=True, help_text=help_text)


class WorkOrderSerializer(serializers.ModelSerializer):
    role = _code("lead | assist")
    level = _code("county | city | province")
    status = _code("dispatched, signed, in_progress, suspended, return_requested, replied, …")
    category = _code("demand category code")
    urgency = _code("normal | urgent | critical")
    department_name = serializers.CharField(source="department.name", read_only=True)
    demand_number = serializers.CharField(source="demand.number", read_only=True)
    title = serializers.CharField(source="demand.title", read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "demand",
            "demand_number",
            "title",
            "role",
            "department",
            "department_name",
            "level",
            "parent",
            "status",
            "instructions",
            "dispatched_at",
            "sign_due_at",
            "limit_minutes",
            "extension_minutes",
            "paused_minutes",
            "due_at",
            "rule_version",
            "signed_at",
            "replied_at",
            "answer",
            "extension_count",
            "return_count",
            "supervised",
            "version",
            "enterprise",
            "region_code",
            "origin_region_code",
            "category",
            "urgency",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _DemandField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Demand.objects.visible_to(self.context["request"].user, "view")


class WorkOrderDispatchSerializer(serializers.Serializer):
    demand = _DemandField()
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    role = serializers.CharField(default="lead", help_text="lead | assist")
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class OrderVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class OrderReplySerializer(OrderVersionSerializer):
    answer = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class OrderReturnSerializer(OrderVersionSerializer):
    reason = serializers.CharField(allow_blank=True)
    suggested_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )


class OrderExtensionSerializer(serializers.Serializer):
    working_days = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)


class OrderReasonSerializer(OrderVersionSerializer):
    reason = serializers.CharField(allow_blank=True)


class OrderEscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RequestDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnRequestSerializer(serializers.ModelSerializer):
    status = _code("pending | approved | refused")

    class Meta:
        model = ReturnRequest
        fields = [
            "id",
            "order",
            "reason",
            "suggested_department",
            "previous_status",
            "requested_at",
            "requested_by",
            "status",
            "decided_at",
            "decided_by",
            "decision_note",
        ]
        read_only_fields = fields


class ExtensionRequestSerializer(serializers.ModelSerializer):
    status = _code("pending | approved | refused")

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "order",
            "working_days",
            "reason",
            "requested_at",
            "requested_by",
            "status",
            "decided_at",
            "decided_by",
            "decision_note",
        ]
        read_only_fields = fields


class RoutingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "category",
            "service_tier",
            "region_code",
            "department_kind",
            "note",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        validators = []  # the action checks the uniqueness with a Chinese message


# --- view sets ---


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))


class WorkOrderViewSet(mixins.CreateModelMixin, _ReadViewSet):
    """DEM-02: the handling queue (the user's departments' orders; an office: its level's).
    ``POST`` dispatches a demand; the actions are the handling unit's steps."""

    model = WorkOrder
    queryset = WorkOrder.objects.all()
    filterset_class = WorkOrderFilterSet

    def get_queryset(self):
        if self.action == "list":
            queryset = queue_for(self.request.user)
        else:
            queryset = WorkOrder.objects.visible_to(self.request.user, "view")
        return queryset.select_related("department", "demand").order_by(*WorkOrder._meta.ordering)

    def get_serializer_class(self):
        return {
            "create": WorkOrderDispatchSerializer,
            "sign": OrderVersionSerializer,
            "start": OrderVersionSerializer,
            "resume": OrderVersionSerializer,
            "reply": OrderReplySerializer,
            "request_return": OrderReturnSerializer,
            "request_extension": OrderExtensionSerializer,
            "suspend": OrderReasonSerializer,
            "escalate": OrderEscalateSerializer,
        }.get(self.action, WorkOrderSerializer)

    def _body(self, request):
        body = self.get_serializer_class()(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _answer(self, order, code=status.HTTP_200_OK):
        order = WorkOrder.objects.select_related("department", "demand").get(pk=order.pk)
        return Response(WorkOrderSerializer(order).data, status=code)

    @extend_schema(request=WorkOrderDispatchSerializer, responses={201: WorkOrderSerializer})
    def create(self, request, *args, **kwargs):
        if not can(request.user, WorkOrder, "dispatch"):
            raise exceptions.PermissionDenied(_("只有指挥部办公室可以派单。"))
        data = self._body(request)
        order = actions.dispatch(
            data["demand"],
            actor=request.user,
            department=data["department"],
            role=data["role"],
            instructions=data["instructions"],
            version=data["version"],
        )
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(request=OrderVersionSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        return self._answer(actions.sign(order, actor=request.user, version=data["version"]))

    @extend_schema(request=OrderVersionSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        return self._answer(actions.start(order, actor=request.user, version=data["version"]))

    @extend_schema(request=OrderReplySerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        order = actions.reply(
            order,
            actor=request.user,
            answer=data["answer"],
            files=data["files"],
            version=data["version"],
        )
        return self._answer(order)

    @extend_schema(request=OrderReturnSerializer, responses={201: ReturnRequestSerializer})
    @action(detail=True, methods=["post"], url_path="request-return")
    def request_return(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        made = actions.request_return(order, actor=request.user, **data)
        return Response(ReturnRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrderExtensionSerializer, responses={201: ExtensionRequestSerializer})
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        made = actions.request_extension(order, actor=request.user, **data)
        return Response(ExtensionRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrderReasonSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        return self._answer(actions.suspend(order, actor=request.user, **data))

    @extend_schema(request=OrderVersionSerializer, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        return self._answer(actions.resume(order, actor=request.user, version=data["version"]))

    @extend_schema(request=OrderEscalateSerializer, responses={201: WorkOrderSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        order, data = self.get_object(), self._body(request)
        new = actions.escalate(order, actor=request.user, reason=data["reason"])
        return self._answer(new, status.HTTP_201_CREATED)


class _RequestViewSet(_ReadViewSet):
    serializer = None
    decide_action = None

    def get_queryset(self):
        visible = WorkOrder.objects.visible_to(self.request.user, "view")
        return self.queryset.model.objects.filter(order__in=visible).order_by(
            *self.queryset.model._meta.ordering
        )

    def get_serializer_class(self):
        return RequestDecisionSerializer if self.action == "decide" else self.serializer

    def _decide(self, request):
        item = self.get_object()
        body = RequestDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = type(self).decide_action(item, actor=request.user, **body.validated_data)
        return Response(self.serializer(decided).data)


class ReturnRequestViewSet(_RequestViewSet):
    """DEM-02: return requests of the orders in scope; ``decide`` by the office of the level."""

    model = ReturnRequest
    queryset = ReturnRequest.objects.all()
    serializer = ReturnRequestSerializer
    decide_action = actions.decide_return

    @extend_schema(request=RequestDecisionSerializer, responses=ReturnRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._decide(request)


class ExtensionRequestViewSet(_RequestViewSet):
    """DEM-02: extension requests of the orders in scope; ``decide`` by the office."""

    model = ExtensionRequest
    queryset = ExtensionRequest.objects.all()
    serializer = ExtensionRequestSerializer
    decide_action = actions.decide_extension

    @extend_schema(request=RequestDecisionSerializer, responses=ExtensionRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._decide(request)


class RoutingRuleViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, _ReadViewSet
):
    """DEM-02: routing rules of the jurisdiction; the office adds and changes them."""

    model = RoutingRule
    queryset = RoutingRule.objects.all()
    serializer_class = RoutingRuleSerializer
    filterset_class = RoutingRuleFilterSet

    def get_queryset(self):
        action_name = "view" if self.action in ("list", "retrieve") else "change"
        return RoutingRule.objects.visible_to(self.request.user, action_name)

    def _save(self, request, rule, code):
        body = RoutingRuleSerializer(rule, data=request.data, partial=rule is not None)
        body.is_valid(raise_exception=True)
        current = {
            f: getattr(rule, f) if rule else ""
            for f in ("category", "service_tier", "region_code", "department_kind", "note")
        }
        current.update(body.validated_data)
        saved = actions.save_routing_rule(rule, actor=request.user, **current)
        return Response(RoutingRuleSerializer(saved).data, status=code)

    def create(self, request, *args, **kwargs):
        if not can(request.user, RoutingRule, "add"):
            raise exceptions.PermissionDenied(_("只有指挥部办公室可以设置派单规则。"))
        return self._save(request, None, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return self._save(request, self.get_object(), status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        actions.delete_routing_rule(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
