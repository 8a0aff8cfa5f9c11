"""API of the whitelist (WL-05, WL-06, WL-07): entries with their history and adjustments,
batches and publishing, coverage. Lists are scoped by ``visible_to``; writes call the actions."""

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.core import rules
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises import actions
from sibao.enterprises.filtersets_whitelist import (
    WhitelistBatchFilterSet,
    WhitelistEntryFilterSet,
)
from sibao.enterprises.models import (
    Enterprise,
    ServiceTier,
    WhitelistBatch,
    WhitelistChange,
    WhitelistChangeKind,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.queries import coverage, coverage_candidates, coverage_scope
from sibao.regions.models import IndustryDomain, Region


def _inline_enum(choices):
    """A choice field documented as an inline enum: field names like ``status`` and ``kind``
    recur across the API with other choices, and a shared named enum component would clash."""

    @extend_schema_field({"type": "string", "enum": [value for value, _label in choices]})
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField


WhitelistStatusField = _inline_enum(WhitelistStatus.choices)
ChangeKindField = _inline_enum(WhitelistChangeKind.choices)
ServiceTierField = _inline_enum(ServiceTier.choices)


class WhitelistChangeSerializer(serializers.ModelSerializer):
    kind = ChangeKindField(choices=WhitelistChangeKind.choices, read_only=True)
    tier = serializers.CharField(read_only=True)
    actor = serializers.StringRelatedField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = WhitelistChange
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "tier",
            "reason",
            "at",
            "actor",
            "batch",
            "region_code",
        ]
        read_only_fields = fields


class WhitelistEntrySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)
    status = WhitelistStatusField(choices=WhitelistStatus.choices, read_only=True)
    tier = ServiceTierField(choices=ServiceTier.choices, read_only=True)

    class Meta:
        model = WhitelistEntry
        fields = [
            "id",
            "enterprise",
            "name",
            "credit_code",
            "region_code",
            "industry",
            "status",
            "tier",
            "listed_at",
            "removed_at",
        ]
        read_only_fields = fields


class WhitelistEntryDetailSerializer(WhitelistEntrySerializer):
    changes = WhitelistChangeSerializer(many=True, read_only=True)

    class Meta(WhitelistEntrySerializer.Meta):
        fields = [*WhitelistEntrySerializer.Meta.fields, "changes"]
        read_only_fields = fields


class AddUnitSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text="id of the unit to add")
    tier = ServiceTierField(choices=ServiceTier.choices)
    reason = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class TierChangeSerializer(serializers.Serializer):
    tier = ServiceTierField(choices=ServiceTier.choices)
    reason = serializers.CharField()


class WhitelistEntryViewSet(ScopedReadOnlyViewSet):
    """WL-05, WL-06: whitelist entries in the caller's scope; POST adds a unit by its id, and
    ``remove`` and ``tier`` adjust one entry (the competent department only, with a reason)."""

    queryset = WhitelistEntry.objects.select_related("enterprise").order_by(
        "region_code", "enterprise_id"
    )
    serializer_class = WhitelistEntrySerializer
    filterset_class = WhitelistEntryFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            # the history, as far as the caller may read changes
            changes = WhitelistChange.objects.visible_to(self.request.user, "view").select_related(
                "actor", "enterprise"
            )
            queryset = queryset.prefetch_related(Prefetch("changes", queryset=changes))
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return WhitelistEntryDetailSerializer
        return super().get_serializer_class()

    @extend_schema(request=AddUnitSerializer, responses={201: WhitelistEntrySerializer})
    def create(self, request):
        """Add a unit (dynamic adjustment, WL-05): tier and reason are required."""
        body = AddUnitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        enterprise = get_object_or_404(
            Enterprise.objects.visible_to(request.user, "view"),
            pk=body.validated_data["enterprise"],
        )
        entry = actions.add_unit(
            enterprise,
            actor=request.user,
            tier=body.validated_data["tier"],
            reason=body.validated_data["reason"],
        )
        return Response(WhitelistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=WhitelistEntrySerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """Remove the unit from the whitelist, with the reason (WL-05)."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = actions.remove_unit(
            self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(WhitelistEntrySerializer(entry).data)

    @extend_schema(request=TierChangeSerializer, responses=WhitelistEntrySerializer)
    @action(detail=True, methods=["post"])
    def tier(self, request, pk=None):
        """Change the unit's service tier, with the reason (WL-06)."""
        body = TierChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = actions.set_service_tier(
            self.get_object(),
            actor=request.user,
            tier=body.validated_data["tier"],
            reason=body.validated_data["reason"],
        )
        return Response(WhitelistEntrySerializer(entry).data)


class WhitelistBatchSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True)
    published_by = serializers.StringRelatedField(read_only=True)
    change_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = WhitelistBatch
        fields = [
            "id",
            "region",
            "industry",
            "number",
            "title",
            "note",
            "published_at",
            "published_by",
            "change_count",
        ]
        read_only_fields = fields


