"""API of the units area: daily reports and missing reports (EPI-11), preparedness with its
readiness score and drills (EPI-14), sampling houses with their subsidy (EPI-15), goods lots
(EPI-16). Lists go through ``visible_to``; every write calls the action, which checks
permission on the unit or the row."""

import datetime

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can, covers
from sibao.core import rules as rule_set
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.models import Enterprise
from sibao.epidemic import actions, queries_units, readiness
from sibao.epidemic.filtersets_units import (
    DailyReportFilterSet,
    DrillFilterSet,
    GoodsLotFilterSet,
    PreparednessFilterSet,
    SamplingHouseFilterSet,
)
from sibao.epidemic.models import DailyReport, Drill, GoodsLot, Preparedness, SamplingHouse

DRILL_KINDS = Drill._meta.get_field("kind").choices
DIRECTIONS = GoodsLot._meta.get_field("direction").choices


def _unit(request, pk):
    """A unit the caller sees, for a write about it; otherwise a field error (no existence leak)."""
    unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if unit is None:
        raise exceptions.ValidationError({"enterprise": [_("单位不存在或不在您的辖区内。")]})
    return unit


# --- daily reports (EPI-11) ----------------------------------------------------------------------


class DailyReportSerializer(serializers.ModelSerializer):
    """EPI-11: one unit's report for one day (``is_zero_report``: 零报告)."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "report_date",
            "staff_on_site",
            "symptomatic",
            "sent_to_clinic",
            "tests_done",
            "is_zero_report",
            "note",
            "filed_at",
            "region_code",
        ]
        read_only_fields = fields


class DailyReportFileSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text=gettext_lazy("本单位的记录编号"))
    report_date = serializers.DateField()
    staff_on_site = serializers.IntegerField(min_value=0)
    symptomatic = serializers.IntegerField(min_value=0, required=False, default=0)
    sent_to_clinic = serializers.IntegerField(min_value=0, required=False, default=0)
    tests_done = serializers.IntegerField(min_value=0, required=False, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    is_zero_report = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("零报告：无症状、无就医人员"),
    )


class RegionCountSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    name = serializers.CharField(source="region.name")
    listed = serializers.IntegerField()
    filed = serializers.IntegerField()
    zero = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()


class MissingUnitSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "region", "region_name"]
        read_only_fields = fields


class MissingReportsSerializer(serializers.Serializer):
    """The listed units without a report for ``date`` under ``region`` (a page of them), the
    counts per child region, and whether the deadline has passed (then they are missing)."""

    date = serializers.DateField()
    region = serializers.CharField()
    deadline = serializers.DateTimeField()
    deadline_passed = serializers.BooleanField()
    rule_version = serializers.IntegerField()
    regions = RegionCountSerializer(many=True)
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MissingUnitSerializer(many=True)


class DailyReportViewSet(ScopedReadOnlyViewSet):
    """EPI-11: daily reports in scope; a unit's admin files (or corrects the same day's) report;
    ``missing`` lists the listed units without a report for a date."""

    queryset = DailyReport.objects.select_related("enterprise")
    serializer_class = DailyReportSerializer
    filterset_class = DailyReportFilterSet

    @extend_schema(
        request=DailyReportFileSerializer,
        responses={201: DailyReportSerializer, 200: DailyReportSerializer},
    )
    def create(self, request):
        body = DailyReportFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        unit = _unit(request, data.pop("enterprise"))
        existed = DailyReport.objects.filter(
            enterprise=unit, report_date=data["report_date"]
        ).exists()
        report = actions.file_daily_report(unit, actor=request.user, **data)
        return Response(
            DailyReportSerializer(report).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("date", datetime.date, description="report date (default yesterday)"),
            OpenApiParameter("region", str, description="region code (default: the broadest)"),
        ],
        responses=MissingReportsSerializer,
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def missing(self, request):
        region = queries_units.jurisdiction_region(
            request.user, DailyReport, "view", request.query_params.get("region")
        )
        today = queries_units.province_today()
        raw = request.query_params.get("date")
        if raw:
            try:
                day = datetime.date.fromisoformat(raw)
            except ValueError:
                raise exceptions.ValidationError(
                    {"date": [_("日期格式应为 YYYY-MM-DD。")]}
                ) from None
            if day > today:
                raise exceptions.ValidationError({"date": [_("不能查询未来日期。")]})
            if day.year < 2000:  # before the platform: and no RFC 3339 deadline (local mean time)
                raise exceptions.ValidationError({"date": [_("日期不能早于 2000 年。")]})
        else:
            day = today - datetime.timedelta(days=1)
        rules = rule_set.current()
        units = Enterprise.objects.visible_to(request.user, "view").filter(
            region__code__startswith=region.code
        )
        rows = queries_units.missing_by_region(day, region, units, rules=rules)
        missing = (
            queries_units.units_without_report(day, units)
            .select_related("region")
            .order_by("region_id", "name")
        )
        page = self.paginate_queryset(missing)
        response = self.get_paginated_response([])
        data = {
            **response.data,
            "results": page,
            "date": day,
            "region": region.code,
            "deadline": queries_units.daily_report_deadline(day, rules),
            "deadline_passed": queries_units.deadline_passed(day, rules=rules),
            "rule_version": rules.version,
            "regions": rows,
        }
        response.data = MissingReportsSerializer(data).data
        return response


# --- preparedness and drills (EPI-14) ------------------------------------------------------------


class ReadinessItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.IntegerField()
    required = serializers.CharField()
    actual = serializers.CharField()
    met = serializers.BooleanField()
    points = serializers.IntegerField()


class ReadinessSerializer(serializers.Serializer):
    """The readiness score (0–100) and its breakdown against the rule-set norms."""

    score = serializers.IntegerField()
    staff = serializers.IntegerField()
    rule_version = serializers.IntegerField()
    last_drill_on = serializers.DateField(allow_null=True)
    items = ReadinessItemSerializer(many=True)


class PreparednessSerializer(serializers.ModelSerializer):
    """EPI-14: a unit's preparedness (常态常备) with its readiness score."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    readiness = serializers.SerializerMethodField()

    class Meta:
        model = Preparedness
        fields = [
            "enterprise",
            "enterprise_name",
            *readiness.PREPAREDNESS_FIELDS,
            "updated_at",
            "region_code",
            "readiness",
        ]
        read_only_fields = fields

    @extend_schema_field(ReadinessSerializer(allow_null=True))
    def get_readiness(self, obj):
        """The score the view computed for this row's unit (``context["readiness"]``)."""
        result = self.context.get("readiness", {}).get(obj.enterprise_id)
        return ReadinessSerializer(result.as_dict()).data if result is not None else None


