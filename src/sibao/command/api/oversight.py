"""API of the oversight area (INC-03, CMD-04, CMD-05): shutdown requests (``POST`` asks, ``decide``
/ ``end`` / ``withdraw``), restrictions (``POST`` records, ``end`` lifts; ``violation`` filter),
inspection requests (``POST`` announces, ``decide`` by the city dispatch HQ, ``done`` logs the
inspection), the departments' protected-inspection lists, and rewards and penalties. Reads go
through ``visible_to``; writes through ``command.actions.oversight``, whose Chinese validation
messages answer 400 and permission refusals 403."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.command import queries_oversight as queries
from sibao.command.actions import oversight as actions
from sibao.command.filtersets_oversight import (
    InspectionRequestFilterSet,
    ProtectedInspectionFilterSet,
    RestrictionFilterSet,
    RewardPenaltyFilterSet,
    ShutdownRequestFilterSet,
)
from sibao.command.models import (
    Incident,
    InspectionPurpose,
    InspectionRequest,
    ProtectedInspection,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Department, Region


class ShutdownClockSerializer(serializers.Serializer):
    phase = serializers.CharField(help_text=gettext_lazy("waiting / running / ended / closed"))
    remaining_seconds = serializers.IntegerField(allow_null=True)
    warning = serializers.BooleanField()


class ShutdownRequestSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    clock = serializers.SerializerMethodField()

    class Meta:
        model = ShutdownRequest
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "incident",
            "reason",
            "days",
            "status",
            "requested_at",
            "requested_by",
            "epidemic_decision",
            "epidemic_decided_by",
            "epidemic_note",
            "dispatch_decision",
            "dispatch_decided_by",
            "dispatch_note",
            "decided_at",
            "starts_at",
            "ends_at",
            "expiry_alerted_at",
            "rule_version",
            "region_code",
            "clock",
        ]
        read_only_fields = fields

    @extend_schema_field(ShutdownClockSerializer)
    def get_clock(self, obj):
        clock = queries.clock(obj, self.context.get("now"), self.context.get("warning_hours"))
        return {
            "phase": clock.phase,
            "remaining_seconds": int(clock.remaining.total_seconds())
            if clock.remaining is not None
            else None,
            "warning": clock.warning,
        }


@extend_schema_field(OpenApiTypes.INT)
class _ScopedUnitField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context["request"]
        return Enterprise.objects.active().filter(
            pk__in=Enterprise.objects.visible_to(request.user, "view").values("pk")
        )


@extend_schema_field(OpenApiTypes.INT)
class _IncidentField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Incident.objects.visible_to(self.context["request"].user, "view")


class ShutdownRequestCreateSerializer(serializers.Serializer):
    enterprise = _ScopedUnitField()
    days = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    incident = _IncidentField(required=False, allow_null=True)


class ShutdownDecisionSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=list(actions.SIDES))
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ShutdownReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _refuse_unless(user, model, action_name, message):
    if not can(user, model, action_name):
        raise exceptions.PermissionDenied(message)


class _ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None
    related = ()

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return (
            self.model.objects.visible_to(self.request.user, "view")
            .select_related(*self.related)
            .order_by(*self.model._meta.ordering)
        )


class ShutdownRequestViewSet(mixins.CreateModelMixin, _ScopedViewSet):
    """INC-03: shutdown requests in scope with their clock. ``POST`` (the county or city HQ
    office) asks the province; ``decide`` records one provincial body's decision
    (``side``: epidemic / dispatch, province-wide grants only); ``end`` and ``withdraw``."""

    model = ShutdownRequest
    queryset = ShutdownRequest.objects.all()
    related = ("enterprise",)
    filterset_class = ShutdownRequestFilterSet

    def get_serializer_context(self):
        from sibao.core import rules

        context = super().get_serializer_context()
        context["now"] = timezone.now()
        context["warning_hours"] = rules.current()["shutdown_expiry_warning_hours"]
        return context

    def get_serializer_class(self):
        if self.action == "create":
            return ShutdownRequestCreateSerializer
        if self.action == "decide":
            return ShutdownDecisionSerializer
        if self.action in ("end", "withdraw"):
            return ShutdownReasonSerializer
        return ShutdownRequestSerializer

    def _answer(self, obj, code=status.HTTP_200_OK):
        context = self.get_serializer_context()
        return Response(ShutdownRequestSerializer(obj, context=context).data, status=code)

    @extend_schema(
        request=ShutdownRequestCreateSerializer, responses={201: ShutdownRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        _refuse_unless(
            request.user,
            ShutdownRequest,
            "request",
            _("停产停工停运申请由县（市、区）或市指挥部办公室提出。"),
        )
        body = ShutdownRequestCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        obj = actions.request_shutdown(
            data["enterprise"],
            actor=request.user,
            reason=data["reason"],
            days=data["days"],
            incident=data.get("incident"),
        )
        return self._answer(obj, status.HTTP_201_CREATED)

    @extend_schema(request=ShutdownDecisionSerializer, responses=ShutdownRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        obj = self.get_object()
        body = ShutdownDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = actions.decide_shutdown(obj, actor=request.user, **body.validated_data)
        return self._answer(obj)

    @extend_schema(request=ShutdownReasonSerializer, responses=ShutdownRequestSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        obj = self.get_object()
        body = ShutdownReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(actions.end_shutdown(obj, actor=request.user, **body.validated_data))

    @extend_schema(request=ShutdownReasonSerializer, responses=ShutdownRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        obj = self.get_object()
        body = ShutdownReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            actions.withdraw_shutdown(obj, actor=request.user, **body.validated_data)
        )


class RestrictionSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Restriction
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "imposed_by",
            "description",
            "started_at",
            "ended_at",
            "request",
            "is_violation",
            "recorded_at",
            "recorded_by",
            "region_code",
        ]
        read_only_fields = fields


class RestrictionCreateSerializer(serializers.Serializer):
    enterprise = _ScopedUnitField()
    kind = serializers.ChoiceField(choices=Restriction.Kind.choices)
    imposed_by = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()


class EndRestrictionSerializer(serializers.Serializer):
    ended_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class RestrictionViewSet(mixins.CreateModelMixin, _ScopedViewSet):
    """INC-03: restrictions found on whitelisted units (``is_violation``: without approval).
    ``POST`` records one; ``end`` records that it was lifted."""

    model = Restriction
    queryset = Restriction.objects.all()
    related = ("enterprise",)
    filterset_class = RestrictionFilterSet

    def get_serializer_class(self):
        if self.action == "create":
            return RestrictionCreateSerializer
        if self.action == "end":
            return EndRestrictionSerializer
        return RestrictionSerializer

    @extend_schema(request=RestrictionCreateSerializer, responses={201: RestrictionSerializer})
    def create(self, request, *args, **kwargs):
        _refuse_unless(request.user, Restriction, "add", _("您的角色不能登记限制措施。"))
        body = RestrictionCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        obj = actions.record_restriction(data.pop("enterprise"), actor=request.user, **data)
        return Response(RestrictionSerializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndRestrictionSerializer, responses=RestrictionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        obj = self.get_object()
        body = EndRestrictionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = actions.end_restriction(obj, actor=request.user, **body.validated_data)
        return Response(RestrictionSerializer(obj).data)


class InspectionRequestSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    unapproved = serializers.SerializerMethodField()

    class Meta:
        model = InspectionRequest
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "department",
            "department_name",
            "purpose",
            "matters",
            "planned_on",
            "status",
            "requested_at",
            "requested_by",
            "decided_at",
            "decided_by",
            "decision_note",
            "inspected_on",
            "findings",
            "unapproved",
            "region_code",
        ]
        read_only_fields = fields

    def get_unapproved(self, obj) -> bool:
        """Carried out without the approval it needed."""
        return obj.inspected_on is not None and obj.status in (
            InspectionRequest.Status.PENDING,
            InspectionRequest.Status.REJECTED,
        )


class InspectionCreateSerializer(serializers.Serializer):
    enterprise = _ScopedUnitField()
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    purpose = serializers.ChoiceField(choices=InspectionPurpose.choices)
    matters = serializers.CharField(allow_blank=True)
    planned_on = serializers.DateField()


class InspectionDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InspectionDoneSerializer(serializers.Serializer):
    inspected_on = serializers.DateField()
    findings = serializers.CharField(allow_blank=True)


class InspectionRequestViewSet(mixins.CreateModelMixin, _ScopedViewSet):
    """CMD-04: inspection requests in scope. ``POST`` (a department) announces one; epidemic,
    work safety and quarantine need no approval, the others wait for the city dispatch HQ
    (``decide``); ``done`` logs the inspection (flagged ``unapproved`` when it lacked one)."""

    model = InspectionRequest
    queryset = InspectionRequest.objects.all()
    related = ("enterprise", "department")
    filterset_class = InspectionRequestFilterSet

    def get_serializer_class(self):
        return {
            "create": InspectionCreateSerializer,
            "decide": InspectionDecisionSerializer,
            "done": InspectionDoneSerializer,
        }.get(self.action, InspectionRequestSerializer)

    @extend_schema(request=InspectionCreateSerializer, responses={201: InspectionRequestSerializer})
    def create(self, request, *args, **kwargs):
        _refuse_unless(
            request.user, InspectionRequest, "add", _("只有行业主管部门可以申请涉企检查。")
        )
        body = InspectionCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        obj = actions.request_inspection(data.pop("enterprise"), actor=request.user, **data)
        return Response(InspectionRequestSerializer(obj).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InspectionDecisionSerializer, responses=InspectionRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        obj = self.get_object()
        body = InspectionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = actions.decide_inspection(obj, actor=request.user, **body.validated_data)
        return Response(InspectionRequestSerializer(obj).data)

    @extend_schema(request=InspectionDoneSerializer, responses=InspectionRequestSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        obj = self.get_object()
        body = InspectionDoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = actions.record_inspection_done(obj, actor=request.user, **body.validated_data)
        return Response(InspectionRequestSerializer(obj).data)


class ProtectedInspectionSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = ProtectedInspection
        fields = ["id", "department", "department_name", "purpose", "items", "region_code"]
        read_only_fields = ["id", "department_name", "region_code"]
        validators = []  # one row per department and purpose: saving again updates it


class ProtectedInspectionViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, _ScopedViewSet):
    """CMD-04: the departments' protected-inspection lists; ``POST`` saves the caller's
    department's entry for one purpose (created or replaced); ``DELETE`` removes it."""

    model = ProtectedInspection
    queryset = ProtectedInspection.objects.all()
    related = ("department",)
    serializer_class = ProtectedInspectionSerializer
    filterset_class = ProtectedInspectionFilterSet

    @extend_schema(
        request=ProtectedInspectionSerializer, responses={201: ProtectedInspectionSerializer}
    )
    def create(self, request, *args, **kwargs):
        _refuse_unless(
            request.user,
            ProtectedInspection,
            "add",
            _("只有行业主管部门可以维护免检清单。"),
        )
        body = ProtectedInspectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        row = actions.save_protected_inspection(
            data["department"], actor=request.user, purpose=data["purpose"], items=data["items"]
        )
        return Response(ProtectedInspectionSerializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        row = self.get_object()
        actions.delete_protected_inspection(row, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RewardPenaltySerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(
        source="enterprise.name", read_only=True, allow_null=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = RewardPenalty
        fields = [
            "id",
            "kind",
            "enterprise",
            "enterprise_name",
            "region",
            "region_name",
            "reason",
            "incident",
            "decided_on",
            "decided_by",
            "document",
            "region_code",
        ]
        read_only_fields = fields


class RewardPenaltyCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RewardPenalty.Kind.choices)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    enterprise = _ScopedUnitField(required=False, allow_null=True)
    incident = _IncidentField(required=False, allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    decided_on = serializers.DateField()
    document = serializers.CharField(required=False, allow_blank=True, default="")


class RewardPenaltyViewSet(mixins.CreateModelMixin, _ScopedViewSet):
    """CMD-05: rewards and penalties in scope; ``POST`` (an HQ) records one. A duty-fulfilled
    exemption names the unit's incident."""

    model = RewardPenalty
    queryset = RewardPenalty.objects.all()
    related = ("enterprise", "region")
    filterset_class = RewardPenaltyFilterSet

    def get_serializer_class(self):
        if self.action == "create":
            return RewardPenaltyCreateSerializer
        return RewardPenaltySerializer

    @extend_schema(request=RewardPenaltyCreateSerializer, responses={201: RewardPenaltySerializer})
    def create(self, request, *args, **kwargs):
        _refuse_unless(request.user, RewardPenalty, "add", _("只有指挥部可以作出奖惩决定。"))
        body = RewardPenaltyCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        obj = actions.record_reward_penalty(actor=request.user, **body.validated_data)
        return Response(RewardPenaltySerializer(obj).data, status=status.HTTP_201_CREATED)
