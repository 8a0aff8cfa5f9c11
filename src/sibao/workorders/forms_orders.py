"""Forms of the orders pages (DEM-02). They only shape input; the actions validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.models import ServiceTier
from sibao.regions.models import Department, DepartmentKind
from sibao.workorders.models import DemandCategory, OrderRole


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("承办部门"))
    role = forms.ChoiceField(choices=OrderRole.choices, label=_("主办/协办"), initial="lead")
    instructions = forms.CharField(label=_("交办意见"), required=False, widget=_textarea(2))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, region_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            region_id__in=list(region_codes)
        ).select_related("region")


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReplyForm(VersionForm):
    answer = forms.CharField(label=_("办理答复"), required=False, widget=_textarea(4))
    files = MultipleFileField(label=_("佐证材料"), required=False)


class ReturnForm(VersionForm):
    reason = forms.CharField(label=_("退回理由"), required=False, widget=_textarea(2))
    suggested_department = forms.ModelChoiceField(
        queryset=Department.objects.all(), label=_("建议承办单位"), required=False
    )

    def __init__(self, *args, region_code="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggested_department"].queryset = Department.objects.filter(
            region_id=region_code
        )


class ExtensionForm(forms.Form):
    working_days = forms.IntegerField(label=_("延期工作日"), min_value=1)
    reason = forms.CharField(label=_("延期理由"), required=False, widget=_textarea(2))


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("理由"), required=False, widget=_textarea(2))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("同意")), ("refuse", _("不同意"))], label=_("审批意见")
    )
    note = forms.CharField(label=_("说明"), required=False, widget=_textarea(2))


class BulkSignForm(forms.Form):
    orders = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("工单"))

    def __init__(self, *args, order_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orders"].choices = [(pk, pk) for pk in order_ids]


class RoutingRuleForm(forms.Form):
    category = forms.ChoiceField(choices=DemandCategory.choices, label=_("诉求类别"))
    service_tier = forms.ChoiceField(
        choices=[("", _("任意保障层级"))] + list(ServiceTier.choices),
        label=_("保障层级"),
        required=False,
    )
    region_code = forms.CharField(label=_("适用区划代码"), max_length=12)
    department_kind = forms.ChoiceField(choices=DepartmentKind.choices, label=_("承办部门类别"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
