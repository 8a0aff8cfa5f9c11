"""POL-06: running a subsidy calculator (``policies.calculators``) and keeping the result with
the rule-set version it read (``SubsidyCalculation``)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sibao.accounts.access import covers
from sibao.core import audit, rules
from sibao.policies.calculators import CALCULATORS, CalculatorError, parse_inputs, plain_inputs
from sibao.policies.models import SubsidyCalculation
from sibao.regions.models import Region

__all__ = ["calculate_subsidy"]


@transaction.atomic
def calculate_subsidy(
    calculator: str, *, actor, inputs: dict, enterprise=None, region_code: str | None = None
) -> SubsidyCalculation:
    """Run the named calculator on ``inputs`` with the rule set in force and store the result,
    its inputs and the rule-set version. An enterprise calculates for itself only; a department
    for an enterprise of its region, or for a region (``region_code``) without one."""
    found = CALCULATORS.get(calculator)
    if found is None:
        raise ValidationError({"calculator": _("未知的测算项目：%(key)s") % {"key": calculator}})
    if enterprise is not None:
        region_code = enterprise.region_id
    region_code = (region_code or "").strip()
    if not region_code:
        raise ValidationError({"region_code": _("请选择测算所属的单位或区划。")})
    if enterprise is None and not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region_code": _("区划代码无效。")})
    if actor is not None:
        enterprise_only = all(g.enterprise_id for g in actor.active_grants())
        if enterprise is None and enterprise_only:
            raise PermissionDenied(_("企业只能为本单位测算补贴。"))
        if not covers(
            actor,
            SubsidyCalculation,
            "add",
            region_code=region_code,
            enterprise_id=enterprise.pk if enterprise is not None else None,
        ):
            raise PermissionDenied(_("您无权在该区划测算补贴。"))
    ruleset = rules.current()
    try:
        typed = parse_inputs(found, inputs or {})
        result = found.run(typed, ruleset)
    except CalculatorError as exc:
        raise ValidationError({k: str(v) for k, v in exc.errors.items()}) from None
    total = result.pop("total")
    calculation = SubsidyCalculation.objects.create(
        calculator=found.key,
        enterprise=enterprise,
        inputs=plain_inputs(typed),
        result={**result, "total": str(total)},
        total=total,
        rule_version=ruleset.version,
        calculated_by=actor if actor is not None and actor.is_authenticated else None,
        region_code=region_code,
    )
    audit.record(
        "policy.subsidy.calculate",
        actor=actor,
        obj=calculation,
        changes={"total": [None, str(total)], "inputs": calculation.inputs},
        note=str(found.label),
        rule_version=ruleset.version,
    )
    return calculation
