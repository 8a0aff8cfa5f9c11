"""EPI-06: scans from gateways and turnstiles through the feeds' one entry point
(``epidemic.ingest.ingest(kind="scan", …)``, ``POST /api/feeds/scan/``).

Per batch (validated field by field, and deduplicated by (device, event id), by
``epidemic.ingest``'s validator, which this store calls):

1. each record's place code is checked (signature once per distinct payload, then one query for
   the rows; valid at the record's own time) and its person found: the ID number's person key,
   or a badge (signature, one query, not revoked). A refused code or badge, neither or both
   persons, a time before the retention period: the record is rejected with its reason, the rest
   of the batch is kept;
2. the "in" records are stored in bulk with insert-or-ignore on the natural key (device, event
   id, entry time), so a resent batch changes nothing and counts as duplicates. PostgreSQL: part
   by part (``epidemic.ingest.PART`` records), one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per
   part sent through the connection's pipeline, so that the database stores one part while the
   next is validated and resolved; the same statement finds the stored rows whose person has a
   red/yellow health code or is on the unit's roster and stale for a test — only those come back
   to Python. SQLite: ``executemany`` of ``INSERT OR IGNORE`` and one query for the same risky
   rows;
3. the risky rows get their ``risk`` (one statement) and one alert per person, place and day
   (``actions.scans.raise_risk_alerts``: the alerts, audit rows and reminders of the batch in
   bulk inserts);
4. the "out" records close the person's open stay at that code (one query for all of them, one
   bulk update); an "out" already applied is a duplicate, one without an open stay a rejected
   record.

No per-record queries: the benchmark compares the whole path with a raw ``COPY``.
"""

import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.core import rules
from sibao.core.bulk import part_statements, part_values
from sibao.epidemic.ingest import register_store, send_parts
from sibao.epidemic.models import FeedKind
from sibao.places import partitions, signing
from sibao.places.models import Badge, ExitKind, PlaceCode, Scan, ScanSource

__all__ = ["store_scan_records", "register"]

CHUNK = 5000
# The columns the feed fills, with their types; the rest are constants of the batch.
_FEED_COLUMN_TYPES = (
    ("person_key", "varchar"),
    ("place_code_id", "bigint"),
    ("space_id", "bigint"),
    ("enterprise_id", "bigint"),
    ("region_code", "varchar"),
    ("entered_at", "timestamptz"),
    ("source", "varchar"),
    ("device", "varchar"),
    ("event_id", "varchar"),
)
_FEED_COLUMNS = tuple(name for name, _type in _FEED_COLUMN_TYPES)
_TABLE = Scan._meta.db_table


class _Refused(Exception):
    def __init__(self, field_name, reason):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


def _zone():
    return timezone.get_current_timezone()


def _codes(texts) -> dict:
    """payload -> (code row values, valid_until) or a refusal reason (str), one signature check
    per distinct payload and one query."""
    by_payload: dict[str, object] = {}
    ids: dict[str, int] = {}
    for text in texts:
        if text in by_payload or text in ids:
            continue
        try:
            ids[text] = signing.verify(signing.payload_in(text), signing.PLACE)
        except signing.BadPayload:
            by_payload[text] = _("场所码无效：不是本平台的场所码，或已被篡改。")
    rows = {}
    ends: dict[datetime.date, datetime.datetime] = {}  # codes share a few expiry days
    wanted = sorted(set(ids.values()))
    for start in range(0, len(wanted), CHUNK):
        for row in PlaceCode.objects.filter(pk__in=wanted[start : start + CHUNK]).values(
            "pk", "space_id", "enterprise_id", "region_code", "expires_on", "revoked_at"
        ):
            # valid while at < valid_until: before the revocation and on or before the expiry day
            until = ends.get(row["expires_on"])
            if until is None:
                until = ends[row["expires_on"]] = datetime.datetime.combine(
                    row["expires_on"] + datetime.timedelta(days=1), datetime.time(), tzinfo=_zone()
                )
            if row["revoked_at"] is not None:
                until = min(until, row["revoked_at"])
            rows[row["pk"]] = (row, until)
    for text, code_id in ids.items():
        by_payload[text] = rows.get(code_id) or _("场所码无效：该场所码不存在。")
    return by_payload


