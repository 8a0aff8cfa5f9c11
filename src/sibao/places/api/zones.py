"""API of the zones area (EPI-13, 划小单元): zones, teams, bubble groups, shifts and dormitory
rooms (list/create/update/delete within scope) and the checks per unit. Lists go through
``visible_to``; every write calls the action, which checks the unit's admin (government roles
read: 403 on a write; another unit's row: 404, as for a missing one)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response

from sibao.accounts.access import can, covers
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.models import Enterprise
from sibao.places import actions, queries_zones
from sibao.places.filtersets_zones import (
    BubbleGroupFilterSet,
    DormitoryRoomFilterSet,
    ShiftFilterSet,
    TeamFilterSet,
    ZoneFilterSet,
)
from sibao.places.models import BubbleGroup, DormitoryRoom, Shift, Team, Zone, ZoneKind
from sibao.places.models.zones import RiskGrade

KIND_HELP = "zone type, one of: " + ", ".join(ZoneKind.values)


def _unit(request, pk):
    """A unit the caller sees, for a write about it; otherwise a field error (no existence leak)."""
    unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if unit is None:
        raise exceptions.ValidationError({"enterprise": [_("单位不存在或不在您的辖区内。")]})
    return unit


def _own(model, unit, pk, field: str, message: str):
    """A row of ``unit`` by id (None stays None); another unit's id is the same error as none."""
    if pk is None:
        return None
    row = model.objects.filter(enterprise=unit, pk=pk).first()
    if row is None:
        raise exceptions.ValidationError({field: [message]})
    return row


