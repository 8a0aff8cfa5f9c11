"""API of the checkpoint area: checkpoints, green-channel verification, check log (LOG-03).

``POST /api/checkpoint-checks/`` is the verification endpoint of checkpoint apps and scanners:
the checkpoint, the scanned pass token, the occupants' ID numbers (and optionally the plate, the
app's own event id for an idempotent resend, ``sample`` for 即采即走) in; the stored check with
its result and reasons (codes and Chinese labels) out. It is kept to a handful of queries (pinned
in ``tests/test_log_checkpoint_api.py``). Reads go through ``visible_to``; the write through
``logistics.actions.checkpoint.verify``, whose Chinese validation messages answer 400 and
refusals 403."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from sibao.core.ratelimit import IngestThrottle
from sibao.logistics import green_channel
from sibao.logistics.actions import checkpoint as actions
from sibao.logistics.filtersets_checkpoint import CheckFilterSet, CheckpointFilterSet
from sibao.logistics.models import Check, Checkpoint


class LogisticsCheckpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = Checkpoint
        fields = ["id", "name", "kind", "road", "green_channel", "is_active", "region_code"]
        read_only_fields = fields


class CheckpointCheckSerializer(serializers.ModelSerializer):
    reason_labels = serializers.SerializerMethodField()
    occupant_count = serializers.SerializerMethodField()

    class Meta:
        model = Check
        fields = [
            "id",
            "checkpoint",
            "officer",
            "at",
            "result",
            "reasons",
            "reason_labels",
            "pass_number",
            "plate",
            "occupant_count",
            "sampled",
            "client_event_id",
        ]
        read_only_fields = fields

    def get_reason_labels(self, obj) -> list[str]:
        return green_channel.reason_labels(obj.reasons)

    def get_occupant_count(self, obj) -> int:
        return len(obj.occupant_keys)


_AT = serializers.DateTimeField()


def check_data(check) -> dict:
    """``CheckpointCheckSerializer(check).data`` without building a serializer: the answer of
    every verification (the same keys and values; pinned in tests/test_log_checkpoint_api.py)."""
    return {
        "id": check.pk,
        "checkpoint": check.checkpoint_id,
        "officer": check.officer_id,
        "at": _AT.to_representation(check.at),
        "result": check.result,
        "reasons": check.reasons,
        "reason_labels": green_channel.reason_labels(check.reasons),
        "pass_number": check.pass_number,
        "plate": check.plate,
        "occupant_count": len(check.occupant_keys),
        "sampled": check.sampled,
        "client_event_id": check.client_event_id,
    }


class _CheckpointField(serializers.IntegerField):
    """A checkpoint the user may see (``actions.checkpoint_to_verify``: one query by primary
    key); otherwise the answer of an unknown primary key."""

    default_error_messages = {
        "does_not_exist": serializers.PrimaryKeyRelatedField.default_error_messages[
            "does_not_exist"
        ]
    }

    def to_internal_value(self, data):
        pk = super().to_internal_value(data)
        checkpoint = actions.checkpoint_to_verify(self.context["request"].user, pk)
        if checkpoint is None:
            self.fail("does_not_exist", pk_value=pk)
        return checkpoint


class CheckpointVerifySerializer(serializers.Serializer):
    checkpoint = _CheckpointField()
    token = serializers.CharField(max_length=600)
    occupants = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=actions.MAX_OCCUPANTS
    )
    plate = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    client_event_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    sample = serializers.BooleanField(required=False, default=False)


class CheckpointViewSet(viewsets.ReadOnlyModelViewSet):
    """The checkpoints the user may see (a checkpoint app lists its own)."""

    serializer_class = LogisticsCheckpointSerializer
    filterset_class = CheckpointFilterSet

    def get_queryset(self):
        return Checkpoint.objects.visible_to(self.request.user, "view")


class CheckpointCheckViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The check log (``GET``) and the verification itself (``POST``)."""

    serializer_class = CheckpointCheckSerializer
    filterset_class = CheckFilterSet
    throttle_classes = [IngestThrottle]  # the verification (POST); the log's reads are not limited

    def get_queryset(self):
        return Check.objects.visible_to(self.request.user, "view")

    @extend_schema(request=CheckpointVerifySerializer, responses={201: CheckpointCheckSerializer})
    def create(self, request, *args, **kwargs):
        data = CheckpointVerifySerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        check = actions.verify(
            values["checkpoint"],
            actor=request.user,
            token=values["token"],
            occupants=values["occupants"],
            plate=values["plate"],
            client_event_id=values["client_event_id"],
            sample=values["sample"],
        )
        return Response(check_data(check), status=status.HTTP_201_CREATED)