def _badges(texts) -> dict:
    """badge payload -> (person key, revoked_at) or a refusal reason (str)."""
    found: dict[str, object] = {}
    ids: dict[str, int] = {}
    for text in texts:
        if not text or text in found or text in ids:
            continue
        try:
            ids[text] = signing.verify(signing.payload_in(text), signing.BADGE)
        except signing.BadPayload:
            found[text] = _("工牌码无效：不是本平台的工牌码，或已被篡改。")
    rows = {}
    wanted = sorted(set(ids.values()))
    for start in range(0, len(wanted), CHUNK):
        for pk, key, revoked_at in Badge.objects.filter(
            pk__in=wanted[start : start + CHUNK]
        ).values_list("pk", "staff__person_key", "revoked_at"):
            rows[pk] = (key, revoked_at)
    for text, badge_id in ids.items():
        found[text] = rows.get(badge_id) or _("工牌码无效：该工牌码不存在。")
    return found


def _resolve(batch, clean, oldest_day, codes=None, badges=None):
    """Split the records into "in" rows (tuples of ``_FEED_COLUMNS``) and "out" records, and
    append the refused ones to ``batch.errors``. ``codes`` and ``badges``: what ``_codes`` and
    ``_badges`` found for the batch already; the payloads they lack are looked up here."""
    codes = {} if codes is None else codes
    badges = {} if badges is None else badges
    missing = {values["place_code"] for values in clean} - codes.keys()
    if missing:
        codes.update(_codes(missing))
    missing = {values.get("badge") or "" for values in clean} - badges.keys() - {""}
    if missing:
        badges.update(_badges(missing))
    prefix = f"{batch.source.code}:"
    oldest = datetime.datetime.combine(oldest_day, datetime.time(), tzinfo=_zone())
    ins, outs, errors = [], [], batch.errors
    for values in clean:
        at = values["at"]
        try:
            code = codes[values["place_code"]]
            if isinstance(code, str):
                raise _Refused("place_code", code)
            row, until = code
            if at >= until:
                if row["revoked_at"] is not None and at >= row["revoked_at"]:
                    raise _Refused("place_code", _("该场所码已作废。"))
                raise _Refused("place_code", _("该场所码已过期。"))
            if at < oldest:
                raise _Refused("at", _("扫码时间早于扫码记录保存期。"))
            key = values.get("person_key")
            badge = values.get("badge")
            if key and badge:
                raise _Refused("badge", _("身份证号码与工牌码只能填写其一。"))
            if badge:
                found = badges[badge]
                if isinstance(found, str):
                    raise _Refused("badge", found)
                key, revoked_at = found
                if revoked_at is not None and revoked_at <= at:
                    raise _Refused("badge", _("该工牌码已作废。"))
                source = ScanSource.BADGE
            elif key:
                source = ScanSource.GATEWAY
            else:
                raise _Refused("id_number", _("须填写身份证号码或工牌码。"))
        except _Refused as exc:
            errors.append({"index": values["index"], "field": exc.field, "reason": exc.reason})
            continue
        device = prefix + values["device"]
        if values["direction"] == "out":
            outs.append((values["index"], key, row["pk"], at))
        else:
            ins.append(
                (
                    key,
                    row["pk"],
                    row["space_id"],
                    row["enterprise_id"],
                    row["region_code"],
                    at,
                    source,
                    device,
                    values["event_id"],
                )
            )
    return ins, outs


# --- storing the entries ---------------------------------------------------------------------


# PostgreSQL, part by part (``epidemic.ingest.send_parts``): one statement per part stores its
# entries and returns its stored rows whose person has a red/yellow health code, or is on the
# unit's roster and stale for a test.


