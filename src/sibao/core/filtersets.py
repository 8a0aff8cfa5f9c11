import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.core.models import AuditLog, OutboxChannel, OutboxMessage, OutboxStatus


class AuditLogFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    action = django_filters.CharFilter(lookup_expr="startswith", label=_("操作"))
    region_code = django_filters.CharFilter(lookup_expr="startswith", label=_("区划代码"))
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=_("起"))
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=_("止"))

    class Meta:
        model = AuditLog
        fields = ["q", "action", "region_code", "object_type", "object_id", "since", "until"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(actor_name__icontains=value)
            | Q(object_repr__icontains=value)
            | Q(note__icontains=value)
        )


# --- outbox: messages to phones and other channels (MON-05) ---


class OutboxMessageFilterSet(django_filters.FilterSet):
    """The outbox page and ``/api/outbox/``: channel, delivery state, day of queuing, region."""

    q = django_filters.CharFilter(method="search", label=_("内容或接收人"))
    channel = django_filters.ChoiceFilter(
        choices=OutboxChannel.choices, label=_("渠道"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=OutboxStatus.choices, label=_("状态"), empty_label=_("全部")
    )
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("生成日期起")
    )
    created_until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("生成日期止")
    )
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位 ID"))

    class Meta:
        model = OutboxMessage
        fields = ["q", "channel", "status", "created_from", "created_until", "region", "enterprise"]

    def search(self, queryset, name, value):
        """Text of the message, the masked phone (e.g. its last four digits) or the user."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(body__icontains=value)
            | Q(subject__icontains=value)
            | Q(phone_masked__icontains=value)
            | Q(recipient__username__icontains=value)
            | Q(recipient__full_name__icontains=value)
        )
