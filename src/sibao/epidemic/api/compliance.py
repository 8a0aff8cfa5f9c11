"""API of test compliance (EPI-04) and the electronic sentinel (EPI-10): overdue staff (masked),
compliance rates per region and unit, sentinel alerts with their assign and close steps (the
reminder outbox is the platform's, ``/api/outbox/``). Lists go through ``visible_to``; writes through ``epidemic.actions``."""

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from sibao.accounts.access import allowing_grants, can
from sibao.core import rules
from sibao.epidemic import actions, compliance, sentinel
from sibao.epidemic.filtersets_compliance import (
    OverdueStaffFilterSet,
    SentinelAlertFilterSet,
)
from sibao.epidemic.models import SentinelAlert, StaffMember
from sibao.epidemic.views.compliance import jurisdiction


class ScopedListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A list only, through ``visible_to``: 403 for a role that may never see the model."""

    scope_action = "view"

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.queryset.model, self.scope_action):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user, self.scope_action)


# --- overdue staff -----------------------------------------------------------------------------


class OverdueStaffSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    window_hours = serializers.SerializerMethodField(help_text="检测周期（小时）")
    deadline = serializers.SerializerMethodField(help_text="最近阴性采样失效时间；从无记录则为空")

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region_code",
            "name",
            "id_masked",
            "phone_masked",
            "category",
            "post_class",
            "team",
            "last_negative_at",
            "window_hours",
            "deadline",
        ]
        read_only_fields = fields

    def get_window_hours(self, staff) -> int:
        return compliance.window_for(staff, self.context["ruleset"], self.context["emergency"])

    def get_deadline(self, staff) -> str | None:
        deadline = compliance.deadline_for(
            staff, self.context["ruleset"], self.context["emergency"]
        )
        return serializers.DateTimeField().to_representation(deadline) if deadline else None


class OverdueStaffViewSet(ScopedListViewSet):
    """EPI-04: active staff overdue for their NAT in the caller's scope, oldest sample first;
    ID numbers and phones masked."""

    queryset = StaffMember.objects.select_related("enterprise")
    serializer_class = OverdueStaffSerializer
    filterset_class = OverdueStaffFilterSet
    ordering_fields = ["last_negative_at", "name"]

    def clock(self):
        """The moment, rule set and emergency scope of this request, read once."""
        if not hasattr(self, "_clock"):
            self._clock = (timezone.now(), rules.current(), compliance.emergency_scope())
        return self._clock

    def get_queryset(self):
        return compliance.overdue_staff(super().get_queryset(), *self.clock()).select_related(
            "enterprise"
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        _now, ruleset, emergency = self.clock()
        context.update(ruleset=ruleset, emergency=emergency)
        return context


# --- rates ---------------------------------------------------------------------------------------


class RateRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="区划代码（单位行：单位所在区划）")
    name = serializers.CharField()
    staff = serializers.IntegerField(help_text="在岗人员")
    overdue = serializers.IntegerField(help_text="超时未检测")
    overdue_pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    compliance_pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    is_self = serializers.BooleanField()
    enterprise = serializers.IntegerField(allow_null=True)


@extend_schema_serializer(many=False)  # one object, not a list, though the action is "list"
class ComplianceRatesSerializer(serializers.Serializer):
    region = serializers.CharField(allow_null=True)
    rule_version = serializers.IntegerField()
    rows = RateRowSerializer(many=True)


@extend_schema_serializer(many=False)
class RateRowPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    results = RateRowSerializer(many=True)


class ComplianceRateViewSet(viewsets.ViewSet):
    """EPI-04: compliance per region (the region and its child regions) and per unit."""

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, StaffMember, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def _regional(self, request) -> bool:
        grants = allowing_grants(request.user, "epidemic.staffmember", "view")
        return any(not g.enterprise_id for g in grants)

    @extend_schema(
        parameters=[OpenApiParameter("region", str, description="区划代码（默认：最大辖区）")],
        responses=ComplianceRatesSerializer,
    )
    def list(self, request):
        """The region (first row, ``is_self``) and its child regions. A caller whose grants reach
        single units gets one row over those units (``region`` null)."""
        now, ruleset, scope = timezone.now(), rules.current(), compliance.emergency_scope()
        staff = StaffMember.objects.visible_to(request.user, "view")
        if self._regional(request):
            region, _reach = jurisdiction(
                request.user, StaffMember, "view", request.query_params.get("region")
            )
            rows = compliance.region_rates(staff, region, now, ruleset, scope)
            code = region.code
        else:
            counts = compliance.unit_counts(staff, now, ruleset, scope)
            rows = [compliance.RateRow("", "", counts["staff"], counts["overdue"], True)]
            code = None
        data = {
            "region": code,
            "rule_version": ruleset.version,
            "rows": [row.as_dict() for row in rows],
        }
        return Response(ComplianceRatesSerializer(data).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="区划代码（前缀）"),
            OpenApiParameter("page", int),
        ],
        responses=RateRowPageSerializer,
    )
    @action(detail=False, methods=["get"])
    def units(self, request):
        """Per unit in the caller's scope (optionally within ``region``), most overdue first,
        paged like every list (``page``)."""
        now, ruleset, scope = timezone.now(), rules.current(), compliance.emergency_scope()
        staff = StaffMember.objects.visible_to(request.user, "view")
        region = request.query_params.get("region")
        if region:
            staff = staff.filter(region_code__startswith=region)
        size = api_settings.PAGE_SIZE
        page = Paginator(compliance.unit_rates(staff, now, ruleset, scope), size).get_page(
            request.query_params.get("page")
        )
        rows = [compliance.as_unit_row(values).as_dict() for values in page.object_list]
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "results": RateRowSerializer(rows, many=True).data,
            }
        )


# --- alerts --------------------------------------------------------------------------------------


class SentinelAlertSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, default=None)
    staff_id_masked = serializers.CharField(source="staff.id_masked", read_only=True, default=None)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True, default=None)

    class Meta:
        model = SentinelAlert
        fields = [
            "id",
            "kind",
            "status",
            "detail",
            "staff",
            "staff_name",
            "staff_id_masked",
            "enterprise",
            "enterprise_name",
            "region_code",
            "raised_at",
            "due_at",
            "owner",
            "owner_name",
            "outcome",
            "closed_at",
            "closed_by",
        ]
        read_only_fields = fields


class AlertCloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="处置结果（必填）", allow_blank=True)


class AlertAssignSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text="责任人的用户编号")


class SentinelAlertViewSet(viewsets.ReadOnlyModelViewSet):
    """EPI-10: sentinel alerts in the caller's scope; ``assign`` names an owner, ``close`` closes
    one with its outcome (roles that may handle alerts)."""

    queryset = SentinelAlert.objects.select_related("staff", "enterprise", "owner")
    serializer_class = SentinelAlertSerializer
    filterset_class = SentinelAlertFilterSet
    ordering_fields = ["raised_at", "due_at"]

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, SentinelAlert, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user, "view")

    def _changeable(self, request):
        if not can(request.user, SentinelAlert, "change"):
            raise exceptions.PermissionDenied(_("您的角色无权处置预警。"))
        return self.get_object()

    @extend_schema(request=AlertCloseSerializer, responses=SentinelAlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an open alert with its outcome."""
        alert = self._changeable(request)
        body = AlertCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = actions.close_alert(
            alert, actor=request.user, outcome=body.validated_data["outcome"]
        )
        return Response(SentinelAlertSerializer(alert).data)

    @extend_schema(request=AlertAssignSerializer, responses=SentinelAlertSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Make a user who may handle the alert its owner."""
        alert = self._changeable(request)
        body = AlertAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        owner = sentinel.assignable_users(alert).filter(pk=body.validated_data["owner"]).first()
        if owner is None:
            raise exceptions.ValidationError({"owner": [_("所选人员无权处置该预警。")]})
        alert = actions.assign_alert(alert, actor=request.user, owner=owner)
        return Response(SentinelAlertSerializer(alert).data)
