"""EPI-03: the per-person "两码一证" state, maintained at ingestion and never recomputed from
history.

``apply(kind, rows)`` folds newly stored feed events into ``PersonStatus`` with one bulk upsert:
a health code or itinerary status replaces the current one only if it is newer, the last sample
(and its result) only if it is newer, the last negative and last positive sample are maxima. For
test results the person's ``last_negative_at`` is then copied onto every roster row of that
person in one statement per chunk, so that overdue lists (``compliance``) are index range scans
of ``StaffMember``.

``sync_staff_status(staff_rows)`` copies the current ``last_negative_at`` onto given roster rows;
the roster area calls it after adding or importing staff (a person may have tested before being
put on a roster).
"""

import datetime

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from sibao.epidemic.models import FeedKind, PersonStatus, StaffMember

__all__ = ["apply", "sync_staff_status", "test_result_fold_sql"]

CHUNK = 5000

# Columns of an upserted status row, in order. Codes and results not carried by a kind are left
# empty in the inserted row and untouched in an existing one.
_COLUMNS = (
    "person_key",
    "health_code",
    "health_code_at",
    "itinerary",
    "itinerary_at",
    "last_sample_at",
    "last_result",
    "last_negative_at",
    "last_positive_at",
    "contact_level",
    "contact_at",
    "updated_at",
)


def _newer(at: str, *values: str) -> list[str]:
    """SET clauses: take the incoming ``values`` when the incoming ``at`` is newer (or the
    stored one is empty), keep the stored ones otherwise. All SET expressions read the stored
    row as it was before the update, so the ``at`` column is assigned last in the same way."""
    table = "epidemic_personstatus"
    condition = f"{table}.{at} IS NULL OR excluded.{at} > {table}.{at}"
    return [
        f"{name} = CASE WHEN {condition} THEN excluded.{name} ELSE {table}.{name} END"
        for name in (*values, at)
    ]


def _maximum(name: str) -> str:
    table = "epidemic_personstatus"
    return (
        f"{name} = CASE WHEN excluded.{name} IS NOT NULL AND ({table}.{name} IS NULL "
        f"OR excluded.{name} > {table}.{name}) THEN excluded.{name} ELSE {table}.{name} END"
    )


_UPDATES = {
    FeedKind.TEST_RESULT: [
        *_newer("last_sample_at", "last_result"),
        _maximum("last_negative_at"),
        _maximum("last_positive_at"),
    ],
    FeedKind.HEALTH_CODE: _newer("health_code_at", "health_code"),
    FeedKind.ITINERARY: _newer("itinerary_at", "itinerary"),
}


def _fold(kind: str, rows) -> dict[str, dict]:
    """One status row per person from the batch's events (a batch may hold several per person)."""
    folded: dict[str, dict] = {}
    for row in rows:
        state = folded.get(row.person_key)
        if state is None:
            state = folded[row.person_key] = {
                "last_sample_at": None,
                "last_result": "",
                "last_negative_at": None,
                "last_positive_at": None,
                "health_code": "",
                "health_code_at": None,
                "itinerary": "",
                "itinerary_at": None,
            }
        if kind == FeedKind.TEST_RESULT:
            at = row.sampled_at
            last = state["last_sample_at"]
            # at equal sample times a positive result counts as the last one (as in SQL below)
            if last is None or at > last or (at == last and row.result == "positive"):
                state["last_sample_at"], state["last_result"] = at, row.result
            slot = "last_negative_at" if row.result == "negative" else "last_positive_at"
            if state[slot] is None or at > state[slot]:
                state[slot] = at
        elif kind == FeedKind.HEALTH_CODE:
            if state["health_code_at"] is None or row.changed_at > state["health_code_at"]:
                state["health_code_at"], state["health_code"] = row.changed_at, row.colour
        elif kind == FeedKind.ITINERARY:
            if state["itinerary_at"] is None or row.changed_at > state["itinerary_at"]:
                state["itinerary_at"], state["itinerary"] = row.changed_at, row.status
    return folded


