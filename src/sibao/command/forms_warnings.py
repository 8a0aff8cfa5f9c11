"""Forms of the warning page's "一键响应" (MON-02). They only shape the input; who may act, on
which status, and every rule about owners, departments and deadlines are checked by
``command.actions.warnings``, whose errors land back on the page. Choice lists hold only what
fits the warning."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.command.forms_escalation import DATETIME, DepartmentChoiceField, DepartmentsField
from sibao.command.queries_warnings import assignable_departments, assignable_owners
from sibao.regions.models import Department
from sibao.workorders.models import DemandCategory, Urgency

NOTE = {"rows": 2}


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class AssignForm(forms.Form):
    owner = OwnerChoiceField(label=_("责任人"), queryset=None, required=False)
    department = DepartmentChoiceField(
        label=_("责任部门"), queryset=Department.objects.none(), required=False
    )
    deadline = forms.DateTimeField(label=_("响应时限"), widget=DATETIME, required=False)
    note = forms.CharField(
        label=_("交办意见"), max_length=500, required=False, widget=forms.Textarea(attrs=NOTE)
    )

    def __init__(self, *args, warning, **kwargs):
        super().__init__(*args, **kwargs)
        from sibao.accounts.models import User

        owners = [u.pk for u in assignable_owners(warning)]
        self.fields["owner"].queryset = User.objects.filter(pk__in=owners).order_by("username")
        self.fields["department"].queryset = assignable_departments(warning)


class WorkOrderForm(forms.Form):
    category = forms.ChoiceField(label=_("诉求类别"), choices=DemandCategory.choices)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    description = forms.CharField(
        label=_("补充说明"), max_length=2000, required=False, widget=forms.Textarea(attrs=NOTE)
    )


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("会商主题"), max_length=200, required=False)
    held_at = forms.DateTimeField(label=_("会商时间"), widget=DATETIME)
    participants = DepartmentsField(
        label=_("参会部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    other_participants = forms.CharField(label=_("其他参会单位"), max_length=255, required=False)

    def __init__(self, *args, warning, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = assignable_departments(warning)


class ResolveForm(forms.Form):
    outcome = forms.CharField(
        label=_("处置结果"), max_length=2000, required=False, widget=forms.Textarea(attrs=NOTE)
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("排除理由"), max_length=2000, required=False, widget=forms.Textarea(attrs=NOTE)
    )
