"""POL-02: matching every active policy with every enterprise, three-valued, with explanations.

Two evaluators of the same rule trees (``core.eligibility`` over ``enterprises.facts``):

* bulk (``match_policy``, ``match_all``): on PostgreSQL entirely in SQL (``matching_sql``): a
  per-run pivot of current facts, each condition compiled to a SQL expression over it (SQL's
  ``AND``/``OR``/``NOT`` with ``NULL`` is the engine's Kleene logic), the result, ``missing``
  and explanation of every pair computed by the database and one upsert per policy that writes
  only the rows that changed. Elsewhere (SQLite), per policy, one compiled query for "every
  condition true" and one for "no condition false" over the active enterprises of the policy's
  region; the pairs in between are "possibly eligible"; the explanation of the rows that
  changed comes from the compiled closures below, over facts read for all of them in one query,
  and one bulk upsert writes them. Only eligible and possible pairs get a row either way.
* in Python (``rematch_enterprise``): every active policy for one enterprise when one of its
  facts changes, each condition compiled once per process into a closure (``_compile``: the
  engine's Kleene logic without the explanation text); ``explain`` runs the engine's
  interpreter itself (``Catalogue.evaluate``) for the explanation shown to people.

Rows already in uptake (notified, applied, …) are never deleted: a pair that stops matching keeps
its row with the result ``ineligible``, so no history is lost. Rows still ``matched`` are
deleted when the pair stops matching or the policy stops being active (``unmatch_policy``).

The stored explanation (``PolicyMatch.explanation``) is a list with one entry per condition::

    {"condition": <PolicyCondition pk>, "result": true | false | null,
     "facts": [{"key": k, "value": <json value or null>, "source": <FactSource>, "as_of": "…"}]}

``missing`` lists the attribute keys whose unknown value keeps a "possible" pair from being
decided. Values are stored raw (numbers as normalised strings) and rendered when shown, so the
same row reads right in either language.
"""

import datetime
import json
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import FilteredRelation, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from sibao.accounts.access import prefix_range
from sibao.core.eligibility import COMPARISONS, Catalogue, Fact
from sibao.enterprises.facts import CATALOGUE, SOURCE_LABELS
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource
from sibao.policies import matching_sql
from sibao.policies.models import (
    MatchResult,
    Policy,
    PolicyMatch,
    PolicyStatus,
    UptakeStatus,
)

__all__ = [
    "MATCH_CATALOGUE",
    "active_policies",
    "enterprises_in_scope",
    "explain",
    "explain_all",
    "explain_all_units",
    "facts_of",
    "is_active",
    "match_all",
    "match_policy",
    "rematch_enterprise",
    "rematch_enterprises",
    "unmatch_policy",
]

BATCH = 2000
# above this many enterprises, re-matching policy by policy in bulk beats one by one
BULK_THRESHOLD = 200
# PostgreSQL: above this many rows, upserts go through COPY (see ``_Writer._copy_upsert``)
COPY_THRESHOLD = 50
# PostgreSQL: bulk matching evaluated and written in SQL (``matching_sql``); False: the Python
# path SQLite uses (kept switchable so that tests can compare the two)
BULK_SQL = True
UPSERT_FIELDS = ["result", "explanation", "missing", "matched_at", "region_code", "industry_id"]


# --- the catalogue as matching reads it -------------------------------------------------------


def _text_column_query(key, lookup, value, *, exclude=False):
    """A text registry column holds "" when nobody filled it in: the interpreter reads that as
    unknown (``facts_for``), so the compiled query must too (the plain column lookup would call
    "" a known value)."""
    column = CATALOGUE[key].column
    known = Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})
    if exclude:
        return known & ~Q(**{f"{column}__{lookup}": value})
    return known & Q(**{f"{column}__{lookup}": value})


MATCH_CATALOGUE = Catalogue(
    [
        replace(a, column=None, fact_query=_text_column_query)
        if a.column and a.kind == "text"
        else a
        for a in CATALOGUE
    ]
)
REGISTRY_COLUMNS = {a.key: a.column for a in CATALOGUE if a.column}
FACT_VALUE_FIELDS = ("number_value", "text_value", "bool_value")