def _upsert(kind: str, folded: dict[str, dict]) -> bool:
    """The status upsert; on PostgreSQL also the roster copy (True when done here)."""
    now = timezone.now()
    values = [
        (
            key,
            state["health_code"],
            state["health_code_at"],
            state["itinerary"],
            state["itinerary_at"],
            state["last_sample_at"],
            state["last_result"],
            state["last_negative_at"],
            state["last_positive_at"],
            "",
            None,
            now,
        )
        for key, state in folded.items()
    ]
    columns = ", ".join(_COLUMNS)
    updates = ", ".join([*_UPDATES[kind], "updated_at = excluded.updated_at"])
    conflict = f"ON CONFLICT (person_key) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY into a scratch table, then one upsert from it
            cursor.execute(
                "CREATE TEMPORARY TABLE feed_status ON COMMIT DROP AS "
                f"SELECT {columns} FROM epidemic_personstatus WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY feed_status ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO epidemic_personstatus ({columns}) "
                f"SELECT {columns} FROM feed_status {conflict}"
            )
            if kind == FeedKind.TEST_RESULT:
                # the roster copy joins the batch's people directly (no list of keys to ship)
                cursor.execute(
                    "UPDATE epidemic_staffmember AS s SET last_negative_at = p.last_negative_at "
                    "FROM feed_status AS f JOIN epidemic_personstatus AS p "
                    "ON p.person_key = f.person_key "
                    "WHERE s.person_key = f.person_key AND f.last_negative_at IS NOT NULL "
                    "AND (s.last_negative_at IS NULL OR s.last_negative_at < p.last_negative_at)"
                )
            cursor.execute("DROP TABLE feed_status")
            return True
        adapt = connection.ops.adapt_datetimefield_value
        datetimes = {i for i, name in enumerate(_COLUMNS) if name.endswith("_at")}
        params = [
            tuple(adapt(v) if i in datetimes else v for i, v in enumerate(row)) for row in values
        ]
        placeholders = ", ".join(["%s"] * len(_COLUMNS))
        cursor.executemany(
            f"INSERT INTO epidemic_personstatus ({columns}) VALUES ({placeholders}) {conflict}",
            params,
        )
    return False


def test_result_fold_sql(inserted: str, now_param: str) -> str:
    """PostgreSQL: the CTEs that fold the test results returned by the CTE ``inserted``
    (``person_key``, ``sampled_at``, ``result``) into ``PersonStatus`` and copy the last negative
    onto the roster, by the same rules as ``apply``, inside the statement that stores them (the
    NAT feed's bulk path: no round trip, no row shipped back to Python). At equal sample times a
    positive result counts as the last one. ``now_param`` is the placeholder of ``updated_at``."""
    columns = ", ".join(_COLUMNS)
    updates = ", ".join([*_UPDATES[FeedKind.TEST_RESULT], "updated_at = excluded.updated_at"])
    return f"""
    folded AS (
        SELECT person_key,
               max(sampled_at) AS last_sample_at,
               (array_agg(result ORDER BY sampled_at DESC, result DESC))[1] AS last_result,
               max(sampled_at) FILTER (WHERE result = 'negative') AS last_negative_at,
               max(sampled_at) FILTER (WHERE result = 'positive') AS last_positive_at
        FROM {inserted} GROUP BY person_key
    ),
    upserted AS (
        INSERT INTO epidemic_personstatus ({columns})
        SELECT person_key, '', NULL, '', NULL, last_sample_at, last_result, last_negative_at,
               last_positive_at, '', NULL, {now_param}
        FROM folded
        ON CONFLICT (person_key) DO UPDATE SET {updates}
        RETURNING person_key, last_negative_at
    ),
    roster AS (
        UPDATE epidemic_staffmember AS s SET last_negative_at = u.last_negative_at
        FROM upserted AS u
        WHERE s.person_key = u.person_key AND u.last_negative_at IS NOT NULL
          AND (s.last_negative_at IS NULL OR s.last_negative_at < u.last_negative_at)
        RETURNING 1
    )"""


def _latest_negative():
    return Subquery(
        PersonStatus.objects.filter(person_key=OuterRef("person_key")).values("last_negative_at")[
            :1
        ]
    )


