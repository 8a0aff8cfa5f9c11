"""API of the spaces area (EPI-05): spaces (list, retrieve, create, update, move, deactivate,
issue a code), place codes (list, retrieve, revoke; each with its signed payload, scan URL and
PNG), and the coverage check per unit. Lists go through ``visible_to``; every write calls the
action, which checks the caller's grant on the unit or the row."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises.models import Enterprise
from sibao.places import actions, coding_rules, queries_spaces
from sibao.places.filtersets_spaces import PlaceCodeFilterSet, SpaceFilterSet
from sibao.places.models import PlaceCode, Space, SpaceKind, VenueType, Zone


def _unit(request, pk):
    """A unit the caller sees, for a write about it; otherwise a field error (no existence leak)."""
    unit = Enterprise.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if unit is None:
        raise exceptions.ValidationError({"enterprise": [_("单位不存在或不在您的辖区内。")]})
    return unit


def _space(request, pk, field="parent"):
    space = Space.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if space is None:
        raise exceptions.ValidationError({field: [_("空间不存在或不在您的辖区内。")]})
    return space


def _zone(unit_id, pk):
    if pk is None:
        return None
    zone = Zone.objects.filter(pk=pk, enterprise_id=unit_id).first()
    if zone is None:
        raise exceptions.ValidationError({"zone": [_("区域不属于该单位。")]})
    return zone


def code_state(code, today) -> str:
    if code.revoked_at is not None:
        return "revoked"
    return "valid" if code.expires_on >= today else "expired"


# --- serializers ----------------------------------------------------------------------------------


class SpaceSerializer(serializers.ModelSerializer):
    """A space of a unit's tree; ``path`` lists the ids from its site down to itself."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Space
        fields = [
            "id",
            "enterprise",
            "parent",
            "kind",
            "kind_label",
            "venue_type",
            "name",
            "zone",
            "path",
            "is_active",
            "created_at",
            "region_code",
        ]
        read_only_fields = fields


class SpaceCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False, help_text=gettext_lazy("单位编号（添加厂区时必填）")
    )
    parent = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("上级空间编号")
    )
    kind = serializers.ChoiceField(choices=SpaceKind.choices)
    name = serializers.CharField(max_length=64)
    venue_type = serializers.ChoiceField(
        choices=VenueType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("场所类型（仅厂区）"),
    )
    zone = serializers.IntegerField(required=False, allow_null=True, default=None)


class SpaceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    kind = serializers.ChoiceField(choices=SpaceKind.choices, required=False)
    venue_type = serializers.ChoiceField(choices=VenueType.choices, required=False)
    zone = serializers.IntegerField(required=False, allow_null=True)


class SpaceMoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text=gettext_lazy("新的上级空间编号"))


class CodeRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=128)


class SpaceCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class PlaceCodeSerializer(serializers.ModelSerializer):
    """A place code: ``payload`` is what the QR carries inside ``scan_url`` (the public scan
    page); ``state`` valid / expired / revoked; ``png_url`` the printable QR."""

    space_name = serializers.CharField(source="space.name", read_only=True)
    payload = serializers.CharField(read_only=True)
    scan_url = serializers.SerializerMethodField()
    png_url = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = PlaceCode
        fields = [
            "id",
            "space",
            "space_name",
            "enterprise",
            "issued_at",
            "expires_on",
            "revoked_at",
            "revoked_reason",
            "state",
            "payload",
            "scan_url",
            "png_url",
            "region_code",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_scan_url(self, obj) -> str:
        return self._absolute(f"/s/{obj.payload}/")

    def get_png_url(self, obj) -> str:
        return self._absolute(reverse("places:code_png", args=[obj.pk]))

    def get_state(self, obj) -> str:
        return code_state(obj, timezone.localdate())


class CoverageGapSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField()
    path = serializers.CharField()


class UnitCoverageSerializer(serializers.Serializer):
    """The coverage check of one unit: active spaces that need a code under the rule set
    (``needed``), those with a valid one (``covered``), the rest (``missing``, with ``gaps``
    on the detail)."""

    enterprise = serializers.IntegerField()
    name = serializers.CharField()
    region_code = serializers.CharField()
    spaces = serializers.IntegerField()
    needed = serializers.IntegerField()
    covered = serializers.IntegerField()
    missing = serializers.IntegerField()
    complete = serializers.BooleanField()


class UnitCoverageDetailSerializer(UnitCoverageSerializer):
    gaps = CoverageGapSerializer(many=True)
    rules_unknown = serializers.ListField(child=serializers.CharField())


# --- viewsets -------------------------------------------------------------------------------------


class SpaceViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """EPI-05: the spaces of the units the caller sees; a unit's admin builds its tree (create,
    update, move, deactivate) and issues codes (``issue-code``: new or renewed)."""

    queryset = Space.objects.all()
    serializer_class = SpaceSerializer
    filterset_class = SpaceFilterSet

    @extend_schema(request=SpaceCreateSerializer, responses={201: SpaceSerializer})
    def create(self, request, *args, **kwargs):
        body = SpaceCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        parent = None
        if data.get("parent"):
            parent = _space(request, data["parent"])
            unit = parent.enterprise
        elif data.get("enterprise"):
            unit = _unit(request, data["enterprise"])
        else:
            raise exceptions.ValidationError({"enterprise": [_("请填写单位编号或上级空间。")]})
        space = actions.create_space(
            unit,
            actor=request.user,
            kind=data["kind"],
            name=data["name"],
            parent=parent,
            venue_type=data["venue_type"],
            zone=_zone(unit.pk, data["zone"]),
        )
        return Response(SpaceSerializer(space).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SpaceUpdateSerializer, responses=SpaceSerializer)
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        space = self.get_object()
        body = SpaceUpdateSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "zone" in data:
            data["zone"] = _zone(space.enterprise_id, data["zone"])
        space = actions.update_space(space, actor=request.user, **data)
        return Response(SpaceSerializer(space).data)

    @extend_schema(request=SpaceUpdateSerializer, responses=SpaceSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=SpaceMoveSerializer, responses=SpaceSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the space with its subtree under another parent of the same unit."""
        body = SpaceMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        space = actions.move_space(
            self.get_object(),
            actor=request.user,
            parent=_space(request, body.validated_data["parent"]),
        )
        return Response(SpaceSerializer(space).data)

    @extend_schema(request=SpaceCloseSerializer, responses=SpaceSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Close the space and its subtree; their valid codes are revoked."""
        body = SpaceCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        space = actions.deactivate_space(
            self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(SpaceSerializer(space).data)

    @extend_schema(request=None, responses={201: PlaceCodeSerializer})
    @action(detail=True, methods=["post"], url_path="issue-code", url_name="issue-code")
    def issue_code(self, request, pk=None):
        """Issue the space's place code (a valid one it has is revoked first: renewal)."""
        code = actions.issue_code(self.get_object(), actor=request.user)
        return Response(
            PlaceCodeSerializer(code, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class PlaceCodeViewSet(ScopedReadOnlyViewSet):
    """EPI-05: place codes in scope; ``revoke`` (the unit's admin or the health office)."""

    queryset = PlaceCode.objects.select_related("space")
    serializer_class = PlaceCodeSerializer
    filterset_class = PlaceCodeFilterSet

    @extend_schema(request=CodeRevokeSerializer, responses=PlaceCodeSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        body = CodeRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        code = actions.revoke_code(
            self.get_object(), actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(PlaceCodeSerializer(code, context=self.get_serializer_context()).data)


class SpaceCoverageViewSet(viewsets.GenericViewSet):
    """EPI-05: the coverage check per unit: for the units in scope (``region`` prefix, ``gaps``
    true: only those lacking codes), the spaces that need a code and how many lack one; the
    detail lists the gaps."""

    queryset = Enterprise.objects.all()
    serializer_class = UnitCoverageSerializer
    lookup_field = "pk"
    filterset_class = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Space, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def _spaces(self):
        return Space.objects.visible_to(self.request.user, "view")

    def get_queryset(self):
        units = Enterprise.objects.visible_to(self.request.user, "view").active()
        region = self.request.query_params.get("region", "").strip()
        if region:
            units = units.filter(region__code__startswith=region)
        units = queries_spaces.units_with_state(units, self._spaces())
        gaps = self.request.query_params.get("gaps", "").lower()
        if gaps in ("true", "1"):
            units = units.filter(has_gaps=True)
        elif gaps in ("false", "0"):
            units = units.filter(has_gaps=False)
        return units.order_by("region_id", "name", "pk")

    @staticmethod
    def _row(unit, entry) -> dict:
        needed, missing = entry["needed"], entry["missing"]
        return {
            "enterprise": unit.pk,
            "name": unit.name,
            "region_code": unit.region_id,
            "spaces": entry["spaces"],
            "needed": needed,
            "covered": needed - missing,
            "missing": missing,
            "complete": missing == 0,
        }

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="region code prefix"),
            OpenApiParameter("gaps", bool, description="only units with (true) / without gaps"),
        ]
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        stats = queries_spaces.space_stats(
            self._spaces().filter(enterprise_id__in=[u.pk for u in page])
        )
        empty = {"spaces": 0, "needed": 0, "missing": 0}
        rows = [self._row(u, stats.get(u.pk, empty)) for u in page]
        return self.get_paginated_response(UnitCoverageSerializer(rows, many=True).data)

    @extend_schema(responses=UnitCoverageDetailSerializer)
    def retrieve(self, request, pk=None):
        unit = self.get_object()
        rules = coding_rules.current()
        nodes = queries_spaces.unit_tree(unit, user=request.user, rules=rules)
        coverage = queries_spaces.coverage_of(nodes, rules)
        by_id = {n.space.pk: n for n in nodes}
        row = self._row(
            unit,
            {
                "spaces": sum(1 for n in nodes if n.space.is_active),
                "needed": coverage.needed,
                "missing": coverage.missing,
            },
        )
        row["gaps"] = [
            {"pk": s.pk, "name": s.name, "kind": s.kind, "path": by_id[s.pk].path_name}
            for s in coverage.gaps
        ]
        row["rules_unknown"] = list(coverage.unknown)
        return Response(UnitCoverageDetailSerializer(row).data)