# --- which policies, which enterprises ----------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def active_policies(on: datetime.date | None = None):
    """Published and within their validity on ``on`` (default today)."""
    on = on or today()
    return Policy.objects.filter(status=PolicyStatus.PUBLISHED, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def is_active(policy, on: datetime.date | None = None) -> bool:
    on = on or today()
    return (
        policy.status == PolicyStatus.PUBLISHED
        and policy.valid_from <= on
        and (policy.valid_to is None or policy.valid_to >= on)
    )


def _region_q(path: str, code: str) -> Q:
    return prefix_range(path, code) if code else Q()


def enterprises_in_scope(policy):
    """The active (not merged) enterprises of the policy's region."""
    return Enterprise.objects.active().filter(_region_q("region", policy.region_code))


def _applies_to(policy, enterprise) -> bool:
    return enterprise.merged_into_id is None and enterprise.region_id.startswith(policy.region_code)


# --- facts ---------------------------------------------------------------------------------------


class SourcedFact:
    """A fact as matching keeps it: the value, the source's code and the date. ``fact`` is the
    engine's ``Fact`` (with the source's label) for the interpreter's explanations."""

    __slots__ = ("value", "source", "as_of", "_json")

    def __init__(self, value, source: str, as_of: str = ""):
        self.value = value
        self.source = source
        self.as_of = as_of
        self._json = None

    @property
    def fact(self) -> Fact:
        return Fact(
            self.value,
            str(SOURCE_LABELS.get(self.source, self.source)),
            authoritative=self.source in AUTHORITATIVE,
            as_of=self.as_of,
        )

    def as_json(self, key) -> dict:
        if self._json is None:
            self._json = _json_value(self.value)
        return {"key": key, "value": self._json, "source": self.source, "as_of": self.as_of}


AUTHORITATIVE = FactSource.authoritative()


def _json_value(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)).normalize():f}"
    return str(value)


def _registry_fact(value):
    if value is None or value == "":
        return None
    return SourcedFact(value, FactSource.REGISTRY)


def _sourced(source, as_of, number_value, text_value, bool_value):
    # as EnterpriseFact.value reads the typed columns
    if bool_value is not None:
        value = bool_value
    elif number_value is not None:
        value = number_value
    else:
        value = text_value
    return SourcedFact(value, source, as_of.isoformat())


def _fact_keys(keys) -> list[str]:
    return sorted(k for k in keys if k not in REGISTRY_COLUMNS)


def facts_of(registry_rows: dict, fact_rows, keys=None) -> dict:
    """enterprise id -> key -> SourcedFact, from registry rows (id -> {column: value}) and
    current ``EnterpriseFact`` rows as (enterprise_id, key, source, as_of, number, text, bool)."""
    wanted = (
        set(keys) if keys is not None else set(REGISTRY_COLUMNS) | set(a.key for a in CATALOGUE)
    )
    facts: dict[int, dict] = {}
    for pk, columns in registry_rows.items():
        mine = facts.setdefault(pk, {})
        for key, column in REGISTRY_COLUMNS.items():
            if key in wanted:
                fact = _registry_fact(columns.get(column))
                if fact is not None:
                    mine[key] = fact
    for enterprise_id, key, source, as_of, number, text, flag in fact_rows:
        if key in wanted and key in CATALOGUE:
            facts.setdefault(enterprise_id, {})[key] = _sourced(source, as_of, number, text, flag)
    return facts


def _current_fact_rows(enterprise_filter: Q, keys):
    fact_keys = _fact_keys(keys)
    if not fact_keys:
        return []
    return EnterpriseFact.objects.filter(
        enterprise_filter, is_current=True, key__in=fact_keys
    ).values_list("enterprise_id", "key", "source", "as_of", *FACT_VALUE_FIELDS)


def _load_facts(enterprise_ids, keys) -> dict:
    """Facts of many enterprises for the keys a policy reads: one query for the registry, one
    for the sourced facts per chunk of ids."""
    ids = sorted(set(enterprise_ids))
    columns = sorted({REGISTRY_COLUMNS[k] for k in keys if k in REGISTRY_COLUMNS})
    registry, rows = {}, []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for values in Enterprise.objects.filter(pk__in=chunk).values("id", *columns):
            registry[values.pop("id")] = values
        rows.extend(_current_fact_rows(Q(enterprise_id__in=chunk), keys))
    return facts_of(registry, rows, keys)


def _engine_facts(sourced: dict) -> dict:
    return {key: s.fact for key, s in sourced.items()}


# --- one pair ------------------------------------------------------------------------------------


def _conditions(policy) -> list:
    """The policy's conditions in order, compiled (``_Condition``)."""
    cached = getattr(policy, "_prefetched_objects_cache", {}).get("conditions")
    if cached is not None:
        rows = sorted(cached, key=lambda c: (c.order, c.id))
    else:
        rows = list(policy.conditions.order_by("order", "id"))
    return _compiled_conditions(rows)


def _policy_keys(conditions) -> set[str]:
    keys = set()
    for condition in conditions:
        keys.update(condition.keys)
    return keys


EMPTY = frozenset()


