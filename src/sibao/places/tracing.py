"""EPI-07: contact tracing from the scan log (精准流调、快速溯源), a pure read.

Definitions (the property test's brute-force oracle implements exactly these):

* A **stay** is one scan row, from ``entered_at`` to its exit ``left_at``, or, when there is no
  exit, ``entered_at + auto_checkout_hours`` (rule set). Writers never store an exit earlier than
  the entry nor later than the automatic check-out, so a stay is at most ``auto_checkout_hours``
  long.
* The **group** of a place code under the widening option: ``code`` the code itself; ``parent``
  every code (valid or not) on a space with the same parent as the code's space (for a root
  space: the codes on that space itself); ``zone`` every code on a space of the same
  ``Space.zone`` (a space without a zone: the code itself). A code always belongs to its own
  group.
* **Case stays**: the cases' scans with ``period_from <= entered_at <= period_to``.
* A stay T **meets** a stay S when T's code is in the group of S's code and T overlaps S widened
  by the window on both sides: ``T.entered_at < S.exit + window`` and
  ``T.exit > S.entered_at - window``. The **overlap** of the pair is the intersection
  ``[max(T.entered_at, S.entered_at - window), min(T.exit, S.exit + window)]``.
* **Close contact**: a person who is not a case with a stay meeting a case stay.
* **Secondary contact**: a person who is neither a case nor a close contact with a stay meeting a
  stay of a close contact C whose ``entered_at`` lies in ``[first contact of C, period_to]``,
  where C's first contact is the start of C's first overlap with a case stay.
* Per contact person: the level, and over all the pairs (their stay, the stay met) of that
  person: the first overlap (earliest start, then earliest end, then the smallest person key
  met, then the smallest place code) gives ``via_person_key`` (whom they met), the place code,
  space, unit and region of their stay, ``overlap_from`` and ``overlap_to``;
  ``overlap_seconds`` is the sum of the pairs' overlap lengths in whole seconds (rounded down)
  and ``contacts`` the number of pairs.

Query shape: index probes only. Each hop is "stays of these people in these periods" (index
``scan_by_person``) then, for each such stay and each code of its group, "rows of that code that
entered in ``[S.entered_at - window - auto_checkout, S.exit + window)``" (index ``scan_by_place``),
filtered by the real overlap. On PostgreSQL a hop is one statement: arrays ``unnest``-ed into rows
and ``CROSS JOIN LATERAL`` subqueries, so that the planner runs parameterised index scans (and
prunes the day partitions at run time) instead of the merge join with a sort of the whole scan
table it would otherwise pick for the second hop. Both indexes carry the columns the probes read
(``INCLUDE``, migration 0002), so the probes are index-only scans. The probe ranges of one code
are merged first (overlapping ranges into one: many cases, or a close contact's colleagues, probe
the same workshop at the same hours), the excluded people (the cases, and for the second hop the
close contacts) are dropped inside the probe, and only the rows left are joined back to the stays
they meet. Times are compared as integer microseconds, and each person's pairs are folded by one
hash aggregate (count, total overlap, and the first overlap as the smallest array of (start, end,
rank of whom they met, code, entry)); the space, unit and region of that one stay are read last,
from its place code (which the stay copied them from at ingestion). On
SQLite the periods and the probes are ``VALUES`` common table expressions joined to the scan
table through the same indexes, and the folding is done in Python.
"""

import datetime
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from sibao.core import rules

__all__ = ["Contact", "TraceResult", "WIDEN_OPTIONS", "trace", "stay_exit"]

WIDEN_OPTIONS = ("code", "parent", "zone")
CLOSE = "close"
SECONDARY = "secondary"
_SQLITE_CHUNK = 2000  # VALUES rows per statement (4 parameters each; SQLite allows 32766)


@dataclass(frozen=True)
class Contact:
    person_key: str
    level: str
    via_person_key: str
    place_code_id: int
    space_id: int
    enterprise_id: int
    region_code: str
    overlap_from: datetime.datetime
    overlap_to: datetime.datetime
    overlap_seconds: int
    contacts: int