class _ZoneRowViewSet(ScopedReadOnlyViewSet):
    """Read through ``visible_to``; create, update and delete through the actions."""

    create_serializer = None
    update_serializer = None

    def unit_of_create(self, request, data):
        return _unit(request, data.pop("enterprise"))

    def resolve(self, unit, data: dict) -> dict:
        return data

    def answer(self, row, code=status.HTTP_200_OK):
        row = self.get_queryset().get(pk=row.pk) if code == status.HTTP_201_CREATED else row
        return Response(self.get_serializer(row).data, status=code)

    def create(self, request, *args, **kwargs):
        body = self.create_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        unit = self.unit_of_create(request, data)
        row = self.create_action(unit, actor=request.user, **self.resolve(unit, data))
        return self.answer(row, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        row = self.get_object()
        body = self.update_serializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = self.resolve(row.enterprise, dict(body.validated_data))
        row = self.update_action(row, actor=request.user, **data)
        return self.answer(self.get_queryset().get(pk=row.pk))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        self.delete_action(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- zones ---------------------------------------------------------------------------------------


class ZoneSerializer(serializers.ModelSerializer):
    """EPI-13: a zone by type (交接、生产经营、生活、公共) and risk grade; ``spaces``: the ids of
    the spaces linked to it (set on the space tree)."""

    # plain text with its values listed (an enum named "kind" would collide with other areas')
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    spaces = serializers.SerializerMethodField()

    class Meta:
        model = Zone
        fields = ["id", "enterprise", "name", "kind", "risk_grade", "note", "spaces", "region_code"]
        read_only_fields = fields

    def get_spaces(self, obj) -> list[int]:
        return sorted(s.pk for s in obj.spaces.all())


class ZoneWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    kind = serializers.CharField(max_length=16, help_text=KIND_HELP)
    risk_grade = serializers.ChoiceField(choices=RiskGrade.choices, required=False)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class ZoneCreateSerializer(ZoneWriteSerializer):
    enterprise = serializers.IntegerField()


class ZoneViewSet(_ZoneRowViewSet):
    """EPI-13: zones in scope; the unit's admin adds, edits and deletes (a zone with spaces or
    shifts is kept: 400 with the reason)."""

    queryset = Zone.objects.prefetch_related("spaces")
    serializer_class = ZoneSerializer
    filterset_class = ZoneFilterSet
    create_serializer = ZoneCreateSerializer
    update_serializer = ZoneWriteSerializer
    create_action = staticmethod(actions.create_zone)
    update_action = staticmethod(actions.update_zone)
    delete_action = staticmethod(actions.delete_zone)

    @extend_schema(request=ZoneCreateSerializer, responses={201: ZoneSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ZoneWriteSerializer, responses=ZoneSerializer)
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=ZoneWriteSerializer, responses=ZoneSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


# --- bubble groups -------------------------------------------------------------------------------


class BubbleGroupSerializer(serializers.ModelSerializer):
    """EPI-13: a bubble (气泡) of teams that live and work together and meet no one else."""

    teams = serializers.SerializerMethodField()

    class Meta:
        model = BubbleGroup
        fields = ["id", "enterprise", "name", "note", "teams", "region_code"]
        read_only_fields = fields

    def get_teams(self, obj) -> list[int]:
        return sorted(t.pk for t in obj.teams.all())


class BubbleGroupWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)
    teams = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="the ids of the unit's teams in the group (exactly these)",
    )


class BubbleGroupCreateSerializer(BubbleGroupWriteSerializer):
    enterprise = serializers.IntegerField()


class BubbleGroupViewSet(_ZoneRowViewSet):
    """EPI-13: bubble groups in scope with their teams; the unit's admin sets them (a group with
    teams is kept on delete: 400)."""

    queryset = BubbleGroup.objects.prefetch_related("teams")
    serializer_class = BubbleGroupSerializer
    filterset_class = BubbleGroupFilterSet
    create_serializer = BubbleGroupCreateSerializer
    update_serializer = BubbleGroupWriteSerializer
    create_action = staticmethod(actions.create_bubble_group)
    update_action = staticmethod(actions.update_bubble_group)
    delete_action = staticmethod(actions.delete_bubble_group)

    def resolve(self, unit, data):
        if "teams" in data:
            ids = set(data["teams"])
            teams = list(Team.objects.filter(enterprise=unit, pk__in=ids))
            if len(teams) != len(ids):
                raise exceptions.ValidationError({"teams": [_("所选班组不属于该单位。")]})
            data["teams"] = teams
        return data

    @extend_schema(request=BubbleGroupCreateSerializer, responses={201: BubbleGroupSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=BubbleGroupWriteSerializer, responses=BubbleGroupSerializer)
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=BubbleGroupWriteSerializer, responses=BubbleGroupSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


# --- teams ---------------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    """EPI-13: a team (班组); roster rows name it in their ``team`` column."""

    bubble_name = serializers.CharField(source="bubble.name", read_only=True, default="")

    class Meta:
        model = Team
        fields = ["id", "enterprise", "name", "bubble", "bubble_name", "region_code"]
        read_only_fields = fields


class TeamWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    bubble = serializers.IntegerField(required=False, allow_null=True)


class TeamCreateSerializer(TeamWriteSerializer):
    enterprise = serializers.IntegerField()


class TeamViewSet(_ZoneRowViewSet):
    """EPI-13: teams in scope; the unit's admin adds, renames, moves them between bubble groups
    and deletes them (a team with shifts, rooms or roster rows is kept: 400)."""

    queryset = Team.objects.select_related("bubble")
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    create_serializer = TeamCreateSerializer
    update_serializer = TeamWriteSerializer
    create_action = staticmethod(actions.create_team)
    update_action = staticmethod(actions.update_team)
    delete_action = staticmethod(actions.delete_team)

    def resolve(self, unit, data):
        if "bubble" in data:
            data["bubble"] = _own(
                BubbleGroup, unit, data["bubble"], "bubble", _("所选气泡组不属于该单位。")
            )
        return data

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=TeamWriteSerializer, responses=TeamSerializer)
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=TeamWriteSerializer, responses=TeamSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


# --- shifts --------------------------------------------------------------------------------------


class ShiftSerializer(serializers.ModelSerializer):
    """EPI-13: a team's daily working time in one zone; ``ends`` before ``starts`` runs past
    midnight (``overnight``)."""

    team_name = serializers.CharField(source="team.name", read_only=True)
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    overnight = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "enterprise",
            "team",
            "team_name",
            "zone",
            "zone_name",
            "name",
            "starts",
            "ends",
            "overnight",
            "region_code",
        ]
        read_only_fields = fields

    def get_overnight(self, obj) -> bool:
        return obj.ends < obj.starts


class ShiftWriteSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    zone = serializers.IntegerField()
    name = serializers.CharField(max_length=32)
    starts = serializers.TimeField(help_text="HH:MM")
    ends = serializers.TimeField(help_text="HH:MM; before starts: runs past midnight")


class ShiftCreateSerializer(ShiftWriteSerializer):
    enterprise = serializers.IntegerField()


