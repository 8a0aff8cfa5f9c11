"""Writes of the checkpoint area (LOG-03): checkpoints, and the green-channel verification of a
vehicle at one of them.

``actor=None`` is the platform itself (demo data, commands) and skips permission checks; every
action takes ``now=None``.

- checkpoints are created and edited by the HQ office or the transport department (交通运输) of a
  region covering the checkpoint's region;
- ``verify`` is done by a checkpoint officer (a ``checkpoint_officer`` grant covering the
  checkpoint's region): the pass token is verified offline (``logistics.signing``), the pass row
  read for revocation and status, the occupants' ID numbers turned into person keys and their
  两码一证 read in one query, and the decision (``logistics.green_channel``) stored as a ``Check``
  row with person keys only. A resend with the same ``client_event_id`` returns the stored check.
"""

from contextlib import nullcontext
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants
from sibao.accounts.roles import Role
from sibao.core import audit, rules
from sibao.core.personal import person_key
from sibao.epidemic.models import PersonStatus
from sibao.logistics import green_channel, queries_passes
from sibao.logistics.models import Check, Checkpoint, CheckpointKind, VehiclePass
from sibao.regions.models import Region

__all__ = [
    "MAX_OCCUPANTS",
    "checkpoint_to_verify",
    "create_checkpoint",
    "may_keep_checkpoints",
    "may_verify",
    "PassLookup",
    "occupant_keys",
    "record_check_export",
    "update_checkpoint",
    "verify",
]

MAX_OCCUPANTS = 9
CHECKPOINT_FIELDS = ("name", "kind", "road", "green_channel", "is_active")


def _now(now):
    return now or timezone.now()


def _text(value) -> str:
    return str(value or "").strip()


# --- checkpoints ---


def _keeping_grants(actor, action: str) -> list:
    """Grants of the HQ office, or of the transport department's staff, allowing ``action``."""
    return [
        g
        for g in allowing_grants(actor, Checkpoint._meta.label_lower, action)
        if g.role == Role.HQ_OFFICE
        or (g.role == Role.DEPARTMENT_STAFF and g.department and g.department.kind == "transport")
    ]


def may_keep_checkpoints(actor, region_code: str | None = None, action: str = "add") -> bool:
    """Whether ``actor`` may create (``add``) or edit (``change``) checkpoints at all, or in
    ``region_code`` when given."""
    if actor is None:
        return True
    grants = _keeping_grants(actor, action)
    if region_code is None:
        return bool(grants)
    return any(region_code.startswith(g.region_id) for g in grants)


def _clean(values: dict) -> dict:
    values = dict(values)
    values["name"] = _text(values.get("name"))
    values["road"] = _text(values.get("road"))
    errors = {}
    if not values["name"]:
        errors["name"] = _("请填写检查站名称。")
    if values.get("kind") not in CheckpointKind.values:
        errors["kind"] = _("请选择检查站类型。")
    if errors:
        raise ValidationError(errors)
    return values


def _check_region(actor, region_code: str, action: str) -> None:
    if not Region.objects.filter(code=region_code).exists():
        raise ValidationError({"region_code": _("区划代码不存在。")})
    if not may_keep_checkpoints(actor, region_code, action):
        raise PermissionDenied(
            _("只有所在地区的指挥部办公室或交通运输部门可以设置该地区的检查站。")
        )


@transaction.atomic
def create_checkpoint(
    *,
    actor,
    region_code,
    name,
    kind,
    road="",
    green_channel=True,
    is_active=True,
    now=None,
) -> Checkpoint:
    """A checkpoint (省界卡口、高速出入口、城市进出口、服务区、机场、铁路站场、港口) of a region."""
    region_code = _text(region_code)
    values = _clean(
        {
            "name": name,
            "kind": kind,
            "road": road,
            "green_channel": bool(green_channel),
            "is_active": bool(is_active),
        }
    )
    _check_region(actor, region_code, "add")
    checkpoint = Checkpoint.objects.create(region_code=region_code, **values)
    audit.record(
        "checkpoint.create",
        actor=actor,
        obj=checkpoint,
        changes=audit.snapshot(checkpoint, ["region_code", *CHECKPOINT_FIELDS]),
    )
    return checkpoint


