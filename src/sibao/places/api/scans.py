"""API of the scans area (EPI-06): a unit's scan log (one day at a time, masked names from the
unit's roster) and who is present at each of its place codes, with the owner's check-out of
everyone at one code. Gateway batches do not come here: they are a feed
(``POST /api/feeds/scan/``, ``places.ingest``).

Only the unit's keepers read scans (``places.scan`` "view"); every other role gets 403."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can, scope_filter
from sibao.core import rules
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.places import actions, queries_scans
from sibao.places.actions.scans import checkout_delta
from sibao.places.filtersets_scans import ScanApiFilterSet
from sibao.places.models import PlaceCode, Scan


class ScanSerializer(serializers.ModelSerializer):
    """One entry: where, when, until when (``stay_end``: the exit, or the automatic check-out),
    and who — masked, from the unit's roster (``on_roster`` false: a visitor, shown by nothing
    more than the first characters of the person key)."""

    stay_end = serializers.SerializerMethodField(help_text="停留结束时间（离开时间或自动离开）")
    place = serializers.SerializerMethodField(help_text="场所（厂区／楼栋／…）")
    person = serializers.SerializerMethodField(help_text="人员（取自本单位花名册，已脱敏）")

    class Meta:
        model = Scan
        fields = [
            "id",
            "place_code_id",
            "space_id",
            "enterprise_id",
            "region_code",
            "place",
            "entered_at",
            "left_at",
            "exit_kind",
            "stay_end",
            "source",
            "risk",
            "person",
        ]
        read_only_fields = fields

    def get_stay_end(self, scan) -> str:
        end = scan.left_at or scan.entered_at + self.context["delta"]
        return serializers.DateTimeField().to_representation(end)

    def get_place(self, scan) -> str:
        return self.context["places"].get(scan.space_id, "")

    def get_person(self, scan) -> dict:
        person = self.context["people"].get(scan.enterprise_id, {}).get(scan.person_key)
        if person is None or not person.on_roster:
            return {"on_roster": False, "key": scan.person_key[:8]}
        return {
            "on_roster": True,
            "name": person.name,
            "id_masked": person.id_masked,
            "team": person.team,
        }


def _context_for(rows) -> dict:
    by_unit: dict[int, set] = {}
    for row in rows:
        by_unit.setdefault(row.enterprise_id, set()).add(row.person_key)
    return {
        "people": {unit: queries_scans.people(unit, keys) for unit, keys in by_unit.items()},
        "places": queries_scans.space_paths(row.space_id for row in rows),
        "delta": checkout_delta(rules.current()),
    }


class ScanViewSet(ScopedReadOnlyViewSet):
    """EPI-06: scans of the caller's unit(s), one day at a time (``day``, default today),
    newest first; filters by unit, place code, risk, source, presence."""

    queryset = Scan.objects.all()
    serializer_class = ScanSerializer
    filterset_class = ScanApiFilterSet

    def get_queryset(self):
        return super().get_queryset().order_by("-entered_at", "-id")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        serializer = self.get_serializer(rows, many=True, context=self._context(rows))
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        # a scan is found by id inside the retention period (every partition's index)
        scan = self.get_object()
        return Response(self.get_serializer(scan, context=self._context([scan])).data)

    def filter_queryset(self, queryset):
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def _context(self, rows):
        return {**self.get_serializer_context(), **_context_for(rows)}

    def get_serializer(self, *args, context=None, **kwargs):
        kwargs["context"] = context or {**self.get_serializer_context(), **_context_for([])}
        return self.serializer_class(*args, **kwargs)


class PresenceSerializer(serializers.Serializer):
    place_code_id = serializers.IntegerField(source="code.pk")
    space_id = serializers.IntegerField(source="code.space_id")
    enterprise_id = serializers.IntegerField(source="code.enterprise_id")
    place = serializers.CharField(source="label")
    present = serializers.IntegerField(help_text="当前在场人数")


class CheckOutResultSerializer(serializers.Serializer):
    place_code_id = serializers.IntegerField()
    closed = serializers.IntegerField(help_text="本次登记离开的人数")
    at = serializers.DateTimeField()


class PlacePresenceViewSet(viewsets.GenericViewSet):
    """EPI-06: who is present now at each place code of the caller's unit(s) ("在场人员"), and
    ``checkout``: the owner's "全部登记离开" at one code (every open stay ends now)."""

    queryset = PlaceCode.objects.all()
    serializer_class = PresenceSerializer
    pagination_class = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Scan, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        # the codes of the units whose scans the caller reads (the same scope keys)
        return PlaceCode.objects.filter(scope_filter(self.request.user, Scan, "view"))

    def _presence(self, enterprise_ids):
        from sibao.enterprises.models import Enterprise

        scans = Scan.objects.visible_to(self.request.user, "view")
        rows = []
        for unit in Enterprise.objects.filter(pk__in=enterprise_ids).order_by("pk"):
            rows.extend(queries_scans.presence(unit, scans).rows)
        return rows

    def list(self, request):
        ids = set(self.get_queryset().values_list("enterprise_id", flat=True).distinct())
        return Response(PresenceSerializer(self._presence(ids), many=True).data)

    def retrieve(self, request, pk=None):
        code = self.get_object()
        rows = [row for row in self._presence([code.enterprise_id]) if row.code.pk == code.pk]
        if not rows:
            paths = queries_scans.space_paths([code.space_id])
            rows = [queries_scans.Presence(code, paths.get(code.space_id, ""), 0)]
        return Response(PresenceSerializer(rows[0]).data)

    @extend_schema(request=None, responses={200: CheckOutResultSerializer})
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk=None):
        code = self.get_object()
        now = timezone.now()
        closed = actions.check_out_place(code, actor=request.user, at=now)
        return Response(
            CheckOutResultSerializer({"place_code_id": code.pk, "closed": closed, "at": now}).data
        )