def _compile(tree):
    """The tree as a function of the known values (key -> value, absent = unknown) giving the
    three-valued result and the keys whose unknown value leaves it undecided (not every key it
    reads: in ``a or b`` with ``a`` true, an unknown ``b`` does not matter).

    The same Kleene logic as ``Catalogue.evaluate`` (which the explanations use, and which the
    property test checks this against), without building the explanation's text: matching
    decides hundreds of thousands of pairs. Constants are coerced once, here."""
    ((op, args),) = tree.items()
    if op in ("and", "or"):
        parts = [_compile(part) for part in args]
        decisive = op == "or"  # the value that decides the node: True for "or", False for "and"

        def node(values):
            unknown = []
            for part in parts:
                result, keys = part(values)
                if result is decisive:
                    return decisive, EMPTY
                if result is None:
                    unknown.append(keys)
            if unknown:
                return None, frozenset().union(*unknown)
            return not decisive, EMPTY

        return node
    if op == "!":
        inner = _compile(args[0] if isinstance(args, list) else args)

        def negation(values):
            result, keys = inner(values)
            return (None if result is None else not result), keys

        return negation
    key = args[0]["var"]
    attribute = CATALOGUE[key]
    unknown = (None, frozenset([key]))
    if op == "in":
        allowed = [attribute.coerce(c) for c in args[1]]
        if attribute.kind == "number":
            allowed = [Decimal(str(c)) for c in allowed]

        def member(values):
            value = values.get(key)
            if value is None:
                return unknown
            if attribute.kind == "number":
                value = Decimal(str(value))
            return value in allowed, EMPTY

        return member
    expected = attribute.coerce(args[1])
    compare = COMPARISONS[op]
    number = attribute.kind == "number"

    def leaf(values):
        value = values.get(key)
        if value is None:
            return unknown
        if number:
            value = Decimal(str(value))
        return compare(value, expected), EMPTY

    return leaf


class _Condition:
    """A policy condition ready for matching: its compiled tree and the keys it reads."""

    __slots__ = ("pk", "title", "clause", "expression", "keys", "decide")

    def __init__(self, condition):
        self.pk = condition.pk
        self.title = condition.title
        self.clause = condition.clause
        self.expression = condition.expression
        self.keys = sorted(CATALOGUE.keys(condition.expression))
        self.decide = _compile(condition.expression)


_COMPILED: dict[int, _Condition] = {}


def _compiled_conditions(conditions) -> list[_Condition]:
    """Compiled once per condition (a published policy's conditions never change). The cached
    entry is checked against the row — expression, title and clause — because a draft's edit
    changes them and SQLite may hand a deleted condition's id to a new one."""
    out = []
    for condition in conditions:
        cached = _COMPILED.get(condition.pk)
        if (
            cached is None
            or cached.expression != condition.expression
            or cached.title != condition.title
            or cached.clause != condition.clause
        ):
            if len(_COMPILED) > 20000:
                _COMPILED.clear()
            cached = _COMPILED[condition.pk] = _Condition(condition)
        out.append(cached)
    return out


def _entry(condition, result, sourced) -> dict:
    return {
        "condition": condition.pk,
        "result": result,
        "facts": [
            sourced[k].as_json(k)
            if k in sourced
            else {"key": k, "value": None, "source": "", "as_of": ""}
            for k in condition.keys
        ],
    }


def evaluate_pair(conditions, sourced: dict, *, known_result=None):
    """(result, explanation, missing) of one enterprise for one policy's compiled conditions.

    ``known_result`` is the bulk query's answer when it says "eligible": every condition is then
    true and only the facts read are recorded."""
    values = {k: s.value for k, s in sourced.items()}
    explanation, missing, results = [], set(), []
    for condition in conditions:
        if known_result == MatchResult.ELIGIBLE:
            result = True
        else:
            result, unknown = condition.decide(values)
            if result is None:
                missing |= unknown
        results.append(result)
        explanation.append(_entry(condition, result, sourced))
    if False in results:
        outcome, missing = MatchResult.INELIGIBLE, set()
    elif None in results:
        outcome = MatchResult.POSSIBLE
    else:
        outcome = MatchResult.ELIGIBLE
    return outcome, explanation, sorted(missing)


# --- writing -------------------------------------------------------------------------------------


@dataclass
class _Existing:
    pk: int
    result: str
    explanation: list
    missing: list
    uptake: str
    region_code: str
    industry_id: str


def _existing(queryset, by: str = "enterprise_id") -> dict:
    """The rows of ``queryset`` keyed by ``by`` (the enterprise, or the policy)."""
    return {
        row[1]: _Existing(row[0], *row[2:])
        for row in queryset.values_list(
            "id",
            by,
            "result",
            "explanation",
            "missing",
            "uptake",
            "region_code",
            "industry_id",
        )
    }


