"""API of the incidents area (INC-01, INC-02, INC-04): incidents (list, detail, report one, and
the ``trace``, ``exclude``, ``confirm``, ``resume`` steps of their lifecycle), their steps
(``complete``), silent periods with their daily tests (``end``). Reads go through
``visible_to``; writes through ``command.actions``; personal data masked."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.command import actions
from sibao.command import queries_incidents as queries
from sibao.command.filtersets_incidents import (
    IncidentFilterSet,
    IncidentStepFilterSet,
    SilentPeriodFilterSet,
)
from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.enterprises.models import Enterprise


def _codes(choices) -> str:
    return "；".join(f"{value}（{label}）" for value, label in choices)


# plain strings, not enums: "kind" and "status" are names every module uses for its own choices,
# and an enum per field name would collide in the schema
class IncidentStepSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_codes(StepKind.choices))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True, default=None)
    done_by_name = serializers.CharField(source="done_by.__str__", read_only=True, default=None)
    state = serializers.SerializerMethodField(help_text="done, not_needed, overdue, pending")
    side = serializers.SerializerMethodField(help_text="unit（单位）或 health（属地卫健）")

    class Meta:
        model = IncidentStep
        fields = [
            "id",
            "incident",
            "kind",
            "kind_display",
            "order",
            "side",
            "owner",
            "owner_name",
            "owner_label",
            "due_at",
            "done_at",
            "done_by",
            "done_by_name",
            "note",
            "state",
            "overdue_alerted_at",
        ]
        read_only_fields = fields

    def _view(self, step):
        return queries.step_view(step, self.context.get("now"))

    def get_state(self, step) -> str:
        return self._view(step).state

    def get_side(self, step) -> str:
        return queries.step_side(step.kind)


class IncidentSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_codes(Incident.Kind.choices))
    status = serializers.CharField(read_only=True, help_text=_codes(Incident.Status.choices))
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    staff_name = serializers.CharField(source="staff.name", read_only=True, default=None)
    staff_id_masked = serializers.CharField(source="staff.id_masked", read_only=True, default=None)
    zone_name = serializers.CharField(source="zone.name", read_only=True, default=None)
    steps = IncidentStepSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region_code",
            "kind",
            "status",
            "description",
            "staff",
            "staff_name",
            "staff_id_masked",
            "zone",
            "zone_name",
            "observation_room",
            "alert",
            "tracing_job",
            "opened_at",
            "opened_by",
            "closed_at",
            "rule_version",
            "steps",
        ]
        read_only_fields = fields


class IncidentOpenSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text="单位编号")
    kind = serializers.CharField(help_text=_codes(Incident.Kind.choices))
    description = serializers.CharField(allow_blank=True)
    staff = serializers.IntegerField(required=False, allow_null=True, help_text="花名册人员编号")
    zone = serializers.IntegerField(required=False, allow_null=True, help_text="区域编号")
    observation_room = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ExcludeSerializer(serializers.Serializer):
    room = serializers.CharField(allow_blank=True)
    days = serializers.IntegerField()
    contact_keys = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="一同返岗人员标识"
    )
    staff = serializers.IntegerField(
        required=False, allow_null=True, help_text="静默期人员（默认：事件涉及人员）"
    )


class StepCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    not_needed = serializers.BooleanField(required=False, default=False)
    room = serializers.CharField(required=False, allow_blank=True, default="")


class SilentDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    tests = serializers.IntegerField()
    required = serializers.IntegerField()
    state = serializers.CharField(help_text="ok, missing, positive, waiting")


class SilentPeriodSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, default=None)
    staff_id_masked = serializers.CharField(source="staff.id_masked", read_only=True, default=None)
    contacts = serializers.SerializerMethodField(help_text="一同返岗人数")
    days = serializers.SerializerMethodField()

    class Meta:
        model = SilentPeriod
        fields = [
            "id",
            "incident",
            "staff",
            "staff_name",
            "staff_id_masked",
            "room",
            "starts_on",
            "ends_on",
            "tests_per_day",
            "contacts",
            "returned_at",
            "region_code",
            "days",
        ]
        read_only_fields = fields

    def get_contacts(self, period) -> int:
        return len(period.contact_keys or [])

    @extend_schema_field(SilentDaySerializer(many=True))
    def get_days(self, period) -> list:
        return SilentDaySerializer(
            [
                {"day": d.day, "tests": d.tests, "required": d.required, "state": d.state}
                for d in queries.silent_period_days(period, self.context.get("now"))
            ],
            many=True,
        ).data


def _scoped_check(request, model, message=None):
    if not can(request.user, model, "view"):
        raise exceptions.PermissionDenied(message or _("您的角色无权访问该资源。"))


class IncidentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """INC-01: incidents in the caller's scope with their steps. POST reports one (the unit's
    admin, or the local health office); ``trace``, ``exclude``, ``confirm`` and ``resume`` work
    it."""

    queryset = Incident.objects.select_related("enterprise", "staff", "zone")
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    ordering_fields = ["opened_at", "closed_at"]

    def check_permissions(self, request):
        super().check_permissions(request)
        _scoped_check(request, Incident)

    def get_queryset(self):
        return (
            self.queryset.all()
            .visible_to(self.request.user, "view")
            .prefetch_related("steps__owner", "steps__done_by")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["now"] = timezone.now()
        return context

    def _respond(self, incident, code=status.HTTP_200_OK):
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(self.get_serializer(incident).data, status=code)

    @extend_schema(request=IncidentOpenSerializer, responses=IncidentSerializer)
    def create(self, request, *args, **kwargs):
        from sibao.epidemic.models import StaffMember
        from sibao.places.models import Zone

        body = IncidentOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=data["enterprise"])
        unit = unit.first()
        if unit is None:
            raise exceptions.ValidationError({"enterprise": [_("单位不存在或不在您的辖区。")]})
        staff = zone = None
        if data.get("staff"):
            staff = StaffMember.objects.filter(pk=data["staff"], enterprise=unit).first()
            if staff is None:
                raise exceptions.ValidationError({"staff": [_("所选人员不在本单位花名册中。")]})
        if data.get("zone"):
            zone = Zone.objects.filter(pk=data["zone"], enterprise=unit).first()
            if zone is None:
                raise exceptions.ValidationError({"zone": [_("所选区域不属于本单位。")]})
        incident = actions.open_incident(
            unit,
            actor=request.user,
            kind=data["kind"],
            description=data["description"],
            staff=staff,
            zone=zone,
            observation_room=data["observation_room"],
        )
        return self._respond(incident, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def trace(self, request, pk=None):
        """Link the automatic tracing job of the incident's alert, or run one (health office)."""
        incident = self.get_object()
        actions.link_tracing(incident, actor=request.user)
        return self._respond(incident)

    @extend_schema(request=ExcludeSerializer, responses=SilentPeriodSerializer)
    @action(detail=True, methods=["post"])
    def exclude(self, request, pk=None):
        """The retest excluded infection: a silent period for the person (the unit's admin)."""
        from sibao.epidemic.models import StaffMember

        incident = self.get_object()
        body = ExcludeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        staff = None
        if data.get("staff"):
            staff = StaffMember.objects.filter(
                pk=data["staff"], enterprise_id=incident.enterprise_id
            ).first()
            if staff is None:
                raise exceptions.ValidationError({"staff": [_("所选人员不在本单位花名册中。")]})
        period = actions.exclude_suspect(
            incident,
            actor=request.user,
            room=data["room"],
            days=data["days"],
            contact_keys=data["contact_keys"],
            staff=staff,
        )
        return Response(
            SilentPeriodSerializer(period, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=NoteSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The retest is positive: handled by the local health office (health office only)."""
        incident = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.confirm_case(incident, actor=request.user, note=body.validated_data["note"])
        return self._respond(incident)

    @extend_schema(request=NoteSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """The affected zone resumes production once every other step is finished."""
        incident = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.resume_production(incident, actor=request.user, note=body.validated_data["note"])
        return self._respond(incident)


class IncidentStepViewSet(viewsets.ReadOnlyModelViewSet):
    """INC-01: the steps of the incidents in the caller's scope; ``complete`` records one."""

    queryset = IncidentStep.objects.select_related("owner", "done_by", "incident")
    serializer_class = IncidentStepSerializer
    filterset_class = IncidentStepFilterSet
    ordering_fields = ["due_at", "order"]

    def check_permissions(self, request):
        super().check_permissions(request)
        _scoped_check(request, Incident)

    def get_queryset(self):
        return self.queryset.filter(
            incident__in=Incident.objects.visible_to(self.request.user, "view")
        ).order_by("incident_id", "order", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["now"] = timezone.now()
        return context

    @extend_schema(request=StepCompleteSerializer, responses=IncidentStepSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record the step as done (or, with ``not_needed`` and a reason, as not needed)."""
        step = self.get_object()
        body = StepCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        step = actions.complete_step(
            step,
            actor=request.user,
            note=data["note"],
            not_needed=data["not_needed"],
            room=data["room"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=step.pk)).data)


class SilentPeriodViewSet(viewsets.ReadOnlyModelViewSet):
    """INC-02: silent periods in the caller's scope with each day's tests from the NAT feed;
    ``end`` returns the person and the named contacts to their posts."""

    queryset = SilentPeriod.objects.select_related("staff")
    serializer_class = SilentPeriodSerializer
    filterset_class = SilentPeriodFilterSet
    ordering_fields = ["starts_on", "ends_on"]

    def check_permissions(self, request):
        super().check_permissions(request)
        _scoped_check(request, SilentPeriod)

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user, "view")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["now"] = timezone.now()
        return context

    @extend_schema(request=None, responses=SilentPeriodSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        period = self.get_object()
        period = actions.end_silent_period(period, actor=request.user)
        return Response(self.get_serializer(period).data)
