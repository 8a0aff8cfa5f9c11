"""API of the cadres area (DEM-06): ``liaison-assignments`` — the liaison cadres of the units the
caller may see (list, retrieve; ``POST`` assigns a cadre to a whitelisted unit, ``DELETE`` ends an
assignment, both for the unit's HQ office or the system administrator) — and ``my-units`` — a
cadre's units with open demands, overdue orders and closures awaiting rating. Writes go through
``workorders.actions.cadres``: Chinese validation messages answer 400, refusals 403."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.accounts.models import RoleGrant, User
from sibao.enterprises.models import Enterprise, WhitelistStatus
from sibao.workorders import queries_cadres as queries
from sibao.workorders.actions import cadres as actions
from sibao.workorders.filtersets_cadres import AssignmentFilterSet


class LiaisonAssignmentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    cadre_name = serializers.SerializerMethodField()
    cadre_username = serializers.CharField(source="user.username", read_only=True)
    cadre_phone = serializers.CharField(source="user.phone_masked", read_only=True)

    class Meta:
        model = RoleGrant
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "user",
            "cadre_name",
            "cadre_username",
            "cadre_phone",
            "region",
            "granted_at",
            "granted_by",
        ]
        read_only_fields = fields

    def get_cadre_name(self, obj) -> str:
        return obj.user.full_name or obj.user.username


class LiaisonAssignmentCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    user = serializers.IntegerField(required=False)
    username = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        actor = self.context["request"].user
        unit = (
            Enterprise.objects.visible_to(actor, "view")
            .filter(pk=attrs["enterprise"], whitelist_entry__status=WhitelistStatus.LISTED)
            .first()
        )
        if unit is None:
            raise serializers.ValidationError(
                {"enterprise": _("该白名单单位不存在或不在您的管辖范围内。")}
            )
        users = User.objects.visible_to(actor, "view")
        if attrs.get("user"):
            cadre = users.filter(pk=attrs["user"]).first()
        elif attrs.get("username"):
            cadre = users.filter(username=attrs["username"].strip()).first()
        else:
            raise serializers.ValidationError({"user": _("请指定包保干部（用户编号或用户名）。")})
        if cadre is None:
            raise serializers.ValidationError(
                {"user": _("未找到该用户，或该用户不在您的管辖范围内。")}
            )
        return {"enterprise": unit, "user": cadre}


def _refuse_unless_manager(user):
    if not actions.may_manage_cadres(user):
        raise exceptions.PermissionDenied(_("只有指挥部办公室或系统管理员可以指定或解除包保干部。"))


class LiaisonAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """DEM-06: liaison-cadre assignments of the units the caller may see."""

    queryset = RoleGrant.objects.none()
    serializer_class = LiaisonAssignmentSerializer
    filterset_class = AssignmentFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Enterprise, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        units = Enterprise.objects.visible_to(self.request.user, "view").values("pk")
        return queries.assignments().filter(enterprise__in=units).order_by("enterprise_id", "id")

    @extend_schema(
        request=LiaisonAssignmentCreateSerializer, responses={201: LiaisonAssignmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        _refuse_unless_manager(request.user)
        body = LiaisonAssignmentCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        grant = actions.assign_cadre(data["enterprise"], data["user"], actor=request.user)
        grant = self.get_queryset().get(pk=grant.pk)
        return Response(LiaisonAssignmentSerializer(grant).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        _refuse_unless_manager(request.user)
        actions.unassign_cadre(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyUnitSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(source="unit.pk")
    enterprise_name = serializers.CharField(source="unit.name")
    credit_code = serializers.CharField(source="unit.credit_code")
    tier = serializers.SerializerMethodField()
    open_demands = serializers.IntegerField()
    overdue_orders = serializers.IntegerField()
    to_rate = serializers.IntegerField()

    def get_tier(self, row) -> str | None:
        entry = row.entry
        return entry.tier if entry is not None and entry.status == WhitelistStatus.LISTED else None


class MyUnitsViewSet(viewsets.GenericViewSet):
    """DEM-06: the caller's units as a liaison cadre, with their counts (403 for others)."""

    serializer_class = MyUnitSerializer
    pagination_class = None

    def get_queryset(self):
        return queries.units_of(self.request.user)

    def check_permissions(self, request):
        super().check_permissions(request)
        if not queries.is_cadre(request.user):
            raise exceptions.PermissionDenied(_("只有包保干部可以访问此资源。"))

    @extend_schema(responses=MyUnitSerializer(many=True))
    def list(self, request):
        rows = queries.overview(request.user, now=timezone.now())
        return Response(MyUnitSerializer(rows, many=True).data)
