"""API of the intake area (DEM-01): demands (list/retrieve of the user's scope; ``POST`` files one,
multipart with ``files``; ``accept``, ``reject``, ``merge``, ``withdraw`` carry the ``version``
the client saw, a stale one answers 400 with the conflict message; ``import`` takes the visit
template, all rows or none) and their attachments (list/retrieve with a scoped download link).
Reads go through ``visible_to``; writes through ``workorders.actions.intake``, whose Chinese
validation messages answer 400 and refusals 403."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.enterprises.api.serializers import ImportRefusedSerializer
from sibao.enterprises.models import Enterprise
from sibao.workorders import queries_intake as queries
from sibao.workorders.actions import intake as actions
from sibao.workorders.filtersets_intake import DemandFilterSet
from sibao.workorders.models import (
    Attachment,
    Demand,
    DemandCategory,
    DemandChannel,
    RejectReason,
    Urgency,
)

# --- serializers ---


class DemandAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "demand", "work_order", "name", "size", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("workorders:demand_attachment", args=[obj.pk])


class DemandSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    merged_into_number = serializers.CharField(
        source="merged_into.number", read_only=True, default=None
    )
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "number",
            "enterprise",
            "enterprise_name",
            "category",
            "title",
            "description",
            "urgency",
            "channel",
            "contact_name",
            "contact_phone",
            "status",
            "submitted_at",
            "submitted_by",
            "accepted_at",
            "reject_reason",
            "merged_into",
            "merged_into_number",
            "region_code",
            "industry_code",
            "version",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(DemandAttachmentSerializer(many=True))
    def get_attachments(self, obj):
        request = self.context.get("request")
        rows = obj.attachments.filter(work_order__isnull=True)
        if request is not None:
            rows = rows.filter(pk__in=Attachment.objects.visible_to(request.user, "view"))
        return DemandAttachmentSerializer(rows, many=True).data


@extend_schema_field(OpenApiTypes.INT)
class _UnitField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Enterprise.objects.visible_to(self.context["request"].user, "view").active()


class DemandCreateSerializer(serializers.Serializer):
    enterprise = _UnitField()
    category = serializers.ChoiceField(choices=DemandCategory.choices)
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    channel = serializers.ChoiceField(choices=DemandChannel.choices, default=DemandChannel.ONLINE)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text=_("附件，最多 5 个")
    )


class DemandAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class DemandRejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class DemandMergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(help_text=_("合并到的诉求编号（id）"))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class DemandImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(".xlsx 或 .csv（UTF-8 或 GBK），列与导入模板一致"))


class DemandImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    numbers = serializers.ListField(child=serializers.CharField())


# --- view sets ---


class DemandViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """DEM-01: demands of the user's scope (a unit its own, an office its region)."""

    queryset = Demand.objects.all()
    filterset_class = DemandFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Demand, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        return (
            queries.demands_for(self.request.user)
            .prefetch_related("attachments")
            .order_by(*Demand._meta.ordering)
        )

    def get_serializer_class(self):
        return {
            "create": DemandCreateSerializer,
            "accept": DemandAcceptSerializer,
            "reject": DemandRejectSerializer,
            "merge": DemandMergeSerializer,
            "withdraw": DemandAcceptSerializer,
            "import_file": DemandImportSerializer,
        }.get(self.action, DemandSerializer)

    def _answer(self, demand, code=status.HTTP_200_OK):
        demand = self.get_queryset().get(pk=demand.pk)
        return Response(DemandSerializer(demand, context={"request": self.request}).data, code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context={"request": self.request})
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(
        request={"multipart/form-data": DemandCreateSerializer},
        responses={201: DemandSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = self._body(DemandCreateSerializer)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        demand = actions.file_demand(
            data["enterprise"],
            actor=request.user,
            category=data["category"],
            title=data["title"],
            description=data["description"],
            urgency=data["urgency"],
            channel=data["channel"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            files=files or data["files"],
        )
        return self._answer(demand, status.HTTP_201_CREATED)

    @extend_schema(request=DemandAcceptSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = self._body(DemandAcceptSerializer)
        demand = actions.accept_demand(self.get_object(), actor=request.user, **data)
        return self._answer(demand)

    @extend_schema(request=DemandRejectSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self._body(DemandRejectSerializer)
        demand = actions.reject_demand(self.get_object(), actor=request.user, **data)
        return self._answer(demand)

    @extend_schema(request=DemandMergeSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        data = self._body(DemandMergeSerializer)
        demand = self.get_object()
        into = queries.demands_for(request.user).filter(pk=data.pop("into")).first()
        if into is None:
            raise exceptions.ValidationError({"into": [_("合并到的诉求不存在或不在您的范围内。")]})
        demand = actions.merge_demand(demand, into=into, actor=request.user, **data)
        return self._answer(demand)

    @extend_schema(request=DemandAcceptSerializer, responses=DemandSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self._body(DemandAcceptSerializer)
        demand = actions.withdraw_demand(self.get_object(), actor=request.user, **data)
        return self._answer(demand)

    @extend_schema(
        request={"multipart/form-data": DemandImportSerializer},
        responses={
            201: DemandImportResultSerializer,
            400: OpenApiResponse(
                ImportRefusedSerializer, description="整个文件被拒绝，逐行列出错误"
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
        """Demands collected on visits, from the template: all rows or none."""
        upload = self._body(DemandImportSerializer)["file"]
        result = actions.import_demands(upload.read(), upload.name, actor=request.user)
        if not result.ok:
            detail = _("文件中有 %(n)d 处错误，未导入任何诉求。") % {"n": len(result.errors)}
            return Response(
                {"detail": detail, "rows": result.rows, "errors": result.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"created": len(result.created), "numbers": [d.number for d in result.created]},
            status=status.HTTP_201_CREATED,
        )


class DemandAttachmentViewSet(viewsets.ReadOnlyModelViewSet):
    """DEM-01: attachments of the demands in scope; the file through ``download_url``."""

    queryset = Attachment.objects.all()
    serializer_class = DemandAttachmentSerializer

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can(request.user, Attachment, "view"):
            raise exceptions.PermissionDenied(_("您的角色无权访问该资源。"))

    def get_queryset(self):
        queryset = Attachment.objects.visible_to(self.request.user, "view").order_by("id")
        demand = self.request.query_params.get("demand", "")
        if demand.isdigit():
            queryset = queryset.filter(demand_id=int(demand))
        return queryset
