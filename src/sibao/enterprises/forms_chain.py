"""Forms of the chain area (WL-08 … WL-10, ORG-06). They check shapes only; the actions decide."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import allowing_grants
from sibao.enterprises.models import (
    ResponsibilityParty,
    SpotCheckResult,
    SupplyLinkKind,
)
from sibao.regions.models import Region, RegionLevel

DATE = forms.DateInput(attrs={"type": "date"})


class SupplyLinkForm(forms.Form):
    partner = forms.CharField(
        label=_("关联单位统一社会信用代码"),
        max_length=18,
        min_length=18,
        help_text=_("全省已登记的任何单位均可；未登记的单位请先登记。"),
    )
    kind = forms.ChoiceField(label=_("关联单位是本单位的"), choices=SupplyLinkKind.choices)
    products = forms.CharField(label=_("产品或服务"), max_length=200, required=False)


class SupplyLinkImportForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("文件超过 5 MB，请分批导入。"))
        return upload


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class PairingProposeForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("区划"), queryset=Region.objects.none(), empty_label=None
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # the regions at or below the user's grants that allow proposing pairings
        q = Q(pk__in=[])
        for grant in allowing_grants(user, "enterprises.pairing", "add"):
            if not grant.enterprise_id:
                q |= Q(code__startswith=grant.region_id)
        self.fields["region"].queryset = Region.objects.filter(q).order_by("code")


class ControlledRegionsForm(forms.Form):
    """Regions under control (WL-08's emergency view): counties, or whole cities."""

    regions = forms.MultipleChoiceField(
        label=_("管控区域（县、市、区）"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = {}
        cities = {}
        for region in Region.objects.exclude(level=RegionLevel.PROVINCE).order_by("code"):
            if region.level == RegionLevel.CITY:
                cities[region.code] = region.name
                groups.setdefault(region.name, []).append(
                    (region.code, _("%(city)s（全市）") % {"city": region.name})
                )
            else:
                city = cities.get(region.parent_id, region.parent_id)
                groups.setdefault(city, []).append((region.code, region.name))
        self.fields["regions"].choices = list(groups.items())


class SpotCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("抽查日期"), widget=DATE, initial=timezone.localdate)
    inspectors = forms.CharField(label=_("检查人员"), max_length=200)
    result = forms.ChoiceField(label=_("结论"), choices=SpotCheckResult.choices)
    findings = forms.CharField(
        label=_("发现问题"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    rectify_by = forms.DateField(label=_("整改期限"), widget=DATE, required=False)
    caused_spread = forms.BooleanField(
        label=_("经流调确认，因单位防控措施落实不到位导致疫情输入或扩散"), required=False
    )


class FuseForm(forms.Form):
    evidence = forms.CharField(
        label=_("熔断依据"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("流调结论、抽查记录等证据。"),
    )
    decision = forms.CharField(
        label=_("熔断决定"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("决定机关、文号及决定内容。"),
    )
    spot_check = forms.ModelChoiceField(
        label=_("关联抽查记录"), queryset=None, required=False, empty_label=_("（无）")
    )

    def __init__(self, *args, spot_checks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spot_check"].queryset = spot_checks


class ResponsibilityForm(forms.Form):
    party = forms.ChoiceField(
        label=_("责任方"), choices=ResponsibilityParty.choices, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("责任人"), max_length=64, required=False)
    position = forms.CharField(label=_("单位及职务"), max_length=128, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    duties = forms.CharField(label=_("责任内容"), widget=forms.Textarea(attrs={"rows": 4}))
