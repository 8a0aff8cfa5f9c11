"""POL-02 bulk matching in SQL (PostgreSQL): the rule trees evaluated, the rows written and the
explanations built by the database, so that a pair whose row does not change costs no Python.

Per run, a *pivot* of current facts: a temporary table with one row per enterprise (merged
records included) and, per catalogue attribute, its current value (``v_<key>``: a registry
column, blank text read as unknown as the interpreter does, or the ``is_current`` sourced fact —
the facts rule's winner, authoritative source over declaration, then newest) with, for a sourced
fact, its source and date (``s_<key>``, ``d_<key>``). One ``INSERT … SELECT`` builds it, ordered
and indexed by region so that a county's policy reads only its county.

Per policy, one statement: each condition compiled to a SQL expression over the pivot. SQL's
``AND``/``OR``/``NOT`` over ``TRUE``/``FALSE``/``NULL`` is Kleene logic, the engine's: ``NULL``
is "unknown", and a comparison with an unknown (``NULL``) value is unknown. Alongside each
condition a bit mask of the keys whose unknown value leaves it undecided (``missing``, the same
rule as ``matching._compile``). The statement joins the policy's stored rows, decides per pair
what the Python writer (``matching._Writer``) would do — create, update, unchanged, delete (a row
still ``matched`` of a pair no longer matching), keep (a started row, set to ineligible) — and
does it: one ``INSERT … ON CONFLICT DO UPDATE`` and one ``DELETE``, returning the counts. The
explanation and ``missing`` are built by the database too, in the stored format (see the
docstring of ``policies.matching``), and a pair whose row would not change is recognised by
comparing them with the stored ones, so it costs neither Python nor a write.

A daily run (``Run``, from ``matching.match_all``) evaluates a policy it ran last time with the
same statement only for the enterprises whose pivot row changed since (see ``Run``).

The property test ``test_sql_bulk_matching_equals_the_python_path`` checks this path against
the Python one (the SQLite path) on random facts and rules, and
``test_a_run_of_what_changed_stores_what_a_full_run_stores`` the run of what changed against a
full run.
"""

import hashlib

from django.db import connection
from django.utils import timezone

from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource
from sibao.policies.models import MatchInput, MatchResult, MatchState, PolicyMatch, UptakeStatus

PIVOT = "policies_match_pivot"
CHANGED = "policies_match_changed"  # the enterprises whose pivot row changed since the last run
INPUTS = MatchInput._meta.db_table
KEYS = sorted(a.key for a in CATALOGUE)
BIT = {key: 1 << n for n, key in enumerate(KEYS)}
SQL_TYPE = {"number": "numeric", "bool": "boolean"}  # text and choice: text


def _sql_type(attribute) -> str:
    return SQL_TYPE.get(attribute.kind, "text")


# The explanation and ``missing`` are built as JSON text in the form PostgreSQL prints a
# ``jsonb`` value (object keys by length, then bytes; ", " and ": " between items), so that an
# unchanged row is recognised by comparing texts; a text that does not compare equal is parsed
# and compared as ``jsonb`` before the row counts as changed (so a formatting difference can
# cost a comparison, never a wrong write or count).


def _value_text(attribute, expr: str) -> str:
    """The JSON text of a value as ``matching._json_value`` stores it ('null' when unknown)."""
    if attribute.kind == "number":
        return f"""COALESCE('"' || trim_scale({expr})::text || '"', 'null')"""
    if attribute.kind == "bool":
        return f"CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' ELSE 'null' END"
    return f"COALESCE(to_json({expr})::text, 'null')"


def _fact_text(key: str) -> str:
    """The stored explanation's fact entry of ``key`` from the pivot row ``p``, as JSON text."""
    attribute = CATALOGUE[key]
    head = f'{{"key": "{key}", "as_of": '
    value = _value_text(attribute, f"p.v_{key}")
    if attribute.column:
        registry = FactSource.REGISTRY.value
        return (
            f"""CASE WHEN p.v_{key} IS NULL THEN '{head}"", "value": null, "source": ""}}'"""
            f""" ELSE '{head}"", "value": ' || {value} || ', "source": "{registry}"}}' END"""
        )
    return (
        f"""CASE WHEN p.s_{key} IS NULL THEN '{head}"", "value": null, "source": ""}}'"""
        f""" ELSE '{head}"' || p.d_{key} || '", "value": ' || {value}"""
        f""" || ', "source": ' || to_json(p.s_{key})::text || '}}' END"""
    )


