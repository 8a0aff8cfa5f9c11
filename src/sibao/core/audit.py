"""Writing the audit trail (ORG-05). Every action calls ``record``; reads of personal data call it too."""

from contextlib import nullcontext
from decimal import Decimal

from django.db import connections, models, router, transaction
from django.db.models.signals import post_save, pre_save

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


def insert_recorded(
    obj, action: str, *, actor=None, changes: dict | None = None, note: str = ""
) -> AuditLog:
    """Insert the new ``obj`` together with the audit row ``record`` would append for it.

    On PostgreSQL both rows go in one statement (a data-modifying ``WITH``): one round trip,
    atomic on its own, where ``save`` and ``record`` in a transaction take four and compile
    two ORM inserts — the hot path of a checkpoint's verifications (LOG-03). Elsewhere, or when
    a ``pre_save``/``post_save`` receiver listens to either model (this path sends no model
    signals), the rows are saved the usual way in one transaction. Raises ``IntegrityError``
    (nothing written) when ``obj`` breaks a constraint."""
    alias = router.db_for_write(type(obj))
    connection = connections[alias]
    if connection.vendor != "postgresql" or any(
        signal.has_listeners(model)
        for signal in (pre_save, post_save)
        for model in (type(obj), AuditLog)
    ):
        with transaction.atomic(using=alias):
            obj.save(force_insert=True, using=alias)
            return record(action, actor=actor, obj=obj, changes=changes, note=note)
    row = entry(action, actor=actor, obj=obj, changes=changes, note=note)
    table, columns, values = _insert_parts(obj, connection)
    log_table, log_columns, log_values = _insert_parts(row, connection)
    pk = connection.ops.quote_name(obj._meta.pk.column)
    # the audit row names the new row's primary key, known only inside the statement
    log_values[log_columns.index(connection.ops.quote_name("object_id"))] = _NEW_PK
    placeholders = ", ".join("%s" for _ in values)
    selected = ", ".join(f"CAST(new.{pk} AS text)" if v is _NEW_PK else "%s" for v in log_values)
    sql = (
        f"WITH new AS (INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"RETURNING {pk}), "
        f"logged AS (INSERT INTO {log_table} ({', '.join(log_columns)}) SELECT {selected} FROM new) "
        f"SELECT {pk} FROM new"
    )
    params = values + [v for v in log_values if v is not _NEW_PK]
    # inside a transaction a failed statement would abort it: a savepoint keeps it usable
    savepoint = transaction.atomic(using=alias) if connection.in_atomic_block else nullcontext()
    with savepoint, connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, alias
    row.object_id = str(obj.pk)
    return row


_NEW_PK = object()


def _insert_parts(obj, connection) -> tuple[str, list[str], list]:
    """The quoted table, quoted columns and database values of a new row for ``obj`` as
    ``save(force_insert=True)`` writes it (an automatic primary key left to the database)."""
    meta = obj._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        if not (f is meta.auto_field and obj.pk is None) and not f.generated
    ]
    quote = connection.ops.quote_name
    return (
        quote(meta.db_table),
        [quote(f.column) for f in fields],
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields],
    )


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