@transaction.atomic
def update_checkpoint(checkpoint, *, actor, now=None, **changes) -> Checkpoint:
    """Edit a checkpoint's name, kind, road, green channel or whether it is in use."""
    unknown = set(changes) - set(CHECKPOINT_FIELDS)
    if unknown:
        raise TypeError(f"unknown checkpoint fields: {sorted(unknown)}")
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    _check_region(actor, checkpoint.region_code, "change")
    before = audit.snapshot(checkpoint, CHECKPOINT_FIELDS)
    values = _clean({**before, **changes})
    values["green_channel"] = bool(values["green_channel"])
    values["is_active"] = bool(values["is_active"])
    for name, value in values.items():
        setattr(checkpoint, name, value)
    checkpoint.save(update_fields=list(CHECKPOINT_FIELDS))
    changed = audit.diff(before, audit.snapshot(checkpoint, CHECKPOINT_FIELDS))
    if changed:
        audit.record("checkpoint.update", actor=actor, obj=checkpoint, changes=changed)
    return checkpoint


# --- verification ---


def may_verify(actor, checkpoint) -> bool:
    """A checkpoint officer whose grant covers the checkpoint's region."""
    if actor is None:
        return True
    return any(
        g.role == Role.CHECKPOINT_OFFICER and checkpoint.region_code.startswith(g.region_id)
        for g in allowing_grants(actor, Check._meta.label_lower, "add")
    )


def occupant_keys(id_numbers, *, today=None) -> list[str]:
    """Person keys of the occupants' ID numbers (blank lines skipped, duplicates once, order
    kept); a ValidationError naming the line of a wrong number."""
    keys = []
    for line, text in enumerate(id_numbers, start=1):
        if not _text(text):
            continue
        try:
            key = person_key(text, today)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "occupants": _("第 %(line)d 位随车人员：%(error)s")
                    % {"line": line, "error": exc.messages[0]}
                }
            ) from None
        if key not in keys:
            keys.append(key)
    if not keys:
        raise ValidationError({"occupants": _("请录入随车人员（驾驶员、押运员等）的身份证号码。")})
    if len(keys) > MAX_OCCUPANTS:
        raise ValidationError({"occupants": _("随车人员最多 %(n)d 人。") % {"n": MAX_OCCUPANTS}})
    return keys


class PassLookup(NamedTuple):
    state: str
    row: VehiclePass | None
    number: str
    plate: str


_PASS_FIELDS = ("id", "number", "status", "token", "company_id", "vehicle_id")
_STATUS_FIELDS = ("person_key", "health_code", "itinerary", "last_negative_at", "last_positive_at")


class _Lookup(NamedTuple):
    found: PassLookup
    statuses: list  # a PersonStatus or None per key, in order
    ruleset: rules.RuleSet


def _lookup(token, keys, *, plate, now) -> _Lookup:
    """What a verification reads besides the checkpoint, in one round trip: the newest rule-set
    version, the pass row of the token's number and the occupants' 两码一证 (hand-written SQL:
    this is the hot path of every checkpoint, where compiling three ORM queries cost more than
    running them). A forged or malformed token reads no pass row; an expired one still names its
    pass for the check log (``queries_passes.token_claims``)."""
    reason, claims = queries_passes.token_claims(token, now=now)
    connection = connections[router.db_for_read(VehiclePass)]
    quote = connection.ops.quote_name
    pass_fields = _fields(VehiclePass, _PASS_FIELDS)
    status_fields = _fields(PersonStatus, _STATUS_FIELDS)
    columns = [f"p.{quote(f.column)}" for f in pass_fields]
    columns += [f"s.{quote(f.column)}" for f in status_fields]
    sql = (
        f"SELECT r.{quote('number')}, r.{quote('values')}, {', '.join(columns)} "
        f"FROM (SELECT 1 AS one) o "
        f"LEFT JOIN ({rules.NEWEST_SQL}) r ON 1 = 1 "
        f"LEFT JOIN {quote(VehiclePass._meta.db_table)} p ON p.{quote('number')} = %s "
        f"LEFT JOIN {quote(PersonStatus._meta.db_table)} s "
        f"ON s.{quote('person_key')} IN ({', '.join('%s' for _ in keys)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [claims.number if claims else "", *keys])
        rows = cursor.fetchall()
    first = rows[0]
    ruleset = rules.from_stored(first[0], first[1])
    split = 2 + len(pass_fields)
    row = _instance(VehiclePass, pass_fields, first[2:split], connection)
    found = {}
    for values in rows:
        status = _instance(PersonStatus, status_fields, values[split:], connection)
        if status is not None:
            found[status.person_key] = status
    state = reason or queries_passes.row_state(claims, row, token, _plate(plate))
    lookup = PassLookup(state, row, *((claims.number, claims.plate) if claims else ("", "")))
    return _Lookup(lookup, [found.get(key) for key in keys], ruleset)


_CHECKPOINT_FIELDS = ("id", "name", "region_code", "is_active")


def checkpoint_to_verify(actor, pk):
    """The checkpoint ``pk`` as the verification endpoint needs it, or None when ``actor`` may
    not see it (the API answers as for an unknown checkpoint). Read by primary key with
    hand-written SQL (the endpoint's hot path); when ``actor`` may not verify there, whether
    they may see it decides between that answer and ``verify``'s refusal."""
    connection = connections[router.db_for_read(Checkpoint)]
    quote = connection.ops.quote_name
    fields = _fields(Checkpoint, _CHECKPOINT_FIELDS)
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(Checkpoint._meta.db_table)} WHERE {quote('id')} = %s",
            [pk],
        )
        values = cursor.fetchone()
    if values is None:
        return None
    checkpoint = _instance(Checkpoint, fields, values, connection)
    if may_verify(actor, checkpoint):
        return checkpoint
    return Checkpoint.objects.visible_to(actor, "view").filter(pk=pk).first()


