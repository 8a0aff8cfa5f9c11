"""The one-screen dashboard (MON-01) for the whole province at a tier-L-like size: the board page
and its polled panels fragment for a province-wide official, cold (cache empty: every panel and
the map's indicator computed) and warm (the cached entry), each against baselines taken in the
same run. Goal (issue 10): p95 ≤ 300 ms for the province's board data.

Plain script, no test runner, PostgreSQL:

    .venv/bin/python benchmarks/dashboard.py                       # 20 000 units, 400 000 staff
    .venv/bin/python benchmarks/dashboard.py --staff 1000000 --requests 100
    .venv/bin/python benchmarks/dashboard.py --reuse               # measure the last database again

It (re)creates a scratch database (``--db``, default ``sibao_bench_dashboard``, dropped first
unless ``--reuse``), migrates it and generates a province: ``--units`` enterprises over every
county and functional zone (industries and sizes spread), ``--listed`` of them on the whitelist
(tiers spread), their rosters as ``StaffMember`` rows (``--staff`` in all, in SQL; a tenth
overdue, a few inactive), sentinel alerts, demands with their lead work orders (open, overdue,
signed, closed), a fortnight of daily production reports of every listed unit, early warnings
over the seven dimensions, incidents, closed loops, shutdowns and a policy's matches with their
uptake. Everything but the roster goes through ``bulk_create`` in batches.

Every request goes through Django's test client (the whole middleware stack, the session of a
signed-in HQ office with a province-wide grant, template rendering) in this process:

- board cold: ``GET /dashboard/`` with the cache cleared before each request;
- board warm: the same with the entry cached (the page still renders, checks the scope, reads
  the rule set and the session);
- panels fragment cold and warm: ``GET /dashboard/panels/`` (what the polling asks for);
- baselines: the registry list page ``GET /enterprises/`` (a paginated, counted, scoped list of
  every unit) and one ``SELECT count(*)`` over the whitelist table.

p50 and p95 over ``--requests`` requests each (after two unmeasured ones), in milliseconds, with
their ratio to the registry list's p50.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path


def setup_django(server: str, name: str, reuse: bool) -> bool:
    """Connect Django to the scratch database; True when it already holds generated data."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    sys.path.insert(0, str(root))
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if reuse and exists:
        from sibao.enterprises.models import Enterprise

        return Enterprise.objects.exists()
    return False


def step(label: str) -> float:
    print(f"  {label} …", flush=True)
    return time.perf_counter()


def _bulk(model, rows, batch: int = 5000) -> None:
    model.objects.bulk_create(rows, batch_size=batch)


