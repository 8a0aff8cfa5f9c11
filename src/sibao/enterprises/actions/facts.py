"""Recording sourced facts about enterprises (the attributes criteria and policies read)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.core import audit
from sibao.enterprises.facts import CATALOGUE, column_for
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource

__all__ = ["record_fact"]


@transaction.atomic
def record_fact(
    enterprise, key: str, value, *, source: str, actor, as_of: datetime.date | None = None
) -> EnterpriseFact:
    """Store one sourced value; the current value of the attribute is then the authoritative
    sources' newest, else the newest declaration. An enterprise's own admin may only declare."""
    if key not in CATALOGUE or CATALOGUE[key].column:
        raise ValidationError({"key": _("未知的企业属性：%(key)s") % {"key": key}})
    if source not in FactSource.values:
        raise ValidationError({"source": _("数据来源无效。")})
    if actor is not None:
        if not can(actor, Enterprise, "view", obj=enterprise) or not covers(
            actor,
            EnterpriseFact,
            "add",
            region_code=enterprise.region_id,
            enterprise_id=enterprise.pk,
        ):
            raise PermissionDenied(_("您无权为该单位登记数据。"))
        own_unit_only = all(g.enterprise_id for g in actor.active_grants())
        if own_unit_only and source != FactSource.SELF_DECLARED:
            raise PermissionDenied(_("企业只能登记自报数据。"))
    attribute = CATALOGUE[key]
    try:
        typed = attribute.coerce(value)
    except ValueError:
        raise ValidationError(
            {
                "value": _("“%(label)s”的取值无效：%(value)s")
                % {"label": attribute.label, "value": value}
            }
        ) from None
    column = column_for(key)
    fact, _created = EnterpriseFact.objects.update_or_create(
        enterprise=enterprise,
        key=key,
        source=source,
        defaults={
            "number_value": None,
            "text_value": None,
            "bool_value": None,
            column: typed,
            "as_of": as_of or timezone.localdate(),
            "recorded_by": actor if actor is not None and actor.is_authenticated else None,
            "region_code": enterprise.region_id,
        },
    )
    _choose_current(enterprise, key)
    audit.record(
        "enterprise.fact",
        actor=actor,
        obj=enterprise,
        changes={key: [None, str(typed)]},
        note=str(FactSource(source).label),
    )
    fact.refresh_from_db()
    # policies: re-match on fact change
    from sibao.policies.matching import facts_changed

    facts_changed([enterprise.pk])
    return fact


def _choose_current(enterprise, key):
    rows = list(EnterpriseFact.objects.filter(enterprise=enterprise, key=key))
    best = max(rows, key=lambda r: (r.is_authoritative, r.as_of, r.recorded_at))
    EnterpriseFact.objects.filter(enterprise=enterprise, key=key).exclude(pk=best.pk).update(
        is_current=False
    )
    EnterpriseFact.objects.filter(pk=best.pk).update(is_current=True)