class WhitelistBatchDetailSerializer(WhitelistBatchSerializer):
    changes = WhitelistChangeSerializer(many=True, read_only=True)

    class Meta(WhitelistBatchSerializer.Meta):
        fields = [*WhitelistBatchSerializer.Meta.fields, "changes"]
        read_only_fields = fields


class PublishBatchSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="region code of the department's jurisdiction")
    industry = serializers.CharField(help_text="industry code")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WhitelistBatchViewSet(ScopedReadOnlyViewSet):
    """WL-05: published batches in the caller's scope; ``publish`` makes the next one from the
    pending changes of a region and industry."""

    queryset = (
        WhitelistBatch.objects.select_related("published_by")
        .annotate(change_count=Count("changes"))
        .order_by("-published_at")
    )
    serializer_class = WhitelistBatchSerializer
    filterset_class = WhitelistBatchFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            changes = WhitelistChange.objects.visible_to(self.request.user, "view").select_related(
                "actor", "enterprise"
            )
            queryset = queryset.prefetch_related(Prefetch("changes", queryset=changes))
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return WhitelistBatchDetailSerializer
        return super().get_serializer_class()

    @extend_schema(request=PublishBatchSerializer, responses={201: WhitelistBatchSerializer})
    @action(detail=False, methods=["post"])
    def publish(self, request):
        body = PublishBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        region = get_object_or_404(Region, pk=body.validated_data["region"])
        industry = get_object_or_404(IndustryDomain, pk=body.validated_data["industry"])
        batch = actions.publish_batch(
            region,
            industry,
            actor=request.user,
            title=body.validated_data["title"],
            note=body.validated_data["note"],
        )
        batch.change_count = batch.changes.count()
        return Response(WhitelistBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class CoverageRowSerializer(serializers.Serializer):
    region = serializers.CharField()
    region_name = serializers.CharField()
    is_self = serializers.BooleanField()
    units = serializers.IntegerField()
    covered_units = serializers.IntegerField()
    total_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    covered_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    ratio_pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    target_pct = serializers.DecimalField(max_digits=5, decimal_places=1)
    gap_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    is_below_target = serializers.BooleanField()


class CoverageCandidateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(source="enterprise.pk")
    name = serializers.CharField(source="enterprise.name")
    region = serializers.CharField(source="enterprise.region_id")
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    cumulative = serializers.DecimalField(max_digits=16, decimal_places=2)
    criteria = serializers.CharField(
        help_text="met / undetermined / not_met / none: the published criteria's check"
    )
    qualified_tier = serializers.CharField(allow_blank=True)


@extend_schema_serializer(many=False)  # one object, not a list, though the action is "list"
class CoverageSerializer(serializers.Serializer):
    industry = serializers.CharField()
    region = serializers.CharField()
    rule_version = serializers.IntegerField()
    target_pct = serializers.IntegerField()
    rows = CoverageRowSerializer(many=True)
    candidates = CoverageCandidateSerializer(many=True)
    closes_gap = serializers.BooleanField()


class CoverageViewSet(viewsets.ViewSet):
    """WL-07: coverage of one industry in a region of the caller's scope and its child regions,
    with the fewest candidates that close the region's gap."""

    @extend_schema(
        parameters=[
            OpenApiParameter("industry", str, description="industry code (default: the first)"),
            OpenApiParameter("region", str, description="region code (default: the broadest)"),
        ],
        responses=CoverageSerializer,
    )
    def list(self, request):
        region, industry, _industries = coverage_scope(
            request.user, request.query_params.get("industry"), request.query_params.get("region")
        )
        ruleset = rules.current()
        rows = coverage(industry, region, ruleset)
        candidates = coverage_candidates(industry, region, ruleset, row=rows[0])
        data = {
            "industry": industry.code,
            "region": region.code,
            "rule_version": ruleset.version,
            "target_pct": ruleset["coverage_target_pct"],
            "rows": [row.as_dict() for row in rows],
            "candidates": candidates.candidates,
            "closes_gap": candidates.closes_gap,
        }
        return Response(CoverageSerializer(data).data)