@dataclass
class TraceResult:
    case_keys: list[str]
    period_from: datetime.datetime
    period_to: datetime.datetime
    window_minutes: int
    widen: str
    include_secondary: bool
    close: list[Contact] = field(default_factory=list)
    secondary: list[Contact] = field(default_factory=list)
    took_ms: int = 0

    @property
    def contacts(self) -> list[Contact]:
        return [*self.close, *self.secondary]


def stay_exit(entered_at, left_at, auto: datetime.timedelta):
    """The end of a stay: its exit, or the automatic check-out."""
    return left_at if left_at is not None else entered_at + auto


def trace(
    case_keys: Iterable[str],
    period_from: datetime.datetime,
    period_to: datetime.datetime,
    *,
    window_minutes: int,
    widen: str = "code",
    include_secondary: bool = True,
) -> TraceResult:
    """The close (and secondary) contacts of the cases in the period (module docstring)."""
    if widen not in WIDEN_OPTIONS:
        raise ValueError(f"unknown widening {widen!r}")
    if window_minutes < 0:
        raise ValueError("negative window")
    started = time.perf_counter()
    keys = sorted({str(key) for key in case_keys if key})
    window = datetime.timedelta(minutes=int(window_minutes))
    auto = datetime.timedelta(hours=rules.current()["auto_checkout_hours"])
    hop = _hop_postgresql if connection.vendor == "postgresql" else _hop_sqlite
    result = TraceResult(
        case_keys=keys,
        period_from=period_from,
        period_to=period_to,
        window_minutes=int(window_minutes),
        widen=widen,
        include_secondary=include_secondary,
    )
    if keys and period_from <= period_to:
        with _planner_settings():
            _run(result, hop, window, auto)
    result.took_ms = int((time.perf_counter() - started) * 1000)
    return result


def _run(result: TraceResult, hop, window, auto) -> None:
    """Both hops, filling ``result``: the close contacts, then (if asked) the secondary ones from
    each close contact's stays entered from their first contact to the end of the period."""
    keys, widen, period_to = result.case_keys, result.widen, result.period_to
    close = hop(
        [(key, result.period_from, period_to) for key in keys], keys, window, auto, widen, CLOSE
    )
    result.close = sorted(close, key=_display_order)
    if not (result.include_secondary and close):
        return
    sources = [
        (c.person_key, c.overlap_from, period_to) for c in close if c.overlap_from <= period_to
    ]
    if sources:
        excluded = sorted({*keys, *(c.person_key for c in close)})
        secondary = hop(sources, excluded, window, auto, widen, SECONDARY)
        result.secondary = sorted(secondary, key=_display_order)


@contextmanager
def _planner_settings():
    """PostgreSQL: the hops run with JIT compilation off (it costs far more than the index
    probes it would speed up), merge joins and sorts off (a merge join would sort every probed
    row, and the row estimates of the merged ranges are far too low for the planner to see that
    hashing the pairs per person beats sorting them) and 64 MB of work memory (many cases' probe ranges and pairs are sorted and hashed in memory
    instead of on disk), for these statements only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # undone with the savepoint on an error; put back by hand on success, since SET LOCAL
        # lasts to the end of the outer transaction
        cursor.execute(
            "SET LOCAL jit = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_sort = off; "
            "SET LOCAL work_mem = '64MB'"
        )
        yield
        cursor.execute(
            "SET LOCAL jit TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT; "
            "SET LOCAL enable_sort TO DEFAULT; SET LOCAL work_mem TO DEFAULT"
        )


def _display_order(contact: Contact):
    return (contact.overlap_from, contact.person_key)


def _aware(value) -> datetime.datetime:
    """A datetime read back from a raw query (aware on PostgreSQL; on SQLite naive UTC, or the
    stored text when the column type was lost in an expression)."""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


# --- PostgreSQL: one statement per hop -----------------------------------------------------------

_PG_PROBES = {
    "code": "probes AS (SELECT via, code AS probe, s_in, s_out FROM src),",
    "parent": """
