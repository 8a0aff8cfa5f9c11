"""API of the fleet area (LOG-01): ``vehicles`` (``POST`` registers one; ``deactivate``) and
``drivers`` (``POST`` registers one with the ID number and phone, answered masked; ``whitelist``
adds to or removes from the transport whitelist). Reads go through ``visible_to``; writes through
``logistics.actions.fleet``, whose Chinese validation messages answer 400 and refusals 403."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.logistics.actions import fleet as actions
from sibao.logistics.filtersets_fleet import DriverFilterSet, VehicleFilterSet
from sibao.logistics.forms_fleet import owners_for, served_units
from sibao.logistics.models import Driver, Vehicle, VehicleKind, VehicleRelation

# --- serializers ---


class FleetVehicleSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    served_unit_name = serializers.CharField(
        source="served_unit.name", read_only=True, default=None
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "plate",
            "kind",
            "relation",
            "owner",
            "owner_name",
            "served_unit",
            "served_unit_name",
            "load_tonnes",
            "is_active",
            "created_at",
            "region_code",
        ]
        read_only_fields = fields


class FleetDriverSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)

    class Meta:
        model = Driver
        fields = [
            "id",
            "name",
            "id_masked",
            "phone_masked",
            "licence_class",
            "owner",
            "owner_name",
            "on_whitelist",
            "whitelisted_at",
            "is_active",
            "created_at",
            "region_code",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _OwnerField(serializers.PrimaryKeyRelatedField):
    """An enterprise the requesting user's own grants name for ``model``."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return owners_for(self.context["request"].user, self.model)


@extend_schema_field(OpenApiTypes.INT)
class _ServedUnitField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return served_units()


class FleetVehicleCreateSerializer(serializers.Serializer):
    owner = _OwnerField(Vehicle)
    plate = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=VehicleKind.choices)
    relation = serializers.ChoiceField(choices=VehicleRelation.choices)
    served_unit = _ServedUnitField(required=False, allow_null=True, default=None)
    load_tonnes = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, default=None
    )


class FleetDriverCreateSerializer(serializers.Serializer):
    owner = _OwnerField(Driver)
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=24, write_only=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    licence_class = serializers.CharField(
        max_length=8, required=False, allow_blank=True, default=""
    )


class FleetReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class FleetWhitelistSerializer(serializers.Serializer):
    on_whitelist = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- view sets ---


class _FleetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    model = None

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, self.model, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def _refuse_unless_owner(self, request):
        if not owners_for(request.user, self.model).exists():
            raise exceptions.PermissionDenied(
                _("只有物流企业账户或白名单单位防疫专班可以登记车辆和驾驶员。")
            )


class VehicleViewSet(_FleetViewSet):
    """LOG-01: vehicles in scope. ``POST`` registers one (a logistics company's account or a
    whitelisted unit's admin, for its own enterprise); ``deactivate`` takes it out of use."""

    model = Vehicle
    queryset = Vehicle.objects.all()
    filterset_class = VehicleFilterSet

    def get_queryset(self):
        return (
            Vehicle.objects.visible_to(self.request.user, "view")
            .select_related("owner", "served_unit")
            .order_by(*Vehicle._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "create": FleetVehicleCreateSerializer,
            "deactivate": FleetReasonSerializer,
        }.get(self.action, FleetVehicleSerializer)

    @extend_schema(request=FleetVehicleCreateSerializer, responses={201: FleetVehicleSerializer})
    def create(self, request, *args, **kwargs):
        self._refuse_unless_owner(request)
        body = FleetVehicleCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        vehicle = actions.register_vehicle(data.pop("owner"), actor=request.user, **data)
        return Response(FleetVehicleSerializer(vehicle).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FleetReasonSerializer, responses=FleetVehicleSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        vehicle = self.get_object()
        body = FleetReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        vehicle = actions.deactivate_vehicle(
            vehicle, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(FleetVehicleSerializer(vehicle).data)


class DriverViewSet(_FleetViewSet):
    """LOG-01: drivers in scope, masked. ``POST`` registers one; ``whitelist`` adds the driver to
    (``on_whitelist: true``) or removes them from the transport whitelist."""

    model = Driver
    queryset = Driver.objects.all()
    filterset_class = DriverFilterSet

    def get_queryset(self):
        return (
            Driver.objects.visible_to(self.request.user, "view")
            .select_related("owner")
            .order_by(*Driver._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "create": FleetDriverCreateSerializer,
            "whitelist": FleetWhitelistSerializer,
        }.get(self.action, FleetDriverSerializer)

    @extend_schema(request=FleetDriverCreateSerializer, responses={201: FleetDriverSerializer})
    def create(self, request, *args, **kwargs):
        self._refuse_unless_owner(request)
        body = FleetDriverCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        driver = actions.register_driver(data.pop("owner"), actor=request.user, **data)
        return Response(FleetDriverSerializer(driver).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FleetWhitelistSerializer, responses=FleetDriverSerializer)
    @action(detail=True, methods=["post"])
    def whitelist(self, request, pk=None):
        driver = self.get_object()
        body = FleetWhitelistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["on_whitelist"]:
            driver = actions.add_to_whitelist(driver, actor=request.user)
        else:
            driver = actions.remove_from_whitelist(
                driver, actor=request.user, reason=body.validated_data["reason"]
            )
        return Response(FleetDriverSerializer(driver).data)
