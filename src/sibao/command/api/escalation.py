"""API of the escalation area (CMD-03): problems (``POST`` raises one to the HQ of the raiser's
level; ``escalate`` passes it to the parent region's HQ, ``resolve`` closes it; each answer
carries the escalation history), consultations (``POST`` convenes one; ``items`` adds an agenda
item linked to any record by ``subject_type`` "app_label.model" and ``subject_id``; ``minutes``),
agenda items (``decision``, ``tasks`` assigns a task to a department) and consultation tasks
(``overdue`` flag and filter; ``complete``). Reads go through ``visible_to``; writes through
``command.actions.escalation``, whose Chinese validation messages answer 400 and permission
refusals 403."""

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.command import queries_escalation as queries
from sibao.command.actions import escalation as actions
from sibao.command.filtersets_escalation import (
    ConsultationFilterSet,
    ConsultationTaskFilterSet,
    ProblemFilterSet,
)
from sibao.command.models import AgendaItem, Consultation, ConsultationTask, Escalation, Problem
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Department, Headquarters, Region

# --- serializers ---


class EscalationSerializer(serializers.ModelSerializer):
    from_hq_name = serializers.CharField(source="from_hq.name", read_only=True)
    to_hq_name = serializers.CharField(source="to_hq.name", read_only=True)

    class Meta:
        model = Escalation
        fields = ["id", "from_hq", "from_hq_name", "to_hq", "to_hq_name", "reason", "at", "by"]
        read_only_fields = fields


class ProblemSerializer(serializers.ModelSerializer):
    headquarters_name = serializers.CharField(source="headquarters.name", read_only=True)
    level = serializers.CharField(source="headquarters.region.level", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    source_type = serializers.SerializerMethodField()
    escalations = EscalationSerializer(many=True, read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "title",
            "description",
            "enterprise",
            "enterprise_name",
            "source_type",
            "source_id",
            "source_label",
            "headquarters",
            "headquarters_name",
            "level",
            "origin_region_code",
            "region_code",
            "status",
            "resolution",
            "created_at",
            "created_by",
            "resolved_at",
            "escalations",
        ]
        read_only_fields = fields

    def get_source_type(self, obj) -> str | None:
        if not obj.source_type_id:
            return None
        return f"{obj.source_type.app_label}.{obj.source_type.model}"


@extend_schema_field(OpenApiTypes.INT)
class _EnterpriseField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        user = self.context["request"].user
        return Enterprise.objects.visible_to(user, "view")


def _headquarters_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=Headquarters.objects.select_related("region"), **kwargs
    )


def _department_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.select_related("region"), **kwargs
    )


