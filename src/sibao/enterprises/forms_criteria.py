"""Forms of the criteria area (WL-03, WL-04, WL-11). They turn what a person types into the
values the actions take; the actions decide whether it is allowed and valid."""

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.core.eligibility import COMPARISONS, SYMBOLS
from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.models import FactSource, ServiceTier
from sibao.enterprises.models.criteria import ChecklistSection
from sibao.regions.models import Department, IndustryDomain

ROWS = 5  # condition rows on the criterion form; longer trees use the JSON field
OPERATORS = [(op, SYMBOLS[op]) for op in COMPARISONS] + [("in", gettext_lazy("属于"))]
TRUE_WORDS = {"是", "true", "yes", "1", "有", "y"}
FALSE_WORDS = {"否", "false", "no", "0", "无", "n"}
ANSWER_CHOICES = [
    ("yes", gettext_lazy("符合")),
    ("no", gettext_lazy("不符合")),
    ("na", gettext_lazy("不适用")),
]


def parse_value(attribute, text):
    """One constant typed for ``attribute`` from what a person wrote (a choice by its key or its
    label, yes/no words for booleans); ValueError when it cannot be read."""
    if not isinstance(text, str):
        return text
    text = text.strip()
    if attribute.kind == "number":
        try:
            number = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ValueError(text) from None
        if not number.is_finite():
            raise ValueError(text)
        # JSON keeps numbers, not decimals: integral values as int
        return int(number) if number == number.to_integral_value() else float(number)
    if attribute.kind == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(text)
    if attribute.kind == "choice" and attribute.choices:
        if text in attribute.choices:
            return text
        for key, label in attribute.choices.items():
            if str(label) == text:
                return key
        raise ValueError(text)
    if not text:
        raise ValueError(text)
    return text


def attribute_choices(*, sourced_only=False):
    return [
        (a.key, a.label)
        for a in CATALOGUE
        if not (sourced_only and a.column)  # registry columns change through the registry
    ]


def attribute_hint(attribute) -> str:
    if attribute.kind == "choice" and attribute.choices:
        return "、".join(str(label) for label in attribute.choices.values())
    if attribute.kind == "bool":
        return _("是 / 否")
    if attribute.kind == "number":
        return _("数值") + (f"（{attribute.unit}）" if attribute.unit else "")
    return _("文本")


# --- criteria sets -----------------------------------------------------------------------------