def _copy_to_roster(keys: list[str]) -> int:
    """Raise ``StaffMember.last_negative_at`` of these people to their status's value; a last
    negative only ever grows, so rows already at it are not rewritten."""
    latest = _latest_negative()
    changed = 0
    for start in range(0, len(keys), CHUNK):
        changed += (
            StaffMember.objects.filter(person_key__in=keys[start : start + CHUNK])
            .filter(Q(last_negative_at__isnull=True) | Q(last_negative_at__lt=latest))
            .update(last_negative_at=latest)
        )
    return changed


def apply(kind: str, rows) -> None:
    """Fold newly stored events of ``kind`` into the people's status (and roster rows)."""
    if kind not in _UPDATES or not rows:
        return
    folded = _fold(kind, rows)
    if _upsert(kind, folded):
        return
    if kind == FeedKind.TEST_RESULT:
        negatives = sorted(k for k, s in folded.items() if s["last_negative_at"] is not None)
        if negatives:
            _copy_to_roster(negatives)


def sync_staff_status(staff_rows) -> int:
    """Copy each person's ``PersonStatus.last_negative_at`` onto the given ``StaffMember`` rows
    (a queryset, or instances, which are updated in memory too); None when there is no status.
    Returns the number of rows written."""
    latest = _latest_negative()
    if isinstance(staff_rows, QuerySet):
        return staff_rows.order_by().update(last_negative_at=latest)
    rows = [row for row in staff_rows if row.pk is not None]
    written = 0
    found: dict[str, object] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        written += StaffMember.objects.filter(pk__in=[row.pk for row in chunk]).update(
            last_negative_at=latest
        )
        found.update(
            PersonStatus.objects.filter(
                person_key__in={row.person_key for row in chunk}
            ).values_list("person_key", "last_negative_at")
        )
    for row in rows:
        row.last_negative_at = found.get(row.person_key)
    return written


# --- reading one person's 两码一证 (EPI-03) ------------------------------------------------------

RECENT = 10  # events of each kind shown on the person's page


def person_overview(user, key: str, now) -> dict:
    """What ``user`` may see of one person (by person key): their roster rows with the
    certificate state per post, their status, and their recent events of each kind. The status
    is shown only when the person is within the user's reach (a roster row or an event the user
    may see): the status table itself belongs to no region."""
    from sibao.core import rules
    from sibao.epidemic import compliance
    from sibao.epidemic.models import (
        DrugPurchase,
        HealthCodeChange,
        ItineraryChange,
        PostClass,
        TestResult,
    )

    staff = list(
        StaffMember.objects.visible_to(user, "view")
        .filter(person_key=key)
        .select_related("enterprise")
        .order_by("-is_active", "id")
    )
    events = {
        "tests": TestResult.objects.select_related("source").order_by("-sampled_at", "-id"),
        "health_codes": HealthCodeChange.objects.order_by("-changed_at", "-id"),
        "itineraries": ItineraryChange.objects.order_by("-changed_at", "-id"),
        "purchases": DrugPurchase.objects.order_by("-purchased_at", "-id"),
    }
    found = {
        name: list(queryset.visible_to(user, "view").filter(person_key=key)[:RECENT])
        for name, queryset in events.items()
    }
    in_reach = bool(staff) or any(found.values())
    status = PersonStatus.objects.filter(pk=key).first() if in_reach else None
    ruleset = rules.current()
    scope = compliance.emergency_scope()
    for row in staff:
        row.certificate_valid = compliance.certificate_valid(row, now, ruleset, scope)
        row.window_hours = compliance.window_for(row, ruleset, scope)
    certificate = None
    if status is not None and status.last_negative_at is not None:
        hours = compliance.window_hours(PostClass.ORDINARY, in_emergency=False, rules=ruleset)
        certificate = now - status.last_negative_at <= datetime.timedelta(hours=hours)
    return {
        "in_reach": in_reach,
        "status": status,
        "staff": staff,
        "certificate_valid": certificate,
        **found,
    }