def generate(args, now) -> None:  # noqa: PLR0915 (one linear script of tables)
    from django.db import connection
    from stdnum.cn import uscc

    from sibao.command.models import (
        EarlyWarning,
        Incident,
        LoopStatus,
        ShutdownRequest,
        WarningDimension,
        WarningLevel,
        WarningStatus,
    )
    from sibao.core.testing import make_published_policy
    from sibao.enterprises.models import (
        Enterprise,
        ProductionReport,
        WhitelistEntry,
    )
    from sibao.epidemic.models import SentinelAlert
    from sibao.policies.models import PolicyMatch
    from sibao.regions.actions import ensure_organisations
    from sibao.regions.models import Department, IndustryDomain, Region
    from sibao.workorders.models import Demand, WorkOrder

    rng = random.Random(20221)
    began = time.perf_counter()
    step("organisations (HQs, departments)")
    ensure_organisations()
    counties = list(
        Region.objects.filter(level="county").order_by("code").values_list("code", flat=True)
    )
    industries = list(IndustryDomain.objects.values_list("code", flat=True))
    departments = {
        d.region_id: d
        for d in Department.objects.filter(kind="industry_it", region__level="county")
    }
    city_departments = {
        d.region_id: d for d in Department.objects.filter(kind="industry_it", region__level="city")
    }

    step(f"{args.units:,} units")
    units = []
    for i in range(args.units):
        region = counties[i % len(counties)]
        body = f"91{region}{i:09d}"
        industry = industries[i % len(industries)]
        is_project = industry == "key_project"
        units.append(
            Enterprise(
                credit_code=body + uscc.calc_check_digit(body),
                name=f"基准单位{i:06d}",
                kind="project" if is_project else "enterprise",
                region_id=region,
                industry_id=industry,
                address="",
                sub_type="",
                contact_name="",
                contact_phone="",
                output_value=None if is_project else Decimal(rng.randint(500, 200_000)),
                investment=Decimal(rng.randint(1_000, 500_000)) if is_project else None,
                employees=rng.randint(20, 2000),
            )
        )
    _bulk(Enterprise, units)
    units = list(Enterprise.objects.order_by("id"))
    listed = rng.sample(units, min(args.listed, len(units)))

    step(f"{len(listed):,} whitelist entries")
    tiers = ["county"] * 6 + ["city"] * 3 + ["province"]
    _bulk(
        WhitelistEntry,
        [
            WhitelistEntry(
                enterprise=u,
                tier=tiers[i % len(tiers)],
                listed_at=now - datetime.timedelta(days=rng.randint(1, 90)),
                region_code=u.region_id,
                industry_id=u.industry_id,
            )
            for i, u in enumerate(listed)
        ],
    )

    step(f"{args.staff:,} roster rows (SQL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_unit AS SELECT row_number() OVER (ORDER BY e.id) - 1 "
            "AS n, e.id, e.region_code FROM enterprises_enterprise AS e "
            "JOIN enterprises_whitelistentry AS w ON w.enterprise_id = e.id"
        )
        cursor.execute(
            """
            INSERT INTO epidemic_staffmember (enterprise_id, person_key, id_encrypted, id_masked,
                name, phone_encrypted, phone_masked, category, post_class, team, zone, dormitory,
                is_active, last_negative_at, created_at, updated_at, region_code)
            SELECT u.id, encode(sha256(('bench' || i)::bytea), 'hex'), 'bench',
                '410***********0000', '基准' || i, '', '', 'employee',
                CASE WHEN i %% 5 = 0 THEN 'mobile' ELSE 'ordinary' END, '', '', '',
                i %% 50 <> 7,
                CASE WHEN i %% 10 = 3 THEN %s::timestamptz - interval '4 days'
                     WHEN i %% 97 = 5 THEN NULL
                     ELSE %s::timestamptz - make_interval(mins => (i %% 2000)) END,
                %s, %s, u.region_code
            FROM generate_series(0, %s - 1) AS i
            JOIN bench_unit AS u ON u.n = i %% %s
            """,
            [now, now, now, now, args.staff, len(listed)],
        )

    step(f"{args.alerts:,} sentinel alerts")
    kinds = ["overdue_test", "unreported_arrival", "drug_purchase", "positive", "risk_scan"]
    _bulk(
        SentinelAlert,
        [
            SentinelAlert(
                kind=kinds[i % len(kinds)],
                dedupe_key=f"bench:{i}",
                person_key=f"bench-person-{i}",
                enterprise=u,
                detail="基准预警",
                raised_at=now - datetime.timedelta(hours=rng.randint(1, 24 * 14)),
                due_at=now + datetime.timedelta(hours=rng.randint(-48, 48)),
                status="open" if i % 3 else "closed",
                closed_at=None if i % 3 else now,
                outcome="" if i % 3 else "已处置",
                region_code=u.region_id,
            )
            for i, u in enumerate(rng.choices(listed, k=args.alerts))
        ],
    )

    step(f"{args.demands:,} demands with their lead work orders")
    demand_units = rng.choices(listed, k=args.demands)
    categories = ["raw_materials", "labour", "logistics", "market", "policy", "supplies", "other"]
    demands = []
    for i, u in enumerate(demand_units):
        submitted = now - datetime.timedelta(hours=rng.randint(1, 24 * 60))
        demands.append(
            Demand(
                number=f"SQBENCH-{i:07d}",
                enterprise=u,
                category=categories[i % len(categories)],
                title="基准诉求",
                description="基准诉求说明",
                contact_name="",
                contact_phone="",
                status=["submitted", "handling", "handling", "closed"][i % 4],
                submitted_at=submitted,
                accepted_at=None if i % 4 == 0 else submitted,
                closed_at=submitted + datetime.timedelta(days=3) if i % 4 == 3 else None,
                reject_reason="",
                resolution="",
                satisfaction="",
                feedback="",
                unsatisfied_reason="",
                terms="",
                region_code=u.region_id,
                industry_code=u.industry_id,
            )
        )
    _bulk(Demand, demands)
    orders = []
    statuses = ["dispatched", "signed", "in_progress", "replied", "closed", "closed", "escalated"]
    for i, demand in enumerate(Demand.objects.exclude(status="submitted").order_by("id")):
        at = demand.submitted_at
        status = statuses[i % len(statuses)]
        department = departments.get(demand.region_code) or city_departments[demand.region_code[:4]]
        replied = at + datetime.timedelta(days=4) if status in ("replied", "closed") else None
        orders.append(
            WorkOrder(
                number=f"GDBENCH-{i:07d}",
                demand=demand,
                department=department,
                level="county",
                status=status,
                instructions="",
                dispatched_at=at,
                sign_due_at=at + datetime.timedelta(hours=4),
                limit_minutes=5 * 8 * 60,
                due_at=at + datetime.timedelta(days=7),
                signed_at=None if status == "dispatched" else at + datetime.timedelta(hours=2),
                replied_at=replied,
                closed_at=at + datetime.timedelta(days=5) if status == "closed" else None,
                answer="",
                review_note="",
                enterprise_id=demand.enterprise_id,
                region_code=demand.region_code,
                origin_region_code=demand.region_code,
                category=demand.category,
                urgency="normal",
            )
        )
    _bulk(WorkOrder, orders)

    step(f"{args.days} days of production reports of every listed unit")
    states = ["operating"] * 7 + ["partial"] * 2 + ["suspended"]
    reports = []
    for day in range(args.days):
        reported_on = (now - datetime.timedelta(days=day)).date()
        for i, u in enumerate(listed):
            if (i + day) % 9 == 0:  # some units miss a day
                continue
            state = states[(i + day) % len(states)]
            reports.append(
                ProductionReport(
                    enterprise=u,
                    reported_on=reported_on,
                    state=state,
                    capacity_percent=0 if state == "suspended" else rng.randint(30, 100),
                    staff_on_site=rng.randint(10, 500),
                    raw_material_days=Decimal(rng.randint(1, 30)),
                    note="",
                    is_current=day == 0 or (day == 1 and i % 9 == 0),
                    region_code=u.region_id,
                    industry_id=u.industry_id,
                )
            )
        if len(reports) >= 20_000:
            _bulk(ProductionReport, reports)
            reports = []
    _bulk(ProductionReport, reports)

    step(f"{args.warnings:,} early warnings")
    dimensions, levels = list(WarningDimension), list(WarningLevel)
    open_statuses = [WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED, WarningStatus.ASSIGNED]
    closed_statuses = [WarningStatus.RESOLVED, WarningStatus.CLEARED]
    _bulk(
        EarlyWarning,
        [
            EarlyWarning(
                rule=f"bench_rule_{i % 14}",
                dimension=dimensions[i % len(dimensions)],
                level=levels[i % len(levels)],
                key=f"bench:{i}",
                title="基准预警事项",
                detail="",
                facts={},
                rule_set_version=1,
                enterprise=u,
                region_code=u.region_id,
                industry_id=u.industry_id,
                status=(open_statuses if i % 4 else closed_statuses)[i % 2],
                raised_at=now - datetime.timedelta(hours=rng.randint(1, 24 * 14)),
                last_seen_at=now,
                deadline=now + datetime.timedelta(hours=rng.randint(-24, 48)),
                outcome="",
            )
            for i, u in enumerate(rng.choices(listed, k=args.warnings))
        ],
    )

    step("incidents, closed loops, shutdowns")
    sample = rng.sample(listed, min(len(listed), 2000))
    _bulk(
        Incident,
        [
            Incident(
                enterprise=u,
                kind="symptom",
                status="open" if i % 2 else "resumed",
                person_key=f"bench-incident-{i}",
                description="发热",
                observation_room="",
                opened_at=now - datetime.timedelta(days=i % 10),
                region_code=u.region_id,
            )
            for i, u in enumerate(sample[:300])
        ],
    )
    _bulk(
        LoopStatus,
        [
            LoopStatus(
                enterprise=u,
                mode="bubble",
                started_at=now - datetime.timedelta(days=2),
                ended_at=None if i % 3 else now,
                region_code=u.region_id,
            )
            for i, u in enumerate(sample[300:1500])
        ],
    )
    _bulk(
        ShutdownRequest,
        [
            ShutdownRequest(
                enterprise=u,
                reason="疫情处置",
                days=3,
                status="approved",
                requested_at=now - datetime.timedelta(days=1),
                epidemic_note="",
                dispatch_note="",
                starts_at=now - datetime.timedelta(hours=12),
                ends_at=now + datetime.timedelta(days=2),
                region_code=u.region_id,
            )
            for u in sample[1500:1700]
        ],
    )

    step("a policy and its matches with their uptake")
    policy = make_published_policy(match=False, title="基准稳岗奖补")
    uptakes = ["matched", "notified", "read", "applied", "granted", "paid", "received"]
    _bulk(
        PolicyMatch,
        [
            PolicyMatch(
                policy=policy,
                enterprise=u,
                result="eligible",
                explanation=[],
                missing=[],
                matched_at=now,
                uptake=uptakes[i % len(uptakes)],
                granted_amount=Decimal(10) if i % len(uptakes) >= 4 else None,
                region_code=u.region_id,
                industry_id=u.industry_id,
            )
            for i, u in enumerate(listed)
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  generated in {time.perf_counter() - began:.0f} s")


def counts() -> dict:
    from django.db import connection

    tables = {
        "enterprises": "enterprises_enterprise",
        "whitelisted": "enterprises_whitelistentry",
        "staff": "epidemic_staffmember",
        "alerts": "epidemic_sentinelalert",
        "demands": "workorders_demand",
        "work orders": "workorders_workorder",
        "production reports": "enterprises_productionreport",
        "warnings": "command_earlywarning",
        "policy matches": "policies_policymatch",
    }
    found = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            found[label] = cursor.fetchone()[0]
    return found


def measure(function, requests: int, *, before=None) -> list[float]:
    """Milliseconds of ``function()`` over ``requests`` calls, after two unmeasured ones."""
    times = []
    for i in range(requests + 2):
        if before is not None:
            before()
        began = time.perf_counter()
        function()
        if i >= 2:
            times.append((time.perf_counter() - began) * 1000)
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--listed", type=int, default=8_000)
    parser.add_argument("--staff", type=int, default=400_000)
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--demands", type=int, default=30_000)
    parser.add_argument("--warnings", type=int, default=6_000)
    parser.add_argument("--days", type=int, default=14, help="days of production reports")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="sibao_bench_dashboard")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's database")
    args = parser.parse_args()

    generated = setup_django(args.server, args.db, args.reuse)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from sibao.accounts.roles import Role
    from sibao.core.testing import make_user
    from sibao.dashboard import panels

    now = timezone.now().replace(microsecond=0)
    if not generated:
        print("generating the province:")
        generate(args, now)
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts().items()))
    print(f"panels: {len(panels.PANEL_PATHS)}, map indicators: {len(panels.INDICATOR_PATHS)}")

    username = f"bench_province_{int(time.time())}"
    official = make_user(Role.HQ_OFFICE, "41", username=username)
    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host (SIBAO_ALLOWED_HOSTS default)
    client.force_login(official)

    def get(url, **params):
        def call():
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)

        return call

    def count_whitelist():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM enterprises_whitelistentry")
            cursor.fetchone()

    cases = [
        ("baseline: registry list /enterprises/", get("/enterprises/"), None),
        ("baseline: SELECT count(*) whitelist", count_whitelist, None),
        ("board /dashboard/ cold", get("/dashboard/", region="41"), cache.clear),
        ("board /dashboard/ warm", get("/dashboard/", region="41"), None),
        ("panels fragment cold", get("/dashboard/panels/", region="41"), cache.clear),
        ("panels fragment warm", get("/dashboard/panels/", region="41"), None),
    ]
    print(f"{args.requests} requests each (ms):")
    print(f"{'':<40}{'p50':>9}{'p95':>9}{'p50 ÷ list':>12}{'p95 ÷ list':>12}")
    reference = None
    for label, function, before in cases:
        p50, p95 = percentiles(measure(function, args.requests, before=before))
        if reference is None:
            reference = p50
        print(f"{label:<40}{p50:>9.1f}{p95:>9.1f}{p50 / reference:>12.2f}{p95 / reference:>12.2f}")
    cache.clear()
    print(f"goal: board p95 ≤ 300 ms; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
