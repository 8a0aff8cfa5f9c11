"""API of the lastmile area (LOG-05, LOG-06): receiving points, delivery plans, supply stations
(``activate`` / ``deactivate``), road closures (``POST`` requests one; ``decide`` with
``approve`` true/false — province-wide grants only —; ``lift``), green channels and the passes
eligible for the toll discount (read only). Reads go through ``visible_to``; writes through
``logistics.actions.lastmile``, whose Chinese validation messages answer 400 and refusals 403."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import allowing_grants, can
from sibao.enterprises.models import Enterprise
from sibao.logistics import queries_access
from sibao.logistics.actions import lastmile as actions
from sibao.logistics.filtersets_lastmile import (
    DeliveryPlanFilterSet,
    GreenChannelFilterSet,
    ReceivingPointFilterSet,
    RoadClosureFilterSet,
    SupplyStationFilterSet,
    TollDiscountFilterSet,
)
from sibao.logistics.models import (
    Checkpoint,
    DeliveryPlan,
    ReceivingPoint,
    RoadClosureRequest,
    RoadKind,
    StationKind,
    SupplyStation,
    VehiclePass,
)

# --- serializers ---


class ReceivingPointSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = ReceivingPoint
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "name",
            "address",
            "contactless",
            "daily_capacity_tonnes",
            "is_active",
            "region_code",
        ]
        read_only_fields = ["id", "enterprise", "enterprise_name", "region_code"]


class DeliveryPlanSerializer(serializers.ModelSerializer):
    region = serializers.CharField(write_only=True, required=False)

    class Meta:
        model = DeliveryPlan
        fields = [
            "id",
            "region",
            "region_code",
            "title",
            "valid_from",
            "valid_until",
            "daily_capacity_tonnes",
            "reserve_vehicles",
            "reserve_drivers",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["id", "region_code", "updated_at"]


class SupplyStationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(write_only=True, required=False)
    kind = serializers.ChoiceField(choices=StationKind.choices)

    class Meta:
        model = SupplyStation
        fields = [
            "id",
            "region",
            "region_code",
            "name",
            "kind",
            "address",
            "daily_capacity_tonnes",
            "active",
            "activated_at",
            "deactivated_at",
        ]
        read_only_fields = ["id", "region_code", "active", "activated_at", "deactivated_at"]


class StationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RoadClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoadClosureRequest
        fields = [
            "id",
            "road",
            "road_kind",
            "reason",
            "starts_at",
            "ends_at",
            "status",
            "requested_at",
            "requested_by",
            "decided_at",
            "decided_by",
            "decision_note",
            "lifted_at",
            "version",
            "region_code",
        ]
        read_only_fields = fields


class RoadClosureCreateSerializer(serializers.Serializer):
    region = serializers.CharField()
    road = serializers.CharField(allow_blank=True)
    road_kind = serializers.ChoiceField(choices=RoadKind.choices)
    reason = serializers.CharField(allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class RoadClosureDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class RoadClosureLiftSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class GreenChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Checkpoint
        fields = ["id", "name", "kind", "road", "region_code"]
        read_only_fields = fields


class TollDiscountSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    served_unit_name = serializers.CharField(source="served_unit.name", read_only=True)

    class Meta:
        model = VehiclePass
        fields = [
            "id",
            "number",
            "plate",
            "company",
            "company_name",
            "served_unit",
            "served_unit_name",
            "origin",
            "destination",
            "cargo",
            "valid_from",
            "valid_until",
        ]
        read_only_fields = fields


# --- view sets ---


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user, "view")


def _values(serializer, fields) -> dict:
    return {name: serializer.validated_data.get(name) for name in fields}


class ReceivingPointViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ReadViewSet):
    """LOG-05: a unit's receiving points; its admin creates and changes them."""

    model = ReceivingPoint
    queryset = ReceivingPoint.objects.all()
    serializer_class = ReceivingPointSerializer
    filterset_class = ReceivingPointFilterSet
    http_method_names = ["get", "post", "put", "head", "options"]
    fields = ("name", "address", "contactless", "daily_capacity_tonnes", "is_active")

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise")

    def create(self, request, *args, **kwargs):
        ids = [
            g.enterprise_id
            for g in allowing_grants(request.user, "logistics.receivingpoint", "add")
            if g.enterprise_id
        ]
        unit = Enterprise.objects.filter(pk__in=ids).order_by("pk").first()
        if unit is None:
            raise exceptions.PermissionDenied(_("只有单位防疫专班可以设置本单位的接收点。"))
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        point = actions.add_receiving_point(unit, actor=request.user, **_values(body, self.fields))
        return Response(self.get_serializer(point).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        point = self.get_object()
        body = self.get_serializer(point, data=request.data)
        body.is_valid(raise_exception=True)
        point = actions.change_receiving_point(
            point, actor=request.user, **_values(body, self.fields)
        )
        return Response(self.get_serializer(point).data)


class _KeptViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ReadViewSet):
    http_method_names = ["get", "post", "put", "head", "options"]
    fields: tuple = ()
    add = None
    change = None

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        region = body.validated_data.get("region") or ""
        obj = type(self).add(region, actor=request.user, **_values(body, self.fields))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        body = self.get_serializer(obj, data=request.data)
        body.is_valid(raise_exception=True)
        obj = type(self).change(obj, actor=request.user, **_values(body, self.fields))
        return Response(self.get_serializer(obj).data)


