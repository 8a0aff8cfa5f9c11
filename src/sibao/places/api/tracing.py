"""API of the tracing area (EPI-07): tracing jobs in the caller's scope (list, detail with the
contacts) and ``POST /api/tracing-jobs/``, which runs a trace synchronously through
``places.actions.run_trace`` and answers 201 with the job and its contacts. Only the health
office runs traces; the headquarters read jobs. ID numbers are accepted in the request and never
returned: the job carries person keys and masked numbers."""

import functools

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import ISO_8601, exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

from sibao.accounts.access import can
from sibao.places import actions
from sibao.places.models import TracingContact, TracingJob, Widen


class TracingContactSerializer(serializers.ModelSerializer):
    """One contact: the person key (pseudonymous), level, whom they met, where and when."""

    class Meta:
        model = TracingContact
        fields = [
            "person_key",
            "level",
            "via_person_key",
            "place_code_id",
            "space_id",
            "enterprise_id",
            "region_code",
            "overlap_from",
            "overlap_to",
            "overlap_seconds",
            "contacts",
        ]
        read_only_fields = fields


class TracingJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = TracingJob
        fields = [
            "id",
            "created_at",
            "created_by",
            "reason",
            "case_ref",
            "case_keys",
            "case_labels",
            "period_from",
            "period_to",
            "window_minutes",
            "widen",
            "include_secondary",
            "close_count",
            "secondary_count",
            "took_ms",
            "region_code",
            "alert",
        ]
        read_only_fields = fields


class TracingJobDetailSerializer(TracingJobSerializer):
    contacts = serializers.SerializerMethodField()

    class Meta(TracingJobSerializer.Meta):
        fields = [*TracingJobSerializer.Meta.fields, "contacts"]
        read_only_fields = fields

    @extend_schema_field(TracingContactSerializer(many=True))
    def get_contacts(self, job):
        # a job just run carries the rows it wrote (no second read); a stored one reads them
        rows = getattr(job, "written_contacts", None)
        if rows is None:
            rows = job.contacts.all()
        return contact_rows(rows)


@functools.cache
def _contact_fields() -> tuple:
    """(name, source, how to represent it or None for an ISO 8601 date-time) of each readable
    field of ``TracingContactSerializer``: built once (a model serializer builds its fields from
    the model on every instance)."""
    fields = []
    for field in TracingContactSerializer()._readable_fields:
        represent = field.to_representation
        if (
            type(field) is serializers.DateTimeField
            and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
            and not hasattr(field, "timezone")
        ):
            represent = None
        fields.append((field.field_name, field.source, represent))
    return tuple(fields)


def contact_rows(rows) -> list[dict]:
    """``TracingContactSerializer(rows, many=True).data``, the same values, without DRF's
    per-row machinery (a job can hold thousands of contacts): each field's own
    ``to_representation`` on each row's attribute, with the ISO 8601 date-times of
    ``DateTimeField`` (in the current time zone, "Z" for UTC) formatted directly."""
    zone = timezone.get_current_timezone()

    def iso(value):
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    fields = [(name, source, represent or iso) for name, source, represent in _contact_fields()]
    result = []
    for row in rows:
        item = {}
        for name, source, represent in fields:
            value = getattr(row, source)
            item[name] = None if value is None else represent(value)
        result.append(item)
    return result


class TracingRequestSerializer(serializers.Serializer):
    """A trace to run: the cases (ID numbers or person keys), the period (default the last
    ``tracing_lookback_days``), the window (default ``tracing_window_minutes``), the widening,
    whether to find secondary contacts, and the reason and case reference (required)."""

    case_id_numbers = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text=gettext_lazy("病例身份证号码"),
    )
    case_keys = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text=gettext_lazy("病例人员标识"),
    )
    period_from = serializers.DateTimeField(required=False, allow_null=True)
    period_to = serializers.DateTimeField(required=False, allow_null=True)
    window_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=720
    )
    widen = serializers.ChoiceField(choices=Widen.choices, required=False, default=Widen.CODE)
    include_secondary = serializers.BooleanField(required=False, default=True)
    reason = serializers.CharField(allow_blank=True, help_text=gettext_lazy("流调事由"))
    case_ref = serializers.CharField(allow_blank=True, help_text=gettext_lazy("病例（事件）编号"))


class TracingJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """EPI-07: tracing jobs in scope (the jobs of the caller's jurisdiction); the detail lists
    the contacts. ``POST`` runs a trace now and answers with the job and its contacts."""

    queryset = TracingJob.objects.all()
    filterset_fields = ["case_ref", "widen"]

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, TracingJob, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        queryset = TracingJob.objects.visible_to(self.request.user, "view")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("contacts")
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return TracingRequestSerializer
        if self.action == "retrieve":
            return TracingJobDetailSerializer
        return TracingJobSerializer

    @extend_schema(request=TracingRequestSerializer, responses={201: TracingJobDetailSerializer})
    def create(self, request, *args, **kwargs):
        # refuse before validating, so a role that may not trace learns nothing from errors
        if not can(request.user, TracingJob, "add"):
            raise exceptions.PermissionDenied(_("只有卫健（疫情防控）部门可以开展流调。"))
        body = TracingRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = actions.run_trace(actor=request.user, **body.validated_data)
        return Response(TracingJobDetailSerializer(job).data, status=status.HTTP_201_CREATED)