def _part_sql(rows: str) -> str:
    return f"""WITH inserted AS (
    INSERT INTO {_TABLE} ({", ".join(_FEED_COLUMNS)}, left_at, exit_kind, risk, received_at,
                          batch_id)
    SELECT f.*, NULL::timestamptz, '', '', %(received)s, %(batch)s
    FROM {rows}
    ON CONFLICT DO NOTHING
    RETURNING id, entered_at, person_key, place_code_id, enterprise_id
),
stale AS (
    -- the part's units' staff stale at its latest entry (a superset of those stale at their own)
    SELECT id, person_key, enterprise_id, last_negative_at FROM epidemic_staffmember
    WHERE enterprise_id = ANY(%(units)s::bigint[]) AND is_active
      AND (last_negative_at IS NULL OR last_negative_at < %(cutoff)s)
),
risky AS (
    SELECT i.id, i.entered_at, i.person_key, i.place_code_id, p.health_code, m.id AS staff_id
    FROM inserted AS i
    LEFT JOIN epidemic_personstatus AS p
        ON p.person_key = i.person_key AND p.health_code IN ('red', 'yellow')
    LEFT JOIN stale AS m
        ON m.person_key = i.person_key AND m.enterprise_id = i.enterprise_id
        AND (m.last_negative_at IS NULL
             OR m.last_negative_at < i.entered_at - make_interval(hours => %(hours)s))
    WHERE p.person_key IS NOT NULL OR m.id IS NOT NULL
)
SELECT (SELECT count(*) FROM inserted), r.id, r.entered_at, r.person_key, r.place_code_id,
       r.health_code, r.staff_id
FROM (SELECT 1) AS one LEFT JOIN risky AS r ON TRUE"""


_PART_STATEMENTS = part_statements(_FEED_COLUMN_TYPES, _part_sql)


def _payloads(records, name: str) -> set[str]:
    """The distinct stripped texts of field ``name`` in the raw records (the codes and badges to
    look up before the parts go; a record's clean value that is not among them is looked up when
    its part is resolved)."""
    found = set()
    for values in records:
        if type(values) is dict:
            text = values.get(name)
            if type(text) is str:
                found.add(text.strip())
    found.discard("")
    return found


def _store_in_parts(batch, record, records, validate, oldest_day, received_at, stale_hours):
    """PostgreSQL: validate, resolve and store ``records`` part by part through the pipeline.
    Returns (entries stored, risky rows, "out" records)."""
    codes = _codes(_payloads(records, "place_code"))
    badges = _badges(_payloads(records, "badge"))
    outs, days_ready, entries = [], set(), 0

    def statement(clean):
        nonlocal entries
        ins, part_outs = _resolve(batch, clean, oldest_day, codes, badges)
        outs.extend(part_outs)
        if not ins:
            return None
        # the day of each distinct minute of entry (a minute never straddles two days: time
        # zone offsets are whole minutes; entries older than the retention period are refused)
        minutes = {row[5].replace(second=0, microsecond=0) for row in ins}
        days = {partitions.day_of(minute) for minute in minutes} - days_ready
        if days:
            partitions.ensure(days)
            days_ready.update(days)
        entries += len(ins)
        as_text, params = part_values(_FEED_COLUMN_TYPES, ins)
        latest = max(row[5] for row in ins)
        params.update(
            received=received_at,
            batch=record.pk,
            hours=stale_hours,
            units=sorted({row[3] for row in ins}),
            cutoff=latest - datetime.timedelta(hours=stale_hours),
        )
        return _PART_STATEMENTS[as_text], params

    sent, _validated = send_parts(records, validate, statement)
    stored, risky = 0, []
    for cursor in sent:
        rows = cursor.fetchall()
        stored += rows[0][0]
        risky.extend(row[1:] for row in rows if row[1] is not None)
        cursor.close()
    batch.duplicates += entries - stored
    return stored, risky, outs


