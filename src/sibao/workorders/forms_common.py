"""Forms of the common-issue pages (DEM-04)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import prefix_range
from sibao.regions.models import Department


def _departments(region_code: str):
    """Departments inside ``region_code`` (its own level and below)."""
    return Department.objects.filter(prefix_range("region_id", region_code)).order_by(
        "region_id", "name"
    )


class PromoteForm(forms.Form):
    title = forms.CharField(label=_("共性问题名称"), max_length=120)
    department = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, region_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(region_code)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("批量办理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ReserveForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("政策研究牵头部门"), queryset=Department.objects.none()
    )
    proposal = forms.CharField(
        label=_("政策调整建议"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, region_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(region_code)


class NumbersForm(forms.Form):
    numbers = forms.CharField(
        label=_("诉求编号"),
        help_text=_("可填写多个编号，以空格、逗号或换行分隔。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_numbers(self):
        numbers = [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data["numbers"]) if n]
        if not numbers:
            raise forms.ValidationError(_("请填写诉求编号。"))
        return numbers