def _fields(model, names) -> list:
    """``model``'s concrete fields named in ``names``, in the model's order (``from_db``'s)."""
    return [f for f in model._meta.concrete_fields if f.attname in names]


def _instance(model, fields, values, connection):
    """A ``model`` instance from raw ``values`` of ``fields`` (None for a row the join did not
    find), with the fields' database converters applied as the ORM applies them."""
    if values[0] is None:
        return None
    converted = []
    for field, value in zip(fields, values, strict=True):
        col = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def verify(
    checkpoint,
    *,
    actor,
    token,
    occupants=(),
    plate="",
    client_event_id="",
    sample=False,
    now=None,
) -> Check:
    """LOG-03: may this vehicle take the green channel? Stores and returns the ``Check``
    (``result``, ``reasons``); ``occupants`` are ID numbers (never stored in clear). With
    ``sample`` the occupants are sampled on the spot (即采即走, ``actions.trips.take_samples``)."""
    now = _now(now)
    client_event_id = _text(client_event_id)[:64]
    if not may_verify(actor, checkpoint):
        raise PermissionDenied(_("只有该检查站所在地区的执勤人员可以核验车辆。"))
    if not checkpoint.is_active:
        raise ValidationError(_("该检查站已停用。"))
    keys = occupant_keys(occupants, today=timezone.localdate(now))
    found, statuses, ruleset = _lookup(token, keys, plate=plate, now=now)
    row = found.row
    decision = green_channel.decide(
        pass_state=found.state,
        occupants=statuses,
        now=now,
        nat_valid_hours=ruleset["checkpoint_nat_valid_hours"],
    )
    check = Check(
        checkpoint=checkpoint,
        officer=actor if getattr(actor, "is_authenticated", False) else None,
        at=now,
        vehicle_pass=row,
        pass_number=found.number,
        plate=_plate(plate) or found.plate,
        result=decision.result,
        reasons=list(decision.reasons),
        occupant_keys=keys,
        sampled=bool(sample),
        client_event_id=client_event_id,
        region_code=checkpoint.region_code,
        enterprise_id=row.company_id if row else None,
    )
    try:
        _store(check, actor=actor, sample=sample, now=now)
    except IntegrityError:
        # a resend of a stored client event (the unique constraint says so without a lookup
        # on every check): the stored check is the answer, whatever changed since
        stored = _stored_check(checkpoint, client_event_id)
        if stored is None:
            raise
        return stored
    return check


def _stored_check(checkpoint, client_event_id):
    if not client_event_id:
        return None
    return (
        Check.objects.filter(checkpoint=checkpoint, client_event_id=client_event_id)
        .order_by()
        .first()
    )


def _store(check, *, actor, sample, now) -> None:
    """The check and its audit row (one statement, ``audit.insert_recorded``); with the samples
    of 即采即走 all in one transaction."""
    changes = {"result": check.result, "reasons": check.reasons, "pass": check.pass_number}
    with transaction.atomic() if sample else nullcontext():
        audit.insert_recorded(check, "check.verify", actor=actor, changes=changes)
        if sample:
            _take_samples(check, actor=actor, keys=check.occupant_keys, now=now)


def _plate(typed) -> str:
    return _text(typed).upper().replace(" ", "")[:10]


def _take_samples(check, *, actor, keys, now) -> None:
    from sibao.logistics.actions import trips

    trips.take_samples(check, actor=actor, samples=[(key, "") for key in keys], now=now)


def record_check_export(*, actor, rows: int, filters: str = "") -> None:
    """An export of the check log is audited (who took which rows)."""
    audit.record(
        "check.export",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        changes={"rows": rows, "filters": filters},
        region_code="",
    )