def _store_sqlite(ins, record, received_at, stale_hours):
    """executemany of INSERT OR IGNORE; returns (stored, risky rows)."""
    ops = connection.ops
    received = ops.adapt_datetimefield_value(received_at)
    params = [
        (*row[:5], ops.adapt_datetimefield_value(row[5]), *row[6:], received, record.pk)
        for row in ins
    ]
    columns = ", ".join(_FEED_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_FEED_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT OR IGNORE INTO {_TABLE} ({columns}, left_at, exit_kind, risk, received_at, "
            f"batch_id) VALUES ({placeholders}, NULL, '', '', %s, %s)",
            params,
        )
        stored = cursor.rowcount
        if not stored:
            return 0, []
        units = sorted({row[3] for row in ins})
        first = ops.adapt_datetimefield_value(min(row[5] for row in ins))
        # a bound for everyone: whoever is stale at their own entry is stale at the latest one
        cutoff = ops.adapt_datetimefield_value(
            max(row[5] for row in ins) - datetime.timedelta(hours=stale_hours)
        )
        marks = ", ".join(["%s"] * len(units))
        cursor.execute(
            f"""SELECT s.id, s.entered_at, s.person_key, s.place_code_id,
                       p.health_code, m.id
                FROM {_TABLE} AS s
                LEFT JOIN epidemic_personstatus AS p
                    ON p.person_key = s.person_key AND p.health_code IN ('red', 'yellow')
                LEFT JOIN epidemic_staffmember AS m
                    ON m.person_key = s.person_key AND m.enterprise_id = s.enterprise_id
                    AND m.is_active
                    AND (m.last_negative_at IS NULL OR m.last_negative_at < %s)
                WHERE s.enterprise_id IN ({marks}) AND s.entered_at >= %s AND s.batch_id = %s
                  AND (p.person_key IS NOT NULL OR m.id IS NOT NULL)""",
            [cutoff, *units, first, record.pk],
        )
        risky = []
        for pk, entered_at, key, code_id, colour, staff_id in cursor.fetchall():
            if isinstance(entered_at, str):
                entered_at = datetime.datetime.fromisoformat(entered_at)
            if timezone.is_naive(entered_at):
                entered_at = entered_at.replace(tzinfo=datetime.UTC)
            risky.append((pk, entered_at, key, code_id, colour, staff_id))
    return stored, risky


def _flag_risks(risky, ruleset, now, scope) -> None:
    """Confirm each candidate's risk (health code, else the unit's window for the roster row,
    ``scope`` being the batch's ``epidemic.compliance.emergency_scope()``), store it on the row
    and raise the alert: only risky rows get here."""
    from sibao.epidemic.models import StaffMember
    from sibao.places.actions.scans import raise_risk_alerts, risk_of

    if not risky:
        return
    staff = {
        row.pk: row
        for row in StaffMember.objects.select_related("enterprise").filter(
            pk__in={row[5] for row in risky if row[5] is not None}
        )
    }
    codes = {
        code.pk: code
        for code in PlaceCode.objects.select_related("space", "enterprise").filter(
            pk__in={row[3] for row in risky}
        )
    }
    flagged = []
    for pk, entered_at, key, code_id, colour, staff_id in risky:
        member = staff.get(staff_id)
        risk = risk_of(colour or "", member, entered_at, ruleset, scope)
        if not risk:
            continue
        scan = Scan(pk=pk, entered_at=entered_at, person_key=key, place_code_id=code_id, risk=risk)
        flagged.append((scan, codes[code_id], risk, member))
    if not flagged:
        return
    _set_risks([(scan.pk, scan.entered_at, risk) for scan, _code, risk, _member in flagged])
    raise_risk_alerts(flagged, now=now)


def _set_risks(rows) -> None:
    """Store each flagged row's risk: one statement per chunk (PostgreSQL), ``executemany``
    (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(rows), CHUNK):
                part = rows[start : start + CHUNK]
                cursor.execute(
                    f"UPDATE {_TABLE} AS s SET risk = v.risk "
                    "FROM unnest(%s::bigint[], %s::timestamptz[], %s::varchar[]) "
                    "AS v(id, entered_at, risk) "
                    "WHERE s.id = v.id AND s.entered_at = v.entered_at",
                    [[r[0] for r in part], [r[1] for r in part], [r[2] for r in part]],
                )
        else:
            cursor.executemany(
                f"UPDATE {_TABLE} SET risk = %s WHERE id = %s", [(r[2], r[0]) for r in rows]
            )


# --- the exits ---------------------------------------------------------------------------------


def _apply_exits(batch, outs, delta) -> int:
    """Close each "out" record's open stay (the person's latest stay at that code going on at
    the record's time). Returns how many stays were closed."""
    if not outs:
        return 0
    keys = sorted({out[1] for out in outs})
    code_ids = sorted({out[2] for out in outs})
    earliest = min(out[3] for out in outs) - delta
    latest = max(out[3] for out in outs)
    stays: dict[tuple, list] = {}
    for start in range(0, len(keys), CHUNK):
        rows = Scan.objects.filter(
            person_key__in=keys[start : start + CHUNK],
            place_code_id__in=code_ids,
            entered_at__gt=earliest,
            entered_at__lte=latest,
        ).values_list("pk", "person_key", "place_code_id", "entered_at", "left_at", "exit_kind")
        for row in rows:
            stays.setdefault((row[1], row[2]), []).append(list(row))
    for rows in stays.values():
        rows.sort(key=lambda row: row[3], reverse=True)
    updates = []
    for index, key, code_id, at in sorted(outs, key=lambda out: out[3]):
        candidates = [row for row in stays.get((key, code_id), ()) if row[3] <= at < row[3] + delta]
        # the same exit already recorded (a resent batch): nothing to change
        if any(row[4] == at and row[5] == ExitKind.GATEWAY for row in candidates):
            batch.duplicates += 1
            continue
        open_rows = [row for row in candidates if row[4] is None]
        if not open_rows:
            batch.errors.append(
                {
                    "index": index,
                    "field": "direction",
                    "reason": _("该人员在此场所没有未离开的进入记录。"),
                }
            )
            continue
        stay = open_rows[0]  # the latest entry before this exit
        stay[4] = at
        stay[5] = ExitKind.GATEWAY
        updates.append((stay[0], stay[3], at))
    if not updates:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(updates), CHUNK):
                part = updates[start : start + CHUNK]
                values = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz)"] * len(part))
                cursor.execute(
                    f"UPDATE {_TABLE} AS s SET left_at = v.left_at, exit_kind = %s "
                    f"FROM (VALUES {values}) AS v(id, entered_at, left_at) "
                    "WHERE s.id = v.id AND s.entered_at = v.entered_at",
                    [ExitKind.GATEWAY, *[value for row in part for value in row]],
                )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"UPDATE {_TABLE} SET left_at = %s, exit_kind = %s WHERE id = %s",
                [(adapt(at), ExitKind.GATEWAY, pk) for pk, _entered, at in updates],
            )
    return len(updates)


