"""API of production and operation status (MON-03).

``production-reports``: list and read the reports the caller may see (filters: unit, state,
region, days, current only); ``POST`` reports a unit's status of a day (its admin; the same day
again corrects it: 200 instead of 201). Reads go through ``visible_to``; the write through
``enterprises.actions.production.report_production``, whose Chinese validation messages answer
400 and refusals 403."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.enterprises.actions import production as actions
from sibao.enterprises.filtersets_production import ProductionReportFilterSet
from sibao.enterprises.models import Enterprise, ProductionReport, ProductionState
from sibao.enterprises.queries_production import province_today


class ProductionReportSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = ProductionReport
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "reported_on",
            "state",
            "capacity_percent",
            "staff_on_site",
            "raw_material_days",
            "note",
            "is_current",
            "reported_at",
            "region_code",
            "industry",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _VisibleUnitField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Enterprise.objects.visible_to(self.context["request"].user, "view").active()


class ProductionReportInputSerializer(serializers.Serializer):
    """Typed values only: the rules (the day's window, capacity by state, staff against the
    roster) are the action's, so the form, the API and the import apply the same ones."""

    enterprise = _VisibleUnitField()
    reported_on = serializers.DateField(required=False, help_text="default: today")
    state = serializers.ChoiceField(choices=ProductionState.choices)
    capacity_percent = serializers.IntegerField()
    staff_on_site = serializers.IntegerField()
    raw_material_days = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProductionReportViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """MON-03: production reports. ``POST`` reports (or corrects) a unit's day."""

    queryset = ProductionReport.objects.all()
    filterset_class = ProductionReportFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, ProductionReport, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return (
            ProductionReport.objects.visible_to(self.request.user, "view")
            .select_related("enterprise")
            .order_by(*ProductionReport._meta.ordering)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return ProductionReportInputSerializer
        return ProductionReportSerializer

    @extend_schema(
        request=ProductionReportInputSerializer,
        responses={201: ProductionReportSerializer, 200: ProductionReportSerializer},
    )
    def create(self, request, *args, **kwargs):
        if not can(request.user, ProductionReport, "add"):
            raise exceptions.PermissionDenied(_("只有单位可以填报本单位的生产经营状况。"))
        body = ProductionReportInputSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = data.pop("enterprise")
        day = data.get("reported_on") or province_today()
        existed = self.get_queryset().filter(enterprise=unit, reported_on=day).exists()
        report = actions.report_production(unit, actor=request.user, **data)
        answer = ProductionReportSerializer(self.get_queryset().get(pk=report.pk)).data
        return Response(answer, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
