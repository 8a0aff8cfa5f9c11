"""Forms of the catalogue area (POL-01, POL-05). They turn what a person types into the values the
actions take; the actions decide whether it is allowed and valid. The condition editor is the
whitelist criteria editor's (rows of attribute + operator + value, or a JSON tree), reused."""

import json

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import allowing_grants
from sibao.enterprises.forms_criteria import CriterionForm, _as_rows
from sibao.policies.actions.catalogue import may_write_policy
from sibao.policies.models import ApplicationRoute, DraftStatus, Policy, PolicyCategory
from sibao.regions.models import Department

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def writable_departments(user, action="add"):
    """The departments in whose name ``user`` may ``action`` policies."""
    ids = set()
    for grant in allowing_grants(user, Policy._meta.label_lower, action):
        if grant.enterprise_id:
            continue
        if grant.department_id:
            ids.add(grant.department_id)
        else:
            ids.update(
                Department.objects.filter(region_id=grant.region_id).values_list("pk", flat=True)
            )
    departments = Department.objects.filter(pk__in=ids).select_related("region")
    return [d for d in departments if may_write_policy(user, action, d)]


class PolicyForm(forms.Form):
    """A policy's own fields; on creation also the issuing department and the policy number."""

    department = forms.ModelChoiceField(
        label=gettext_lazy("发布部门"), queryset=Department.objects.none(), empty_label=None
    )
    series = forms.CharField(
        label=gettext_lazy("政策编号"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("留空则自动编号（区划代码-年份-序号）。"),
    )
    title = forms.CharField(label=gettext_lazy("政策名称"), max_length=200)
    category = forms.ChoiceField(
        label=gettext_lazy("政策类别"), choices=[("", "—")] + list(PolicyCategory.choices)
    )
    document = forms.CharField(
        label=gettext_lazy("政策文件"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("文件名称及文号，如《关于……的通知》（豫政〔2022〕X号）。"),
    )
    summary = forms.CharField(
        label=gettext_lazy("政策内容"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    benefit = forms.CharField(label=gettext_lazy("支持标准"), max_length=255)
    benefit_amount = forms.DecimalField(
        label=gettext_lazy("预计享受金额（万元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy(
            "每户企业预计可享受的金额，用于按金额计算兑现率；不涉及资金可留空。"
        ),
    )
    route = forms.ChoiceField(
        label=gettext_lazy("兑现方式"),
        choices=ApplicationRoute.choices,
        initial=ApplicationRoute.STANDARD,
    )
    how_to_apply = forms.CharField(
        label=gettext_lazy("申报渠道和流程"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    materials = forms.CharField(
        label=gettext_lazy("申报材料"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_from = forms.DateField(label=gettext_lazy("有效期起"), widget=DATE)
    valid_to = forms.DateField(
        label=gettext_lazy("有效期止"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("留空表示长期有效。"),
    )

    def __init__(self, *args, user, policy=None, **kwargs):
        if policy is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                name: getattr(policy, name)
                for name in (
                    "title",
                    "category",
                    "document",
                    "summary",
                    "benefit",
                    "benefit_amount",
                    "route",
                    "how_to_apply",
                    "materials",
                    "valid_from",
                    "valid_to",
                )
            }
        super().__init__(*args, **kwargs)
        if policy is None:
            ids = [d.pk for d in writable_departments(user)]
            self.fields["department"].queryset = Department.objects.filter(
                pk__in=ids
            ).select_related("region")
        else:
            del self.fields["department"]
            del self.fields["series"]

    def action_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("department", None)
        data.pop("series", None)
        return data


class ConditionForm(CriterionForm):
    """One condition of a policy: its name, the clause it implements, and its rule."""

    def __init__(self, *args, condition=None, **kwargs):
        if condition is not None and not kwargs.get("initial"):
            kwargs["initial"] = self.initial_for_condition(condition)
        super().__init__(*args, **kwargs)
        for name in ("code", "tier", "needs_review"):
            del self.fields[name]
        self.fields["title"].label = gettext_lazy("条件名称")
        self.fields["clause"].label = gettext_lazy("政策依据（条款）")
        self.fields["clause"].required = True
        self.fields["clause"].help_text = gettext_lazy("如：第二条第（一）项。")

    @staticmethod
    def initial_for_condition(condition) -> dict:
        initial = {"title": condition.title, "clause": condition.clause, "order": condition.order}
        rows = _as_rows(condition.expression)
        if rows is None:
            initial["advanced"] = json.dumps(condition.expression, ensure_ascii=False)
        else:
            combinator, leaves = rows
            initial["combinator"] = combinator
            for i, (key, op, value) in enumerate(leaves):
                initial[f"attribute_{i}"] = key
                initial[f"operator_{i}"] = op
                initial[f"value_{i}"] = value
        return initial

    def action_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "clause": data.get("clause") or "",
            "order": data.get("order"),
            "expression": data.get("expression"),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("废止原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- reserve (POL-05) ---------------------------------------------------------------------------


def reserve_departments(user):
    """The departments a user may lead reserve entries for: the grant's own department, or
    every department of the grant's region and below for a grant without one (an HQ office)."""
    from sibao.accounts.access import prefix_range
    from sibao.policies.models import PolicyDraft

    departments = Department.objects.none()
    for grant in allowing_grants(user, PolicyDraft._meta.label_lower, "add"):
        if grant.enterprise_id:
            continue
        if grant.department_id:
            departments |= Department.objects.filter(pk=grant.department_id)
        else:
            departments |= Department.objects.filter(prefix_range("region_id", grant.region_id))
    return departments.select_related("region").order_by("region_id", "kind")


class ReserveEntryForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("牵头部门"), queryset=Department.objects.none(), empty_label=None
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    category = forms.ChoiceField(
        label=gettext_lazy("政策类别"),
        required=False,
        choices=[("", gettext_lazy("待定"))] + list(PolicyCategory.choices),
    )
    problem = forms.CharField(
        label=gettext_lazy("问题与诉求"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("企业（项目）生产中遇到的突出困难和问题。"),
    )
    proposal = forms.CharField(
        label=gettext_lazy("政策建议"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    source_type = forms.CharField(required=False, widget=forms.HiddenInput)
    source_id = forms.CharField(required=False, widget=forms.HiddenInput)
    source_label = forms.CharField(
        label=gettext_lazy("来源"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("提出该问题的记录，如共性问题、事件调查结论、预警等。"),
    )

    def __init__(self, *args, user, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if entry is None:
            self.fields["department"].queryset = reserve_departments(user)
        else:
            for name in ("department", "source_type", "source_id", "source_label"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        type_key, object_id = data.get("source_type"), data.get("source_id")
        data["source"] = None
        if type_key and object_id:
            data["source"] = resolve_source(type_key, object_id)
            if data["source"] is None:
                self.add_error("source_label", _("来源记录不存在。"))
        return data


def resolve_source(type_key: str, object_id: str):
    """The record named by ``app_label.model`` and its id, or None."""
    try:
        app_label, model = type_key.split(".", 1)
        content_type = ContentType.objects.get(app_label=app_label, model=model)
        return content_type.get_object_for_this_type(pk=object_id)
    except (ValueError, TypeError, LookupError, ObjectDoesNotExist, ValidationError):
        return None


class ReserveAdvanceForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    policy = forms.ModelChoiceField(
        label=gettext_lazy("据此出台的政策"), queryset=Policy.objects.none(), required=False
    )

    def __init__(self, *args, policies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policies is not None:
            self.fields["policy"].queryset = policies


RESERVE_STATUS_BADGES = {
    DraftStatus.RESEARCHING: "bg-blue-lt",
    DraftStatus.DRAFTED: "bg-purple-lt",
    DraftStatus.ISSUED: "bg-green-lt",
    DraftStatus.DROPPED: "bg-secondary-lt",
}
