"""Policy matching (POL-02) at province scale: N enterprises × P active policies.

Measures, on PostgreSQL, in a scratch database of its own:

1. full matching (``policies.matching.match_all``): cold (every eligible/possible row written,
   with its explanation), warm (a second run over unchanged data: only what changed since the
   last run is evaluated, here nothing) and warm in full (``full=True``: every pair evaluated
   and compared, no writes) — goal ≤ 5 s; and the write floor: the same rows copied into an
   empty copy of the table (its indexes and foreign keys) by one ``INSERT … SELECT`` (what a
   cold run cannot go below here);
2. the baseline: the same rules evaluated one pair at a time in Python (each enterprise's facts
   read with ``enterprises.facts.facts_for``, each policy's conditions run through the
   interpreter) on a sample of enterprises, extrapolated to N × P (the full pairwise run would
   take far too long; the sample size is printed) — and the ratio;
3. re-matching one enterprise after a fact change (``rematch_enterprise``; and the whole
   ``record_fact`` with its hook: re-match plus push), ``--runs`` times, p50 / p95 — goal ≤ 50 ms;
4. the next daily run after those changes (``--runs`` enterprises' facts changed, and
   ``--edited`` policies' conditions edited): the run of what changed against a full run just
   after it, which must find nothing to write and the same totals.

The bulk result is checked against the interpreter on the sample (every pair must agree).

    .venv/bin/python benchmarks/policy_matching.py                      # 50 000 × 200
    .venv/bin/python benchmarks/policy_matching.py --enterprises 5000 --policies 50

It (re)creates ``--db`` (default ``pol_matching_bench``, dropped first), migrates it and
generates the data in SQL (``generate_series``): enterprises spread over Henan's counties and the
five industries with random staff and output; facts from several sources (tax, statistics,
market regulation, the industry departments, the platform, the enterprises' own declarations),
the current one chosen by the facts rule (authoritative over declared, then newest); policies at
province (20 %), city (50 %) and county (30 %) level with one to three conditions drawn from
realistic templates (revenue and staff thresholds, tax credit grade, 规上/专精特新, industry,
negations).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path


def setup_django(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def step(label):
    print(f"  {label} …", flush=True)
    return time.perf_counter()


FACTS_SQL = """
INSERT INTO enterprises_enterprisefact (enterprise_id, key, number_value, text_value,
    bool_value, source, as_of, is_current, recorded_at, region_code)
SELECT e.id, %(key)s, {number}, {text}, {flag}, %(source)s,
    DATE '2022-01-01' + ((e.id * 37 + %(salt)s) %% 180)::int, FALSE, now(), e.region_code
