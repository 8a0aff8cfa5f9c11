"""API of the emergency area: region states and the switch (CMD-01), the switch history, loop
plans, loop periods and daily loop reports (CMD-02), city-supply assignments (CMD-06). Lists go
through ``visible_to``; every write calls the action, which checks permission."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import covers
from sibao.command import actions
from sibao.command import queries_emergency as queries
from sibao.command.filtersets_emergency import (
    CitySupplyFilterSet,
    EmergencySwitchFilterSet,
    LoopPlanFilterSet,
    LoopReportFilterSet,
    LoopStatusFilterSet,
    RegionStateFilterSet,
)
from sibao.command.models import (
    CitySupplyAssignment,
    EmergencySwitch,
    LoopMode,
    LoopPlan,
    LoopReport,
    LoopStatus,
    RegionState,
    RegionStatus,
)
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import jurisdiction_regions
from sibao.epidemic.models import StaffMember
from sibao.regions.models import Region

SERVICES = CitySupplyAssignment._meta.get_field("service").choices
STATUS_HELP = gettext_lazy(
    "normal 常态；pending 即将进入应急状态（提前通知期间）；emergency 应急状态"
)


def _unit(request, pk):
    """A unit the caller sees, for a write about it; otherwise a field error (no existence leak)."""
    unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if unit is None:
        raise exceptions.ValidationError({"enterprise": [_("单位不存在或不在您的辖区内。")]})
    return unit


# --- region states and the switch (CMD-01) -------------------------------------------------------


class EmergencySwitchSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    headquarters_name = serializers.CharField(
        source="headquarters.name", read_only=True, default=None
    )
    switched_by_name = serializers.SerializerMethodField()

    class Meta:
        model = EmergencySwitch
        fields = [
            "id",
            "region",
            "region_name",
            "to_status",
            "reason",
            "announced_at",
            "effective_at",
            "units_affected",
            "headquarters",
            "headquarters_name",
            "switched_by_name",
            "rule_version",
        ]
        read_only_fields = fields

    def get_switched_by_name(self, obj) -> str:
        return str(obj.switched_by) if obj.switched_by_id else ""


class RegionStateSerializer(serializers.ModelSerializer):
    """A switched region's state. ``status`` is the state now (``pending`` while the advance
    notice runs), computed from ``effective_at``; ``effective_status`` the same including a
    switched ancestor (a county under a city in emergency)."""

    region_name = serializers.CharField(source="region.full_name", read_only=True)
    status = serializers.SerializerMethodField()
    effective_status = serializers.SerializerMethodField()
    units_in_loop = serializers.SerializerMethodField()
    last_switch = EmergencySwitchSerializer(read_only=True)

    class Meta:
        model = RegionState
        fields = [
            "region",
            "region_name",
            "status",
            "effective_status",
            "since",
            "effective_at",
            "units_in_loop",
            "last_switch",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=STATUS_HELP))
    def get_status(self, obj) -> str:
        return queries.effective_status(obj, self.context.get("now"))

    @extend_schema_field(serializers.CharField(help_text=STATUS_HELP))
    def get_effective_status(self, obj) -> str:
        return queries.state_of(obj.region_id, self.context.get("now"))

    def get_units_in_loop(self, obj) -> int:
        return (
            LoopStatus.objects.filter(queries.in_loop_q(self.context.get("now")))
            .filter(queries.emergency_q("region_code", codes={obj.region_id}))
            .count()
        )


class SwitchRequestSerializer(serializers.Serializer):
    region = serializers.CharField(help_text=gettext_lazy("县（市、区）或市的区划代码"))
    to_status = serializers.ChoiceField(
        choices=EmergencySwitch._meta.get_field("to_status").choices,
        help_text=gettext_lazy("emergency：进入应急状态；normal：恢复常态"),
    )
    reason = serializers.CharField(allow_blank=True)


class SwitchOutcomeSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    changed = serializers.BooleanField()
    message = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    units = serializers.IntegerField()
    notified = serializers.IntegerField()
    switch = EmergencySwitchSerializer(allow_null=True)


class SwitchPreviewSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    status = serializers.CharField(help_text=STATUS_HELP)
    inherited = serializers.BooleanField()
    whitelisted = serializers.IntegerField()
    already_in_loop = serializers.IntegerField()
    to_switch = serializers.IntegerField()
    to_release = serializers.IntegerField()
    notice_hours = serializers.IntegerField()


def _switch_region(request, code) -> Region:
    """A region the caller may switch; one outside its jurisdiction reads as missing."""
    region = Region.objects.filter(code=str(code or "").strip()).first()
    if region is None or not covers(request.user, RegionState, "view", region_code=region.code):
        raise exceptions.ValidationError({"region": [_("区划不存在或不在您的辖区内。")]})
    return region


class RegionStateViewSet(ScopedReadOnlyViewSet):
    """CMD-01: the switched regions' states in scope (``status``: now); ``switch`` switches a
    county or city with one call (idempotent: ``changed`` false when it already was in that
    state); ``preview`` tells how many units a switch would put in (or release from) loop."""

    queryset = RegionState.objects.select_related(
        "region", "region__parent", "last_switch", "last_switch__region"
    )
    serializer_class = RegionStateSerializer
    filterset_class = RegionStateFilterSet
    lookup_field = "region"
    lookup_value_regex = r"\d{2,12}"

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(request=SwitchRequestSerializer, responses={200: SwitchOutcomeSerializer})
    @action(detail=False, methods=["post"], filterset_class=None)
    def switch(self, request):
        body = SwitchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        region = _switch_region(request, body.validated_data["region"])
        operation = (
            actions.switch_to_emergency
            if body.validated_data["to_status"] == RegionStatus.EMERGENCY
            else actions.switch_to_normal
        )
        outcome = operation(region, actor=request.user, reason=body.validated_data["reason"])
        return Response(
            SwitchOutcomeSerializer(outcome).data,
            status=status.HTTP_201_CREATED if outcome.changed else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="region code (default: the broadest)")
        ],
        responses=SwitchPreviewSerializer,
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def preview(self, request):
        code = (request.query_params.get("region") or "").strip()
        if not code:
            regions = jurisdiction_regions(request.user, RegionState, "view")
            if not regions:
                raise exceptions.PermissionDenied(_("该数据按辖区统计，您的角色无权查看。"))
            region = regions[0]
        else:
            region = Region.objects.filter(code=code).first()
            if region is None or not covers(
                request.user, RegionState, "view", region_code=region.code
            ):
                raise Http404
        return Response(SwitchPreviewSerializer(queries.switch_preview(region)).data)


class EmergencySwitchViewSet(ScopedReadOnlyViewSet):
    """CMD-01: the history of switches in scope, newest first."""

    queryset = EmergencySwitch.objects.select_related("region", "headquarters", "switched_by")
    serializer_class = EmergencySwitchSerializer
    filterset_class = EmergencySwitchFilterSet


# --- loop plans, loop periods, loop reports (CMD-02) ---------------------------------------------


class LoopPlanSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = LoopPlan
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "mode",
            "dormitories",
            "routes",
            "headcount",
            "note",
            "updated_at",
            "region_code",
        ]
        read_only_fields = fields


class LoopPlanSaveSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text=gettext_lazy("本单位的记录编号"))
    mode = serializers.ChoiceField(
        choices=LoopMode.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("不填则按行业默认模式"),
    )
    dormitories = serializers.CharField(required=False, allow_blank=True, default="")
    routes = serializers.CharField(required=False, allow_blank=True, default="")
    headcount = serializers.IntegerField(min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LoopPlanViewSet(ScopedReadOnlyViewSet):
    """CMD-02: units' closed-loop plans in scope; a unit's admin saves (creates or replaces)
    its own plan with ``POST``."""

    queryset = LoopPlan.objects.select_related("enterprise")
    serializer_class = LoopPlanSerializer
    filterset_class = LoopPlanFilterSet

    @extend_schema(
        request=LoopPlanSaveSerializer,
        responses={201: LoopPlanSerializer, 200: LoopPlanSerializer},
    )
    def create(self, request):
        body = LoopPlanSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        unit = _unit(request, data.pop("enterprise"))
        existed = LoopPlan.objects.filter(enterprise=unit).exists()
        plan = actions.save_loop_plan(unit, actor=request.user, **data)
        return Response(
            LoopPlanSerializer(plan).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class LoopStatusSerializer(serializers.ModelSerializer):
    """One closed-loop period of a unit; ``phase`` now: upcoming, running or ended."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    phase = serializers.SerializerMethodField()
    missing_report_dates = serializers.SerializerMethodField()

    class Meta:
        model = LoopStatus
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "switch",
            "mode",
            "started_at",
            "ended_at",
            "phase",
            "missing_report_dates",
            "region_code",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[("upcoming", "upcoming"), ("running", "running"), ("ended", "ended")]
        )
    )
    def get_phase(self, obj) -> str:
        return queries.loop_phase(obj, self.context.get("now"))

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_missing_report_dates(self, obj):
        return [d.isoformat() for d in queries.missing_report_dates(obj, self.context.get("now"))]


