import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import PARK_KINDS, Enterprise, EnterpriseKind, WhitelistStatus
from sibao.enterprises.queries import VALUE_KINDS, is_whitelisted
from sibao.regions.models import IndustryDomain


def visible_parks(request):
    """The parks and bonded zones the user may see: the choices of the park filter."""
    if request is None:
        return Enterprise.objects.filter(kind__in=PARK_KINDS)  # schema generation
    return Enterprise.objects.visible_to(request.user, "view").active().filter(kind__in=PARK_KINDS)


class EnterpriseFilterSet(django_filters.FilterSet):
    """WL-01/WL-02: search and filters of the registry list, its export and the API."""

    q = django_filters.CharFilter(method="search", label=_("搜索"))
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="startswith", label=_("区划代码")
    )
    industry = django_filters.ModelChoiceFilter(
        queryset=IndustryDomain.objects.all(), label=_("行业领域"), empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(
        choices=EnterpriseKind.choices, label=_("类型"), empty_label=_("全部")
    )
    is_city_operation = django_filters.ChoiceFilter(
        choices=[("true", _("是")), ("false", _("否"))],
        method="by_city_operation",
        label=_("城市运行保障"),
        empty_label=_("全部"),
    )
    park = django_filters.ModelChoiceFilter(
        queryset=visible_parks, label=_("所属园区（保税区）"), empty_label=_("全部")
    )
    whitelist = django_filters.ChoiceFilter(
        choices=[
            ("listed", _("在册")),
            ("not_listed", _("未在册")),
            ("candidate", _("未纳入的企业和项目（候选）")),
        ],
        method="by_whitelist",
        label=_("白名单"),
        empty_label=_("全部"),
    )

    class Meta:
        model = Enterprise
        fields = ["q", "region", "industry", "kind", "is_city_operation", "park", "whitelist"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))

    def by_city_operation(self, queryset, name, value):
        return queryset.filter(is_city_operation=value == "true")

    def by_whitelist(self, queryset, name, value):
        if value == "candidate":
            # the units coverage counts that are not covered yet, by their own entry or their
            # park's (WL-07): the board's "未纳入单位" per industry
            return queryset.filter(kind__in=VALUE_KINDS).exclude(is_whitelisted())
        listed = Q(whitelist_entry__status=WhitelistStatus.LISTED)
        return queryset.filter(listed) if value == "listed" else queryset.exclude(listed)