class _Writer:
    """Collects the upserts and deletions of one run and counts what happened."""

    def __init__(self):
        self.now = timezone.now()
        self.upserts: list[PolicyMatch] = []
        self.deletions: list[int] = []
        self.newly_eligible: list[tuple[int, int]] = []  # (policy_id, enterprise_id)
        self.counts = {"created": 0, "updated": 0, "deleted": 0, "kept": 0, "unchanged": 0}

    def put(self, policy_id, enterprise_id, region, industry, result, explanation, missing, old):
        if old is not None and (
            old.result,
            old.explanation,
            old.missing,
            old.region_code,
            old.industry_id,
        ) == (result, explanation, missing, region, industry):
            self.counts["unchanged"] += 1
            return
        if result == MatchResult.ELIGIBLE and (old is None or old.result != MatchResult.ELIGIBLE):
            self.newly_eligible.append((policy_id, enterprise_id))
        self.counts["created" if old is None else "updated"] += 1
        self.upserts.append(
            (policy_id, enterprise_id, str(result), explanation, missing, region, industry or "")
        )

    def drop(self, old, policy_id, enterprise_id, region, industry, explanation):
        """The pair no longer matches: delete a row still only matched, keep a started one."""
        if old.uptake == UptakeStatus.MATCHED:
            self.deletions.append(old.pk)
            self.counts["deleted"] += 1
            return
        if old.result == MatchResult.INELIGIBLE:
            self.counts["unchanged"] += 1
            return
        self.counts["kept"] += 1
        self.counts["updated"] += 1
        self.upserts.append(
            (
                policy_id,
                enterprise_id,
                str(MatchResult.INELIGIBLE),
                explanation,
                [],
                region,
                industry or "",
            )
        )

    def flush(self):
        for start in range(0, len(self.deletions), BATCH):
            PolicyMatch.objects.filter(pk__in=self.deletions[start : start + BATCH]).delete()
        if (
            self.upserts
            and connection.vendor == "postgresql"
            and len(self.upserts) > COPY_THRESHOLD
        ):
            self._copy_upsert()
        elif self.upserts:
            PolicyMatch.objects.bulk_create(
                [
                    PolicyMatch(
                        policy_id=policy,
                        enterprise_id=enterprise,
                        result=result,
                        explanation=explanation,
                        missing=missing,
                        matched_at=self.now,
                        region_code=region,
                        industry_id=industry,
                    )
                    for policy, enterprise, result, explanation, missing, region, industry in (
                        self.upserts
                    )
                ],
                batch_size=BATCH,
                update_conflicts=True,
                unique_fields=["policy", "enterprise"],
                update_fields=UPSERT_FIELDS,
            )
        self.upserts, self.deletions = [], []

    def _copy_upsert(self):
        """PostgreSQL: the rows through COPY into a temporary table, then one
        ``INSERT … ON CONFLICT DO UPDATE`` — the same upsert as ``bulk_create(update_conflicts)``
        without building a model instance and a parameter array per row (a cold province-wide
        run writes hundreds of thousands of rows)."""
        table = PolicyMatch._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS policies_match_upsert ("
                "policy_id bigint, enterprise_id bigint, result varchar(16), explanation jsonb,"
                " missing jsonb, region_code varchar(12), industry_id varchar(32))"
            )
            cursor.execute("TRUNCATE policies_match_upsert")
            with cursor.cursor.copy(
                "COPY policies_match_upsert (policy_id, enterprise_id, result, explanation,"
                " missing, region_code, industry_id) FROM STDIN"
            ) as copy:
                for (
                    policy,
                    enterprise,
                    result,
                    explanation,
                    missing,
                    region,
                    industry,
                ) in self.upserts:
                    copy.write_row(
                        (
                            policy,
                            enterprise,
                            result,
                            json.dumps(explanation, ensure_ascii=False),
                            json.dumps(missing, ensure_ascii=False),
                            region,
                            industry,
                        )
                    )
            cursor.execute(
                f"INSERT INTO {table} (policy_id, enterprise_id, result, explanation, missing,"
                " matched_at, uptake, region_code, industry_id)"
                " SELECT policy_id, enterprise_id, result, explanation, missing, %s, %s,"
                " region_code, industry_id FROM policies_match_upsert"
                " ON CONFLICT (policy_id, enterprise_id) DO UPDATE SET"
                " result = EXCLUDED.result, explanation = EXCLUDED.explanation,"
                " missing = EXCLUDED.missing, matched_at = EXCLUDED.matched_at,"
                " region_code = EXCLUDED.region_code, industry_id = EXCLUDED.industry_id",
                [self.now, UptakeStatus.MATCHED.value],
            )
            cursor.execute("TRUNCATE policies_match_upsert")


# --- bulk ----------------------------------------------------------------------------------------


def _sql_bulk() -> bool:
    """Bulk matching in SQL (``matching_sql``) on PostgreSQL; elsewhere the compiled ``Q`` and
    the Python writer below."""
    return BULK_SQL and connection.vendor == "postgresql"


@contextmanager
def _pivot():
    """The pivot of current facts for the SQL path, built once for a run (``match_all``) or
    for one policy, and dropped at the end of the outermost use."""
    if not _sql_bulk():
        yield
        return
    depth = getattr(connection, "_policy_pivot_depth", 0)
    if depth == 0:
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # the hash of a province-wide policy's stored rows stays in memory
                cursor.execute("SET LOCAL work_mem = '64MB'")
            matching_sql.build_pivot(cursor)
    connection._policy_pivot_depth = depth + 1
    try:
        yield
    finally:
        connection._policy_pivot_depth = depth
        if depth == 0:
            try:
                with connection.cursor() as cursor:
                    matching_sql.drop_pivot(cursor)
            except DatabaseError:
                # the transaction failed: its rollback drops the table; keep the first error
                pass


