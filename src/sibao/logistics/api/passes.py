"""API of the passes area (LOG-02): ``vehicle-passes`` (``POST`` applies — the vehicle's company;
``approve`` signs it and answers the token, ``refuse`` and ``revoke`` need a reason — the logistics
group; ``withdraw`` — the applicant; each decision may carry the ``version`` the user saw, a stale
one answers 400 naming who moved it first), and two endpoints for checkpoint apps, open to any
signed-in account: ``pass-keys`` (the platform's Ed25519 public key and its id, to verify tokens
offline) and ``pass-revocations`` (numbers of revoked passes still inside their validity)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.masking import mask_name
from sibao.enterprises.models import Enterprise
from sibao.logistics import queries_passes, signing
from sibao.logistics.actions import passes as actions
from sibao.logistics.filtersets_passes import VehiclePassFilterSet
from sibao.logistics.models import Driver, Vehicle, VehiclePass

# --- serializers ---


class PassDriverSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = Driver
        fields = ["id", "name", "id_masked", "licence_class"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return mask_name(obj.name)


class VehiclePassSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    served_unit_name = serializers.CharField(source="served_unit.name", read_only=True)
    drivers = PassDriverSerializer(many=True, read_only=True)

    class Meta:
        model = VehiclePass
        fields = [
            "id",
            "number",
            "vehicle",
            "plate",
            "company",
            "company_name",
            "served_unit",
            "served_unit_name",
            "drivers",
            "origin",
            "origin_region_code",
            "destination",
            "destination_region_code",
            "cargo",
            "valid_from",
            "valid_until",
            "status",
            "applied_at",
            "decided_at",
            "decision_reason",
            "revoked_at",
            "revoke_reason",
            "token",
            "key_id",
            "version",
        ]
        read_only_fields = fields


def _scoped(model, action_name="view"):
    @extend_schema_field(OpenApiTypes.INT)
    class Field(serializers.PrimaryKeyRelatedField):
        def get_queryset(self):
            return model.objects.visible_to(self.context["request"].user, action_name)

    return Field


_VehicleField = _scoped(Vehicle)
_DriverField = _scoped(Driver)


@extend_schema_field(OpenApiTypes.INT)
class _UnitField(serializers.PrimaryKeyRelatedField):
    """Any active unit (whether it is whitelisted is the action's check)."""

    def get_queryset(self):
        return Enterprise.objects.active()


class PassApplySerializer(serializers.Serializer):
    vehicle = _VehicleField()
    served_unit = _UnitField()
    origin = serializers.CharField(allow_blank=True)
    origin_region_code = serializers.CharField(allow_blank=True)
    destination = serializers.CharField(allow_blank=True)
    destination_region_code = serializers.CharField(allow_blank=True)
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    drivers = _DriverField(many=True, required=False)
    cargo = serializers.CharField(required=False, allow_blank=True, default="")


class PassDecisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PassReasonSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True)


@extend_schema_serializer(many=False)  # one object, not a list, though the action is "list"
class PassKeySerializer(serializers.Serializer):
    key_id = serializers.CharField()
    algorithm = serializers.CharField()
    token_prefix = serializers.CharField()
    public_key_pem = serializers.CharField()


@extend_schema_serializer(many=False)
class PassRevocationListSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    numbers = serializers.ListField(child=serializers.CharField())


# --- view sets ---


class VehiclePassViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """LOG-02: passes in scope; ``POST`` applies; decisions as actions."""

    queryset = VehiclePass.objects.all()
    filterset_class = VehiclePassFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, VehiclePass, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return (
            VehiclePass.objects.visible_to(self.request.user, "view")
            .select_related("vehicle", "company", "served_unit")
            .prefetch_related("drivers")
            .order_by(*VehiclePass._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "create": PassApplySerializer,
            "approve": PassDecisionSerializer,
            "withdraw": PassDecisionSerializer,
            "refuse": PassReasonSerializer,
            "revoke": PassReasonSerializer,
        }.get(self.action, VehiclePassSerializer)

    def _answer(self, vehicle_pass, code=status.HTTP_200_OK):
        vehicle_pass = self.get_queryset().get(pk=vehicle_pass.pk)
        return Response(VehiclePassSerializer(vehicle_pass).data, status=code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context={"request": self.request})
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    @extend_schema(request=PassApplySerializer, responses={201: VehiclePassSerializer})
    def create(self, request, *args, **kwargs):
        if not can(request.user, VehiclePass, "apply"):
            raise exceptions.PermissionDenied(_("只有车辆所属企业可以申请通行证。"))
        data = self._body(PassApplySerializer)
        vehicle = data.pop("vehicle")
        vehicle_pass = actions.apply_for_pass(vehicle, actor=request.user, **data)
        return self._answer(vehicle_pass, status.HTTP_201_CREATED)

    @extend_schema(request=PassDecisionSerializer, responses=VehiclePassSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = self._body(PassDecisionSerializer)
        done = actions.approve_pass(self.get_object(), actor=request.user, **data)
        return self._answer(done)

    @extend_schema(request=PassReasonSerializer, responses=VehiclePassSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        data = self._body(PassReasonSerializer)
        done = actions.refuse_pass(self.get_object(), actor=request.user, **data)
        return self._answer(done)

    @extend_schema(request=PassReasonSerializer, responses=VehiclePassSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = self._body(PassReasonSerializer)
        done = actions.revoke_pass(self.get_object(), actor=request.user, **data)
        return self._answer(done)

    @extend_schema(request=PassDecisionSerializer, responses=VehiclePassSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self._body(PassDecisionSerializer)
        done = actions.withdraw_pass(
            self.get_object(), actor=request.user, reason=data["note"], version=data["version"]
        )
        return self._answer(done)


class PassKeyViewSet(viewsets.ViewSet):
    """LOG-02: the public key checkpoint apps verify pass tokens with (any signed-in account)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PassKeySerializer)
    def list(self, request):
        return Response(
            {
                "key_id": signing.key_id(),
                "algorithm": "Ed25519",
                "token_prefix": signing.PREFIX,
                "public_key_pem": signing.public_key_pem(),
            }
        )


class PassRevocationViewSet(viewsets.ViewSet):
    """LOG-02: the revocation list — revoked passes still inside their validity."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PassRevocationListSerializer)
    def list(self, request):
        now = timezone.now()
        return Response({"generated_at": now, "numbers": queries_passes.revoked_numbers(now)})