class ShiftViewSet(_ZoneRowViewSet):
    """EPI-13: shifts in scope; the unit's admin adds, moves and deletes them. Overlaps with
    other teams are allowed and reported by ``/api/zone-checks/<unit>/``."""

    queryset = Shift.objects.select_related("team", "zone")
    serializer_class = ShiftSerializer
    filterset_class = ShiftFilterSet
    create_serializer = ShiftCreateSerializer
    update_serializer = ShiftWriteSerializer
    create_action = staticmethod(actions.create_shift)
    update_action = staticmethod(actions.update_shift)
    delete_action = staticmethod(actions.delete_shift)

    def resolve(self, unit, data):
        if "team" in data:
            data["team"] = _own(Team, unit, data["team"], "team", _("所选班组不属于该单位。"))
        if "zone" in data:
            data["zone"] = _own(Zone, unit, data["zone"], "zone", _("所选区域不属于该单位。"))
        return data

    @extend_schema(request=ShiftCreateSerializer, responses={201: ShiftSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ShiftWriteSerializer, responses=ShiftSerializer)
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=ShiftWriteSerializer, responses=ShiftSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


# --- dormitory rooms -----------------------------------------------------------------------------


class DormitoryRoomSerializer(serializers.ModelSerializer):
    """EPI-13: a dormitory room and the team living in it."""

    team_name = serializers.CharField(source="team.name", read_only=True, default="")

    class Meta:
        model = DormitoryRoom
        fields = [
            "id",
            "enterprise",
            "building",
            "name",
            "capacity",
            "team",
            "team_name",
            "region_code",
        ]
        read_only_fields = fields


class DormitoryRoomWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    building = serializers.CharField(max_length=64, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=32767)
    team = serializers.IntegerField(required=False, allow_null=True)


class DormitoryRoomCreateSerializer(DormitoryRoomWriteSerializer):
    enterprise = serializers.IntegerField()


class DormitoryRoomViewSet(_ZoneRowViewSet):
    """EPI-13: dormitory rooms in scope; the unit's admin adds, edits and deletes them (a room
    roster rows live in is kept: 400)."""

    queryset = DormitoryRoom.objects.select_related("team")
    serializer_class = DormitoryRoomSerializer
    filterset_class = DormitoryRoomFilterSet
    create_serializer = DormitoryRoomCreateSerializer
    update_serializer = DormitoryRoomWriteSerializer
    create_action = staticmethod(actions.create_dormitory_room)
    update_action = staticmethod(actions.update_dormitory_room)
    delete_action = staticmethod(actions.delete_dormitory_room)

    def resolve(self, unit, data):
        if "team" in data:
            data["team"] = _own(Team, unit, data["team"], "team", _("所选班组不属于该单位。"))
        return data

    @extend_schema(request=DormitoryRoomCreateSerializer, responses={201: DormitoryRoomSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request=DormitoryRoomWriteSerializer, responses=DormitoryRoomSerializer)
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(request=DormitoryRoomWriteSerializer, responses=DormitoryRoomSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


# --- the checks ----------------------------------------------------------------------------------


class FindingSerializer(serializers.Serializer):
    check = serializers.ChoiceField(choices=list(queries_zones.CHECKS))
    label = serializers.CharField()
    severity = serializers.ChoiceField(choices=["danger", "warning", "info"])
    message = serializers.CharField()
    zone = serializers.IntegerField(allow_null=True)
    room = serializers.IntegerField(allow_null=True)
    teams = serializers.ListField(child=serializers.IntegerField())
    shifts = serializers.ListField(child=serializers.IntegerField())


class UnitChecksSerializer(serializers.Serializer):
    """EPI-13: the findings of the checks of one unit (a room houses one team; no two teams'
    shifts overlap in a zone; bubbles apart; roster names not registered: informational)."""

    enterprise = serializers.IntegerField()
    enterprise_name = serializers.CharField()
    problems = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    findings = FindingSerializer(many=True)


class UnitSummarySerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(source="unit.pk")
    enterprise_name = serializers.CharField(source="unit.name")
    region = serializers.CharField(source="unit.region_id")
    zones = serializers.IntegerField()
    teams = serializers.IntegerField()
    shifts = serializers.IntegerField()
    rooms = serializers.IntegerField()
    problems = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


class ZoneCheckViewSet(viewsets.GenericViewSet):
    """EPI-13: ``/{enterprise}/``: the findings of one unit; the list: the units in scope that
    registered small units, with their findings per check, those with problems first
    (``region``: a code prefix; ``problems=true``: only units with problems)."""

    queryset = Enterprise.objects.all()
    serializer_class = UnitSummarySerializer
    lookup_field = "enterprise"
    lookup_value_regex = r"\d+"
    filter_backends = []

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Zone, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="region code prefix"),
            OpenApiParameter("problems", bool, description="only units with problems"),
        ],
        responses=UnitSummarySerializer(many=True),
    )
    def list(self, request):
        units = Enterprise.objects.visible_to(request.user, "view")
        region = (request.query_params.get("region") or "").strip()
        if region:
            units = units.filter(region__code__startswith=region)
        rows = queries_zones.region_summary(units, request.user)
        if request.query_params.get("problems") in ("true", "1"):
            rows = [r for r in rows if r.problems]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(UnitSummarySerializer(page, many=True).data)

    @extend_schema(responses=UnitChecksSerializer)
    def retrieve(self, request, enterprise=None):
        unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=enterprise).first()
        if unit is None or not covers(
            request.user, Zone, "view", region_code=unit.region_id, enterprise_id=unit.pk
        ):
            raise Http404
        findings = queries_zones.unit_checks(queries_zones.unit_data(unit, request.user))
        counts = {}
        for finding in findings:
            counts[finding.check] = counts.get(finding.check, 0) + 1
        data = {
            "enterprise": unit.pk,
            "enterprise_name": unit.name,
            "problems": sum(1 for f in findings if f.severity != "info"),
            "counts": counts,
            "findings": [f.as_dict() for f in findings],
        }
        return Response(UnitChecksSerializer(data).data)