FROM enterprises_enterprise AS e
WHERE (e.id * 2654435761 + %(salt)s) %% 100 < %(share)s
"""

# key, source, share of enterprises (%), number / text / bool expression over e.id
FACTS = [
    ("annual_revenue", "tax", 70, "((e.id * 7919) %% 200000)::numeric", "NULL", "NULL"),
    ("annual_revenue", "self_declared", 25, "((e.id * 104729) %% 250000)::numeric", "NULL", "NULL"),
    (
        "tax_credit_grade",
        "tax",
        80,
        "NULL",
        "(ARRAY['A','B','M','C','D'])[1 + (e.id * 13) %% 5]",
        "NULL",
    ),
    ("is_above_scale", "statistics", 60, "NULL", "NULL", "(e.id * 17) %% 3 = 0"),
    (
        "specialised_level",
        "industry_department",
        30,
        "NULL",
        "(ARRAY['none','cultivation','provincial','little_giant'])[1 + (e.id * 19) %% 4]",
        "NULL",
    ),
    ("specialised_level", "self_declared", 10, "NULL", "'provincial'", "NULL"),
    ("is_listed", "market_regulation", 40, "NULL", "NULL", "(e.id * 23) %% 40 = 0"),
    ("trade_value", "industry_department", 15, "((e.id * 31) %% 50000)::numeric", "NULL", "NULL"),
    ("self_assessment_passed", "platform", 50, "NULL", "NULL", "(e.id * 29) %% 5 <> 0"),
    ("is_quasi_above_scale", "self_declared", 20, "NULL", "NULL", "(e.id * 41) %% 2 = 0"),
]


def generate_enterprises(n: int):
    from django.db import connection, transaction

    from sibao.regions.models import Region

    counties = list(
        Region.objects.filter(level="county", code__startswith="41")
        .order_by("code")
        .values_list("code", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_county (n int, code text)")
        cursor.executemany("INSERT INTO bench_county VALUES (%s, %s)", list(enumerate(counties)))
        cursor.execute(
            """
            INSERT INTO enterprises_enterprise (credit_code, name, kind, region_code, address,
                industry_id, sub_type, is_city_operation, output_value, investment, employees,
                has_dormitory, has_canteen, contact_name, contact_phone, created_at, updated_at)
            SELECT lpad(i::text, 18, '9'), '基准企业' || i, 'enterprise', c.code, '',
                (ARRAY['industry','commerce','transport','culture_tourism','key_project'])
                    [1 + (i * 7) %% 5],
                CASE WHEN i %% 3 = 0 THEN '' ELSE (ARRAY['钢铁','食品','装备'])[1 + i %% 3] END,
                i %% 20 = 0,
                CASE WHEN i %% 10 = 0 THEN NULL ELSE ((i * 6151) %% 100000)::numeric END,
                NULL, (i * 3571) %% 3000, i %% 4 = 0, i %% 3 = 0, '', '', now(), now()
            FROM generate_series(1, %s) AS i
            JOIN bench_county AS c ON c.n = i %% %s
            """,
            [n, len(counties)],
        )
        for salt, (key, source, share, number, text, flag) in enumerate(FACTS):
            cursor.execute(
                FACTS_SQL.format(number=number, text=text, flag=flag),
                {"key": key, "source": source, "share": share, "salt": salt * 1009},
            )
        # the facts rule: an authoritative source over a declaration, then the newest
        cursor.execute(
            """
            UPDATE enterprises_enterprisefact AS f SET is_current = TRUE
            FROM (
                SELECT DISTINCT ON (enterprise_id, key) id
                FROM enterprises_enterprisefact
                ORDER BY enterprise_id, key, (source <> 'self_declared') DESC, as_of DESC, id DESC
            ) AS best
            WHERE f.id = best.id
            """
        )
        cursor.execute("ANALYZE")
    return counties


TEMPLATES = [
    lambda r: {">=": [{"var": "annual_revenue"}, r.choice([2000, 5000, 20000, 50000, 100000])]},
    lambda r: {">=": [{"var": "employees"}, r.choice([50, 100, 300, 1000])]},
    lambda r: {"<=": [{"var": "employees"}, r.choice([20, 100, 300])]},
    lambda r: {"in": [{"var": "tax_credit_grade"}, r.choice([["A"], ["A", "B"], ["A", "B", "M"]])]},
    lambda r: {"==": [{"var": "is_above_scale"}, True]},
    lambda r: {
        "or": [
            {"in": [{"var": "specialised_level"}, ["provincial", "little_giant"]]},
            {"==": [{"var": "is_listed"}, True]},
        ]
    },
    lambda r: {
        "in": [
            {"var": "industry"},
            r.sample(["industry", "commerce", "transport", "culture_tourism", "key_project"], 2),
        ]
    },
    lambda r: {"==": [{"var": "industry"}, r.choice(["industry", "commerce", "transport"])]},
    lambda r: {">=": [{"var": "output_value"}, r.choice([2000, 20000, 50000])]},
    lambda r: {"!": {"==": [{"var": "is_listed"}, True]}},
    lambda r: {"==": [{"var": "self_assessment_passed"}, True]},
    lambda r: {">": [{"var": "trade_value"}, r.choice([1000, 10000])]},
    lambda r: {"==": [{"var": "sub_type"}, r.choice(["钢铁", "食品"])]},
]


def generate_policies(p: int, counties: list[str], seed: int):
    import datetime

    from sibao.core.testing import ensure_departments
    from sibao.enterprises.facts import CATALOGUE
    from sibao.policies.models import Policy, PolicyCondition, PolicyStatus
    from sibao.regions.models import Department

    rng = random.Random(seed)
    cities = sorted({c[:4] for c in counties})
    chosen = []
    for _ in range(p):
        roll = rng.random()
        region = "41" if roll < 0.2 else rng.choice(cities) if roll < 0.7 else rng.choice(counties)
        chosen.append(region)
    ensure_departments(*sorted(set(chosen)))
    departments = {d.region_id: d for d in Department.objects.filter(kind="finance")}
    policies = Policy.objects.bulk_create(
        [
            Policy(
                series=f"B{i:05d}",
                title=f"基准政策{i}",
                department=departments[region],
                category="fiscal_award",
                benefit="基准",
                valid_from=datetime.date(2022, 1, 1),
                status=PolicyStatus.PUBLISHED,
                region_code=region,
            )
            for i, region in enumerate(chosen)
        ]
    )
    conditions = []
    for policy in policies:
        for order, template in enumerate(rng.sample(TEMPLATES, rng.choice([1, 2, 2, 3]))):
            tree = template(rng)
            CATALOGUE.validate(tree)
            conditions.append(
                PolicyCondition(
                    policy=policy,
                    title=f"条件{order + 1}",
                    clause="基准",
                    expression=tree,
                    order=order,
                )
            )
    PolicyCondition.objects.bulk_create(conditions)
    return policies


def pairwise(sample_ids, policies):
    """The baseline: one pair at a time in Python (facts read once per enterprise)."""
    from sibao.enterprises.facts import CATALOGUE, facts_for
    from sibao.enterprises.models import Enterprise

    results = {}
    for unit in Enterprise.objects.filter(pk__in=sample_ids):
        facts = facts_for(unit)
        for policy in policies:
            if not unit.region_id.startswith(policy.region_code):
                continue
            outcomes = [CATALOGUE.evaluate(c.expression, facts).result for c in policy.cond]
            if False in outcomes:
                continue
            results[(policy.pk, unit.pk)] = "possible" if None in outcomes else "eligible"
    return results


def percentile(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q * (len(values) - 1))))
    return values[k]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--policies", type=int, default=200)
    parser.add_argument("--sample", type=int, default=1000, help="enterprises for the baseline")
    parser.add_argument("--runs", type=int, default=50, help="single-enterprise re-matches")
    parser.add_argument("--edited", type=int, default=2, help="policies edited before day 2")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="pol_matching_bench")
    args = parser.parse_args()
    setup_django(args.server, args.db)

    from django.db import connection, transaction

    from sibao.enterprises.actions import record_fact
    from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource
    from sibao.policies import matching
    from sibao.policies.models import PolicyMatch

    print(f"generating {args.enterprises:,} enterprises and {args.policies} policies:")
    began = step("enterprises and facts (SQL)")
    counties = generate_enterprises(args.enterprises)
    print(f"    {time.perf_counter() - began:.1f} s, {EnterpriseFact.objects.count():,} facts")
    generate_policies(args.policies, counties, args.seed)

    print("full matching (match_all):")
    began = time.perf_counter()
    cold = matching.match_all()
    cold_s = time.perf_counter() - began
    rows = PolicyMatch.objects.count()
    print(
        f"  cold: {cold_s:.2f} s — {cold['eligible']:,} eligible, {cold['possible']:,} possible,"
        f" {rows:,} rows written"
    )
    began = time.perf_counter()
    warm = matching.match_all()
    warm_s = time.perf_counter() - began
    assert warm["newly_eligible"] == 0
    assert warm["incremental"] == len(matching.active_policies())
    print(f"  warm (nothing changed, nothing written): {warm_s:.2f} s")
    began = time.perf_counter()
    warm_full = matching.match_all(full=True)
    warm_full_s = time.perf_counter() - began
    assert warm_full["newly_eligible"] == 0 and warm_full["incremental"] == 0
    assert (warm_full["eligible"], warm_full["possible"]) == (cold["eligible"], cold["possible"])
    print(f"  warm in full (every pair evaluated, nothing written): {warm_full_s:.2f} s")
    # the write floor: the same rows copied by the database alone into an empty copy of the
    # table with its indexes and foreign keys (no rule, no explanation to build) — what a cold
    # run cannot go below on this machine
    table = "policies_policymatch"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_floor (LIKE {table} INCLUDING ALL)")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        for (definition,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE bench_floor ADD {definition}")
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO bench_floor SELECT * FROM {table}")
    floor_s = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_floor")
    print(
        f"  write floor (INSERT … SELECT of the same {rows:,} rows into an empty copy of the"
        f" table, indexes and foreign keys): {floor_s:.2f} s — cold / floor ×{cold_s / floor_s:.1f}"
    )

    print(
        f"baseline: one pair at a time in Python, {args.sample} enterprises × "
        f"{args.policies} policies, extrapolated:"
    )
    policies = list(matching.active_policies().prefetch_related("conditions").order_by("id"))
    for policy in policies:
        policy.cond = sorted(policy.conditions.all(), key=lambda c: (c.order, c.id))
    rng = random.Random(args.seed)
    all_ids = list(Enterprise.objects.values_list("id", flat=True))
    sample = rng.sample(all_ids, min(args.sample, len(all_ids)))
    began = time.perf_counter()
    expected = pairwise(sample, policies)
    sample_s = time.perf_counter() - began
    full_pairwise_s = sample_s * len(all_ids) / len(sample)
    stored = {
        (m.policy_id, m.enterprise_id): m.result
        for m in PolicyMatch.objects.filter(enterprise_id__in=sample)
    }
    assert stored == expected, "bulk matching and the interpreter disagree"
    print(f"  sample: {sample_s:.2f} s ({len(expected)} matching pairs, all equal to the bulk run)")
    print(f"  extrapolated to {len(all_ids):,} enterprises: {full_pairwise_s:.0f} s")
    print(
        f"  ratio pairwise / bulk: ×{full_pairwise_s / cold_s:.1f} (cold), "
        f"×{full_pairwise_s / warm_s:.1f} (warm)"
    )

    print(f"re-matching one enterprise after a fact change ({args.runs} runs):")
    rematch, hooked = [], []
    targets = rng.sample(all_ids, args.runs)
    for n, pk in enumerate(targets):
        unit = Enterprise.objects.get(pk=pk)
        # the fact write itself, without the hook's time: change the stored value in SQL …
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE enterprises_enterprisefact SET number_value = %s "
                "WHERE enterprise_id = %s AND key = 'annual_revenue' AND is_current",
                [(n * 7919) % 150000, pk],
            )
        began = time.perf_counter()
        matching.rematch_enterprise(unit)  # … then only the re-match is timed
        rematch.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        record_fact(unit, "tax_credit_grade", "ABMCD"[n % 5], source=FactSource.TAX, actor=None)
        hooked.append((time.perf_counter() - began) * 1000)
    print(
        f"  rematch_enterprise: p50 {statistics.median(rematch):.1f} ms, "
        f"p95 {percentile(rematch, 0.95):.1f} ms"
    )
    print(
        f"  record_fact with its hook (re-match + push): p50 {statistics.median(hooked):.1f} ms,"
        f" p95 {percentile(hooked, 0.95):.1f} ms"
    )

    print(
        f"the next daily run ({args.runs} enterprises' facts changed above,"
        f" {args.edited} policies edited):"
    )
    from sibao.policies.models import PolicyCondition

    for policy in rng.sample(policies, min(args.edited, len(policies))):
        condition = PolicyCondition.objects.filter(policy=policy).order_by("order").first()
        # a rewritten rule (here one that decides the same): a new statement, so the policy is
        # evaluated with every enterprise again
        condition.expression = {"and": [condition.expression, condition.expression]}
        condition.save()
    began = time.perf_counter()
    daily = matching.match_all()
    daily_s = time.perf_counter() - began
    began = time.perf_counter()
    check = matching.match_all(full=True)
    check_s = time.perf_counter() - began
    assert check["newly_eligible"] == check["dropped"] == 0
    assert (check["eligible"], check["possible"]) == (daily["eligible"], daily["possible"])
    print(
        f"  {daily_s:.2f} s ({daily['incremental']} of {daily['policies']} policies for the"
        f" changed enterprises only); a full run just after it: {check_s:.2f} s, nothing to write"
    )
    print()
    print("| benchmark | size | result | goal |")
    print("|---|---|---|---|")
    size = f"{len(all_ids):,} × {len(policies)}"
    print(
        f"| policy matching, full (cold, {rows:,} rows written) | {size} | {cold_s:.2f} s | ≤ 5 s |"
    )
    print(f"| policy matching, full (warm, no change) | {size} | {warm_s:.2f} s | ≤ 5 s |")
    print(f"| policy matching, warm, every pair evaluated | {size} | {warm_full_s:.2f} s | — |")
    print(
        f"| policy matching, next day ({args.runs} units changed, {args.edited} policies edited)"
        f" | {size} | {daily_s:.2f} s (in full: {check_s:.2f} s) | ≤ 5 s |"
    )
    print(
        f"| write floor (the same rows, INSERT … SELECT, no rules) | {size} | {floor_s:.2f} s"
        f" (cold ×{cold_s / floor_s:.1f}) | — |"
    )
    print(
        f"| pairwise Python baseline (sample {len(sample):,}, extrapolated) | {size} | "
        f"{full_pairwise_s:.0f} s (×{full_pairwise_s / cold_s:.1f} cold bulk) | — |"
    )
    print(
        f"| re-match one enterprise (p50 / p95, {args.runs} runs) | {len(policies)} policies | "
        f"{statistics.median(rematch):.1f} / {percentile(rematch, 0.95):.1f} ms | ≤ 50 ms |"
    )
    print(
        f"| record_fact + hook (p50 / p95) | {len(policies)} policies | "
        f"{statistics.median(hooked):.1f} / {percentile(hooked, 0.95):.1f} ms | — |"
    )


if __name__ == "__main__":
    main()