class DeliveryPlanViewSet(_KeptViewSet):
    """LOG-05: counties' delivery plans with their capacity reserve."""

    model = DeliveryPlan
    queryset = DeliveryPlan.objects.all()
    serializer_class = DeliveryPlanSerializer
    filterset_class = DeliveryPlanFilterSet
    fields = actions.PLAN_FIELDS
    add = staticmethod(actions.add_delivery_plan)
    change = staticmethod(actions.change_delivery_plan)


class SupplyStationViewSet(_KeptViewSet):
    """LOG-05: city supply stations; ``activate`` / ``deactivate`` by the HQ office."""

    model = SupplyStation
    queryset = SupplyStation.objects.all()
    serializer_class = SupplyStationSerializer
    filterset_class = SupplyStationFilterSet
    fields = actions.STATION_FIELDS
    add = staticmethod(actions.add_station)
    change = staticmethod(actions.change_station)

    def _switch(self, request, func):
        station = self.get_object()
        body = StationReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        station = func(station, actor=request.user, reason=body.validated_data["reason"])
        return Response(SupplyStationSerializer(station).data)

    @extend_schema(request=StationReasonSerializer, responses=SupplyStationSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        return self._switch(request, actions.activate_station)

    @extend_schema(request=StationReasonSerializer, responses=SupplyStationSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        return self._switch(request, actions.deactivate_station)


class RoadClosureViewSet(mixins.CreateModelMixin, _ReadViewSet):
    """LOG-06: road-closure requests; ``decide`` only from a province-wide grant; ``lift``."""

    model = RoadClosureRequest
    queryset = RoadClosureRequest.objects.all()
    filterset_class = RoadClosureFilterSet

    def get_serializer_class(self):
        return {
            "create": RoadClosureCreateSerializer,
            "decide": RoadClosureDecisionSerializer,
            "lift": RoadClosureLiftSerializer,
        }.get(self.action, RoadClosureSerializer)

    @extend_schema(request=RoadClosureCreateSerializer, responses={201: RoadClosureSerializer})
    def create(self, request, *args, **kwargs):
        body = RoadClosureCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        region = data.pop("region")
        closure = actions.request_closure(region, actor=request.user, **data)
        return Response(RoadClosureSerializer(closure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoadClosureDecisionSerializer, responses=RoadClosureSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        closure = self.get_object()
        body = RoadClosureDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = actions.decide_closure(closure, actor=request.user, **body.validated_data)
        return Response(RoadClosureSerializer(closure).data)

    @extend_schema(request=RoadClosureLiftSerializer, responses=RoadClosureSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        closure = self.get_object()
        body = RoadClosureLiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = actions.lift_closure(closure, actor=request.user, **body.validated_data)
        return Response(RoadClosureSerializer(closure).data)


class GreenChannelViewSet(_ReadViewSet):
    """LOG-06: green channels at airports, rail stations and ports (read only)."""

    model = Checkpoint
    queryset = Checkpoint.objects.all()
    serializer_class = GreenChannelSerializer
    filterset_class = GreenChannelFilterSet

    def get_queryset(self):
        return queries_access.green_channels(self.request.user)


class TollDiscountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """LOG-06: the passes whose freight is eligible for the toll discount today."""

    queryset = VehiclePass.objects.all()
    serializer_class = TollDiscountSerializer
    filterset_class = TollDiscountFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, VehiclePass, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return queries_access.toll_discount_rows(self.request.user)