codes AS (SELECT DISTINCT code FROM src),
grp AS MATERIALIZED (
    SELECT c.code, pc.id AS probe
    FROM codes c
    JOIN places_placecode own ON own.id = c.code
    JOIN places_space sp ON sp.id = own.space_id
    JOIN places_space sib ON sib.parent_id = sp.parent_id
    JOIN places_placecode pc ON pc.space_id = sib.id
    UNION
    SELECT c.code, pc.id
    FROM codes c
    JOIN places_placecode own ON own.id = c.code
    JOIN places_space sp ON sp.id = own.space_id AND sp.parent_id IS NULL
    JOIN places_placecode pc ON pc.space_id = sp.id
    UNION
    SELECT code, code FROM codes
),
probes AS (SELECT src.via, grp.probe, src.s_in, src.s_out FROM src JOIN grp ON grp.code = src.code),
""",
    "zone": """
codes AS (SELECT DISTINCT code FROM src),
grp AS MATERIALIZED (
    SELECT c.code, pc.id AS probe
    FROM codes c
    JOIN places_placecode own ON own.id = c.code
    JOIN places_space sp ON sp.id = own.space_id
    JOIN places_space mate ON mate.zone_id = sp.zone_id
    JOIN places_placecode pc ON pc.space_id = mate.id
    UNION
    SELECT code, code FROM codes
),
probes AS (SELECT src.via, grp.probe, src.s_in, src.s_out FROM src JOIN grp ON grp.code = src.code),
""",
}

_PG_HOP = """
WITH src AS MATERIALIZED (
    SELECT k.via, s.place_code_id AS code,
           (extract(epoch FROM s.entered_at) * 1000000)::bigint AS s_in,
           (extract(epoch FROM COALESCE(s.left_at, s.entered_at + %(auto)s)) * 1000000)::bigint
               AS s_out
    FROM unnest(%(vias)s::int[], %(keys)s::varchar[], %(froms)s::timestamptz[],
                %(tos)s::timestamptz[]) AS k(via, key, t0, t1)
    CROSS JOIN LATERAL (
        SELECT place_code_id, entered_at, left_at
        FROM places_scan
        WHERE person_key = k.key AND entered_at >= k.t0 AND entered_at <= k.t1
        OFFSET 0
    ) s
),
{probes}
spans AS (
    SELECT probe, %(epoch)s + lower(span) * interval '1 microsecond' AS lo,
           %(epoch)s + upper(span) * interval '1 microsecond' AS hi
    FROM (
        SELECT probe,
               unnest(range_agg(int8range(s_in - %(window_us)s - %(auto_us)s,
                                          s_out + %(window_us)s))) AS span
        FROM probes
        GROUP BY probe
    ) merged
),
found AS MATERIALIZED (
    SELECT t.person_key, t.place_code_id AS code,
           (extract(epoch FROM t.entered_at) * 1000000)::bigint AS t_in,
           (extract(epoch FROM COALESCE(t.left_at, t.entered_at + %(auto)s)) * 1000000)::bigint
               AS t_out
    FROM spans sp
    CROSS JOIN LATERAL (
        SELECT person_key, place_code_id, entered_at, left_at
        FROM places_scan
        WHERE place_code_id = sp.probe AND entered_at >= sp.lo AND entered_at < sp.hi
          AND person_key <> ALL(%(excluded)s::varchar[])
        OFFSET 0
    ) t
),
-- each stay of the sources in its time bucket and the two beside it: the (few) sources are
-- repeated, not the (many) rows found; and only the stays at a code where someone was found
-- (many cases' close contacts: most of their codes found nobody left to find)
probe_buckets AS MATERIALIZED (
    SELECT p.via, p.probe, p.s_in, p.s_out, p.s_in / %(bucket_us)s - d.d AS bucket
    FROM probes p CROSS JOIN (VALUES (-1), (0), (1)) AS d(d)
    WHERE p.probe IN (SELECT code FROM found)
),
pairs AS (
    SELECT f.person_key, p.via, f.code, f.t_in,
           GREATEST(f.t_in, p.s_in - %(window_us)s) AS ov_from,
           LEAST(f.t_out, p.s_out + %(window_us)s) AS ov_to
    FROM found f
    JOIN probe_buckets p
      ON p.probe = f.code
     AND p.bucket = f.t_in / %(bucket_us)s
     AND f.t_in < p.s_out + %(window_us)s
     AND f.t_out > p.s_in - %(window_us)s
),
best AS (
    SELECT person_key, count(*) AS n, sum(ov_to - ov_from) AS total,
           min(ARRAY[ov_from, ov_to, via, code, t_in]) AS first
    FROM pairs
    GROUP BY person_key
)
-- the space, unit and region a scan copies from its place code at ingestion, read from the code
-- (one small table) rather than from the stay (an index probe of every day partition per
-- contact); from the stay itself only for a code no longer stored
SELECT b.person_key, b.first, b.n, b.total, pc.space_id, pc.enterprise_id, pc.region_code
FROM best b
JOIN places_placecode pc ON pc.id = b.first[4]
UNION ALL
SELECT b.person_key, b.first, b.n, b.total, s.space_id, s.enterprise_id, s.region_code
FROM best b
CROSS JOIN LATERAL (
    SELECT space_id, enterprise_id, region_code
    FROM places_scan
    WHERE place_code_id = b.first[4]
      AND entered_at = %(epoch)s + b.first[5] * interval '1 microsecond'
      AND person_key = b.person_key
    LIMIT 1
) s
WHERE NOT EXISTS (SELECT FROM places_placecode pc WHERE pc.id = b.first[4])
"""

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def hop_sql(widen: str) -> str:
    """The PostgreSQL statement of one hop (``EXPLAIN`` reads it too; its parameters:
    ``hop_params``)."""
    return _PG_HOP.format(probes=_PG_PROBES[widen])


def hop_params(sources, excluded, window, auto) -> tuple[dict, list[str]]:
    """The parameters of ``hop_sql`` and the source people by their number (``via``: their rank
    in code point order, so that the smallest number is the smallest key)."""
    people = sorted({key for key, _t0, _t1 in sources})
    rank = {key: n for n, key in enumerate(people)}
    params = {
        "vias": [rank[s[0]] for s in sources],
        "keys": [s[0] for s in sources],
        "froms": [s[1] for s in sources],
        "tos": [s[2] for s in sources],
        "excluded": list(excluded),
        "auto": auto,
        "window_us": window // _MICROSECOND,
        "auto_us": auto // _MICROSECOND,
        # a stay T meeting a stay S entered less than window + auto_checkout from S's entry:
        # in time buckets of that length, in S's bucket or a neighbour (``pairs``)
        "bucket_us": max(1, (window + auto) // _MICROSECOND),
        "epoch": _EPOCH,
    }
    return params, people


def _hop_postgresql(sources, excluded, window, auto, widen, level) -> list[Contact]:
    params, people = hop_params(sources, excluded, window, auto)
    with connection.cursor() as cursor:
        cursor.execute(hop_sql(widen), params)
        rows = cursor.fetchall()
    return [
        Contact(
            person_key=person,
            level=level,
            via_person_key=people[first[2]],
            place_code_id=first[3],
            space_id=space,
            enterprise_id=unit,
            region_code=region,
            overlap_from=_EPOCH + first[0] * _MICROSECOND,
            overlap_to=_EPOCH + first[1] * _MICROSECOND,
            overlap_seconds=int(total) // 1_000_000,
            contacts=int(n),
        )
        for person, first, n, total, space, unit, region in rows
    ]


# --- SQLite: VALUES joins through the same indexes, folded in Python -----------------------------


def _chunks(items: list, size: int = _SQLITE_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sqlite_stays(sources) -> list[tuple]:
    """(person key, place code id, entered_at, exit-or-None) of each source person's stays in
    their period, through ``scan_by_person``."""
    adapt = connection.ops.adapt_datetimefield_value
    found = []
    with connection.cursor() as cursor:
        for chunk in _chunks(list(sources)):
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [v for key, t0, t1 in chunk for v in (key, adapt(t0), adapt(t1))]
            cursor.execute(
                f"WITH k(key, t0, t1) AS (VALUES {values}) "
                "SELECT s.person_key, s.place_code_id, s.entered_at, s.left_at "
                "FROM k JOIN places_scan s INDEXED BY scan_by_person "
                "ON s.person_key = k.key AND s.entered_at >= k.t0 AND s.entered_at <= k.t1",
                params,
            )
            found.extend(cursor.fetchall())
    return [
        (person, code, _aware(entered), _aware(left) if left is not None else None)
        for person, code, entered, left in found
    ]


def groups(codes: Iterable[int], widen: str) -> dict[int, list[int]]:
    """The group of each place code under ``widen`` (module docstring)."""
    from sibao.places.models import PlaceCode, Space

    codes = set(codes)
    result = {code: {code} for code in codes}
    if widen == "code" or not codes:
        return {code: sorted(group) for code, group in result.items()}
    own = dict(PlaceCode.objects.filter(pk__in=codes).values_list("pk", "space_id"))
    spaces = {
        row["pk"]: row
        for row in Space.objects.filter(pk__in=set(own.values())).values(
            "pk", "parent_id", "zone_id"
        )
    }
    if widen == "parent":
        parents = {s["parent_id"] for s in spaces.values() if s["parent_id"] is not None}
        mates = {}
        for pk, parent in Space.objects.filter(parent_id__in=parents).values_list(
            "pk", "parent_id"
        ):
            mates.setdefault(parent, []).append(pk)

        def mates_of(space):
            return mates.get(space["parent_id"], []) if space["parent_id"] else [space["pk"]]

    else:
        zones = {s["zone_id"] for s in spaces.values() if s["zone_id"] is not None}
        mates = {}
        for pk, zone in Space.objects.filter(zone_id__in=zones).values_list("pk", "zone_id"):
            mates.setdefault(zone, []).append(pk)

        def mates_of(space):
            return mates.get(space["zone_id"], []) if space["zone_id"] else []

    wanted = {code: mates_of(spaces[space]) for code, space in own.items() if space in spaces}
    by_space = {}
    all_spaces = {pk for found in wanted.values() for pk in found}
    for pk, space in PlaceCode.objects.filter(space_id__in=all_spaces).values_list(
        "pk", "space_id"
    ):
        by_space.setdefault(space, []).append(pk)
    for code, found in wanted.items():
        for space in found:
            result[code].update(by_space.get(space, []))
    return {code: sorted(group) for code, group in result.items()}


def _hop_sqlite(sources, excluded, window, auto, widen, level) -> list[Contact]:
    stays = _sqlite_stays(sources)
    if not stays:
        return []
    grouped = groups({code for _p, code, _e, _l in stays}, widen)
    adapt = connection.ops.adapt_datetimefield_value
    probes = []  # (stay index, probe code, low, high)
    spans = []
    for index, (_person, code, entered, left) in enumerate(stays):
        s_out = stay_exit(entered, left, auto)
        spans.append((entered - window, s_out + window))
        low, high = adapt(entered - window - auto), adapt(s_out + window)
        probes.extend((index, probe, low, high) for probe in grouped[code])
    excluded = set(excluded)
    best: dict[str, tuple] = {}
    totals: dict[str, list] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(probes):
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH p(i, code, lo, hi) AS (VALUES {values}) "
                "SELECT p.i, t.person_key, t.place_code_id, t.space_id, t.enterprise_id, "
                "t.region_code, t.entered_at, t.left_at "
                "FROM p JOIN places_scan t INDEXED BY scan_by_place "
                "ON t.place_code_id = p.code AND t.entered_at >= p.lo AND t.entered_at < p.hi",
                [v for probe in chunk for v in probe],
            )
            for index, person, code, space, unit, region, entered, left in cursor.fetchall():
                if person in excluded:
                    continue
                entered = _aware(entered)
                t_out = stay_exit(entered, _aware(left) if left is not None else None, auto)
                low, high = spans[index]
                if not (t_out > low and entered < high):
                    continue
                ov_from, ov_to = max(entered, low), min(t_out, high)
                via = stays[index][0]
                key = (ov_from, ov_to, via, code)
                total = totals.setdefault(person, [0, datetime.timedelta()])
                total[0] += 1
                total[1] += ov_to - ov_from
                if person not in best or key < best[person][0]:
                    best[person] = (key, space, unit, region)
    contacts = []
    for person, ((ov_from, ov_to, via, code), space, unit, region) in best.items():
        count, length = totals[person]
        contacts.append(
            Contact(
                person_key=person,
                level=level,
                via_person_key=via,
                place_code_id=code,
                space_id=space,
                enterprise_id=unit,
                region_code=region,
                overlap_from=ov_from,
                overlap_to=ov_to,
                overlap_seconds=length // datetime.timedelta(seconds=1),
                contacts=count,
            )
        )
    return contacts
