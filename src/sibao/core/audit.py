"""Writing the audit trail (ORG-05). Every action calls ``record``; reads of personal data call it too."""

from decimal import Decimal

from django.db import models

from sibao.core.context import client_address
from sibao.core.models import AuditLog


def snapshot(obj, fields) -> dict:
    """The current values of ``fields`` on ``obj``, for a before/after comparison."""
    return {name: _plain(getattr(obj, _attname(obj, name))) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def _attname(obj, name):
    try:
        field = obj._meta.get_field(name)
    except Exception:
        return name
    return field.attname if isinstance(field, models.ForeignKey) else name


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | type(None) | list | dict):
        return value
    return str(value)


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    changes: dict | None = None,
    note: str = "",
    region_code: str | None = None,
    enterprise_id: int | None = None,
    rule_version: int | None = None,
) -> AuditLog:
    """Append one audit row. Scope keys default to the object's own."""
    row = entry(
        action,
        actor=actor,
        obj=obj,
        changes=changes,
        note=note,
        region_code=region_code,
        enterprise_id=enterprise_id,
        rule_version=rule_version,
    )
    row.save(force_insert=True)
    return row


def record_audit_export(*, actor, rows: int, filters: str) -> AuditLog:
    """ORG-05: an export of the audit trail is itself an audited read."""
    return record(
        "audit.export",
        actor=actor,
        changes={"rows": rows},
        note=filters,
        region_code=actor.region_id or "",
    )


def entry(
    action: str,
    *,
    actor=None,
    obj=None,
    changes: dict | None = None,
    note: str = "",
    region_code: str | None = None,
    enterprise_id: int | None = None,
    rule_version: int | None = None,
) -> AuditLog:
    """The audit row ``record`` would append, unsaved: for callers writing many rows of one
    action with ``AuditLog.objects.bulk_create``."""
    if obj is not None:
        if region_code is None:
            region_code = _region_code_of(obj)
        if enterprise_id is None:
            enterprise_id = _enterprise_id_of(obj)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditLog(
        actor=actor if authenticated else None,
        actor_name=(str(actor) if authenticated else "")[:150],
        actor_roles=",".join(sorted(actor.roles())) if authenticated else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        changes=changes or {},
        note=note,
        client_address=client_address.get(),
        region_code=region_code or "",
        enterprise_id=enterprise_id,
        rule_version=rule_version,
    )


def _region_code_of(obj) -> str:
    scope = getattr(type(obj), "scope", None)
    if scope is None:
        return getattr(obj, "region_id", "") or ""
    value = obj
    path = scope.region if isinstance(scope.region, str) else scope.region[0]
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def _enterprise_id_of(obj):
    scope = getattr(type(obj), "scope", None)
    if scope is None or scope.enterprise is None:
        return None
    value = obj
    path = scope.enterprise if isinstance(scope.enterprise, str) else scope.enterprise[0]
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value
