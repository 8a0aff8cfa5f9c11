"""Search and filters of the roster and code-protection lists (EPI-01, EPI-12), shared by the
pages and the API.

A full ID number never goes into a URL: the search box takes a name, the last four characters
of an ID number or its masked form; a full number is refused here and looked up through the
POST form (``StaffFindView``), which turns it into the person key.
"""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.models import PostClass, StaffCategory, StaffMember

LAST_FOUR = re.compile(r"^\d{3}[\dX]$")
MASKED = re.compile(r"^[\dX*]{7,18}$")
LONG_DIGITS = re.compile(r"\d{8,}")


FULL_NUMBER_REFUSED = _(
    "请勿在搜索框输入完整身份证号码或手机号：可输入姓名、身份证号后 4 位，"
    "或使用“按身份证号码查找”。"
)


def has_full_number(value: str) -> bool:
    return bool(LONG_DIGITS.search(value or ""))


def refuse_full_id_number(value: str) -> None:
    """Long digit runs in a search (an ID number, a phone) would land in URLs and server logs."""
    if has_full_number(value):
        raise ValidationError(FULL_NUMBER_REFUSED)


class SearchInput(forms.TextInput):
    """The search box; a refused full number is not written back into the page."""

    def get_context(self, name, value, attrs):
        if value and LONG_DIGITS.search(str(value)):
            value = None
        return super().get_context(name, value, attrs)


YES_NO = [("true", _("是")), ("false", _("否"))]


class StaffFilterSet(django_filters.FilterSet):
    """EPI-01: the roster list of a unit or a region."""

    q = django_filters.CharFilter(
        method="search",
        label=_("搜索"),
        validators=[refuse_full_id_number],
        widget=SearchInput(attrs={"placeholder": _("姓名或身份证号后 4 位")}),
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    unit = django_filters.CharFilter(method="by_unit", label=_("单位"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    team = django_filters.CharFilter(lookup_expr="icontains", label=_("班组"))
    zone = django_filters.CharFilter(lookup_expr="icontains", label=_("区域"))
    post_class = django_filters.ChoiceFilter(
        choices=PostClass.choices, label=_("岗位类别"), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        choices=StaffCategory.choices, label=_("人员类别"), empty_label=_("全部")
    )
    active = django_filters.ChoiceFilter(
        choices=[("true", _("在岗")), ("false", _("已停用"))],
        method="by_active",
        label=_("状态"),
        empty_label=_("全部"),
    )
    quiet = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_quiet", label=_("静置期内"), empty_label=_("全部")
    )

    class Meta:
        model = StaffMember
        fields = [
            "q",
            "enterprise",
            "unit",
            "region",
            "team",
            "zone",
            "post_class",
            "category",
            "active",
            "quiet",
        ]

    def search(self, queryset, name, value):
        text = value.strip().upper()
        if LAST_FOUR.match(text):
            return queryset.filter(id_masked__endswith=text)
        if "*" in text and MASKED.match(text):
            return queryset.filter(id_masked=text)
        return queryset.filter(name__icontains=value.strip())

    def by_unit(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(enterprise__name__icontains=value) | Q(enterprise__credit_code=value.upper())
        )

    def by_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")

    def by_quiet(self, queryset, name, value):
        in_quiet = Q(quiet_until__gte=timezone.localdate())
        return queryset.filter(in_quiet) if value == "true" else queryset.exclude(in_quiet)


class ProtectionFilterSet(django_filters.FilterSet):
    """EPI-12: the code-protection list (rows annotated by ``queries_roster.protection_queryset``)."""

    q = django_filters.CharFilter(
        method="search",
        label=_("搜索"),
        validators=[refuse_full_id_number],
        widget=SearchInput(attrs={"placeholder": _("姓名或身份证号后 4 位")}),
    )
    unit = django_filters.CharFilter(method="by_unit", label=_("单位"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    region = django_filters.CharFilter(
        field_name="region_code", lookup_expr="startswith", label=_("区划代码")
    )
    category = django_filters.ChoiceFilter(
        choices=StaffCategory.choices, label=_("人员类别"), empty_label=_("全部")
    )
    protected = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_protected", label=_("适用赋码保护"), empty_label=_("全部")
    )

    class Meta:
        model = StaffMember
        fields = ["q", "unit", "enterprise", "region", "category", "protected"]

    search = StaffFilterSet.search
    by_unit = StaffFilterSet.by_unit

    def by_protected(self, queryset, name, value):
        return queryset.filter(is_protected=value == "true")
