"""API of the catalogue area (POL-01, POL-05): policies (list and read with their conditions;
create and update drafts with their conditions; publish; withdraw; new version; preview) and the
policy reserve. Every write calls the action the UI calls."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.facts import CATALOGUE
from sibao.policies import actions
from sibao.policies.actions.catalogue import POLICY_FIELDS
from sibao.policies.filtersets_catalogue import PolicyDraftFilterSet, PolicyFilterSet
from sibao.policies.forms_catalogue import resolve_source
from sibao.policies.models import (
    ApplicationRoute,
    Policy,
    PolicyCategory,
    PolicyCondition,
    PolicyDraft,
    PolicyStatus,
)
from sibao.policies.queries_catalogue import preview, readable_policies
from sibao.regions.models import Department

# --- serializers -------------------------------------------------------------------------------


# The ten kinds of support appear on policies and reserve entries. Documented as a pattern of
# values rather than an enum: drf-spectacular names enums by field name, and a second "category"
# enum would collide with the roster's staff categories (settings are not this area's to change).
CATEGORY_SCHEMA = {
    "type": "string",
    "pattern": "^(" + "|".join(PolicyCategory.values) + ")?$",
    "description": "; ".join(f"{value}: {label}" for value, label in PolicyCategory.choices),
}


@extend_schema_field(CATEGORY_SCHEMA)
class PolicyCategoryField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=PolicyCategory.choices, **kwargs)


class PolicyConditionSerializer(serializers.ModelSerializer):
    expression = serializers.JSONField(
        help_text="An eligibility tree over the attribute catalogue."
    )
    description = serializers.SerializerMethodField(help_text="The rule in words.")

    class Meta:
        model = PolicyCondition
        fields = ["id", "title", "clause", "expression", "description", "order"]
        read_only_fields = ["id", "description", "order"]

    def get_description(self, condition) -> str:
        try:
            return CATALOGUE.describe(condition.expression)
        except (KeyError, ValueError, TypeError, AttributeError):
            return ""


class PolicySerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    category = PolicyCategoryField(read_only=True)
    conditions = PolicyConditionSerializer(many=True, read_only=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "series",
            "version",
            "title",
            "department",
            "department_name",
            "region_code",
            "category",
            "document",
            "summary",
            "benefit",
            "benefit_amount",
            "route",
            "how_to_apply",
            "materials",
            "valid_from",
            "valid_to",
            "status",
            "published_at",
            "draft",
            "conditions",
        ]
        read_only_fields = fields


class ConditionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    clause = serializers.CharField(max_length=200, allow_blank=True)
    expression = serializers.JSONField()


class PolicyWriteSerializer(serializers.Serializer):
    """A draft's fields; ``conditions`` (when given) replaces the draft's conditions in order."""

    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, help_text="On creation only."
    )
    series = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="On creation only."
    )
    title = serializers.CharField(max_length=200, required=False)
    category = PolicyCategoryField(required=False)
    document = serializers.CharField(max_length=200, required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    benefit = serializers.CharField(max_length=255, required=False)
    benefit_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    route = serializers.ChoiceField(choices=ApplicationRoute.choices, required=False)
    how_to_apply = serializers.CharField(required=False, allow_blank=True)
    materials = serializers.CharField(required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False)
    valid_to = serializers.DateField(required=False, allow_null=True)
    conditions = ConditionInputSerializer(many=True, required=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PreviewConditionSerializer(serializers.Serializer):
    condition = serializers.IntegerField()
    title = serializers.CharField()
    rule = serializers.CharField()
    met = serializers.IntegerField()
    failed = serializers.IntegerField()
    unknown = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    eligible = serializers.IntegerField()
    possible = serializers.IntegerField()
    ineligible = serializers.IntegerField()
    conditions = PreviewConditionSerializer(many=True)


class PolicyDraftSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    category = PolicyCategoryField(read_only=True)
    source_type = serializers.SerializerMethodField(help_text="app_label.model of the source.")
    policies = serializers.SerializerMethodField(help_text="Ids of the policy versions issued.")

    class Meta:
        model = PolicyDraft
        fields = [
            "id",
            "title",
            "category",
            "problem",
            "proposal",
            "status",
            "department",
            "department_name",
            "source_type",
            "source_id",
            "source_label",
            "policies",
            "created_at",
            "updated_at",
            "region_code",
        ]
        read_only_fields = fields

    def get_source_type(self, entry) -> str:
        if entry.source_type_id is None:
            return ""
        return f"{entry.source_type.app_label}.{entry.source_type.model}"

    def get_policies(self, entry) -> list[int]:
        return sorted(p.pk for p in entry.policies.all())


class PolicyDraftWriteSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, help_text="On creation only."
    )
    title = serializers.CharField(max_length=200)
    problem = serializers.CharField()
    category = PolicyCategoryField(required=False, allow_blank=True, default="")
    proposal = serializers.CharField(required=False, allow_blank=True, default="")
    source_type = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="app_label.model, on creation."
    )
    source_id = serializers.CharField(required=False, allow_blank=True, default="")
    source_label = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class ReserveAdvanceSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["draft", "issue", "drop", "reopen"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    policy = serializers.IntegerField(required=False, allow_null=True, default=None)


# --- viewsets ----------------------------------------------------------------------------------


def _fields(data) -> dict:
    return {name: data[name] for name in POLICY_FIELDS if name in data}


class PolicyViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """POL-01: the policy versions the caller reads (its jurisdiction's, and the higher levels'
    that apply in it; an enterprise the published ones that apply to it). Drafts are created and
    updated by their department's staff; ``publish``, ``withdraw``, ``new_version`` and
    ``preview`` act on one version."""

    queryset = Policy.objects.select_related("department").prefetch_related("conditions")
    serializer_class = PolicySerializer
    filterset_class = PolicyFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            readable_policies(self.request.user)
            .select_related("department")
            .prefetch_related("conditions")
            .order_by("region_code", "series", "-version")
        )

    def _answer(self, policy, code=status.HTTP_200_OK):
        return Response(PolicySerializer(self.get_queryset().get(pk=policy.pk)).data, status=code)

    @extend_schema(request=PolicyWriteSerializer, responses=PolicySerializer)
    def create(self, request, *args, **kwargs):
        body = PolicyWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "department" not in data:
            raise exceptions.ValidationError({"department": _("请选择发布部门。")})
        policy = actions.create_policy(
            data["department"],
            actor=request.user,
            series=data.get("series") or None,
            conditions=data.get("conditions", ()),
            **_fields(data),
        )
        return self._answer(policy, status.HTTP_201_CREATED)

    @extend_schema(request=PolicyWriteSerializer, responses=PolicySerializer)
    def update(self, request, *args, **kwargs):
        policy = self.get_object()
        body = PolicyWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            fields = _fields(data)
            if fields or "conditions" not in data:
                actions.update_policy(policy, actor=request.user, **fields)
            if "conditions" in data:
                for condition in list(policy.conditions.all()):
                    actions.delete_condition(condition, actor=request.user)
                for row in data["conditions"]:
                    actions.add_condition(policy, actor=request.user, **row)
        return self._answer(policy)

    @extend_schema(request=None, responses=PolicySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        policy = actions.publish_policy(self.get_object(), actor=request.user)
        return self._answer(policy)

    @extend_schema(request=WithdrawSerializer, responses=PolicySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        body = WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        policy = actions.withdraw_policy(
            self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return self._answer(policy)

    @extend_schema(request=None, responses=PolicySerializer)
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        draft = actions.new_policy_version(self.get_object(), actor=request.user)
        return self._answer(draft, status.HTTP_201_CREATED)

    @extend_schema(responses=PreviewSerializer)
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        policy = self.get_object()
        if any(g.enterprise_id for g in request.user.active_grants()):
            raise exceptions.PermissionDenied(_("企业用户不能查看测算结果。"))
        found = preview(policy)
        rows = [
            {
                "condition": row["condition"].pk,
                "title": row["condition"].title,
                "rule": row["rule"],
                "met": row["met"],
                "failed": row["failed"],
                "unknown": row["unknown"],
            }
            for row in found["conditions"]
        ]
        return Response(PreviewSerializer({**found, "conditions": rows}).data)


class PolicyDraftViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """POL-05: the policy reserve within the caller's scope; ``advance`` moves an entry along
    researching → drafted → issued / dropped."""

    queryset = PolicyDraft.objects.select_related("department", "source_type").prefetch_related(
        "policies"
    )
    serializer_class = PolicyDraftSerializer
    filterset_class = PolicyDraftFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _answer(self, entry, code=status.HTTP_200_OK):
        fresh = self.queryset.get(pk=entry.pk)
        return Response(PolicyDraftSerializer(fresh).data, status=code)

    @extend_schema(request=PolicyDraftWriteSerializer, responses=PolicyDraftSerializer)
    def create(self, request, *args, **kwargs):
        body = PolicyDraftWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "department" not in data:
            raise exceptions.ValidationError({"department": _("请选择牵头部门。")})
        source = None
        if data["source_type"] and data["source_id"]:
            source = resolve_source(data["source_type"], data["source_id"])
            if source is None:
                raise exceptions.ValidationError({"source_id": _("来源记录不存在。")})
        entry = actions.create_reserve_entry(
            data["department"],
            actor=request.user,
            title=data["title"],
            problem=data["problem"],
            category=data["category"],
            proposal=data["proposal"],
            source=source,
            source_label=data["source_label"],
        )
        return self._answer(entry, status.HTTP_201_CREATED)

    @extend_schema(request=PolicyDraftWriteSerializer, responses=PolicyDraftSerializer)
    def update(self, request, *args, **kwargs):
        entry = self.get_object()
        partial = kwargs.get("partial", False)
        merged = {
            "title": entry.title,
            "problem": entry.problem,
            "category": entry.category,
            "proposal": entry.proposal,
        }
        merged.update({k: v for k, v in request.data.items() if k in merged} if partial else {})
        body = PolicyDraftWriteSerializer(data=merged if partial else request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entry = actions.update_reserve_entry(
            entry,
            actor=request.user,
            title=data["title"],
            problem=data["problem"],
            category=data["category"],
            proposal=data["proposal"],
        )
        return self._answer(entry)

    @extend_schema(request=ReserveAdvanceSerializer, responses=PolicyDraftSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        entry = self.get_object()
        if not can(request.user, PolicyDraft, "change", obj=entry):
            raise exceptions.PermissionDenied(_("您无权修改该政策储备。"))
        body = ReserveAdvanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        policy = None
        if data["policy"] is not None:
            policy = readable_policies(request.user).filter(pk=data["policy"]).first()
            if policy is None or policy.status == PolicyStatus.DRAFT:
                raise exceptions.ValidationError({"policy": _("所选政策不存在或尚未发布。")})
        entry = actions.advance_reserve_entry(
            entry, data["action"], actor=request.user, note=data["note"], policy=policy
        )
        return self._answer(entry)