@contextmanager
def _run(full: bool = False):
    """The SQL path's ``matching_sql.Run`` (inside ``_pivot``), or None on the Python path."""
    if not _sql_bulk():
        yield None
        return
    with connection.cursor() as cursor:
        run = matching_sql.Run(cursor, full=full)
        try:
            yield run
        finally:
            try:
                run.close()
            except DatabaseError:
                pass  # the transaction failed: its rollback drops the table


def _compiled(conditions) -> tuple[Q, Q]:
    """(every condition true, no condition false) as ``Q`` over ``Enterprise``."""
    all_true, none_false = Q(), Q()
    for condition in conditions:
        all_true &= MATCH_CATALOGUE.compile_q(condition.expression)
        none_false &= ~MATCH_CATALOGUE.compile_q(condition.expression, negate=True)
    return all_true, none_false


@transaction.atomic
def match_policy(policy, on: datetime.date | None = None) -> dict:
    """POL-02: match one policy with every enterprise of its region, in bulk.

    Returns the counts: ``eligible``, ``possible`` (pairs now in each state), ``created``,
    ``updated``, ``deleted`` (matched rows of pairs no longer matching), ``kept`` (started rows
    kept as ineligible), ``unchanged`` and ``newly_eligible`` (pairs eligible now and not
    before: the rows the uptake area pushes, ``uptake == matched``)."""
    if not is_active(policy, on):
        deleted = unmatch_policy(policy)
        return {
            "eligible": 0,
            "possible": 0,
            "created": 0,
            "updated": 0,
            "deleted": deleted,
            "kept": 0,
            "unchanged": 0,
            "newly_eligible": 0,
        }
    # its rows may now differ from what the last bulk run left: the next run evaluates it in full
    matching_sql.forget([policy.pk])
    conditions = _conditions(policy)
    if _sql_bulk():
        with _pivot():
            return matching_sql.match_policy_sql(policy, conditions)
    keys = _policy_keys(conditions)
    units = enterprises_in_scope(policy)
    all_true, none_false = _compiled(conditions)
    eligible = set(units.filter(all_true).values_list("id", flat=True))
    columns = sorted({REGISTRY_COLUMNS[k] for k in keys if k in REGISTRY_COLUMNS})
    candidates, registry = {}, {}
    fields = ["region_id", "industry_id", *(c for c in columns if c != "industry_id")]
    for values in units.filter(none_false).values("id", *fields):
        pk = values.pop("id")
        candidates[pk] = (values["region_id"], values["industry_id"])
        registry[pk] = values
    existing = _existing(PolicyMatch.objects.filter(policy=policy))
    fact_rows = _current_fact_rows(Q(enterprise__in=units.filter(none_false).values("pk")), keys)
    facts = facts_of(registry, fact_rows, keys)

    writer = _Writer()
    counts = {"eligible": 0, "possible": 0}
    for pk, (region, industry) in candidates.items():
        known = MatchResult.ELIGIBLE if pk in eligible else None
        result, explanation, missing = evaluate_pair(
            conditions, facts.get(pk, {}), known_result=known
        )
        if known is None and result == MatchResult.ELIGIBLE:
            # cannot happen while the compiled query and the interpreter agree (property-tested);
            # trust the stricter bulk answer: an unproven pair is never called eligible
            result = MatchResult.POSSIBLE
        counts[result] = counts.get(result, 0) + 1
        writer.put(policy.pk, pk, region, industry, result, explanation, missing, existing.get(pk))

    gone = [pk for pk in existing if pk not in candidates]
    if gone:
        started = [pk for pk in gone if existing[pk].uptake != UptakeStatus.MATCHED]
        explained = _explain_rows(conditions, started, keys)
        for pk in gone:
            old = existing[pk]
            region, industry, explanation = explained.get(
                pk, (old.region_code, old.industry_id, [])
            )
            writer.drop(old, policy.pk, pk, region, industry, explanation)
    writer.flush()
    counts = {k: v for k, v in counts.items() if k != MatchResult.INELIGIBLE}
    counts.update(writer.counts)
    counts["newly_eligible"] = len(writer.newly_eligible)
    return counts


def _explain_rows(conditions, enterprise_ids, keys) -> dict:
    """id -> (region, industry, explanation) for a few enterprises, interpreted."""
    if not enterprise_ids:
        return {}
    facts = _load_facts(enterprise_ids, keys)
    scope = dict(
        (pk, (region, industry))
        for pk, region, industry in Enterprise.objects.filter(pk__in=enterprise_ids).values_list(
            "id", "region_id", "industry_id"
        )
    )
    out = {}
    for pk in enterprise_ids:
        _result, explanation, _missing = evaluate_pair(conditions, facts.get(pk, {}))
        region, industry = scope.get(pk, ("", ""))
        out[pk] = (region, industry, explanation)
    return out


