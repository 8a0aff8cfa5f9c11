"""Registry forms (WL-01, WL-02). Forms only shape input; the actions decide what is allowed."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import allowing_grants
from sibao.enterprises.actions.registry import OWN_UNIT_FIELDS, REGISTRY_FIELDS
from sibao.enterprises.models import PARK_KINDS, Enterprise
from sibao.regions.models import Region, RegionLevel


def counties_for(user, action: str):
    """County-level regions inside the jurisdiction of the user's grants that allow ``action``
    (an enterprise-bound grant reaches no county of its own)."""
    q = Q(pk__in=[])
    for grant in allowing_grants(user, Enterprise._meta.label_lower, action):
        if not grant.enterprise_id:
            q |= Q(code__startswith=grant.region_id)
    return Region.objects.filter(q, level=RegionLevel.COUNTY).select_related("parent")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        parent = obj.parent.name if obj.parent_id else ""
        return f"{obj.code} {parent}{obj.name}"


class EnterpriseForm(forms.ModelForm):
    """Registering or editing a unit by an official: every registry field; regions and parks
    limited to what the user may reach."""

    region = RegionChoiceField(queryset=Region.objects.none(), label=_("所在区划"))

    class Meta:
        model = Enterprise
        fields = list(REGISTRY_FIELDS)
        widgets = {"address": forms.TextInput()}

    def __init__(self, *args, user, action: str = "add", **kwargs):
        super().__init__(*args, **kwargs)
        regions = counties_for(user, action)
        if self.instance.pk and self.instance.region_id:
            # the unit's current county stays selectable even if the user's scope is narrower
            regions = regions | Region.objects.filter(pk=self.instance.region_id)
        self.fields["region"].queryset = regions.distinct()
        parks = Enterprise.objects.visible_to(user, "view").active().filter(kind__in=PARK_KINDS)
        if self.instance.pk:
            parks = parks.exclude(pk=self.instance.pk)
        self.fields["park"].queryset = parks
        self.fields["park"].empty_label = _("（不属于园区）")
        self.fields["credit_code"].widget.attrs.update(
            {"maxlength": 18, "autocomplete": "off", "style": "text-transform: uppercase"}
        )

    def _post_clean(self):
        # Model validation runs in the action (with the scope and duplicate checks), which maps
        # its errors back onto this form; validating here too would report them twice.
        pass


class OwnUnitForm(forms.ModelForm):
    """What an enterprise's own admin may keep up to date about its unit."""

    class Meta:
        model = Enterprise
        fields = [f for f in REGISTRY_FIELDS if f in OWN_UNIT_FIELDS]
        widgets = {"address": forms.TextInput()}

    def _post_clean(self):
        pass


class ImportForm(forms.Form):
    """An .xlsx or .csv file filled in from the template."""

    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），列与模板一致。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class MergeForm(forms.Form):
    """Merge one record of a credit code into another (the survivor keeps the history)."""

    survivor = forms.IntegerField(label=_("保留记录"))
    duplicate = forms.IntegerField(label=_("并入（重复）记录"))
    reason = forms.CharField(
        label=_("合并理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
