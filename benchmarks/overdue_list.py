"""The overdue list (EPI-03, EPI-04) for N workers with a week of NAT history: the platform's
query — an index range on ``StaffMember.last_negative_at``, kept at ingestion — against a full
recompute of the same list in DuckDB from the same history, exported in the same run.
Goal: platform time ≤ 0.5 × DuckDB time.

Plain script, no test runner, PostgreSQL (needs ``duckdb``: ``pip install -e ".[bench]"``):

    .venv/bin/python benchmarks/overdue_list.py                       # 200 000 workers
    .venv/bin/python benchmarks/overdue_list.py --workers 4000000     # the issue's size

It (re)creates a scratch database (``--db``, default ``sibao_bench_overdue``, dropped first),
migrates it, and generates in SQL (``generate_series``, so millions of rows take minutes, not
hours): one unit per ``--unit-size`` workers across Henan's counties, the workers (every fifth
on a mobile/contact post), and a week of NAT results at each post's rhythm (48 h / 24 h, a
per-person phase; about 6 % stop testing three days before "now", 1 % never test, a few
positives). ``last_negative_at`` on the roster is then set from that history in one statement —
what ingestion maintains as results arrive. The history and the roster are exported to DuckDB
(in memory) and both sides compute the same lists, checked equal:

- the province (every worker: a province-wide grant), a county's list, one unit's list;
- platform: ``compliance.overdue_staff`` on the scoped queryset, as the overdue page runs it;
- DuckDB: max negative sample per person from the whole history, joined to the roster, filtered
  by each post's window.

Each query runs ``--repeat`` times; the best time counts (both sides warm).
"""

import argparse
import datetime
import os
import sys
import tempfile
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


def generate(workers: int, unit_size: int, now):
    """Units, workers and a week of history, in SQL; returns (county, unit id) to list."""
    from django.db import connection, transaction
    from stdnum.cn import uscc

    from sibao.core.testing import make_feed_source
    from sibao.enterprises.models import Enterprise
    from sibao.regions.models import Region

    counties = list(
        Region.objects.filter(level="county", code__startswith="41")
        .order_by("code")
        .values_list("code", flat=True)
    )
    n_units = max(1, workers // unit_size)
    began = step(f"{n_units} units")
    units = []
    for i in range(n_units):
        region = counties[i % len(counties)]
        body = f"91{region}{i:09d}"
        units.append(
            Enterprise(
                credit_code=body + uscc.calc_check_digit(body),
                name=f"基准单位{i:06d}",
                region_id=region,
                industry_id="industry",
                output_value=1000,
                employees=unit_size,
            )
        )
    Enterprise.objects.bulk_create(units, batch_size=5000)
    source = make_feed_source("lab-bench", "基准测试实验室")
    week = datetime.timedelta(days=7)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_unit AS SELECT row_number() OVER (ORDER BY id) - 1 "
            "AS n, id, region_code FROM enterprises_enterprise"
        )
        step(f"{workers:,} workers")
        cursor.execute(
            """
            INSERT INTO epidemic_staffmember (enterprise_id, person_key, id_encrypted, id_masked,
                name, phone_encrypted, phone_masked, category, post_class, team, zone, dormitory,
                is_active, last_negative_at, created_at, updated_at, region_code)
            SELECT u.id, encode(sha256(('bench' || i)::bytea), 'hex'), 'bench',
                '410***********0000', '基准' || i, '', '', 'employee',
                CASE WHEN i %% 5 = 0 THEN 'mobile' ELSE 'ordinary' END, '', '', '',
                i %% 50 <> 7, NULL, %s, %s, u.region_code
            FROM generate_series(0, %s - 1) AS i
            JOIN bench_unit AS u ON u.n = i %% %s
            """,
            [now, now, workers, n_units],
        )
        step("a week of NAT history")
        # rhythm in minutes: 24 h mobile, 48 h ordinary; phase spread by a multiplicative hash
        cursor.execute(
            """
            INSERT INTO epidemic_testresult (person_key, source_id, batch_id, received_at,
                region_code, enterprise_id, lab, sample_no, sampled_at, result, is_pooled)
            SELECT s.person_key, %s, NULL, t.at, s.region_code, s.enterprise_id, %s,
                'B' || s.id || '-' || k, t.at,
                CASE WHEN (s.id * 31 + k) %% 4999 = 0 THEN 'positive' ELSE 'negative' END,
                s.post_class = 'ordinary'
            FROM epidemic_staffmember AS s
            CROSS JOIN LATERAL (
                SELECT CASE WHEN s.post_class = 'mobile' THEN 1440 ELSE 2880 END AS every,
                       (s.id * 2654435761) %% 2880 AS phase
            ) AS r
            CROSS JOIN LATERAL generate_series(0, 10080 / r.every) AS k
            CROSS JOIN LATERAL (
                SELECT %s::timestamptz + make_interval(mins => (r.phase %% r.every
                    + k * r.every)::int) AS at
            ) AS t
            WHERE t.at <= %s
              AND s.id %% 100 <> 3
              AND NOT (s.id %% 100 < 7 AND t.at > %s::timestamptz - interval '3 days')
            """,
            [source.code, source.code, now - week, now, now],
        )
        step("last negative per worker, as ingestion keeps it")
        cursor.execute(
            """
            UPDATE epidemic_staffmember AS s SET last_negative_at = h.last
            FROM (SELECT person_key, max(sampled_at) AS last FROM epidemic_testresult
                  WHERE result = 'negative' GROUP BY person_key) AS h
            WHERE h.person_key = s.person_key
            """
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE epidemic_staffmember")
        cursor.execute("VACUUM ANALYZE epidemic_testresult")
        cursor.execute("SELECT count(*) FROM epidemic_testresult")
        history = cursor.fetchone()[0]
    print(f"  {history:,} results in the history ({time.perf_counter() - began:.0f} s)")
    first = units[0]
    return first.region_id, first.pk


def export(duck) -> None:
    """Roster and history from PostgreSQL into DuckDB (CSV via COPY TO STDOUT)."""
    from django.db import connection

    folder = Path(tempfile.mkdtemp(prefix="sibao-bench-"))
    tables = {
        "staff": "SELECT id, person_key, post_class, is_active, region_code, enterprise_id "
        "FROM epidemic_staffmember",
        "tests": "SELECT person_key, sampled_at, result FROM epidemic_testresult",
    }
    with connection.cursor() as cursor:
        for name, query in tables.items():
            path = folder / f"{name}.csv"
            with path.open("wb") as handle:
                with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for chunk in copy:
                        handle.write(chunk)
            columns = {
                "staff": "{'id': 'BIGINT', 'person_key': 'VARCHAR', 'post_class': 'VARCHAR', "
                "'is_active': 'BOOLEAN', 'region_code': 'VARCHAR', 'enterprise_id': 'BIGINT'}",
                "tests": "{'person_key': 'VARCHAR', 'sampled_at': 'TIMESTAMPTZ', "
                "'result': 'VARCHAR'}",
            }[name]
            duck.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header=false, "
                f"columns={columns})"
            )
            path.unlink()