def unmatch_policy(policy) -> int:
    """The policy was withdrawn, superseded or has expired: drop its rows still only
    ``matched`` (never pushed); rows whose uptake started stay as they are. Returns the number
    of rows deleted."""
    deleted, _detail = PolicyMatch.objects.filter(
        policy=policy, uptake=UptakeStatus.MATCHED
    ).delete()
    matching_sql.forget([policy.pk])
    return deleted


def match_all(on: datetime.date | None = None, *, full: bool = False) -> dict:
    """Every active policy in bulk, and every policy no longer active (expired, withdrawn,
    superseded, not yet valid) loses its rows still ``matched``. Idempotent: the daily run.

    On PostgreSQL a policy the last run matched with the same statement is evaluated only for
    the enterprises whose facts changed since (``matching_sql.Run``; ``incremental`` counts
    those policies); ``full`` evaluates every pair. The totals are the same either way."""
    on = on or today()
    totals = {
        "policies": 0,
        "eligible": 0,
        "possible": 0,
        "newly_eligible": 0,
        "dropped": 0,
        "incremental": 0,
    }
    active = list(active_policies(on).prefetch_related("conditions").order_by("id"))
    with transaction.atomic(), _pivot(), _run(full) as run:
        for policy in active:
            if run is not None:
                counts = run.match(policy, _conditions(policy))
            else:
                counts = match_policy(policy, on)
            totals["policies"] += 1
            for key in ("eligible", "possible", "newly_eligible"):
                totals[key] += counts[key]
        if run is not None:
            run.finish()
            totals["incremental"] = run.restricted
    stale = (
        Policy.objects.exclude(pk__in=[p.pk for p in active])
        .filter(matches__uptake=UptakeStatus.MATCHED)
        .distinct()
    )
    for policy in stale:
        totals["dropped"] += unmatch_policy(policy)
    return totals


@task()
def match_all_task() -> dict:
    """The worker's daily run (``sibao db_worker``): ``match_all`` then the push of the pairs
    that became eligible."""
    from sibao.policies.actions.matching import run_daily_matching

    return run_daily_matching()


# --- one enterprise ------------------------------------------------------------------------------


def _prefixes(code: str) -> list[str]:
    return [""] + [code[:n] for n in range(1, len(code) + 1)]


# policy id -> (signature, compiled conditions) of the active policies re-matching has read: a
# published version is never edited, so its conditions are read and compiled once per process.
# The signature (series, version, publication and creation times) tells a reused id apart (SQLite
# hands out ids again), and writing a condition drops its policy's entry (``_forget_rules``).
_RULES: dict[int, tuple[tuple, list]] = {}


def _compiled_rules(rows) -> None:
    """Fill ``_RULES`` for the (id, signature…) rows not cached yet: one query."""
    stale = [row[0] for row in rows if _RULES.get(row[0], (None,))[0] != tuple(row[1:5])]
    if not stale:
        return
    from sibao.policies.models import PolicyCondition

    found: dict[int, list] = {pk: [] for pk in stale}
    for condition in PolicyCondition.objects.filter(policy_id__in=stale).order_by("order", "id"):
        found[condition.policy_id].append(condition)
    if len(_RULES) > 5000:
        _RULES.clear()
    for row in rows:
        if row[0] in found:
            _RULES[row[0]] = (tuple(row[1:5]), _compiled_conditions(found[row[0]]))


def _forget_rules(sender, instance, **kwargs):
    _RULES.pop(getattr(instance, "policy_id", None) or instance.pk, None)


def _decide(conditions, values):
    """The three-valued result of one policy's compiled conditions (no explanation)."""
    undecided = False
    for condition in conditions:
        result = condition.decide(values)[0]
        if result is False:
            return MatchResult.INELIGIBLE
        undecided = undecided or result is None
    return MatchResult.POSSIBLE if undecided else MatchResult.ELIGIBLE


ENTERPRISE_FIELDS = ("merged_into_id", "region_id", "industry_id")
MATCH_FIELDS = ("id", "result", "explanation", "missing", "uptake", "region_code", "industry_id")


def _read_enterprise(pk):
    """(registry values, current fact rows) of one enterprise in one query, or None."""
    columns = sorted(set(REGISTRY_COLUMNS.values()) | set(ENTERPRISE_FIELDS))
    fact_fields = ["cf__key", "cf__source", "cf__as_of", *(f"cf__{f}" for f in FACT_VALUE_FIELDS)]
    rows = list(
        Enterprise.objects.filter(pk=pk)
        .annotate(cf=FilteredRelation("facts", condition=Q(facts__is_current=True)))
        .values_list(*columns, *fact_fields)
    )
    if not rows:
        raise Enterprise.DoesNotExist
    registry = dict(zip(columns, rows[0][: len(columns)], strict=True))
    facts = [(pk, *row[len(columns) :]) for row in rows if row[len(columns)] is not None]
    return registry, facts


