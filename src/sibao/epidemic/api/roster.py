"""Roster API (EPI-01, EPI-12, EPI-17): staff (masked), create and update through the roster
actions, the file import, the audited unmask, the exact-ID lookup (posted), the code-protection
list with its export, and the vaccination aggregate."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core import rules
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.core.personal import normalise_id_number, person_key
from sibao.enterprises.api.serializers import ImportRefusedSerializer, ImportResultSerializer
from sibao.enterprises.models import Enterprise
from sibao.epidemic import actions, queries_roster
from sibao.epidemic.actions.roster import RosterImportRefused
from sibao.epidemic.filtersets_roster import ProtectionFilterSet, StaffFilterSet
from sibao.epidemic.imports_roster import MAX_DOSES, XLSX
from sibao.epidemic.models import PostClass, StaffCategory, StaffMember

# --- serializers -----------------------------------------------------------------------------------


class StaffMemberSerializer(serializers.ModelSerializer):
    """A person on a unit's roster, as every reader sees it: ID number and phone masked."""

    enterprise = serializers.IntegerField(source="enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region_code",
            "name",
            "id_masked",
            "phone_masked",
            "category",
            "post_class",
            "team",
            "zone",
            "dormitory",
            "joined_on",
            "quiet_until",
            "vaccine_doses",
            "is_active",
            "last_negative_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StaffFieldsSerializer(serializers.Serializer):
    """Input shapes only; the roster actions validate ID numbers, phones, scope and duplicates."""

    name = serializers.CharField(max_length=64)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=StaffCategory.choices, required=False)
    post_class = serializers.ChoiceField(choices=PostClass.choices, required=False)
    team = serializers.CharField(max_length=64, required=False, allow_blank=True)
    zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    dormitory = serializers.CharField(max_length=64, required=False, allow_blank=True)
    joined_on = serializers.DateField(required=False, allow_null=True)
    vaccine_doses = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_DOSES
    )


class StaffCreateSerializer(StaffFieldsSerializer):
    enterprise = serializers.IntegerField(help_text=_("单位记录编号"))
    id_number = serializers.CharField(
        max_length=18, write_only=True, help_text=_("18 位居民身份证号码（仅写入，不会返回）")
    )


class StaffUpdateSerializer(StaffFieldsSerializer):
    """The ID number cannot be changed; a phone given is protected again, an empty one removed."""


class StaffImportSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(help_text=_("单位记录编号"))
    file = serializers.FileField(help_text=_(".xlsx 或 .csv（UTF-8 或 GBK），列与导入模板一致"))


class StaffFindSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=18, write_only=True)


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RevealedIdSerializer(serializers.Serializer):
    id_number = serializers.CharField()


class ProtectionSerializer(serializers.ModelSerializer):
    """EPI-12: a person of a whitelisted unit and whether code protection applies now."""

    enterprise = serializers.IntegerField(source="enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    is_protected = serializers.BooleanField(read_only=True)
    reason = serializers.SerializerMethodField()

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region_code",
            "name",
            "id_masked",
            "phone_masked",
            "category",
            "post_class",
            "is_protected",
            "reason",
        ]
        read_only_fields = fields

    def get_reason(self, obj) -> str:
        return queries_roster.protection_reason(obj.status_result, obj.status_contact)[1]


class VaccinationRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("单位记录编号或区划代码；合计行为空"))
    name = serializers.CharField()
    staff = serializers.IntegerField()
    vaccinated = serializers.IntegerField(help_text=_("至少接种 1 剂"))
    fully_vaccinated = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text=_("接种情况未登记"))
    vaccinated_pct = serializers.FloatField(allow_null=True)
    fully_vaccinated_pct = serializers.FloatField(allow_null=True)


@extend_schema_serializer(many=False)  # one object, not a list, though the action is "list"
class VaccinationSerializer(serializers.Serializer):
    rule_version = serializers.IntegerField()
    full_doses = serializers.IntegerField(help_text=_("全程接种所需剂次（规则参数）"))
    by = serializers.ChoiceField(choices=queries_roster.GROUPS)
    total = VaccinationRowSerializer()
    rows = VaccinationRowSerializer(many=True)


# --- viewsets --------------------------------------------------------------------------------------


class StaffMemberViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """EPI-01: the rosters the caller may see, masked; every write goes through the roster
    actions (an enterprise's admin manages only its own unit)."""

    queryset = StaffMember.objects.select_related("enterprise")
    serializer_class = StaffMemberSerializer
    filterset_class = StaffFilterSet

    @extend_schema(request=StaffCreateSerializer, responses={201: StaffMemberSerializer})
    def create(self, request, *args, **kwargs):
        body = StaffCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        unit = _visible_unit(request, values.pop("enterprise"))
        staff = actions.add_staff(unit, actor=request.user, **values)
        return Response(StaffMemberSerializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StaffUpdateSerializer, responses=StaffMemberSerializer)
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        staff = self.get_object()
        if "id_number" in request.data:
            raise exceptions.ValidationError(
                {"id_number": [_("身份证号码不能修改；登记错误的请停用该记录后重新登记。")]}
            )
        body = StaffUpdateSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        staff = actions.update_staff(staff, actor=request.user, **body.validated_data)
        return Response(StaffMemberSerializer(staff).data)

    @extend_schema(request=StaffUpdateSerializer, responses=StaffMemberSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(
        request={"multipart/form-data": StaffImportSerializer},
        responses={
            201: ImportResultSerializer,
            400: OpenApiResponse(
                ImportRefusedSerializer,
                description="整个文件被拒绝，逐行列出错误（身份证号码脱敏）",
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        """Import a unit's roster from an .xlsx or .csv file: all rows or none."""
        body = StaffImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit = _visible_unit(request, body.validated_data["enterprise"])
        upload = body.validated_data["file"]
        try:
            created = actions.import_roster(upload.read(), upload.name, unit, actor=request.user)
        except RosterImportRefused as exc:
            return Response(
                {
                    "detail": exc.messages[0],
                    "rows": exc.rows,
                    "errors": [e.as_dict() for e in exc.row_errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RevealedIdSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The ID number in clear, for roles allowed to unmask (health office); audited."""
        staff = self.get_object()
        return Response({"id_number": actions.reveal_staff_id(staff, actor=request.user)})

    @extend_schema(request=DeactivateSerializer, responses=StaffMemberSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the person off duty (the row stays as history)."""
        staff = self.get_object()
        body = DeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        staff = actions.deactivate_staff(
            staff, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(StaffMemberSerializer(staff).data)

    @extend_schema(request=None, responses=StaffMemberSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Put a deactivated person back on duty."""
        staff = actions.reactivate_staff(self.get_object(), actor=request.user)
        return Response(StaffMemberSerializer(staff).data)

    @extend_schema(request=StaffFindSerializer, responses=StaffMemberSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def find(self, request):
        """The roster rows of one person by full ID number, posted so that it never lands in a
        URL or a server log."""
        body = StaffFindSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            key = person_key(normalise_id_number(body.validated_data["id_number"]))
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"id_number": exc.messages}) from None
        rows = self.get_queryset().filter(person_key=key)
        return Response(StaffMemberSerializer(rows, many=True).data)


def _visible_unit(request, pk):
    return get_object_or_404(Enterprise.objects.visible_to(request.user, "view").active(), pk=pk)


class CodeProtectionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """EPI-12: the staff of whitelisted units for registration with the provincial platform,
    each with whether code protection applies now and why (masked)."""

    queryset = StaffMember.objects.all()
    serializer_class = ProtectionSerializer
    filterset_class = ProtectionFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        action_name = "export" if self.action == "export" else "view"
        if not can(request.user, StaffMember, action_name):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return queries_roster.protection_queryset(self.request.user).select_related("enterprise")

    @extend_schema(
        parameters=[
            OpenApiParameter("fmt", str, enum=["xlsx", "csv"], description="文件格式，默认 xlsx"),
        ],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def export(self, request):
        """The list as a file, streamed; ID numbers in clear only for roles that may unmask
        (audited with the row count)."""
        from sibao.epidemic.views.roster import protection_export

        try:
            return protection_export(
                request.user, request.query_params, request.query_params.get("fmt", "xlsx")
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"detail": exc.messages}) from None


class VaccinationViewSet(viewsets.GenericViewSet):
    """EPI-17: staff, vaccinated and fully vaccinated counts and rates, in total and per unit,
    county or city, over the staff the caller may see (filtered like the roster)."""

    queryset = StaffMember.objects.all()
    filterset_class = StaffFilterSet
    filter_backends = [DjangoFilterBackend]  # counts: nothing to order (no serializer to order by)
    pagination_class = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, StaffMember, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return StaffMember.objects.visible_to(self.request.user, "view")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "by", str, enum=list(queries_roster.GROUPS), description="分组：单位、县、市"
            )
        ],
        responses=VaccinationSerializer,
    )
    def list(self, request):
        by = request.query_params.get("by", "county")
        if by not in queries_roster.GROUPS:
            raise exceptions.ValidationError({"by": [_("分组须为 enterprise、county 或 city。")]})
        ruleset = rules.current()
        queryset = self.filter_queryset(self.get_queryset())
        total, rows = queries_roster.vaccination(queryset, by=by, ruleset=ruleset)
        data = {
            "rule_version": ruleset.version,
            "full_doses": ruleset["vaccine_full_doses"],
            "by": by,
            "total": total.as_dict(),
            "rows": [r.as_dict() for r in rows],
        }
        return Response(VaccinationSerializer(data).data)
