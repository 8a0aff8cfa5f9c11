"""API of the trips area: closed-loop trips, sample-and-go, late positives (LOG-04).

``trips``: list and read the trips the user may see (``has_positive`` flags a positive sample);
``POST`` starts one on an approved pass (the company; occupants as ID numbers, kept as person
keys only); ``arrive`` records the arrival (destination unit or company). ``trip-samples``: the
samples taken at checkpoints with their state (pending, overdue, negative, positive). Reads go
through ``visible_to``; writes through ``logistics.actions.trips``, whose Chinese validation
messages answer 400 and refusals 403."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.logistics import queries_trips as queries
from sibao.logistics.actions import trips as actions
from sibao.logistics.filtersets_trips import TripFilterSet, TripSampleFilterSet
from sibao.logistics.models import Trip, TripSample, VehiclePass


class TripSampleSerializer(serializers.ModelSerializer):
    checkpoint_name = serializers.CharField(
        source="checkpoint_check.checkpoint.name", read_only=True
    )
    person = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = TripSample
        fields = [
            "id",
            "trip",
            "checkpoint_check",
            "checkpoint_name",
            "person",
            "tube_code",
            "sampled_at",
            "result",
            "state",
            "result_at",
            "alerted_at",
            "region_code",
        ]
        read_only_fields = fields

    def get_person(self, obj) -> str:
        """A short prefix of the person key: enough to tell people apart, no identity."""
        return obj.person_key[:8]

    def get_state(self, obj) -> str:
        return queries.sample_state(obj, self.context["deadline"])


class TripSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    pass_number = serializers.CharField(source="vehicle_pass.number", read_only=True)
    destination_unit_name = serializers.CharField(source="destination_unit.name", read_only=True)
    occupants = serializers.SerializerMethodField()
    has_positive = serializers.BooleanField(read_only=True)
    has_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = Trip
        fields = [
            "id",
            "vehicle_pass",
            "pass_number",
            "vehicle",
            "plate",
            "destination_unit",
            "destination_unit_name",
            "origin",
            "route",
            "destination",
            "departed_at",
            "arrived_at",
            "status",
            "occupants",
            "has_positive",
            "has_pending",
            "region_code",
            "origin_region_code",
        ]
        read_only_fields = fields

    def get_occupants(self, obj) -> int:
        return len(obj.occupant_keys)


@extend_schema_field(OpenApiTypes.INT)
class _StartablePassField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        user = self.context["request"].user
        return VehiclePass.objects.visible_to(user, "apply").select_related("vehicle")


class TripStartSerializer(serializers.Serializer):
    vehicle_pass = _StartablePassField()
    route = serializers.CharField(required=False, allow_blank=True, default="")
    occupants = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="ID numbers of the people aboard; empty: the pass's drivers",
    )


class TripViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """LOG-04: closed-loop trips. ``POST`` starts one (the company); ``arrive`` ends it."""

    queryset = Trip.objects.all()
    filterset_class = TripFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Trip, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return queries.with_flags(
            Trip.objects.visible_to(self.request.user, "view").select_related(
                "vehicle", "vehicle_pass", "destination_unit"
            )
        ).order_by(*Trip._meta.ordering)

    def get_serializer_class(self):
        if self.action == "create":
            return TripStartSerializer
        return TripSerializer

    def _answer(self, trip, code=status.HTTP_200_OK):
        return Response(TripSerializer(self.get_queryset().get(pk=trip.pk)).data, status=code)

    @extend_schema(request=TripStartSerializer, responses={201: TripSerializer})
    def create(self, request, *args, **kwargs):
        if not can(request.user, Trip, "add"):
            raise exceptions.PermissionDenied(_("只有车辆所属企业可以登记运输行程。"))
        body = TripStartSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        trip = actions.start_trip(
            data["vehicle_pass"],
            actor=request.user,
            route=data["route"],
            occupants=data["occupants"],
        )
        return self._answer(trip, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TripSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        trip = self.get_object()
        actions.arrive(trip, actor=request.user)
        return self._answer(trip)


class TripSampleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """LOG-04: samples taken at checkpoints and their results (pending, overdue, positive)."""

    queryset = TripSample.objects.all()
    serializer_class = TripSampleSerializer
    filterset_class = TripSampleFilterSet

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, TripSample, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return (
            TripSample.objects.visible_to(self.request.user, "view")
            .select_related("checkpoint_check__checkpoint")
            .order_by(*TripSample._meta.ordering)
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "deadline": queries.result_deadline()}
