"""Forms of the uptake area: the enterprise's application (with the missing facts of a
"possibly" match), the department's grant / decline / payment, follow-up tasks, calculators."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sibao.enterprises.facts import CATALOGUE
from sibao.policies.calculators import CALCULATORS


def fact_field(key: str):
    """A form field for one attribute of the catalogue, as the enterprise declares it."""
    attribute = CATALOGUE[key]
    label = attribute.label
    if attribute.unit:
        label = f"{attribute.label}（{attribute.unit}）"
    if attribute.kind == "number":
        return forms.DecimalField(label=label, max_digits=18, decimal_places=4)
    if attribute.kind == "bool":
        return forms.TypedChoiceField(
            label=label,
            choices=[("", "—"), ("true", _("是")), ("false", _("否"))],
            coerce=lambda v: v == "true",
        )
    if attribute.kind == "choice" and attribute.choices:
        return forms.ChoiceField(
            label=label, choices=[("", "—"), *((k, v) for k, v in attribute.choices.items())]
        )
    return forms.CharField(label=label, max_length=255)


class ApplyForm(forms.Form):
    """The application: a note and, for a "possibly" match, only its missing facts."""

    note = forms.CharField(
        label=_("申请说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, missing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = [k for k in missing if k in CATALOGUE and not CATALOGUE[k].column]
        for key in self.missing:
            field = fact_field(key)
            # the action says which ones are missing ("请补充…")
            field.required = False
            self.fields[f"fact_{key}"] = field

    def facts(self) -> dict:
        return {key: self.cleaned_data.get(f"fact_{key}") for key in self.missing}


class GrantForm(forms.Form):
    amount = forms.DecimalField(
        label=_("批准金额（万元）"), required=False, max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=_("说明"), required=False, max_length=500)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("不予批准理由"), max_length=500)


class PayForm(forms.Form):
    note = forms.CharField(label=_("拨付说明"), required=False, max_length=500)


class FollowUpForm(forms.Form):
    region_code = forms.CharField(label=_("区划代码"), max_length=12)


class CloseFollowUpForm(forms.Form):
    outcome = forms.CharField(
        label=_("跟进结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CalculatorForm(forms.Form):
    """The inputs of one calculator, plus whom the calculation is for: the enterprise (its
    统一社会信用代码, for a department; an enterprise's admin picks among its own) or a region."""

    def __init__(self, *args, calculator, own_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.calculator = CALCULATORS[calculator]
        self.own_units = list(own_units)
        if self.own_units:
            self.fields["enterprise"] = forms.TypedChoiceField(
                label=_("单位"),
                choices=[(u.pk, u.name) for u in self.own_units],
                coerce=int,
            )
        else:
            self.fields["credit_code"] = forms.CharField(
                label=_("单位统一社会信用代码"),
                required=False,
                max_length=18,
                help_text=_("为某一单位测算时填写；不填则按区划测算。"),
            )
            self.fields["region_code"] = forms.CharField(
                label=_("区划代码"), required=False, max_length=12
            )
        for field in self.calculator.fields:
            if field.kind == "money":
                formfield = forms.DecimalField(
                    label=field.label, min_value=0, max_digits=14, decimal_places=2
                )
            elif field.kind == "int":
                formfield = forms.IntegerField(label=field.label, min_value=0)
            elif field.kind == "date":
                formfield = forms.DateField(
                    label=field.label, widget=forms.DateInput(attrs={"type": "date"})
                )
            elif field.kind == "choice":
                formfield = forms.ChoiceField(label=field.label, choices=field.choices)
            else:
                formfield = forms.BooleanField(label=field.label, required=False)
            formfield.required = field.required and field.kind != "bool"
            if field.help:
                formfield.help_text = field.help
            self.fields[field.name] = formfield

    def inputs(self) -> dict:
        return {f.name: self.cleaned_data.get(f.name) for f in self.calculator.fields}