class PreparednessUpdateSerializer(serializers.Serializer):
    task_force_leader = serializers.CharField(max_length=64, required=False, allow_blank=True)
    task_force_members = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    has_prevention_plan = serializers.BooleanField(required=False)
    has_contingency_plan = serializers.BooleanField(required=False)
    plan_updated_on = serializers.DateField(required=False, allow_null=True)
    patrol_posts = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    observation_rooms = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    masks = serializers.IntegerField(min_value=0, required=False)
    protective_suits = serializers.IntegerField(min_value=0, required=False)
    gloves = serializers.IntegerField(min_value=0, required=False)
    disinfectant_litres = serializers.IntegerField(min_value=0, required=False)
    sanitizer_bottles = serializers.IntegerField(min_value=0, required=False)
    thermometers = serializers.IntegerField(min_value=0, required=False)
    antigen_kits = serializers.IntegerField(min_value=0, required=False)


class PreparednessViewSet(viewsets.GenericViewSet):
    """EPI-14: preparedness rows in scope with their readiness score; ``/{enterprise}/`` is one
    unit's (its defaults and score when it has filed nothing yet); PUT/PATCH set it through the
    action (the unit's admin)."""

    queryset = Preparedness.objects.all()
    serializer_class = PreparednessSerializer
    filterset_class = PreparednessFilterSet
    lookup_field = "enterprise"
    lookup_value_regex = r"\d+"

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Preparedness, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return readiness.with_row_facts(
            Preparedness.objects.visible_to(self.request.user, "view").order_by("enterprise_id")
        )

    def _context(self, rows):
        rules = rule_set.current()
        today = queries_units.province_today()
        scores = {
            row.enterprise_id: readiness.for_row(row, today=today, rules=rules) for row in rows
        }
        return {**self.get_serializer_context(), "readiness": scores}

    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = PreparednessSerializer(rows, many=True, context=self._context(rows)).data
        return self.get_paginated_response(data)

    def _unit_row(self, enterprise):
        unit = (
            Enterprise.objects.visible_to(self.request.user, "view").filter(pk=enterprise).first()
        )
        if unit is None or not covers(
            self.request.user,
            Preparedness,
            "view",
            region_code=unit.region_id,
            enterprise_id=unit.pk,
        ):
            raise Http404
        row = Preparedness.objects.filter(enterprise=unit).first()
        return unit, row or Preparedness(enterprise=unit, region_code=unit.region_id)

    def _answer(self, unit, row):
        context = {
            **self.get_serializer_context(),
            "readiness": {unit.pk: readiness.for_unit(unit)},
        }
        return Response(PreparednessSerializer(row, context=context).data)

    def retrieve(self, request, enterprise=None):
        unit, row = self._unit_row(enterprise)
        return self._answer(unit, row)

    @extend_schema(request=PreparednessUpdateSerializer, responses=PreparednessSerializer)
    def update(self, request, enterprise=None):
        unit, _row = self._unit_row(enterprise)
        body = PreparednessUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        row = actions.update_preparedness(unit, actor=request.user, **body.validated_data)
        return self._answer(unit, row)

    @extend_schema(request=PreparednessUpdateSerializer, responses=PreparednessSerializer)
    def partial_update(self, request, enterprise=None):
        return self.update(request, enterprise=enterprise)


class DrillSerializer(serializers.ModelSerializer):
    """EPI-14: a drill (应急演练) or stress test (压力测试)."""

    class Meta:
        model = Drill
        fields = ["id", "enterprise", "held_on", "kind", "participants", "findings", "region_code"]
        read_only_fields = fields


class DrillCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    held_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=DRILL_KINDS)
    participants = serializers.IntegerField(min_value=0, required=False, default=0)
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class DrillViewSet(ScopedReadOnlyViewSet):
    """EPI-14: drills in scope; the unit's admin records new ones."""

    queryset = Drill.objects.all()
    serializer_class = DrillSerializer
    filterset_class = DrillFilterSet

    @extend_schema(request=DrillCreateSerializer, responses={201: DrillSerializer})
    def create(self, request):
        body = DrillCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        drill = actions.record_drill(
            _unit(request, data.pop("enterprise")), actor=request.user, **data
        )
        return Response(DrillSerializer(drill).data, status=status.HTTP_201_CREATED)


# --- sampling houses (EPI-15) --------------------------------------------------------------------


class SamplingHouseSerializer(serializers.ModelSerializer):
    """EPI-15: a sampling house; the subsidy and its rule-set version are computed, read-only."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = SamplingHouse
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "site",
            "purchased_on",
            "price",
            "deployed_on",
            "subsidy_total",
            "subsidy_province",
            "subsidy_local",
            "subsidy_paid_on",
            "rule_version",
            "recorded_at",
            "region_code",
        ]
        read_only_fields = fields


class SamplingHouseCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    site = serializers.CharField(max_length=200)
    purchased_on = serializers.DateField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    deployed_on = serializers.DateField(required=False, allow_null=True, default=None)


class DeployedSerializer(serializers.Serializer):
    deployed_on = serializers.DateField()


class PaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)


class SamplingHouseViewSet(ScopedReadOnlyViewSet):
    """EPI-15: sampling houses in scope. The unit's admin registers a house (the subsidy is
    computed from the rule set in force) and its deployment; the HQ office records payment."""

    queryset = SamplingHouse.objects.select_related("enterprise")
    serializer_class = SamplingHouseSerializer
    filterset_class = SamplingHouseFilterSet

    @extend_schema(request=SamplingHouseCreateSerializer, responses={201: SamplingHouseSerializer})
    def create(self, request):
        body = SamplingHouseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        house = actions.record_sampling_house(
            _unit(request, data.pop("enterprise")), actor=request.user, **data
        )
        return Response(SamplingHouseSerializer(house).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeployedSerializer, responses=SamplingHouseSerializer)
    @action(detail=True, methods=["post"])
    def deployed(self, request, pk=None):
        body = DeployedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        house = actions.record_sampling_house_deployment(
            self.get_object(), actor=request.user, deployed_on=body.validated_data["deployed_on"]
        )
        return Response(SamplingHouseSerializer(house).data)

    @extend_schema(request=PaidSerializer, responses=SamplingHouseSerializer)
    @action(detail=True, methods=["post"])
    def paid(self, request, pk=None):
        body = PaidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        house = actions.mark_subsidy_paid(
            self.get_object(), actor=request.user, paid_on=body.validated_data["paid_on"]
        )
        return Response(SamplingHouseSerializer(house).data)


# --- goods (EPI-16) ------------------------------------------------------------------------------


class GoodsLotSerializer(serializers.ModelSerializer):
    """EPI-16: a lot of goods with its trace code; ``from_risk_area``: its origin county had a
    risk area on the day it moved; ``label_url``: the printable QR label."""

    from_risk_area = serializers.BooleanField(read_only=True)
    page_url = serializers.SerializerMethodField()
    label_url = serializers.SerializerMethodField()

    class Meta:
        model = GoodsLot
        fields = [
            "id",
            "code",
            "enterprise",
            "direction",
            "description",
            "quantity",
            "origin",
            "origin_region",
            "disinfected",
            "moved_at",
            "handled_by",
            "from_risk_area",
            "page_url",
            "label_url",
            "region_code",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_page_url(self, obj) -> str:
        return self._absolute(reverse("epidemic:goods_detail", args=[obj.pk]))

    def get_label_url(self, obj) -> str:
        return self._absolute(reverse("epidemic:goods_label", args=[obj.pk]))


class GoodsLotCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=DIRECTIONS)
    description = serializers.CharField(max_length=200)
    quantity = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    origin = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    origin_region = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default=""
    )
    disinfected = serializers.BooleanField(required=False, default=False)
    moved_at = serializers.DateTimeField()
    handled_by = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class GoodsLotViewSet(ScopedReadOnlyViewSet):
    """EPI-16: goods lots in scope, with the risk-area highlight; the unit's admin records new
    lots (the trace code is generated)."""

    queryset = GoodsLot.objects.all()
    serializer_class = GoodsLotSerializer
    filterset_class = GoodsLotFilterSet

    def get_queryset(self):
        return queries_units.goods_with_risk(super().get_queryset())

    @extend_schema(request=GoodsLotCreateSerializer, responses={201: GoodsLotSerializer})
    def create(self, request):
        body = GoodsLotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lot = actions.record_goods_lot(
            _unit(request, data.pop("enterprise")), actor=request.user, **data
        )
        lot = self.get_queryset().get(pk=lot.pk)
        return Response(
            GoodsLotSerializer(lot, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
