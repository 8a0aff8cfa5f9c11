from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from sibao.accounts.access import can
from sibao.core.api.viewsets import ScopedReadOnlyViewSet
from sibao.enterprises import actions, imports
from sibao.enterprises.actions.registry import ImportRefused
from sibao.enterprises.api.serializers import (
    EnterpriseSerializer,
    EnterpriseWriteSerializer,
    ImportRefusedSerializer,
    ImportResultSerializer,
    ImportSerializer,
    MergeSerializer,
)
from sibao.enterprises.filtersets import EnterpriseFilterSet
from sibao.enterprises.models import Enterprise, EnterpriseKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EnterpriseViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """WL-01/WL-02: the registry. Lists show active records (a merged duplicate is still found by
    its id, with ``merged_into``); every write goes through the registry actions."""

    queryset = Enterprise.objects.select_related("region", "industry")
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.active()
        return queryset

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return EnterpriseWriteSerializer
        return EnterpriseSerializer

    @extend_schema(request=EnterpriseWriteSerializer, responses={201: EnterpriseSerializer})
    def create(self, request, *args, **kwargs):
        body = EnterpriseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit = actions.create_enterprise(actor=request.user, **body.validated_data)
        return Response(EnterpriseSerializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseWriteSerializer, responses=EnterpriseSerializer)
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        unit = self.get_object()
        body = EnterpriseWriteSerializer(unit, data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        unit = actions.update_enterprise(unit, actor=request.user, **body.validated_data)
        return Response(EnterpriseSerializer(unit).data)

    @extend_schema(request=EnterpriseWriteSerializer, responses=EnterpriseSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=MergeSerializer, responses=EnterpriseSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge the record ``duplicate`` (same credit code) into this one."""
        if not can(request.user, Enterprise, "merge"):
            raise exceptions.PermissionDenied(_("您的角色无权合并重复记录。"))
        survivor = self.get_object()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        records = Enterprise.objects.visible_to(request.user, "view")
        duplicate = get_object_or_404(records, pk=body.validated_data["duplicate"])
        survivor = actions.merge_enterprises(
            survivor, duplicate, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(EnterpriseSerializer(survivor).data)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={
            201: ImportResultSerializer,
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
        """Import units from an .xlsx or .csv file: all rows or none."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            created = actions.import_enterprises(upload.read(), upload.name, actor=request.user)
        except ImportRefused as exc:
            return Response(
                {
                    "detail": exc.messages[0],
                    "rows": exc.rows,
                    "errors": [e.as_dict() for e in exc.row_errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("fmt", str, enum=["xlsx", "csv"], description="文件格式，默认 xlsx"),
            OpenApiParameter("q", str, description="名称或信用代码"),
            OpenApiParameter("region", str, description="区划代码（前缀）"),
            OpenApiParameter("industry", str, description="行业领域代码"),
            OpenApiParameter("kind", str, enum=[k.value for k in EnterpriseKind]),
            OpenApiParameter("is_city_operation", str, enum=["true", "false"]),
            OpenApiParameter("park", int, description="所属园区（保税区）的记录编号"),
            OpenApiParameter("whitelist", str, enum=["listed", "not_listed"]),
        ],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        """The filtered list (same filters as the list) as a file, streamed; audited."""
        if not can(request.user, Enterprise, "export"):
            raise exceptions.PermissionDenied(_("您的角色无权导出企业名录。"))
        return imports.export_response(
            request.user, request.query_params, request.query_params.get("fmt", "xlsx")
        )
