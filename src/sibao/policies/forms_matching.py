"""Forms of the matching area: the filters of the "政策找企" lists and the departmental fact
import (POL-04)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import FactSource
from sibao.regions.models import IndustryDomain, Region, RegionLevel


class MatchFilterForm(forms.Form):
    """Filters of one policy's lists: the region (a city or county under the policy's region),
    the industry, a name or credit code."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    region = forms.ChoiceField(label=_("区划"), required=False)
    industry = forms.ModelChoiceField(
        label=_("行业领域"),
        queryset=IndustryDomain.objects.all(),
        required=False,
        empty_label=_("全部"),
    )

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        if policy is not None and policy.region_code:
            regions = regions.filter(code__startswith=policy.region_code)
        self.fields["region"].choices = [("", _("全部"))] + [
            (r.code, f"{r.code} {r.name}") for r in regions.order_by("code")
        ]


class FactImportForm(forms.Form):
    """An .xlsx or .csv file of departmental data and the source it comes from."""

    source = forms.ChoiceField(label=_("数据来源"))
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），列与模板一致。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s, FactSource(s).label) for s in sources]
        if len(sources) == 1:
            self.fields["source"].initial = sources[0]
            self.fields["source"].help_text = _("由您所在部门决定。")
