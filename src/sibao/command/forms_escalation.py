"""Forms of the escalation area (CMD-03). They only shape the input: every rule (who may, which
HQ, which departments, dates) is checked by the actions, whose errors land on the form. Choice
lists are limited to what the user can see."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import allowing_grants, prefix_range
from sibao.command.forms_oversight import UnitChoiceField, whitelisted_units
from sibao.command.models import Consultation, Incident, Problem
from sibao.command.queries_escalation import (
    convened_headquarters,
    headquarters_choices,
    problems_for,
)
from sibao.regions.models import Department, Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = {"rows": 4}


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class HeadquartersChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProblemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"#{obj.pk} {obj.title}（{obj.get_status_display()}）"


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return (
            f"#{obj.pk} {obj.enterprise.name} {obj.get_kind_display()} "
            f"{timezone.localtime(obj.opened_at):%Y-%m-%d}"
        )


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


def _jurisdiction_regions(user, model, action):
    """Regions of the user's grants for ``action`` on ``model``, their ancestors and children."""
    codes = set()
    for grant in allowing_grants(user, model._meta.label_lower, action):
        if grant.enterprise_id:
            continue
        region = grant.region
        codes.add(region.code)
        codes.update(r.code for r in region.ancestors())
        codes.update(region.children.values_list("code", flat=True))
    return codes


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("需要协调的问题"), max_length=200)
    description = forms.CharField(
        label=_("情况说明"),
        widget=forms.Textarea(attrs=TEXT),
        max_length=4000,
        help_text=_("说明问题、涉及的部门、已做的工作，以及超出本级协调范围的原因。"),
    )
    enterprise = UnitChoiceField(
        label=_("涉及的白名单单位"), queryset=Region.objects.none(), required=False
    )
    headquarters = HeadquartersChoiceField(
        label=_("报送指挥部"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("本级指挥部（默认）"),
        help_text=_("超出本级协调范围的事项报本级指挥部；重大问题可直接报上级指挥部。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = whitelisted_units(user, Problem, "add")
        self.fields["headquarters"].queryset = headquarters_choices(user, Problem, "add")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("提级理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("解决情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("会商主题"), max_length=200)
    headquarters = HeadquartersChoiceField(label=_("召集指挥部"), queryset=Region.objects.none())
    held_at = forms.DateTimeField(label=_("会商时间"), widget=DATETIME)
    participants = DepartmentsField(
        label=_("参会部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    other_participants = forms.CharField(
        label=_("其他参会单位"),
        max_length=255,
        required=False,
        help_text=_("如涉及单位、专家、上级工作组等，用顿号分隔。"),
    )
    problem = ProblemChoiceField(
        label=_("会商的协调事项"),
        queryset=Problem.objects.none(),
        required=False,
        help_text=_("选择后自动列为第一项议题。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headquarters"].queryset = convened_headquarters(user)
        codes = _jurisdiction_regions(user, Consultation, "add")
        self.fields["participants"].queryset = (
            Department.objects.filter(region_id__in=codes)
            .select_related("region")
            .order_by("region_id", "kind")
        )
        self.fields["problem"].queryset = (
            problems_for(user).filter(status=Problem.Status.OPEN).order_by("-created_at")
        )


class AgendaItemForm(forms.Form):
    title = forms.CharField(
        label=_("议题"), max_length=200, required=False, help_text=_("留空时以所选对象为议题。")
    )
    problem = ProblemChoiceField(
        label=_("协调事项"), queryset=Problem.objects.none(), required=False
    )
    incident = IncidentChoiceField(
        label=_("应急处置事件"), queryset=Incident.objects.none(), required=False
    )
    region = RegionChoiceField(label=_("区划"), queryset=Region.objects.none(), required=False)
    decision = forms.CharField(
        label=_("会商决定"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        code = consultation.region_code
        problems = problems_for(user).order_by("status", "-created_at")
        self.fields["problem"].queryset = Problem.objects.filter(
            pk__in=list(problems.values_list("pk", flat=True)[:200])
        ).order_by("status", "-created_at")
        incidents = (
            Incident.objects.visible_to(user)
            .filter(prefix_range("region_code", code))
            .order_by("-opened_at")
        )
        self.fields["incident"].queryset = (
            Incident.objects.filter(pk__in=list(incidents.values_list("pk", flat=True)[:200]))
            .select_related("enterprise")
            .order_by("-opened_at")
        )
        self.fields["region"].queryset = Region.objects.filter(
            Q(code=code) | Q(parent_id=code)
        ).select_related("parent", "parent__parent")

    def clean(self):
        data = super().clean()
        chosen = [f for f in ("problem", "incident", "region") if data.get(f)]
        if len(chosen) > 1:
            raise forms.ValidationError(_("一个议题只关联一个对象（协调事项、事件或区划）。"))
        data["subject"] = data[chosen[0]] if chosen else None
        if not data.get("title") and data["subject"] is None:
            self.add_error("title", _("请填写议题或选择议题对象。"))
        return data


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label=_("会商决定"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class TaskForm(forms.Form):
    department = DepartmentChoiceField(label=_("承办部门"), queryset=Department.objects.none())
    task = forms.CharField(
        label=_("任务"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    due_on = forms.DateField(label=_("完成时限"), widget=DATE)

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        code = consultation.region_code
        self.fields["department"].queryset = (
            Department.objects.filter(Q(region_id=code) | Q(region__parent_id=code))
            .select_related("region")
            .order_by("region_id", "kind")
        )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("会商纪要"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )


class CompleteTaskForm(forms.Form):
    outcome = forms.CharField(
        label=_("办理结果"), widget=forms.Textarea(attrs=TEXT), max_length=4000
    )
