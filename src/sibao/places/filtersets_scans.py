"""Filters of a unit's scan log (EPI-06), shared by the page and the API: the day (one day at a
time, today by default, so that a list reads one day partition), the place code, a name or the
last four characters of an ID number (matched on the unit's roster, never a full number), the
risk, the source, and "present now"."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.epidemic.filtersets_roster import SearchInput, refuse_full_id_number
from sibao.places import queries_scans
from sibao.places.actions.scans import checkout_delta
from sibao.places.models import Scan, ScanSource

RISKS = [
    ("any", _("有风险")),
    ("red", _("红码")),
    ("yellow", _("黄码")),
    ("overdue", _("超时未检测核酸")),
]


class ScanFilterSet(django_filters.FilterSet):
    day = django_filters.DateFilter(
        method="by_day", label=_("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    place = django_filters.ChoiceFilter(
        field_name="place_code_id", label=_("场所"), empty_label=_("全部场所")
    )
    q = django_filters.CharFilter(
        method="search",
        label=_("姓名"),
        validators=[refuse_full_id_number],
        widget=SearchInput(attrs={"placeholder": _("姓名或身份证号后 4 位")}),
    )
    risk = django_filters.ChoiceFilter(
        choices=RISKS, method="by_risk", label=_("风险"), empty_label=_("全部")
    )
    source = django_filters.ChoiceFilter(
        choices=ScanSource.choices, label=_("来源"), empty_label=_("全部")
    )
    present = django_filters.BooleanFilter(
        method="by_present",
        label=_("仅在场人员"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )

    class Meta:
        model = Scan
        fields = ["day", "place", "q", "risk", "source", "present"]

    def __init__(self, data=None, *args, unit=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.unit = unit
        codes = queries_scans.unit_codes(unit) if unit is not None else []
        self.filters["place"].extra["choices"] = [(str(code.pk), code.label) for code in codes]
        self.form.fields["place"].choices = [("", _("全部场所"))] + [
            (str(code.pk), code.label) for code in codes
        ]

    def chosen_day(self) -> datetime.date:
        """The day the list shows (today when none or an invalid one is given)."""
        if self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("day"):
            return self.form.cleaned_data["day"]
        return timezone.localdate()

    @property
    def qs(self):
        queryset = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("day")):
            # no day chosen: today (a list never spans the whole retention period)
            queryset = self.by_day(queryset, "day", timezone.localdate())
        return queryset

    def by_day(self, queryset, name, value):
        start, end = queries_scans.day_bounds(value)
        return queryset.filter(entered_at__gte=start, entered_at__lt=end)

    def search(self, queryset, name, value):
        if self.unit is None:
            return queryset.none()
        return queryset.filter(person_key__in=queries_scans.roster_keys(self.unit.pk, value))

    def by_risk(self, queryset, name, value):
        if value == "any":
            return queryset.exclude(risk="")
        return queryset.filter(risk=value)

    def by_present(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queries_scans.present_filter(queryset)
        now = timezone.now()
        return queryset.filter(
            Q(left_at__isnull=False)
            | Q(entered_at__lte=now - checkout_delta())
            | Q(entered_at__gt=now)
        )


class ScanApiFilterSet(django_filters.FilterSet):
    """The API's scan list: one day at a time too (``day``, default today), by unit, place code,
    risk, source and presence."""

    day = django_filters.DateFilter(method="by_day", label=_("日期"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("单位编号"))
    place_code = django_filters.NumberFilter(field_name="place_code_id", label=_("场所码编号"))
    risk = django_filters.ChoiceFilter(choices=RISKS, method="by_risk", label=_("风险"))
    source = django_filters.ChoiceFilter(choices=ScanSource.choices, label=_("来源"))
    present = django_filters.BooleanFilter(method="by_present", label=_("仅在场人员"))

    class Meta:
        model = Scan
        fields = ["day", "enterprise", "place_code", "risk", "source", "present"]

    by_day = ScanFilterSet.by_day
    by_risk = ScanFilterSet.by_risk
    by_present = ScanFilterSet.by_present

    @property
    def qs(self):
        queryset = super().qs
        if not (self.form.is_valid() and self.form.cleaned_data.get("day")):
            queryset = self.by_day(queryset, "day", timezone.localdate())
        return queryset
