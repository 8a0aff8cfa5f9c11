"""API of the common area (DEM-04): common issues (``resolve``, ``start``, ``send-to-reserve``,
``link``, ``unlink``), demand clusters (``promote``; ``?latest=true`` the newest run only) and
``GET demands-similar/?text=&region=&category=`` (similar open demands while typing). Reads go
through ``visible_to``; writes through ``workorders.actions.common``, whose Chinese validation
messages answer 400 and refusals 403."""

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.regions.models import Department
from sibao.workorders import queries_common as queries
from sibao.workorders import similarity
from sibao.workorders.actions import common as actions
from sibao.workorders.filtersets_common import CommonIssueFilterSet, DemandClusterFilterSet
from sibao.workorders.models import CommonIssue, Demand, DemandCluster

# --- serializers ---


class CommonIssueSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    demand_numbers = serializers.SerializerMethodField()

    class Meta:
        model = CommonIssue
        fields = [
            "id",
            "title",
            "category",
            "summary",
            "status",
            "region_code",
            "department",
            "department_name",
            "hotness",
            "created_at",
            "resolution",
            "resolved_at",
            "policy_draft",
            "demand_numbers",
        ]
        read_only_fields = fields

    def get_demand_numbers(self, obj) -> list[str]:
        user = self.context["request"].user
        return list(
            Demand.objects.visible_to(user)
            .filter(common_issue=obj)
            .order_by("submitted_at", "id")
            .values_list("number", flat=True)
        )


class DemandClusterSerializer(serializers.ModelSerializer):
    run_at = serializers.DateTimeField(source="run.at", read_only=True)
    demand_numbers = serializers.SerializerMethodField()

    class Meta:
        model = DemandCluster
        fields = [
            "id",
            "run",
            "run_at",
            "category",
            "region_code",
            "label",
            "size",
            "unit_count",
            "hotness",
            "promoted_to",
            "demand_numbers",
        ]
        read_only_fields = fields

    def get_demand_numbers(self, obj) -> list[str]:
        return [d.number for d in obj.demands.all()]


class CommonIssueResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(allow_blank=True)


class CommonIssueReserveSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    proposal = serializers.CharField(allow_blank=True, required=False, default="")


class DemandNumbersSerializer(serializers.Serializer):
    numbers = serializers.ListField(child=serializers.CharField(), allow_empty=False)


class ClusterPromoteSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )


class PolicyDraftRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    source_label = serializers.CharField()


class SimilarDemandSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    score = serializers.FloatField()
    status = serializers.CharField()
    url = serializers.CharField()


# --- view sets ---


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))


def _demands(request, body_class=DemandNumbersSerializer):
    body = body_class(data=request.data)
    body.is_valid(raise_exception=True)
    demands, missing = queries.demands_by_numbers(request.user, body.validated_data["numbers"])
    if missing:
        raise ValidationError({"numbers": _("未找到以下诉求：%(n)s") % {"n": "、".join(missing)}})
    return demands


class CommonIssueViewSet(_ReadViewSet):
    """DEM-04: common issues in scope with their linked demands; batch handling as actions."""

    model = CommonIssue
    queryset = CommonIssue.objects.all()
    serializer_class = CommonIssueSerializer
    filterset_class = CommonIssueFilterSet

    def get_queryset(self):
        return (
            CommonIssue.objects.visible_to(self.request.user)
            .select_related("department")
            .annotate(demand_count=Count("demands"))
            .order_by(*CommonIssue._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "resolve": CommonIssueResolutionSerializer,
            "send_to_reserve": CommonIssueReserveSerializer,
            "link": DemandNumbersSerializer,
            "unlink": DemandNumbersSerializer,
        }.get(self.action, CommonIssueSerializer)

    def _answer(self, issue, code=status.HTTP_200_OK):
        issue = self.get_queryset().get(pk=issue.pk)
        return Response(CommonIssueSerializer(issue, context={"request": self.request}).data, code)

    @extend_schema(request=None, responses=CommonIssueSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._answer(actions.start_issue(self.get_object(), actor=request.user))

    @extend_schema(request=CommonIssueResolutionSerializer, responses=CommonIssueSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        body = CommonIssueResolutionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issue = actions.resolve_issue(
            self.get_object(), actor=request.user, resolution=body.validated_data["resolution"]
        )
        return self._answer(issue)

    @extend_schema(request=CommonIssueReserveSerializer, responses={201: PolicyDraftRefSerializer})
    @action(detail=True, methods=["post"], url_path="send-to-reserve")
    def send_to_reserve(self, request, pk=None):
        issue = self.get_object()
        body = CommonIssueReserveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        draft = actions.send_to_reserve(issue, actor=request.user, **body.validated_data)
        return Response(PolicyDraftRefSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DemandNumbersSerializer, responses=CommonIssueSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        issue = self.get_object()
        actions.link_demands(issue, _demands(request), actor=request.user)
        return self._answer(issue)

    @extend_schema(request=DemandNumbersSerializer, responses=CommonIssueSerializer)
    @action(detail=True, methods=["post"])
    def unlink(self, request, pk=None):
        issue = self.get_object()
        actions.unlink_demands(issue, _demands(request), actor=request.user)
        return self._answer(issue)


class DemandClusterViewSet(_ReadViewSet):
    """DEM-04: clusters of similar demands in scope, hottest first (``latest=true``: the newest
    run only); ``promote`` turns one into a common issue (the office of its region)."""

    model = DemandCluster
    queryset = DemandCluster.objects.all()
    serializer_class = DemandClusterSerializer
    filterset_class = DemandClusterFilterSet

    def get_queryset(self):
        queryset = (
            DemandCluster.objects.visible_to(self.request.user)
            .select_related("run")
            .prefetch_related("demands")
            .order_by("-run__at", "-hotness", "id")
        )
        if self.request.query_params.get("latest") == "true":
            run = queries.latest_run()
            queryset = queryset.filter(run=run) if run else queryset.none()
        return queryset

    def get_serializer_class(self):
        return ClusterPromoteSerializer if self.action == "promote" else DemandClusterSerializer

    @extend_schema(request=ClusterPromoteSerializer, responses={201: CommonIssueSerializer})
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        cluster = self.get_object()
        body = ClusterPromoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issue = actions.promote_cluster(cluster, actor=request.user, **body.validated_data)
        data = CommonIssueSerializer(issue, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class SimilarDemandViewSet(viewsets.ViewSet):
    """DEM-04: ``GET demands-similar/?text=&region=&category=``: up to 5 similar open demands of
    the region's city (another unit's name only for those who may see its demand)."""

    serializer_class = SimilarDemandSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("text", OpenApiTypes.STR, required=False),
            OpenApiParameter("region", OpenApiTypes.STR, required=False),
            OpenApiParameter("category", OpenApiTypes.STR, required=False),
        ],
        responses=SimilarDemandSerializer(many=True),
    )
    def list(self, request):
        if not can(request.user, Demand, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))
        text = request.query_params.get("text", "").strip()
        if not text:
            return Response([])
        region = request.query_params.get("region", "").strip()
        if not region.isdigit():
            region = queries.filing_region(request.user, None)
        pairs = similarity.similar_open_demands(
            text, region_code=region, category=request.query_params.get("category") or None
        )
        rows = queries.similar_rows(request.user, pairs)
        return Response(SimilarDemandSerializer(rows, many=True).data)
