"""API of the warnings area (MON-02): ``warnings`` lists and reads the early warnings the caller
may see (same filters as the page: dimension, level, status incl. ``active``, rule, region,
enterprise, overdue, q), each with its rule, the parameter values and figures that fired it and
the rule-set version; the responses are POST actions on one warning — ``acknowledge``,
``assign`` (owner and/or department, deadline), ``work-order`` (a demand of the unit),
``consult`` (a joint consultation with the warning on its agenda), ``resolve``, ``dismiss``.
Reads go through ``visible_to``; writes through ``command.actions.warnings``, whose Chinese
validation messages answer 400 and refusals 403."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.accounts.models import User
from sibao.command import monitoring
from sibao.command import queries_warnings as queries
from sibao.command.actions import warnings as actions
from sibao.command.filtersets_warnings import EarlyWarningFilterSet
from sibao.command.models import EarlyWarning
from sibao.regions.models import Department
from sibao.workorders.models import DemandCategory, Urgency


class EarlyWarningSerializer(serializers.ModelSerializer):
    rule_name = serializers.SerializerMethodField()
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    owner_name = serializers.SerializerMethodField()
    owner_department_name = serializers.CharField(
        source="owner_department.name", read_only=True, default=None
    )
    demand_number = serializers.CharField(source="demand.number", read_only=True, default=None)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = EarlyWarning
        fields = [
            "id",
            "rule",
            "rule_name",
            "dimension",
            "level",
            "title",
            "detail",
            "facts",
            "rule_set_version",
            "enterprise",
            "enterprise_name",
            "region_code",
            "industry",
            "status",
            "raised_at",
            "last_seen_at",
            "cleared_at",
            "deadline",
            "is_overdue",
            "owner",
            "owner_name",
            "owner_department",
            "owner_department_name",
            "acknowledged_at",
            "outcome",
            "resolved_at",
            "demand",
            "demand_number",
            "consultation",
        ]
        read_only_fields = fields

    def get_rule_name(self, obj) -> str:
        rule = monitoring.get(obj.rule)
        return str(rule.name) if rule else obj.rule

    def get_owner_name(self, obj) -> str | None:
        return str(obj.owner) if obj.owner_id else None

    def get_is_overdue(self, obj) -> bool:
        return bool(
            obj.status in queries.ACTIVE_STATUSES
            and obj.deadline is not None
            and obj.deadline < timezone.now()
        )


class WarningNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class WarningAssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class WarningWorkOrderSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=DemandCategory.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default="normal")
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class WarningConsultSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    held_at = serializers.DateTimeField()
    participants = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False, default=list
    )
    other_participants = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=255
    )


class WarningOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


class WarningReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EarlyWarningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """MON-02: early warnings of the seven dimensions and the one-click responses."""

    queryset = EarlyWarning.objects.all()
    serializer_class = EarlyWarningSerializer
    filterset_class = EarlyWarningFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, EarlyWarning, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return queries.warnings_for(self.request.user).order_by(*EarlyWarning._meta.ordering)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _answer(self, warning):
        return Response(EarlyWarningSerializer(self.get_queryset().get(pk=warning.pk)).data)

    @extend_schema(request=WarningNoteSerializer, responses=EarlyWarningSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        warning = self.get_object()
        data = self._body(WarningNoteSerializer)
        return self._answer(
            actions.acknowledge_warning(warning, actor=request.user, note=data["note"])
        )

    @extend_schema(request=WarningAssignSerializer, responses=EarlyWarningSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        warning = self.get_object()
        data = self._body(WarningAssignSerializer)
        return self._answer(
            actions.assign_warning(
                warning,
                actor=request.user,
                owner=data.get("owner"),
                department=data.get("department"),
                deadline=data.get("deadline"),
                note=data["note"],
            )
        )

    @extend_schema(request=WarningWorkOrderSerializer, responses=EarlyWarningSerializer)
    @action(detail=True, methods=["post"], url_path="work-order", url_name="work-order")
    def work_order(self, request, pk=None):
        warning = self.get_object()
        data = self._body(WarningWorkOrderSerializer)
        return self._answer(
            actions.open_work_order(
                warning,
                actor=request.user,
                category=data.get("category"),
                urgency=data["urgency"],
                description=data["description"],
            )
        )

    @extend_schema(request=WarningConsultSerializer, responses=EarlyWarningSerializer)
    @action(detail=True, methods=["post"])
    def consult(self, request, pk=None):
        warning = self.get_object()
        data = self._body(WarningConsultSerializer)
        return self._answer(
            actions.open_consultation(
                warning,
                actor=request.user,
                title=data["title"],
                held_at=data["held_at"],
                participants=data["participants"],
                other_participants=data["other_participants"],
            )
        )

    @extend_schema(request=WarningOutcomeSerializer, responses=EarlyWarningSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        warning = self.get_object()
        data = self._body(WarningOutcomeSerializer)
        return self._answer(
            actions.resolve_warning(warning, actor=request.user, outcome=data["outcome"])
        )

    @extend_schema(request=WarningReasonSerializer, responses=EarlyWarningSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        warning = self.get_object()
        data = self._body(WarningReasonSerializer)
        return self._answer(
            actions.dismiss_warning(warning, actor=request.user, reason=data["reason"])
        )
