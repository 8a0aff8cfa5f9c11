from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error answers the API really gives.

    Every error answers a JSON object (``{"detail": …}`` or field -> messages, see
    ``core.api.exceptions``): 400 for a refused body, query parameter or action; 401/403 for a
    missing token, a role without the right; 404 for an object (named in the path, a query
    parameter such as ``region`` or the body) that does not exist or lies outside the caller's
    scope, and for a list page past the end; 429 where a rate limit applies. An operation's own
    declaration of a code wins.
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF drops ``allow_blank`` from read-only model fields, but a blank choice column still
        # answers "": say so, or the documented enum would exclude a value the API returns
        if (
            isinstance(field, serializers.ChoiceField)
            and field.read_only
            and not field.allow_blank
            and _blank_model_column(field)
        ):
            field.allow_blank = True
        # a read-only field with ``default=None`` (``source="unit.name"`` over a null relation)
        # answers null
        if field.read_only and field.default is None and not field.allow_null:
            field.allow_null = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {"400": _("请求被拒绝：内容、查询参数或操作不符合要求")}
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors["401"] = _("未提供有效的令牌或未登录")
            errors["403"] = _("无权执行该操作")
        errors["404"] = _(
            "对象（路径、查询参数或内容所指）不存在或不在您的管辖范围内，或页码超出范围"
        )
        if getattr(self.view, "throttle_classes", None):  # rate-limited (core.ratelimit)
            errors["429"] = _("请求过于频繁，请稍后再试")
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=OpenApiTypes.OBJECT, description=description), code
                )
        return responses


def _blank_model_column(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a property, an annotation
        return False
    return bool(getattr(column, "blank", False)) and column.get_internal_type() in (
        "CharField",
        "TextField",
    )
