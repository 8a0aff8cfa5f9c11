"""Forms of the oversight area (INC-03, CMD-04, CMD-05). They only shape the input: every rule
(who may, the day limit, approval needs, the exemption's incident) is checked by the action,
whose errors land on the form. Choice lists are limited to what the user can see."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import NOTHING, allowing_grants, prefix_range
from sibao.command.models import (
    Incident,
    InspectionPurpose,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)
from sibao.command.queries_oversight import FREE_PURPOSES
from sibao.core import rules
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Department, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return (
            f"#{obj.pk} {obj.enterprise.name} {obj.get_kind_display()} "
            f"{timezone.localtime(obj.opened_at):%Y-%m-%d}（{obj.get_status_display()}）"
        )


def whitelisted_units(user, action_model, action):
    """The whitelisted units the user reaches for ``action`` on ``action_model``'s scope."""
    from sibao.enterprises.queries import is_whitelisted

    q = NOTHING
    for grant in allowing_grants(user, action_model._meta.label_lower, action):
        if grant.enterprise_id:
            q |= Q(pk=grant.enterprise_id)
        else:
            q |= prefix_range("region_id", grant.region_id)
    return (
        Enterprise.objects.active()
        .filter(q)
        .filter(is_whitelisted())
        .select_related("region")
        .order_by("region_id", "name")
    )


def _incidents(user):
    return Incident.objects.visible_to(user, "view").select_related("enterprise")


class ShutdownRequestForm(forms.Form):
    enterprise = UnitChoiceField(label=_("白名单单位"), queryset=Enterprise.objects.none())
    days = forms.IntegerField(label=_("停产天数"), min_value=1)
    reason = forms.CharField(
        label=_("确需关停的理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("说明疫情情况、已采取的处置措施和不能分区生产的原因。"),
    )
    incident = IncidentChoiceField(
        label=_("关联事件"), queryset=Incident.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = whitelisted_units(user, ShutdownRequest, "request")
        self.fields["incident"].queryset = _incidents(user)
        max_days = rules.current()["shutdown_max_days"]
        self.fields["days"].help_text = _("原则上不超过 %(max)s 天（规则参数）。") % {
            "max": max_days
        }
        self.fields["days"].widget.attrs["max"] = max_days
        self.fields["days"].initial = max_days


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("意见"),
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ShutdownDecisionForm(DecisionForm):
    side = forms.ChoiceField(
        choices=[("epidemic", "epidemic"), ("dispatch", "dispatch")], widget=forms.HiddenInput
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class RestrictionForm(forms.Form):
    enterprise = UnitChoiceField(label=_("白名单单位"), queryset=Enterprise.objects.none())
    kind = forms.ChoiceField(label=_("限制措施"), choices=Restriction.Kind.choices)
    imposed_by = forms.CharField(label=_("实施单位"), max_length=128)
    started_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    description = forms.CharField(
        label=_("情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = whitelisted_units(user, Restriction, "add")


class EndRestrictionForm(forms.Form):
    ended_at = forms.DateTimeField(label=_("解除时间"), widget=DATETIME, required=False)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def user_departments(user, model, action):
    ids = {
        g.department_id
        for g in allowing_grants(user, model._meta.label_lower, action)
        if g.department_id
    }
    return Department.objects.filter(pk__in=ids).select_related("region")


class InspectionRequestForm(forms.Form):
    enterprise = UnitChoiceField(label=_("白名单单位"), queryset=Enterprise.objects.none())
    department = DepartmentChoiceField(label=_("检查部门"), queryset=Department.objects.none())
    purpose = forms.ChoiceField(label=_("检查类别"), choices=InspectionPurpose.choices)
    planned_on = forms.DateField(label=_("计划日期"), widget=DATE)
    matters = forms.CharField(
        label=_("检查事项"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, user, **kwargs):
        from sibao.command.models import InspectionRequest

        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = whitelisted_units(user, InspectionRequest, "add")
        departments = user_departments(user, InspectionRequest, "add")
        self.fields["department"].queryset = departments
        if len(departments) == 1:
            self.fields["department"].initial = departments[0].pk
        self.fields["planned_on"].initial = timezone.localdate()
        free = "、".join(str(InspectionPurpose(p).label) for p in FREE_PURPOSES)
        self.fields["purpose"].help_text = _(
            "%(free)s检查无需审批；其他检查须经市级经济运行调度指挥部事先批准。"
        ) % {"free": free}


class InspectionDoneForm(forms.Form):
    inspected_on = forms.DateField(label=_("检查日期"), widget=DATE)
    findings = forms.CharField(label=_("检查结果"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspected_on"].initial = timezone.localdate()


class ProtectedInspectionForm(forms.Form):
    department = DepartmentChoiceField(label=_("部门"), queryset=Department.objects.none())
    purpose = forms.ChoiceField(
        label=_("检查类别"),
        choices=[(v, lbl) for v, lbl in InspectionPurpose.choices if v not in FREE_PURPOSES],
    )
    items = forms.CharField(
        label=_("免检事项"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("本部门对白名单单位豁免（未经批准不开展）的检查事项，一行一项。"),
    )

    def __init__(self, *args, user, **kwargs):
        from sibao.command.models import ProtectedInspection

        super().__init__(*args, **kwargs)
        departments = user_departments(user, ProtectedInspection, "add")
        self.fields["department"].queryset = departments
        if len(departments) == 1:
            self.fields["department"].initial = departments[0].pk


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name if obj.parent_id else obj.name}"


def user_regions(user, model, action):
    q = NOTHING
    for grant in allowing_grants(user, model._meta.label_lower, action):
        if not grant.enterprise_id:
            q |= prefix_range("code", grant.region_id)
    return Region.objects.filter(q).select_related("parent__parent").order_by("code")


class RewardPenaltyForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=RewardPenalty.Kind.choices)
    region = RegionChoiceField(label=_("区划"), queryset=Region.objects.none())
    enterprise = UnitChoiceField(
        label=_("单位"),
        queryset=Enterprise.objects.none(),
        required=False,
        help_text=_("针对单位的奖惩选择单位；针对地方（如“一刀切”）的约谈、通报留空。"),
    )
    incident = IncidentChoiceField(
        label=_("关联事件"),
        queryset=Incident.objects.none(),
        required=False,
        help_text=_("尽职免责须关联该单位发生的疫情事件。"),
    )
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label=_("决定日期"), widget=DATE)
    document = forms.CharField(label=_("文号"), max_length=128, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = user_regions(user, RewardPenalty, "add")
        self.fields["enterprise"].queryset = (
            Enterprise.objects.active()
            .filter(pk__in=Enterprise.objects.visible_to(user, "view").values("pk"))
            .select_related("region")
            .order_by("region_id", "name")
        )
        self.fields["incident"].queryset = _incidents(user)
        self.fields["decided_on"].initial = timezone.localdate()