def _read_policies(pk, region):
    """The active policies covering ``region`` or holding a row of enterprise ``pk``, by id:
    (id, series, version, published_at, created_at, applies, stored row or None)."""
    prefixes = _prefixes(region)
    rows = (
        active_policies()
        .annotate(m=FilteredRelation("matches", condition=Q(matches__enterprise_id=pk)))
        .filter(Q(region_code__in=prefixes) | Q(m__id__isnull=False))
        .order_by("id")
        .values_list(
            "id",
            "series",
            "version",
            "published_at",
            "created_at",
            "region_code",
            *(f"m__{f}" for f in MATCH_FIELDS),
        )
    )
    out = []
    for row in rows:
        old = None if row[6] is None else _Existing(*row[6:])
        out.append((*row[:5], row[5] in prefixes, old))
    return out


def rematch_enterprise(enterprise) -> list[PolicyMatch]:
    """POL-02: re-evaluate every active policy for one enterprise (interpreted), after one of its
    facts or registry columns changed. Returns the rows that became eligible (to push).

    Two reads (the enterprise with its current facts; the active policies with its stored
    rows), the policies' conditions compiled once per process (``_RULES``), an explanation
    built only for a pair that has or gets a row, and a transaction only when something is
    written."""
    registry, fact_rows = _read_enterprise(enterprise.pk)
    region, industry = registry["region_id"], registry["industry_id"]
    merged = registry["merged_into_id"] is not None
    policies = _read_policies(enterprise.pk, region)
    _compiled_rules([row for row in policies if row[5] and not merged])
    keys = set()
    for row in policies:
        if row[5] and not merged:
            keys |= _policy_keys(_RULES[row[0]][1])
    sourced = facts_of({enterprise.pk: registry}, fact_rows, keys).get(enterprise.pk, {})
    values = {k: s.value for k, s in sourced.items()}

    writer = _Writer()
    for policy_id, *_signature, applies, old in policies:
        if not applies or merged:
            if old is not None:
                # an active policy that no longer applies here (moved region, merged record)
                writer.drop(
                    old, policy_id, enterprise.pk, old.region_code, old.industry_id, old.explanation
                )
            continue
        conditions = _RULES[policy_id][1]
        if old is None and _decide(conditions, values) == MatchResult.INELIGIBLE:
            continue
        result, explanation, missing = evaluate_pair(conditions, sourced)
        if result == MatchResult.INELIGIBLE:
            writer.drop(old, policy_id, enterprise.pk, region, industry, explanation)
            continue
        writer.put(policy_id, enterprise.pk, region, industry, result, explanation, missing, old)
    if not (writer.upserts or writer.deletions):
        return []
    with transaction.atomic():
        writer.flush()
        pushed = [policy_id for policy_id, _pk in writer.newly_eligible]
        if not pushed:
            return []
        return list(
            PolicyMatch.objects.filter(enterprise_id=enterprise.pk, policy_id__in=pushed)
            .select_related("policy")
            .order_by("policy_id")
        )


def rematch_enterprises(enterprise_ids) -> list[PolicyMatch]:
    """Re-match several enterprises: one by one (interpreted) when they are few, else every
    active policy in bulk. Returns the rows that became eligible."""
    ids = sorted(set(enterprise_ids))
    if len(ids) <= BULK_THRESHOLD:
        newly = []
        for enterprise in Enterprise.objects.filter(pk__in=ids):
            newly.extend(rematch_enterprise(enterprise))
        return newly
    before = set(
        PolicyMatch.objects.filter(enterprise_id__in=ids, result=MatchResult.ELIGIBLE).values_list(
            "policy_id", "enterprise_id"
        )
    )
    match_all()
    after = PolicyMatch.objects.filter(
        enterprise_id__in=ids, result=MatchResult.ELIGIBLE, uptake=UptakeStatus.MATCHED
    ).select_related("policy")
    return [m for m in after if (m.policy_id, m.enterprise_id) not in before]


# --- explanation ---------------------------------------------------------------------------------


def _shown_fact(key, sourced) -> dict:
    attribute = CATALOGUE[key]
    if sourced is None:
        return {
            "key": key,
            "label": str(attribute.label),
            "value": None,
            "shown": attribute.show(None),
            "known": False,
            "source": "",
            "source_label": "",
            "authoritative": False,
            "as_of": "",
        }
    return {
        "key": key,
        "label": str(attribute.label),
        "value": _json_value(sourced.fact.value),
        "shown": attribute.show(sourced.fact.value),
        "known": True,
        "source": sourced.source,
        "source_label": sourced.fact.source,
        "authoritative": sourced.fact.authoritative,
        "as_of": sourced.fact.as_of,
    }


def _sourced_for(enterprise, keys) -> dict:
    """key -> SourcedFact of one enterprise for ``keys`` (two small reads)."""
    columns = {c: getattr(enterprise, c) for c in REGISTRY_COLUMNS.values()}
    rows = _current_fact_rows(Q(enterprise_id=enterprise.pk), keys)
    return facts_of({enterprise.pk: columns}, rows, keys).get(enterprise.pk, {})


