from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sibao.accounts.access import can
from sibao.core import audit, rules
from sibao.core.models import RuleSetVersion


@transaction.atomic
def change_rule_parameter(key: str, raw_value, *, actor, reason: str) -> RuleSetVersion:
    """PLAT-05: set one policy parameter; the rule set gets a new version, the change is audited."""
    if not can(actor, RuleSetVersion, "change_rules"):
        raise PermissionDenied(_("只有省级指挥部办公室或系统管理员可以修改规则参数。"))
    parameter = rules.BY_KEY.get(key)
    if parameter is None:
        raise ValidationError({"key": _("未知的规则参数：%(key)s") % {"key": key}})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请说明修改理由。")})
    try:
        value = parameter.parse(raw_value)
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from None
    rules.ensure_complete()
    latest = RuleSetVersion.objects.select_for_update().order_by("-number").first()
    before = latest.values.get(key, parameter.default)
    if before == value:
        raise ValidationError({"value": _("新值与当前值相同，未产生新版本。")})
    version = RuleSetVersion.objects.create(
        number=latest.number + 1,
        values={**latest.values, key: value},
        changed_key=key,
        reason=reason.strip(),
        created_by=actor,
    )
    audit.record(
        "rules.change",
        actor=actor,
        obj=version,
        changes={key: [before, value]},
        note=reason.strip(),
        region_code="41",
        rule_version=version.number,
    )
    return version