def _result_text(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 'true' WHEN NOT {expr} THEN 'false' ELSE 'null' END"


def _pivot_columns(key: str) -> list[str]:
    """The pivot's columns of ``key``: the value, and for a sourced fact its source and date."""
    if CATALOGUE[key].column:
        return [f"v_{key}"]
    return [f"v_{key}", f"s_{key}", f"d_{key}"]


def build_pivot(cursor) -> None:
    """(Re)create the pivot of every enterprise's current facts (merged records included: a
    started row of a merged record is kept, with its explanation)."""
    enterprise = Enterprise._meta.db_table
    fact_table = EnterpriseFact._meta.db_table
    columns, values, aggregates = [], [], []
    for key in KEYS:
        attribute = CATALOGUE[key]
        sql_type = _sql_type(attribute)
        if attribute.column:
            raw = f"e.{attribute.column}"
            columns.append(f"v_{key} {sql_type}")
            values.append(f"NULLIF({raw}, '')" if sql_type == "text" else f"{raw}::{sql_type}")
            continue
        column = {"number": "number_value", "bool": "bool_value"}.get(attribute.kind, "text_value")
        pick = "bool_or" if attribute.kind == "bool" else "max"
        aggregates += [
            f"{pick}({column}) FILTER (WHERE key = '{key}') AS v_{key}",
            f"max(source) FILTER (WHERE key = '{key}') AS s_{key}",
            f"max(as_of) FILTER (WHERE key = '{key}') AS d_{key}",
        ]
        columns += [f"v_{key} {sql_type}", f"s_{key} text", f"d_{key} text"]
        values += [f"f.v_{key}", f"f.s_{key}", f"to_char(f.d_{key}, 'YYYY-MM-DD')"]
    fact_keys = ", ".join(f"'{a.key}'" for a in CATALOGUE if not a.column)
    cursor.execute(f"DROP TABLE IF EXISTS {PIVOT}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {PIVOT} (id bigint, active boolean, region_code text,"
        f" industry_code text, {', '.join(columns)})"
    )
    cursor.execute(
        f"INSERT INTO {PIVOT} SELECT e.id, e.merged_into_id IS NULL, e.region_code,"
        f" e.industry_id, {', '.join(values)}"
        f" FROM {enterprise} AS e LEFT JOIN ("
        f"SELECT enterprise_id, {', '.join(aggregates)} FROM {fact_table}"
        f" WHERE is_current AND key IN ({fact_keys}) GROUP BY enterprise_id"
        f") AS f ON f.enterprise_id = e.id ORDER BY e.region_code, e.id"
    )
    cursor.execute(f"CREATE INDEX ON {PIVOT} (region_code)")
    cursor.execute(f"CREATE INDEX ON {PIVOT} (id)")
    cursor.execute(f"ANALYZE {PIVOT} (id, active, region_code)")


def drop_pivot(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {PIVOT}")


# --- the rule trees as SQL -------------------------------------------------------------------


class _Compiler:
    """SQL for one tree: ``result`` (boolean, ``NULL`` = unknown) and ``missing`` (bigint bit
    mask of the keys whose unknown value leaves it undecided; 0 when decided)."""

    def __init__(self):
        self.params: list = []

    def constant(self, attribute, value) -> str:
        value = attribute.coerce(value)
        if attribute.kind == "bool":
            return "TRUE" if value else "FALSE"
        self.params.append(value)
        return f"%s::{_sql_type(attribute)}"

    def result(self, tree) -> str:
        ((op, args),) = tree.items()
        if op in ("and", "or"):
            joiner = " AND " if op == "and" else " OR "
            return "(" + joiner.join(self.result(part) for part in args) + ")"
        if op == "!":
            return f"(NOT {self.result(args[0] if isinstance(args, list) else args)})"
        key = args[0]["var"]
        attribute = CATALOGUE[key]
        if op == "in":
            values = ", ".join(self.constant(attribute, v) for v in args[1])
            return f"(p.v_{key} IN ({values}))"
        symbol = {"==": "=", "!=": "<>"}.get(op, op)
        return f"(p.v_{key} {symbol} {self.constant(attribute, args[1])})"

    def missing(self, tree) -> str:
        ((op, args),) = tree.items()
        if op in ("and", "or"):
            decided = self.result(tree)  # first: the parameters follow the text's order
            parts = " | ".join(self.missing(part) for part in args)
            return f"(CASE WHEN {decided} IS NULL THEN {parts} ELSE 0 END)"
        if op == "!":
            return self.missing(args[0] if isinstance(args, list) else args)
        key = args[0]["var"]
        return f"(CASE WHEN p.v_{key} IS NULL THEN {BIT[key]}::bigint ELSE 0 END)"


def _prefix_bounds(code: str) -> tuple[str, str]:
    return code, code[:-1] + chr(ord(code[-1]) + 1)


COUNTS = (
    "eligible",
    "possible",
    "created",
    "updated",
    "deleted",
    "kept",
    "unchanged",
    "newly_eligible",
)


def match_policy_sql(policy, conditions) -> dict:
    """Match one active policy over the pivot (``build_pivot`` first) with every enterprise and
    write the result. ``conditions``: the policy's ``matching._Condition`` list, in order.
    Returns the counts of ``matching.match_policy`` (which drops the policy's ``MatchState``:
    its rows may now differ from what the last bulk run left)."""
    counts, _before = _execute(*statement(policy, conditions))
    return counts


def _execute(sql, params) -> tuple[dict, tuple]:
    """The counts of one statement, and the rows the pairs it looked at had before: how many,
    how many eligible, how many possibly eligible."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(COUNTS, row[: len(COUNTS)], strict=True)), tuple(row[len(COUNTS) + 2 :])


# --- a bulk run: only what changed since the last one --------------------------------------------


class Run:
    """One ``match_all`` over the pivot, evaluating only what may have changed since the last run.

    A pair's row depends on the policy's statement (its compiled conditions, scope and
    parameters) and on the enterprise's pivot row, and nothing else: every path that writes
    matches evaluates current facts with current conditions. So for a policy whose statement is
    the one the last run executed (``MatchState``), the stored rows of every enterprise whose
    pivot row is unchanged since that run (``MatchInput``) are already what the statement would
    write, and only the changed enterprises (a temporary table, ``CHANGED``) are evaluated; their
    counts are those of the stored rows (all of the policy's rows, counted through the index
    ``match_by_policy``, less those of the changed enterprises, which the statement reads). Any
    other policy is evaluated in full. A policy matched on its own (``matching.match_policy``) or
    withdrawn (``forget``) loses its state. The first run has no state: it evaluates
    everything."""

    def __init__(self, cursor, *, full: bool = False):
        self.cursor = cursor
        cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHANGED} AS SELECT p.id, md5(p::text) AS digest"
            f" FROM {PIVOT} AS p LEFT JOIN {INPUTS} AS i ON i.enterprise_id = p.id"
            " WHERE i.digest IS DISTINCT FROM md5(p::text)"
        )
        self.changed = cursor.rowcount
        cursor.execute(f"CREATE INDEX ON {CHANGED} (id)")
        cursor.execute(f"ANALYZE {CHANGED}")
        self.states = {} if full else dict(MatchState.objects.values_list("policy_id", "digest"))
        self.stored = None  # policy id -> (rows, eligible, possible) stored at the start
        self.digests: dict[int, str] = {}
        self.restricted = 0

    def _stored_counts(self) -> dict:
        """Per policy its stored rows, eligible and possibly eligible ones, read once from the
        index alone (a run writes a policy's rows only when it matches that policy, so the
        figures hold for every policy not yet matched)."""
        if self.stored is None:
            self.cursor.execute(
                f"SELECT policy_id, result, count(*) FROM {PolicyMatch._meta.db_table}"
                " GROUP BY policy_id, result"
            )
            self.stored = {}
            for policy_id, result, n in self.cursor.fetchall():
                rows, eligible, possible = self.stored.get(policy_id, (0, 0, 0))
                self.stored[policy_id] = (
                    rows + n,
                    eligible + (n if result == MatchResult.ELIGIBLE else 0),
                    possible + (n if result == MatchResult.POSSIBLE else 0),
                )
        return self.stored

    def match(self, policy, conditions) -> dict:
        """``match_policy_sql`` within the run: the changed enterprises only when it can."""
        digest = statement_digest(policy, conditions)
        self.digests[policy.pk] = digest
        if self.states.get(policy.pk) != digest:
            counts, _before = _execute(*statement(policy, conditions))
            return counts
        self.restricted += 1
        rows, eligible, possible = self._stored_counts().get(policy.pk, (0, 0, 0))
        if self.changed:
            counts, before = _execute(*statement(policy, conditions, only_changed=True))
            # the changed enterprises' rows as they were: counted by the statement instead
            changed_rows, changed_eligible, changed_possible = before
            rows, eligible, possible = (
                rows - changed_rows,
                eligible - changed_eligible,
                possible - changed_possible,
            )
        else:
            counts = dict.fromkeys(COUNTS, 0)
        counts["eligible"] += eligible
        counts["possible"] += possible
        counts["unchanged"] += rows
        return counts

    def finish(self) -> None:
        """Keep what this run read and ran: the changed enterprises' digests, and the statement
        of every policy it matched (the others' states go)."""
        self.cursor.execute(
            f"INSERT INTO {INPUTS} (enterprise_id, digest) SELECT id, digest FROM {CHANGED}"
            " ON CONFLICT (enterprise_id) DO UPDATE SET digest = EXCLUDED.digest"
        )
        MatchState.objects.exclude(policy_id__in=list(self.digests)).delete()
        now = timezone.now()
        MatchState.objects.bulk_create(
            [MatchState(policy_id=pk, digest=d, matched_at=now) for pk, d in self.digests.items()],
            update_conflicts=True,
            unique_fields=["policy"],
            update_fields=["digest", "matched_at"],
        )

    def close(self) -> None:
        self.cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")


def forget(policy_ids) -> None:
    """The policies' rows changed outside a bulk run (matched on their own, withdrawn, expired):
    evaluate them in full next time."""
    MatchState.objects.filter(policy_id__in=list(policy_ids)).delete()


def statement_digest(policy, conditions) -> str:
    """The digest of the policy's full statement with its parameters (the run's time left out)."""
    sql, params = _statement(policy, conditions)
    return hashlib.md5(f"{sql}\x00{params!r}".encode()).hexdigest()


def statement(policy, conditions, *, only_changed: bool = False) -> tuple[str, list]:
    """The SQL and parameters of ``match_policy_sql``; ``only_changed``: of the enterprises in
    ``CHANGED`` alone (``Run``)."""
    sql, params = _statement(policy, conditions, only_changed=only_changed)
    # the plan's parameters: a started row stays, the time of the writes
    return sql, [*params, UptakeStatus.MATCHED.value, timezone.now(), UptakeStatus.MATCHED.value]


def _statement(policy, conditions, *, only_changed: bool = False) -> tuple[str, list]:
    keys = sorted({k for condition in conditions for k in condition.keys})
    table = PolicyMatch._meta.db_table
    policy_id = int(policy.pk)
    # the pairs to look at: the policy's region (an index range on the pivot) and the pairs
    # with a stored row elsewhere (moved away, merged: their row is deleted or kept)
    fields = ["p.id", "p.active", "p.region_code", "p.industry_code"]
    fields += [f"p.{c}" for k in keys for c in _pivot_columns(k)]
    fields += [
        "m.id AS old_id",
        "m.result AS old_result",
        "m.uptake AS old_uptake",
        "m.explanation AS old_explanation",
        "m.missing AS old_missing",
        "m.region_code AS old_region",
        "m.industry_id AS old_industry",
    ]
    listed = ", ".join(fields)
    params: list = []
    # the changed enterprises only (``Run``): the pivot read through them
    pivot = (
        f"({CHANGED} AS c JOIN {PIVOT} AS p ON p.id = c.id)" if only_changed else f"{PIVOT} AS p"
    )
    if policy.region_code:
        low, high = _prefix_bounds(policy.region_code)
        params += [low, high, low, high]
        rows = (
            f"SELECT {listed}, p.active AS in_scope FROM {pivot}"
            f" LEFT JOIN {table} AS m ON m.policy_id = {policy_id} AND m.enterprise_id = p.id"
            " WHERE p.region_code >= %s AND p.region_code < %s"
            f" UNION ALL SELECT {listed}, FALSE FROM {table} AS m"
            f" JOIN {pivot} ON p.id = m.enterprise_id WHERE m.policy_id = {policy_id}"
            " AND NOT (p.region_code >= %s AND p.region_code < %s)"
        )
    else:
        rows = (
            f"SELECT {listed}, p.active AS in_scope FROM {pivot}"
            f" LEFT JOIN {table} AS m ON m.policy_id = {policy_id} AND m.enterprise_id = p.id"
        )
    compiler = _Compiler()
    decided = []
    for n, condition in enumerate(conditions):
        decided.append(f"{compiler.result(condition.expression)} AS r{n}")
        decided.append(f"{compiler.missing(condition.expression)} AS m{n}")
    # the pairs that get or have a row: the same results again in the filter (cheap), so that
    # only those are kept for building the explanation
    undecided = _Compiler()
    kept = " AND ".join(undecided.result(c.expression) for c in conditions) or "TRUE"
    params += compiler.params + undecided.params
    all_true = " AND ".join(f"r{n}" for n in range(len(conditions))) or "TRUE"
    masks = " | ".join(f"m{n}" for n in range(len(conditions))) or "0::bigint"
    entries = []
    for n, condition in enumerate(conditions):
        facts_of = " || ', ' || ".join(_fact_text(k) for k in condition.keys) or "''"
        entries.append(
            f"""'{{"facts": [' || {facts_of} || '], "result": ' || {_result_text(f"p.r{n}")}"""
            f""" || ', "condition": {int(condition.pk)}}}'"""
        )
    explanation = "'[' || " + " || ', ' || ".join(entries) + " || ']'" if entries else "'[]'"
    missing = (
        "'[' || concat_ws(', ', "
        + ", ".join(f"""CASE WHEN p.mask & {BIT[k]} <> 0 THEN '"{k}"' END""" for k in keys)
        + ") || ']'"
        if keys
        else "'[]'"
    )
    eligible, possible, ineligible = (
        MatchResult.ELIGIBLE.value,
        MatchResult.POSSIBLE.value,
        MatchResult.INELIGIBLE.value,
    )
    sql = f"""
    WITH candidates AS ({rows}),
    decided AS MATERIALIZED (
        SELECT p.*, {", ".join(decided)} FROM candidates AS p
        WHERE p.old_id IS NOT NULL OR (p.in_scope AND ({kept}) IS DISTINCT FROM FALSE)
    ),
    judged AS (
        SELECT p.*,
            CASE WHEN NOT in_scope THEN '{ineligible}'
                WHEN {all_true} THEN '{eligible}'
                WHEN ({all_true}) IS NULL THEN '{possible}'
                ELSE '{ineligible}' END AS result,
            CASE WHEN in_scope AND ({all_true}) IS NULL THEN {masks} ELSE 0 END AS mask
        FROM decided AS p
    ),
    built AS MATERIALIZED (
        SELECT p.id AS enterprise_id, p.region_code, p.industry_code, p.old_id, p.old_result,
            p.old_uptake, p.old_explanation, p.old_missing, p.old_region, p.old_industry,
            p.result, {explanation} AS explanation, {missing} AS missing
        FROM judged AS p
        WHERE p.result <> '{ineligible}' OR p.old_id IS NOT NULL
    ),
    plan AS (
        SELECT built.*,
            CASE
                WHEN result <> '{ineligible}' AND old_id IS NULL THEN 'create'
                WHEN result <> '{ineligible}' AND (old_result, old_region, old_industry)
                    IS NOT DISTINCT FROM (result, region_code, industry_code)
                    AND CASE WHEN old_missing::text = missing THEN TRUE
                        ELSE old_missing = missing::jsonb END
                    AND CASE WHEN old_explanation::text = explanation THEN TRUE
                        ELSE old_explanation = explanation::jsonb END THEN 'unchanged'
                WHEN result <> '{ineligible}' THEN 'update'
                WHEN old_uptake = %s THEN 'delete'
                WHEN old_result = '{ineligible}' THEN 'unchanged'
                ELSE 'keep'
            END AS action
        FROM built
    ),
    written AS (
        INSERT INTO {table} (policy_id, enterprise_id, result, explanation, missing, matched_at,
            uptake, region_code, industry_id)
        SELECT {policy_id}, enterprise_id, result, explanation::jsonb, missing::jsonb, %s, %s,
            region_code,
            industry_code
        FROM plan WHERE action IN ('create', 'update', 'keep')
        ON CONFLICT (policy_id, enterprise_id) DO UPDATE SET
            result = EXCLUDED.result, explanation = EXCLUDED.explanation,
            missing = EXCLUDED.missing, matched_at = EXCLUDED.matched_at,
            region_code = EXCLUDED.region_code, industry_id = EXCLUDED.industry_id
        RETURNING 1
    ),
    deleted AS (
        DELETE FROM {table} WHERE id IN (SELECT old_id FROM plan WHERE action = 'delete')
        RETURNING 1
    )
    SELECT
        count(*) FILTER (WHERE result = '{eligible}'),
        count(*) FILTER (WHERE result = '{possible}'),
        count(*) FILTER (WHERE action = 'create'),
        count(*) FILTER (WHERE action IN ('update', 'keep')),
        count(*) FILTER (WHERE action = 'delete'),
        count(*) FILTER (WHERE action = 'keep'),
        count(*) FILTER (WHERE action = 'unchanged'),
        count(*) FILTER (WHERE result = '{eligible}' AND action IN ('create', 'update')
            AND old_result IS DISTINCT FROM '{eligible}'),
        (SELECT count(*) FROM written), (SELECT count(*) FROM deleted),
        count(old_id), count(*) FILTER (WHERE old_result = '{eligible}'),
        count(*) FILTER (WHERE old_result = '{possible}')
    FROM plan
    """
    # the parameters in the order they appear: the scope's, the conditions' (the plan's follow)
    return sql, params
