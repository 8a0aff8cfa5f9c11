"""API of the feeds (EPI-02): ``POST /api/feeds/<kind>/`` for the external systems (an API token
of a data-feed account; the source is the ``DataSource`` linked to that account), and the feed
batches for the health office and system administrators."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.ratelimit import IngestThrottle
from sibao.epidemic.filtersets_feeds import FeedBatchFilterSet
from sibao.epidemic.ingest import RECORD_FIELDS, ingest
from sibao.epidemic.models import DataSource, FeedBatch, FeedKind

KIND_PATTERN = "|".join(FeedKind.values)


def _inline_enum(values):
    """A choice documented as an inline enum: names like ``status`` and ``kind`` recur across the
    API with other choices, and a shared named enum component would clash."""

    @extend_schema_field({"type": "string", "enum": list(values)})
    class InlineChoiceField(serializers.ChoiceField):
        pass

    return InlineChoiceField


def _doc_field(f):
    """The serializer field that documents one record field (the records themselves are checked
    by ``ingest``, record by record, so that one bad record does not refuse the batch)."""
    common = {"required": f.required, "help_text": f.help}
    if f.type == "choice":
        return _inline_enum(f.choices)(choices=f.choices, allow_blank="" in f.choices, **common)
    if f.type == "bool":
        return serializers.BooleanField(**common)
    if f.type == "datetime":
        return serializers.DateTimeField(**common)
    if f.type == "date":
        return serializers.DateField(**common)
    if f.type == "id_number":
        return serializers.CharField(min_length=18, max_length=18, **common)
    if f.type == "region":
        return serializers.RegexField(r"^\d{6}$", allow_blank=not f.required, **common)
    return serializers.CharField(max_length=f.max_length, allow_blank=not f.required, **common)


def _record_serializer(kind):
    name = "".join(part.title() for part in kind.split("_")) + "Record"
    attrs = {f.name: _doc_field(f) for f in RECORD_FIELDS[kind]}
    return type(name, (serializers.Serializer,), attrs)


RECORD_SERIALIZERS = {kind: _record_serializer(kind) for kind in FeedKind.values}


class FeedErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="0-based position of the record in the batch")
    field = serializers.CharField(help_text="the field at fault (empty: the whole record)")
    reason = serializers.CharField()


class FeedBatchSerializer(serializers.ModelSerializer):
    kind = _inline_enum(FeedKind.values)(choices=FeedKind.choices, read_only=True)
    via = _inline_enum(["api", "file"])(choices=["api", "file"], read_only=True)
    source = serializers.CharField(source="source_id", read_only=True)
    source_name = serializers.CharField(source="source.name", read_only=True)
    received_by = serializers.StringRelatedField(read_only=True)
    errors = FeedErrorSerializer(many=True, read_only=True)

    class Meta:
        model = FeedBatch
        fields = [
            "id",
            "kind",
            "source",
            "source_name",
            "via",
            "received_at",
            "received_by",
            "total",
            "accepted",
            "duplicates",
            "rejected",
            "errors",
        ]
        read_only_fields = fields


FEED_RECORDS = PolymorphicProxySerializer(
    component_name="FeedRecords",
    serializers=list(RECORD_SERIALIZERS.values()),
    resource_type_field_name=None,
    many=True,
)


class FeedIngestViewSet(viewsets.ViewSet):
    """EPI-02: one batch of records of one kind from an external system. Each record is checked
    on its own; the good ones are stored (once: a resent record is counted as a duplicate), the
    bad ones are named in ``errors`` by their position, with the reason. A malformed body is
    refused whole (400); an account without the data-feed role gets 403."""

    parser_classes = [JSONParser]
    throttle_classes = [IngestThrottle]

    def _source(self, request) -> DataSource:
        sources = list(DataSource.objects.filter(user=request.user).order_by("code"))
        if not sources:
            raise exceptions.PermissionDenied(_("该接口账户未关联数据来源。"))
        wanted = request.query_params.get("source")
        if wanted:
            for source in sources:
                if source.code == wanted:
                    return source
            raise exceptions.PermissionDenied(_("该接口账户无权以此来源报送。"))
        if len(sources) > 1:
            raise exceptions.ValidationError(
                {"source": _("该账户关联多个数据来源，请以 ?source= 指明。")}
            )
        return sources[0]

    @extend_schema(
        operation_id="feeds_ingest",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=FeedKind.values),
            OpenApiParameter(
                "source",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="the data source's code, when the account feeds for several",
            ),
        ],
        request=FEED_RECORDS,
        responses={
            200: FeedBatchSerializer,
            400: OpenApiResponse(description="the body is not a list of records"),
            401: OpenApiResponse(description="no or an invalid token"),
            403: OpenApiResponse(description="not a data-feed account, or no data source"),
        },
        description=(
            'Send a JSON list of records (or {"records": [...]}) of the kind named in the '
            "path. Datetimes are ISO 8601; without an offset they are read as Asia/Shanghai. "
            "The answer is 200 with the counts even when some records were rejected. A body "
            "may not exceed the server's upload limit (2.5 MB by default, about 10 000 NAT "
            "records); larger deliveries use several requests or the bulk file path."
        ),
    )
    def create(self, request, kind=None):
        if not can(request.user, FeedBatch, "ingest"):
            raise exceptions.PermissionDenied(_("该账户无权报送数据。"))
        source = self._source(request)
        body = request.data
        if isinstance(body, dict) and set(body) == {"records"}:
            body = body["records"]
        if not isinstance(body, list):
            raise exceptions.ValidationError(
                {"detail": _('请求体应为记录列表，或 {"records": [...]}。')}
            )
        batch = ingest(kind, body, source=source, actor=request.user, via="api")
        return Response(FeedBatchSerializer(batch).data)


class FeedBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """EPI-02: feed batches received (counts and the rejected records' reasons), for the health
    office and system administrators. Batches carry no personal data and belong to no region."""

    queryset = FeedBatch.objects.select_related("source", "received_by").order_by(
        "-received_at", "-id"
    )
    serializer_class = FeedBatchSerializer
    filterset_class = FeedBatchFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, FeedBatch, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))