def _resolve_record(user, label: str, pk: str, field: str):
    """A record named by "app_label.model" and its id: a scoped model's row must be visible to the
    user (checked again by the action); among unscoped models only regions are accepted."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise serializers.ValidationError(
            {field: _("不支持的对象类型：%(t)s") % {"t": label}}
        ) from None
    if model is Region:
        obj = Region.objects.filter(code=str(pk)).first()
    elif hasattr(model, "scope") and hasattr(model._default_manager, "visible_to"):
        obj = model._default_manager.visible_to(user, "view").filter(pk=pk).first()
    else:
        raise serializers.ValidationError({field: _("不支持的对象类型：%(t)s") % {"t": label}})
    if obj is None:
        raise serializers.ValidationError({field: _("对象不存在或不在您的管辖范围内。")})
    return obj


class ProblemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    enterprise = _EnterpriseField(required=False, allow_null=True)
    headquarters = _headquarters_field(required=False, allow_null=True)
    source_type = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="app_label.model"
    )
    source_id = serializers.CharField(required=False, allow_blank=True, default="")


class EscalationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ProblemResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(allow_blank=True)


class ConsultationTaskSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    consultation = serializers.IntegerField(source="item.consultation_id", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationTask
        fields = [
            "id",
            "item",
            "consultation",
            "department",
            "department_name",
            "task",
            "due_on",
            "status",
            "overdue",
            "outcome",
            "done_at",
            "region_code",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        today = timezone.localdate()
        return obj.status == ConsultationTask.Status.OPEN and obj.due_on < today


class AgendaItemSerializer(serializers.ModelSerializer):
    subject_type = serializers.SerializerMethodField()
    tasks = ConsultationTaskSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "consultation",
            "order",
            "title",
            "subject_type",
            "subject_id",
            "subject_label",
            "decision",
            "tasks",
        ]
        read_only_fields = fields

    def get_subject_type(self, obj) -> str | None:
        if not obj.subject_type_id:
            return None
        return f"{obj.subject_type.app_label}.{obj.subject_type.model}"


class ConsultationSerializer(serializers.ModelSerializer):
    headquarters_name = serializers.CharField(source="headquarters.name", read_only=True)
    items = AgendaItemSerializer(many=True, read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "title",
            "headquarters",
            "headquarters_name",
            "held_at",
            "participants",
            "other_participants",
            "minutes",
            "created_by",
            "region_code",
            "items",
        ]
        read_only_fields = fields


class ConsultationCreateSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    headquarters = _headquarters_field()
    held_at = serializers.DateTimeField()
    participants = _department_field(many=True, required=False)
    other_participants = serializers.CharField(required=False, allow_blank=True, default="")
    minutes = serializers.CharField(required=False, allow_blank=True, default="")


class AgendaItemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="")
    subject_type = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="app_label.model"
    )
    subject_id = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.CharField(required=False, allow_blank=True, default="")


class ConsultationMinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True)


class AgendaDecisionSerializer(serializers.Serializer):
    decision = serializers.CharField(allow_blank=True)


class AgendaTaskCreateSerializer(serializers.Serializer):
    department = _department_field()
    task = serializers.CharField(allow_blank=True)
    due_on = serializers.DateField()


class TaskOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(allow_blank=True)


# --- view sets ---


def _refuse_unless(user, model, action_name, message):
    if not can(user, model, action_name):
        raise exceptions.PermissionDenied(message)


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))


class ProblemViewSet(mixins.CreateModelMixin, _ReadViewSet):
    """CMD-03: problems held or raised in the jurisdiction, with their escalation history.
    ``POST`` raises one (HQ office, department staff, liaison cadre); ``escalate`` and
    ``resolve`` belong to the HQ holding it."""

    model = Problem
    queryset = Problem.objects.all()
    filterset_class = ProblemFilterSet

    def get_queryset(self):
        return (
            queries.problems_for(self.request.user)
            .select_related("headquarters__region", "enterprise", "source_type")
            .prefetch_related("escalations__from_hq", "escalations__to_hq")
            .order_by(*Problem._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "create": ProblemCreateSerializer,
            "escalate": EscalationReasonSerializer,
            "resolve": ProblemResolutionSerializer,
        }.get(self.action, ProblemSerializer)

    def _answer(self, problem, code=status.HTTP_200_OK):
        problem = self.get_queryset().get(pk=problem.pk)
        return Response(ProblemSerializer(problem).data, status=code)

    @extend_schema(request=ProblemCreateSerializer, responses={201: ProblemSerializer})
    def create(self, request, *args, **kwargs):
        _refuse_unless(
            request.user,
            Problem,
            "add",
            _("只有指挥部办公室、行业主管部门或包保干部可以提出协调事项。"),
        )
        body = ProblemCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        source = None
        if data["source_type"]:
            source = _resolve_record(request.user, data["source_type"], data["source_id"], "source")
        problem = actions.raise_problem(
            actor=request.user,
            title=data["title"],
            description=data["description"],
            enterprise=data.get("enterprise"),
            headquarters=data.get("headquarters"),
            source=source,
        )
        return self._answer(problem, status.HTTP_201_CREATED)

    @extend_schema(request=EscalationReasonSerializer, responses=ProblemSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        problem = self.get_object()
        body = EscalationReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.escalate(problem, actor=request.user, reason=body.validated_data["reason"])
        return self._answer(problem)

    @extend_schema(request=ProblemResolutionSerializer, responses=ProblemSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        problem = self.get_object()
        body = ProblemResolutionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.resolve_problem(
            problem, actor=request.user, resolution=body.validated_data["resolution"]
        )
        return self._answer(problem)


class ConsultationViewSet(mixins.CreateModelMixin, _ReadViewSet):
    """CMD-03: joint consultations with their agenda items, decisions and tasks. ``POST``
    convenes one; ``items`` adds an agenda item; ``minutes`` saves the minutes."""

    model = Consultation
    queryset = Consultation.objects.all()
    filterset_class = ConsultationFilterSet

    def get_queryset(self):
        return (
            Consultation.objects.visible_to(self.request.user, "view")
            .select_related("headquarters")
            .prefetch_related("participants", "items__subject_type", "items__tasks__department")
            .order_by(*Consultation._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "create": ConsultationCreateSerializer,
            "items": AgendaItemCreateSerializer,
            "minutes": ConsultationMinutesSerializer,
        }.get(self.action, ConsultationSerializer)

    def _answer(self, consultation, code=status.HTTP_200_OK):
        consultation = self.get_queryset().get(pk=consultation.pk)
        return Response(ConsultationSerializer(consultation).data, status=code)

    @extend_schema(request=ConsultationCreateSerializer, responses={201: ConsultationSerializer})
    def create(self, request, *args, **kwargs):
        _refuse_unless(request.user, Consultation, "add", _("只有指挥部可以召集联合会商。"))
        body = ConsultationCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        consultation = actions.hold_consultation(
            actor=request.user,
            title=data["title"],
            headquarters=data["headquarters"],
            held_at=data["held_at"],
            participants=data.get("participants", []),
            other_participants=data["other_participants"],
            minutes=data["minutes"],
        )
        return self._answer(consultation, status.HTTP_201_CREATED)

    @extend_schema(request=AgendaItemCreateSerializer, responses={201: AgendaItemSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        consultation = self.get_object()
        body = AgendaItemCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subject = None
        if data["subject_type"]:
            subject = _resolve_record(
                request.user, data["subject_type"], data["subject_id"], "subject"
            )
        item = actions.add_agenda_item(
            consultation,
            actor=request.user,
            title=data["title"],
            subject=subject,
            decision=data["decision"],
        )
        return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsultationMinutesSerializer, responses=ConsultationSerializer)
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        consultation = self.get_object()
        body = ConsultationMinutesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        actions.save_minutes(
            consultation, actor=request.user, minutes=body.validated_data["minutes"]
        )
        return self._answer(consultation)


class AgendaItemViewSet(_ReadViewSet):
    """CMD-03: agenda items of the consultations in scope. ``decision`` records the decision;
    ``tasks`` turns it into a task for a department."""

    model = Consultation
    queryset = AgendaItem.objects.all()

    def get_queryset(self):
        return (
            AgendaItem.objects.filter(
                consultation__in=Consultation.objects.visible_to(self.request.user, "view")
            )
            .select_related("consultation", "subject_type")
            .prefetch_related("tasks__department")
            .order_by(*AgendaItem._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "decision": AgendaDecisionSerializer,
            "tasks": AgendaTaskCreateSerializer,
        }.get(self.action, AgendaItemSerializer)

    @extend_schema(request=AgendaDecisionSerializer, responses=AgendaItemSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        item = self.get_object()
        body = AgendaDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = actions.record_decision(
            item, actor=request.user, decision=body.validated_data["decision"]
        )
        return Response(AgendaItemSerializer(item).data)

    @extend_schema(request=AgendaTaskCreateSerializer, responses={201: ConsultationTaskSerializer})
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk=None):
        item = self.get_object()
        body = AgendaTaskCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = actions.assign_task(item, actor=request.user, **body.validated_data)
        return Response(ConsultationTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class ConsultationTaskViewSet(_ReadViewSet):
    """CMD-03: tasks from consultation decisions in scope (``overdue=true`` lists the overdue
    ones; ``mine=true`` the user's departments'); ``complete`` by the department or the HQ
    office."""

    model = ConsultationTask
    queryset = ConsultationTask.objects.all()
    filterset_class = ConsultationTaskFilterSet

    def get_queryset(self):
        return (
            ConsultationTask.objects.visible_to(self.request.user, "view")
            .select_related("department", "item")
            .order_by(*ConsultationTask._meta.ordering)
        )

    def get_serializer_class(self):
        if self.action == "complete":
            return TaskOutcomeSerializer
        return ConsultationTaskSerializer

    @extend_schema(request=TaskOutcomeSerializer, responses=ConsultationTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        body = TaskOutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = actions.complete_task(
            task, actor=request.user, outcome=body.validated_data["outcome"]
        )
        return Response(ConsultationTaskSerializer(task).data)