def explain(policy, enterprise) -> dict:
    """POL-02: why ``enterprise`` is (or is not, or may be) eligible for ``policy``, from the
    interpreter over its current facts: per condition its title, clause, rule in words, outcome,
    the facts read (value, source, date), and the failing or unknown parts; ``missing`` is what
    a "possibly" enterprise would need to supply (``declarable``: what it may declare itself,
    the rest being registry data)."""
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    conditions = _conditions(policy)
    sourced = _sourced_for(enterprise, _policy_keys(conditions))
    return _explained(policy, conditions, enterprise, sourced)


def explain_all(enterprise, policies) -> list[dict]:
    """``explain`` for several policies of one enterprise, reading its facts once (the
    self-check page). Each answer carries its ``policy`` object under ``policy_obj``."""
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    conditions_of = {p.pk: _conditions(p) for p in policies}
    keys = set()
    for conditions in conditions_of.values():
        keys |= _policy_keys(conditions)
    sourced = _sourced_for(enterprise, keys)
    answers = []
    for policy in policies:
        answer = _explained(policy, conditions_of[policy.pk], enterprise, sourced)
        answer["policy_obj"] = policy
        answers.append(answer)
    return answers


def explain_all_units(policy, enterprises) -> dict:
    """``explain`` for one policy and many enterprises (a page of a list), their facts read in
    one go: enterprise id -> answer."""
    conditions = _conditions(policy)
    keys = _policy_keys(conditions)
    facts = _load_facts([e.pk for e in enterprises], keys)
    return {e.pk: _explained(policy, conditions, e, facts.get(e.pk, {})) for e in enterprises}


def _explained(policy, conditions, enterprise, sourced) -> dict:
    facts = _engine_facts(sourced)
    values = {k: s.value for k, s in sourced.items()}
    applies = _applies_to(policy, enterprise)
    entries, results, missing = [], [], set()
    for condition in conditions:
        outcome = CATALOGUE.evaluate(condition.expression, facts)
        results.append(outcome.result)
        unknown_keys = sorted(condition.decide(values)[1]) if outcome.result is None else []
        missing |= set(unknown_keys)
        entries.append(
            {
                "id": condition.pk,
                "title": condition.title,
                "clause": condition.clause,
                "rule": CATALOGUE.describe(condition.expression),
                "result": outcome.result,
                "outcome": outcome_label(outcome.result),
                "steps": [s.as_dict() for s in outcome.steps],
                "failing": [s.text for s in outcome.failing] if outcome.result is False else [],
                "unknown": [s.text for s in outcome.unknown] if outcome.result is None else [],
                "missing": unknown_keys,
                "authoritative": outcome.authoritative,
                "facts": [_shown_fact(k, sourced.get(k)) for k in condition.keys],
            }
        )
    if not applies or False in results:
        result = MatchResult.INELIGIBLE
    elif None in results:
        result = MatchResult.POSSIBLE
    else:
        result = MatchResult.ELIGIBLE
    if result != MatchResult.POSSIBLE:
        missing = set()
    return {
        "policy": policy.pk,
        "enterprise": enterprise.pk,
        "active": is_active(policy),
        "applies": applies,
        "scope_note": "" if applies else _("该企业不在政策适用区域内，或其记录已合并。"),
        "result": str(result),
        "result_label": str(MatchResult(result).label),
        "authoritative": all(f["authoritative"] for e in entries for f in e["facts"] if f["known"]),
        "missing": [
            {
                "key": k,
                "label": str(CATALOGUE[k].label),
                "declarable": k not in REGISTRY_COLUMNS,
            }
            for k in sorted(missing)
        ],
        "conditions": entries,
    }


def outcome_label(result) -> str:
    if result is True:
        return _("符合")
    if result is False:
        return _("不符合")
    return _("待补充信息")


# --- the hook: facts changed ---------------------------------------------------------------------

# the registry fields matching reads (the catalogue's columns) and the region that scopes it
MATCHED_FIELDS = frozenset(
    {c[:-3] if c.endswith("_id") else c for c in REGISTRY_COLUMNS.values()} | {"region"}
)


def facts_changed(enterprise_ids) -> int:
    """Called wherever an enterprise's facts or matched registry fields are written (the hook in
    ``enterprises.actions``): re-match those enterprises and push the pairs that became
    eligible (``uptake.push``). Returns how many rows were pushed."""
    from sibao.policies.actions import uptake

    newly = rematch_enterprises(enterprise_ids)
    if not newly:
        return 0
    return uptake.push(None, actor=None, matches=newly)


for _signal in (post_save, post_delete):
    for _model in ("policies.Policy", "policies.PolicyCondition"):
        _signal.connect(_forget_rules, sender=_model, dispatch_uid=f"forget_rules_{_model}")