class LoopStatusViewSet(ScopedReadOnlyViewSet):
    """CMD-02: closed-loop periods in scope (all by default; ``open=true`` for the current ones)."""

    queryset = LoopStatus.objects.select_related("enterprise")
    serializer_class = LoopStatusSerializer
    filterset_class = LoopStatusFilterSet

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


class LoopReportSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = LoopReport
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "report_date",
            "in_loop",
            "outside",
            "breaches",
            "producing",
            "note",
            "filed_at",
            "region_code",
        ]
        read_only_fields = fields


class LoopReportFileSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text=gettext_lazy("本单位的记录编号"))
    report_date = serializers.DateField()
    in_loop = serializers.IntegerField(min_value=0)
    outside = serializers.IntegerField(min_value=0, required=False, default=0)
    breaches = serializers.IntegerField(min_value=0, required=False, default=0)
    producing = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LoopReportViewSet(ScopedReadOnlyViewSet):
    """CMD-02: daily loop reports in scope; a unit's admin files one a day while in loop."""

    queryset = LoopReport.objects.select_related("enterprise")
    serializer_class = LoopReportSerializer
    filterset_class = LoopReportFilterSet

    @extend_schema(request=LoopReportFileSerializer, responses={201: LoopReportSerializer})
    def create(self, request):
        body = LoopReportFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        unit = _unit(request, data.pop("enterprise"))
        report = actions.file_loop_report(unit, actor=request.user, **data)
        return Response(LoopReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- city supply (CMD-06) ------------------------------------------------------------------------


class CitySupplySerializer(serializers.ModelSerializer):
    """A city-supply worker's arrangement; names and masked IDs come from the roster."""

    staff_name = serializers.CharField(source="staff.name", read_only=True)
    staff_id_masked = serializers.CharField(source="staff.id_masked", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = CitySupplyAssignment
        fields = [
            "id",
            "staff",
            "staff_name",
            "staff_id_masked",
            "enterprise",
            "enterprise_name",
            "service",
            "lodging",
            "work_area",
            "route",
            "updated_at",
            "region_code",
        ]
        read_only_fields = fields


class CitySupplySaveSerializer(serializers.Serializer):
    staff = serializers.IntegerField(help_text=gettext_lazy("花名册记录编号（类别：城市保供人员）"))
    service = serializers.ChoiceField(choices=SERVICES)
    lodging = serializers.CharField(allow_blank=True)
    work_area = serializers.CharField(allow_blank=True)
    route = serializers.CharField(allow_blank=True)


class CitySupplyViewSet(ScopedReadOnlyViewSet):
    """CMD-06: city-supply arrangements in scope; a unit's admin saves one per worker."""

    queryset = CitySupplyAssignment.objects.select_related("staff", "enterprise")
    serializer_class = CitySupplySerializer
    filterset_class = CitySupplyFilterSet

    @extend_schema(
        request=CitySupplySaveSerializer,
        responses={201: CitySupplySerializer, 200: CitySupplySerializer},
    )
    def create(self, request):
        body = CitySupplySaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        staff = (
            StaffMember.objects.visible_to(request.user, "view")
            .filter(pk=data.pop("staff"))
            .first()
        )
        if staff is None:
            raise exceptions.ValidationError({"staff": [_("人员不存在或不在您的辖区内。")]})
        existed = CitySupplyAssignment.objects.filter(staff=staff).exists()
        assignment = actions.save_city_supply(staff, actor=request.user, **data)
        return Response(
            CitySupplySerializer(assignment).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )
