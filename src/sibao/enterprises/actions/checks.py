"""Spot checks (WL-10) and the four-party responsibility lists (ORG-06). The fuse itself is
``fuse_unit`` in the whitelist module: it removes the unit and records the evidence."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.core import audit
from sibao.enterprises.actions.whitelist import _notify_unit
from sibao.enterprises.models import (
    Enterprise,
    Responsibility,
    ResponsibilityParty,
    SpotCheck,
    SpotCheckResult,
)

__all__ = ["record_spot_check", "set_responsibility"]

PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")


def _check_enterprise(actor, enterprise, model, action, message):
    """``actor`` sees ``enterprise`` and may ``action`` a row of ``model`` about it; ``None`` is
    the platform itself (commands, the demo seed)."""
    if actor is None:
        return
    if not can(actor, Enterprise, "view", enterprise) or not covers(
        actor,
        model,
        action,
        region_code=enterprise.region_id,
        industry=enterprise.industry_id,
        enterprise_id=enterprise.pk,
    ):
        raise PermissionDenied(message)


@transaction.atomic
def record_spot_check(
    enterprise,
    *,
    actor,
    checked_on,
    inspectors: str,
    findings: str,
    result: str,
    rectify_by=None,
    caused_spread: bool = False,
) -> SpotCheck:
    """WL-10: a department (with the HQ office) records a spot check of a unit's prevention
    measures. A check that found the unit's failures caused import or spread of infection is
    the ground for the fuse; the unit's admins are told of any check that was not passed."""
    _check_enterprise(actor, enterprise, SpotCheck, "add", _("您无权对该单位登记防控抽查。"))
    errors = {}
    if result not in SpotCheckResult.values:
        errors["result"] = _("请选择抽查结论。")
    if checked_on is None:
        errors["checked_on"] = _("请填写抽查日期。")
    elif checked_on > timezone.localdate():
        errors["checked_on"] = _("抽查日期不能晚于今天。")
    if not (inspectors or "").strip():
        errors["inspectors"] = _("请填写检查人员。")
    if result != SpotCheckResult.PASSED and not (findings or "").strip():
        errors["findings"] = _("结论不是合格时，请填写发现的问题。")
    if result == SpotCheckResult.RECTIFY:
        if rectify_by is None:
            errors["rectify_by"] = _("限期整改须填写整改期限。")
        elif checked_on is not None and rectify_by < checked_on:
            errors["rectify_by"] = _("整改期限不能早于抽查日期。")
    if caused_spread and result == SpotCheckResult.PASSED:
        errors["caused_spread"] = _("导致疫情输入或扩散的单位，抽查结论不能是合格。")
    if errors:
        raise ValidationError(errors)
    check = SpotCheck.objects.create(
        enterprise=enterprise,
        checked_on=checked_on,
        inspectors=inspectors.strip()[:200],
        findings=(findings or "").strip(),
        result=result,
        rectify_by=rectify_by if result == SpotCheckResult.RECTIFY else None,
        caused_spread=bool(caused_spread),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        region_code=enterprise.region_id,
        industry_id=enterprise.industry_id,
    )
    audit.record(
        "spot_check.record",
        actor=actor,
        obj=check,
        changes={
            "result": result,
            "caused_spread": check.caused_spread,
            "rectify_by": check.rectify_by.isoformat() if check.rectify_by else None,
        },
        note=check.findings,
    )
    if result != SpotCheckResult.PASSED:
        body = _("%(date)s 防控抽查结论：%(result)s。发现问题：%(findings)s") % {
            "date": checked_on.isoformat(),
            "result": check.get_result_display(),
            "findings": check.findings,
        }
        if check.rectify_by:
            body += _("。请于 %(date)s 前完成整改。") % {"date": check.rectify_by.isoformat()}
        _notify_unit(
            enterprise,
            _("防控抽查结果：%(result)s") % {"result": check.get_result_display()},
            body,
            reverse("enterprises:enterprise_detail", args=[enterprise.pk]),
        )
    return check


@transaction.atomic
def set_responsibility(
    enterprise,
    *,
    party: str,
    name: str = "",
    position: str = "",
    phone: str = "",
    duties: str,
    actor,
) -> Responsibility:
    """ORG-06: name one party's responsible person (or, for the individual party, the duty rules)
    of a unit's four-party responsibility list, creating or updating that party's row. The HQ
    office and department staff in scope, and the unit's own admin, may set it."""
    _check_enterprise(
        actor, enterprise, Responsibility, "change", _("您无权修改该单位的四方责任。")
    )
    errors = {}
    if party not in ResponsibilityParty.values:
        errors["party"] = _("请选择责任方。")
    name, position, phone = (name or "").strip(), (position or "").strip(), (phone or "").strip()
    duties = (duties or "").strip()
    if party != ResponsibilityParty.INDIVIDUAL and not name:
        errors["name"] = _("请填写责任人姓名。")
    if phone and not PHONE.match(phone):
        errors["phone"] = _("联系电话格式不正确。")
    if not duties:
        errors["duties"] = _("请填写责任内容。")
    if errors:
        raise ValidationError(errors)
    row = (
        Responsibility.objects.select_for_update()
        .filter(enterprise=enterprise, party=party)
        .order_by("id")
        .first()
    )
    values = {"name": name[:64], "position": position[:128], "phone": phone, "duties": duties}
    if row is None:
        before = {}
        row = Responsibility.objects.create(
            enterprise=enterprise, party=party, region_code=enterprise.region_id, **values
        )
    else:
        before = audit.snapshot(row, values)
        for key, value in values.items():
            setattr(row, key, value)
        row.save(update_fields=[*values, "updated_at"])
    changes = audit.diff(before, values)
    if "phone" in changes:
        # the phone is personal data: the audit says that it changed, not what it is
        changes["phone"] = "changed"
    audit.record("responsibility.set", actor=actor, obj=row, changes=changes, note=party)
    return row
