"""API of the arrivals area (EPI-08, EPI-09): risk areas (read by every role that codes or checks
arrivals; written by the health office) and arrival reports (scoped; verify, arrive, close and
the audited unmask). Lists go through ``visible_to``; every write calls the action. The public
report has no endpoint: the page ``/arrive/`` is the channel for people without an account."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.epidemic import actions
from sibao.epidemic.filtersets_arrivals import ArrivalReportFilterSet, RiskAreaFilterSet
from sibao.epidemic.models import ArrivalReport, RiskArea

# --- serializers ---------------------------------------------------------------------------------


class RiskAreaSerializer(serializers.ModelSerializer):
    """EPI-09: a medium/high-risk or static-management area; ``region_code`` is its county."""

    class Meta:
        model = RiskArea
        fields = [
            "id",
            "region_code",
            "region_name",
            "name",
            "level",
            "valid_from",
            "valid_to",
            "declared_at",
        ]
        read_only_fields = ["id", "declared_at"]


class RiskAreaEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(
        required=False, allow_null=True, help_text=gettext_lazy("解除日期（默认今天）")
    )


class ArrivalReportSerializer(serializers.ModelSerializer):
    """EPI-08, EPI-09: one arrival report, personal data masked, with the coding decision, its
    record (rule, inputs, parameters, reasons) and the rule-set version."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = ArrivalReport
        fields = [
            "id",
            "report_no",
            "enterprise",
            "enterprise_name",
            "name",
            "id_masked",
            "phone_masked",
            "origin_region",
            "origin_name",
            "travel_history",
            "expected_arrival",
            "purpose",
            "has_symptoms",
            "en_route_status",
            "last_test_on",
            "source",
            "is_supplementary",
            "status",
            "decision",
            "decision_inputs",
            "rule_version",
            "test_due_at",
            "isolation_until",
            "verified_at",
            "verification_note",
            "reported_at",
            "region_code",
        ]
        read_only_fields = fields


class VerifySerializer(serializers.Serializer):
    note = serializers.CharField(help_text=gettext_lazy("核查情况：旅居史、健康状况、核酸检测等"))


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("id_number", "id_number"), ("phone", "phone")])


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


# --- viewsets ------------------------------------------------------------------------------------


class RiskAreaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """EPI-09: the risk-area list is one province-wide table (areas lie in any province): every
    role allowed to view it reads all of it; the health office adds, corrects and lifts."""

    queryset = RiskArea.objects.all()
    serializer_class = RiskAreaSerializer
    filterset_class = RiskAreaFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, RiskArea, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def _require(self, action_name):
        # refuse before validating, so a role that may not write learns nothing from errors
        if not can(self.request.user, RiskArea, action_name):
            raise exceptions.PermissionDenied(_("只有卫健（疫情防控）部门可以维护风险区域。"))

    def create(self, request, *args, **kwargs):
        self._require("add")
        return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        self._require("change")
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = actions.add_risk_area(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        values = {
            key: serializer.validated_data.get(key, getattr(serializer.instance, key))
            for key in ("region_code", "region_name", "name", "level", "valid_from", "valid_to")
        }
        serializer.instance = actions.change_risk_area(
            serializer.instance, actor=self.request.user, **values
        )

    @extend_schema(request=RiskAreaEndSerializer, responses=RiskAreaSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        self._require("change")
        body = RiskAreaEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        area = actions.end_risk_area(
            self.get_object(), actor=request.user, ended_on=body.validated_data.get("ended_on")
        )
        return Response(RiskAreaSerializer(area).data)


class ArrivalReportViewSet(ScopedReadOnlyViewSet):
    """EPI-08: arrival reports in scope (a unit its own; offices their region), with the unit's
    verification and the lifecycle steps; ``reveal`` returns one personal field in the clear
    to those who may unmask it, and is audited."""

    queryset = ArrivalReport.objects.select_related("enterprise")
    serializer_class = ArrivalReportSerializer
    filterset_class = ArrivalReportFilterSet

    @extend_schema(request=VerifySerializer, responses=ArrivalReportSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        body = VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = actions.verify_arrival(
            self.get_object(), actor=request.user, note=body.validated_data["note"]
        )
        return Response(ArrivalReportSerializer(report).data)

    @extend_schema(request=None, responses=ArrivalReportSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        report = actions.mark_arrived(self.get_object(), actor=request.user)
        return Response(ArrivalReportSerializer(report).data)

    @extend_schema(request=CloseSerializer, responses=ArrivalReportSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = actions.close_arrival(
            self.get_object(), actor=request.user, note=body.validated_data.get("note", "")
        )
        return Response(ArrivalReportSerializer(report).data)

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        value = actions.reveal_arrival_personal_data(
            self.get_object(), actor=request.user, field=field
        )
        return Response({"field": field, "value": value}, status=status.HTTP_200_OK)