def duck_overdue(duck, now, windows, where: str) -> set:
    ordinary, mobile = windows
    rows = duck.execute(
        f"""
        WITH last AS (
            SELECT person_key, max(sampled_at) AS last_negative FROM tests
            WHERE result = 'negative' GROUP BY person_key
        )
        SELECT s.id FROM staff AS s LEFT JOIN last AS l USING (person_key)
        WHERE s.is_active AND {where}
          AND (l.last_negative IS NULL OR l.last_negative < ?::TIMESTAMPTZ - to_hours(
               CASE WHEN s.post_class = 'mobile' THEN {mobile} ELSE {ordinary} END))
        """,
        [now],
    ).fetchall()
    return {row[0] for row in rows}


def best(repeat, function):
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=200_000)
    parser.add_argument("--unit-size", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="sibao_bench_overdue")
    args = parser.parse_args()
    import duckdb

    setup_django(args.server, args.db)
    from django.utils import timezone

    from sibao.core import rules
    from sibao.epidemic import compliance
    from sibao.epidemic.models import PostClass, StaffMember

    now = timezone.now().replace(microsecond=0)
    print(f"generating {args.workers:,} workers with a week of history:")
    county, unit = generate(args.workers, args.unit_size, now)
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    began = time.perf_counter()
    export(duck)
    print(f"  exported to DuckDB in {time.perf_counter() - began:.0f} s")

    ruleset = rules.current()
    scope = compliance.NO_EMERGENCY
    windows = (
        compliance.window_hours(PostClass.ORDINARY, in_emergency=False, rules=ruleset),
        compliance.window_hours(PostClass.MOBILE, in_emergency=False, rules=ruleset),
    )
    cases = [
        ("province", StaffMember.objects.filter(region_code__startswith="41"), "TRUE"),
        (
            f"county {county}",
            StaffMember.objects.filter(region_code__startswith=county),
            f"s.region_code LIKE '{county}%'",
        ),
        (
            f"unit {unit}",
            StaffMember.objects.filter(enterprise_id=unit),
            f"s.enterprise_id = {unit}",
        ),
    ]
    print(f"{'list':<16}{'overdue':>10}{'platform s':>12}{'DuckDB s':>10}{'ratio':>8}")
    for label, queryset, where in cases:
        platform, ids = best(
            args.repeat,
            lambda qs=queryset: set(
                compliance.overdue_staff(qs, now, ruleset, scope).values_list("id", flat=True)
            ),
        )
        recompute, duck_ids = best(args.repeat, lambda w=where: duck_overdue(duck, now, windows, w))
        assert ids == duck_ids, f"{label}: the two lists differ ({len(ids)} vs {len(duck_ids)})"
        print(
            f"{label:<16}{len(ids):>10,}{platform:>12.4f}{recompute:>10.4f}"
            f"{platform / recompute:>8.2f}"
        )


if __name__ == "__main__":
    main()