def store_scan_records(batch, record, records, validate) -> int:
    """The scan store of ``epidemic.ingest`` (see the module's docstring), called with the raw
    records and the batch's validator (``validate(records, offset)`` -> clean values): on
    PostgreSQL the records are validated and stored part by part (``epidemic.ingest.send_parts``),
    on SQLite validated whole, then stored. Returns the number of records stored (entries inserted plus
    exits applied); appends rejected records to ``batch.errors`` and counts duplicates in
    ``batch.duplicates``."""
    if not records:
        return 0
    from sibao.epidemic.compliance import emergency_scope
    from sibao.places.actions.scans import shortest_window_hours

    ruleset = rules.current()
    now = timezone.now()
    oldest_day = timezone.localdate(now) - datetime.timedelta(days=ruleset["scan_retention_days"])
    scope = emergency_scope()  # read once: the window of the statement and of each risk
    hours = shortest_window_hours(ruleset, scope)
    if connection.vendor == "postgresql":
        stored, risky, outs = _store_in_parts(
            batch, record, records, validate, oldest_day, now, hours
        )
    else:
        ins, outs = _resolve(batch, validate(records, 0), oldest_day)
        stored, risky = _store_sqlite(ins, record, now, hours) if ins else (0, [])
        batch.duplicates += len(ins) - stored
    _flag_risks(risky, ruleset, now, scope)
    delta = datetime.timedelta(hours=ruleset["auto_checkout_hours"])
    return stored + _apply_exits(batch, outs, delta)


def register() -> None:
    register_store(FeedKind.SCAN, store_scan_records)