class CriteriaDraftForm(forms.Form):
    """A new version: which of the user's departments and industries, and its texts."""

    target = forms.ChoiceField(label=gettext_lazy("制定部门与行业"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    guide = forms.CharField(
        label=gettext_lazy("行业防控指南"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("留空则沿用当前已发布版本的指南。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        department_ids = {g.department_id for g in user.active_grants() if g.department_id}
        for department in Department.objects.filter(pk__in=department_ids).select_related("region"):
            for industry in IndustryDomain.objects.filter(competent_department=department.kind):
                choices.append((f"{department.pk}:{industry.code}", f"{department} · {industry}"))
        self.fields["target"].choices = choices

    def clean_target(self):
        department_id, industry_code = self.cleaned_data["target"].split(":", 1)
        return (
            Department.objects.get(pk=department_id),
            IndustryDomain.objects.get(pk=industry_code),
        )


class CriteriaTextForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    guide = forms.CharField(
        label=gettext_lazy("行业防控指南"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy("场所设置、设施配备、流程管理、人员管理、生活保障等要求。"),
    )


class CriterionForm(forms.Form):
    """A criterion; its rule built from rows of attribute + operator + value combined with
    all/any, or written as a JSON tree for what rows cannot say (nesting, negation)."""

    code = forms.CharField(label=gettext_lazy("编号"), max_length=16)
    title = forms.CharField(label=gettext_lazy("条件"), max_length=200)
    tier = forms.ChoiceField(
        label=gettext_lazy("适用层级"),
        required=False,
        choices=[("", gettext_lazy("各层级均须满足"))] + list(ServiceTier.choices),
    )
    clause = forms.CharField(label=gettext_lazy("依据"), max_length=200, required=False)
    order = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, required=False)
    combinator = forms.ChoiceField(
        label=gettext_lazy("多个条件之间"),
        choices=[("and", gettext_lazy("全部满足")), ("or", gettext_lazy("满足任一"))],
        initial="and",
    )
    advanced = forms.CharField(
        label=gettext_lazy("高级：判定规则（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
        help_text=gettext_lazy("填写后以此为准，上面的条件行不再使用。"),
    )
    needs_review = forms.BooleanField(
        label=gettext_lazy("需人工审核"),
        required=False,
        help_text=gettext_lazy("未填写任何判定规则时，该条件总是由审核人判断。"),
    )

    def __init__(self, *args, criterion=None, **kwargs):
        if criterion is not None and not kwargs.get("initial"):
            kwargs["initial"] = self.initial_for(criterion)
        super().__init__(*args, **kwargs)
        for i in range(ROWS):
            self.fields[f"attribute_{i}"] = forms.ChoiceField(
                label=gettext_lazy("属性"),
                required=False,
                choices=[("", "—")] + attribute_choices(),
            )
            self.fields[f"operator_{i}"] = forms.ChoiceField(
                label=gettext_lazy("比较"), required=False, choices=OPERATORS
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=gettext_lazy("取值"), required=False, max_length=200
            )

    @property
    def rows(self):
        return [
            (self[f"attribute_{i}"], self[f"operator_{i}"], self[f"value_{i}"]) for i in range(ROWS)
        ]

    @staticmethod
    def initial_for(criterion) -> dict:
        initial = {
            "code": criterion.code,
            "title": criterion.title,
            "tier": criterion.tier,
            "clause": criterion.clause,
            "order": criterion.order,
            "needs_review": criterion.needs_review and criterion.expression is not None,
        }
        rows = _as_rows(criterion.expression)
        if rows is None:
            initial["advanced"] = json.dumps(criterion.expression, ensure_ascii=False)
        else:
            combinator, leaves = rows
            initial["combinator"] = combinator
            for i, (key, op, value) in enumerate(leaves):
                initial[f"attribute_{i}"] = key
                initial[f"operator_{i}"] = op
                initial[f"value_{i}"] = value
        return initial

    def clean(self):
        data = super().clean()
        advanced = (data.get("advanced") or "").strip()
        if advanced:
            try:
                data["expression"] = json.loads(advanced)
            except json.JSONDecodeError as exc:
                self.add_error("advanced", _("JSON 格式错误：%(error)s") % {"error": exc.msg})
            return data
        leaves = []
        for i in range(ROWS):
            key = data.get(f"attribute_{i}")
            text = (data.get(f"value_{i}") or "").strip()
            if not key:
                if text:
                    self.add_error(f"attribute_{i}", _("请选择属性。"))
                continue
            attribute = CATALOGUE[key]
            op = data.get(f"operator_{i}") or "=="
            try:
                if op == "in":
                    parts = [p for p in text.replace("，", ",").replace("、", ",").split(",")]
                    value = [parse_value(attribute, p) for p in parts if p.strip()]
                    if not value:
                        raise ValueError(text)
                else:
                    value = parse_value(attribute, text)
            except ValueError:
                self.add_error(
                    f"value_{i}",
                    _("“%(label)s”的取值无效：%(value)s（应为%(hint)s）")
                    % {"label": attribute.label, "value": text, "hint": attribute_hint(attribute)},
                )
                continue
            leaves.append({op: [{"var": key}, value]})
        if not leaves:
            data["expression"] = None
        elif len(leaves) == 1:
            data["expression"] = leaves[0]
        else:
            data["expression"] = {data.get("combinator") or "and": leaves}
        return data

    def action_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "title": data["title"],
            "tier": data.get("tier") or "",
            "clause": data.get("clause") or "",
            "order": data.get("order"),
            "expression": data.get("expression"),
            "needs_review": data.get("needs_review", False),
        }


def _as_rows(expression):
    """(combinator, [(key, op, shown value)]) when the tree is flat enough for rows, else None."""
    if expression is None:
        return "and", []
    combinator, parts = "and", [expression]
    ((op, args),) = expression.items()
    if op in ("and", "or"):
        combinator, parts = op, args
    if len(parts) > ROWS:
        return None
    leaves = []
    for part in parts:
        ((leaf_op, leaf_args),) = part.items()
        if leaf_op not in COMPARISONS and leaf_op != "in":
            return None
        key, value = leaf_args[0]["var"], leaf_args[1]
        attribute = CATALOGUE[key]
        if leaf_op == "in":
            shown = "，".join(_shown(attribute, v) for v in value)
        else:
            shown = _shown(attribute, value)
        leaves.append((key, leaf_op, shown))
    return combinator, leaves


def _shown(attribute, value):
    if attribute.kind == "bool":
        return "是" if value else "否"
    if attribute.kind == "choice" and attribute.choices:
        return str(attribute.choices.get(value, value))
    return str(value)


class ChecklistItemForm(forms.Form):
    section = forms.ChoiceField(label=gettext_lazy("类别"), choices=ChecklistSection.choices)
    text = forms.CharField(label=gettext_lazy("检查内容"), max_length=300)
    is_mandatory = forms.BooleanField(label=gettext_lazy("必须满足"), required=False, initial=True)
    order = forms.IntegerField(label=gettext_lazy("排序"), min_value=0, required=False)


# --- facts, applications, self-assessment ------------------------------------------------------


def fact_field(attribute, *, required=False):
    """A form field typed for one catalogue attribute."""
    label = attribute.label + (f"（{attribute.unit}）" if attribute.unit else "")
    if attribute.kind == "number":
        return forms.DecimalField(label=label, required=required, max_digits=18, decimal_places=4)
    if attribute.kind == "bool":
        return forms.TypedChoiceField(
            label=label,
            required=required,
            choices=[("", "—"), ("true", _("是")), ("false", _("否"))],
            coerce=lambda v: v == "true",
            empty_value=None,
        )
    if attribute.kind == "choice" and attribute.choices:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "—")] + list(attribute.choices.items())
        )
    return forms.CharField(label=label, required=required, max_length=255)


class FactDeclarationMixin:
    """Optional fields for the attributes a criteria set reads and the unit has no value for:
    what the unit fills in is recorded as its own declaration (a reviewer then checks it)."""

    def add_declaration_fields(self, keys):
        self.declared_keys = []
        for key in sorted(keys):
            attribute = CATALOGUE[key]
            if attribute.column:
                continue
            self.fields[f"fact_{key}"] = fact_field(attribute)
            self.declared_keys.append(key)

    @property
    def declaration_fields(self):
        return [self[f"fact_{key}"] for key in self.declared_keys]

    def declarations(self) -> dict:
        found = {}
        for key in self.declared_keys:
            value = self.cleaned_data.get(f"fact_{key}")
            if value is not None and value != "":
                found[key] = value
        return found


class ApplicationForm(FactDeclarationMixin, forms.Form):
    """WL-04: the simplified application form."""

    requested_tier = forms.ChoiceField(
        label=gettext_lazy("申请服务层级"),
        required=False,
        choices=[("", gettext_lazy("不指定（按核验结果）"))] + list(ServiceTier.choices),
    )
    statement = forms.CharField(
        label=gettext_lazy("申报说明"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("如疫情防控措施落实、闭环管理条件等情况。"),
    )

    def __init__(self, *args, missing_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_declaration_fields(missing_keys)


class ResubmitForm(FactDeclarationMixin, forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("补充说明"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, missing_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_declaration_fields(missing_keys)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤回原因"), required=False, max_length=2000)


class ReviewForm(forms.Form):
    """WL-04: a reviewer's decision, with a judgement per criterion the data could not settle."""

    decision = forms.ChoiceField(
        label=gettext_lazy("审核结论"),
        choices=[
            ("approve", gettext_lazy("通过")),
            ("refuse", gettext_lazy("不通过")),
            ("return", gettext_lazy("退回补充材料")),
        ],
        widget=forms.RadioSelect,
    )
    tier = forms.ChoiceField(
        label=gettext_lazy("核定服务层级"),
        required=False,
        choices=[("", "—")] + list(ServiceTier.choices),
    )
    reason = forms.CharField(
        label=gettext_lazy("审核意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, pending=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = list(pending)
        for item in self.pending:
            code = item["code"]
            self.fields[f"met_{code}"] = forms.ChoiceField(
                label=f"{code} {item['title']}",
                required=False,
                choices=[
                    ("", gettext_lazy("未判断")),
                    ("yes", gettext_lazy("满足")),
                    ("no", gettext_lazy("不满足")),
                ],
            )
            self.fields[f"why_{code}"] = forms.CharField(
                label=gettext_lazy("理由"), required=False, max_length=1000
            )

    @property
    def criterion_rows(self):
        return [
            (item, self[f"met_{item['code']}"], self[f"why_{item['code']}"])
            for item in self.pending
        ]

    def criterion_reviews(self) -> dict:
        reviews = {}
        for item in self.pending:
            met = self.cleaned_data.get(f"met_{item['code']}")
            if met:
                reviews[item["code"]] = {
                    "met": met == "yes",
                    "reason": self.cleaned_data.get(f"why_{item['code']}", ""),
                }
        return reviews


class FactForm(forms.Form):
    """Record one sourced value. The source choices follow the user: a unit declares, a
    department records from an authoritative source (``record_fact`` enforces it)."""

    key = forms.ChoiceField(label=gettext_lazy("属性"))
    value = forms.CharField(label=gettext_lazy("取值"), max_length=255)
    source = forms.ChoiceField(label=gettext_lazy("来源"))
    as_of = forms.DateField(
        label=gettext_lazy("数据日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, own_unit_only: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = attribute_choices(sourced_only=True)
        if own_unit_only:
            self.fields["source"].choices = [
                (FactSource.SELF_DECLARED.value, FactSource.SELF_DECLARED.label)
            ]
        else:
            self.fields["source"].choices = [
                (s.value, s.label) for s in FactSource if s != FactSource.SELF_DECLARED
            ]

    def clean(self):
        data = super().clean()
        key, text = data.get("key"), data.get("value")
        if key and text is not None:
            attribute = CATALOGUE[key]
            try:
                data["typed"] = parse_value(attribute, text)
            except ValueError:
                self.add_error(
                    "value",
                    ValidationError(
                        _("“%(label)s”的取值无效：%(value)s（应为%(hint)s）")
                        % {
                            "label": attribute.label,
                            "value": text,
                            "hint": attribute_hint(attribute),
                        }
                    ),
                )
        return data


class SelfAssessmentForm(forms.Form):
    """WL-11: one answer (and an optional note) per checklist item."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"answer_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=ANSWER_CHOICES, widget=forms.RadioSelect
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=gettext_lazy("说明"), required=False, max_length=500
            )

    @property
    def item_rows(self):
        return [(item, self[f"answer_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def answers(self) -> dict:
        return {
            str(item.pk): {
                "answer": self.cleaned_data[f"answer_{item.pk}"],
                "note": self.cleaned_data.get(f"note_{item.pk}", ""),
            }
            for item in self.items
        }
