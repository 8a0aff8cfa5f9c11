"""Scans and contact tracing at scale (EPI-06, EPI-07): scan ingestion through the HTTP API
against a raw ``COPY``, tracing one case through the API and the engine, close + secondary
contacts against a hand-written index-probe statement, and 100 cases at once against DuckDB —
each a ratio taken in the same run, on the same rows.

Plain script, no test runner, PostgreSQL only (day partitions, ``COPY``); needs ``duckdb``
(``pip install -e ".[bench]"``) for the last measurement:

    .venv/bin/python benchmarks/places_scans.py                 # tier S: 20 000 workers, 7 days
    .venv/bin/python benchmarks/places_scans.py --tier M        # 300 000 workers, 21 days
    .venv/bin/python benchmarks/places_scans.py --tier M --workers 60000 --days 14   # scaled

Tiers (the issue's): S ≈ 20 k workers / 0.8 M scans; M ≈ 300 k workers / 38 M scans over 21
days; L ≈ 4 M workers / 24 M scans in one day. ``--workers`` and ``--days`` scale a tier down
to what the machine's time and disk hold; the script prints the sizes it ran.

It (re)creates a scratch database (``--db``, default ``sibao_bench_places``, dropped first),
migrates it and writes with ``COPY`` (day partitions created first): one unit per
``--unit-size`` workers across Henan's counties, each with a site of 13 spaces — two gates, six
workshops, a canteen, an office, two dormitory entrances — and a code on the twelve that need
one; the workers (on the roster, tested recently, a few overdue), and ``--days`` days of scans
before today: per worker and day, in one of three eight-hour shifts, the gate lane in (two
minutes), the workshop until the noon or evening meal, the canteen (30 min), the workshop again
(one in twenty leaves without an exit: the automatic check-out ends the stay), the gate lane
out, and for half of them the dormitory entrance's lane in the evening; one worker in 25 works
in another unit's workshop each day (the links between units that secondary contacts follow).
Then:

a. ingestion: ``--ingest-rows`` gateway records (10 000 per batch) through
   ``POST /api/feeds/scan/`` (Django's test client in process, a data-feed token: JSON, auth,
   validation, the person key, code signatures, ``COPY`` + ``INSERT … ON CONFLICT`` + the
   risk lookup) against a raw ``COPY`` of the same rows (person key and code columns already
   resolved) into the same table and indexes, run before and after (the ratio uses the mean);
   then other records again through the API with ``--senders`` clients at once (threads, a
   database connection each), as many gateways post at the same time;
b. one case over 14 days, ``--cases`` random workers: close contacts through
   ``POST /api/tracing-jobs/`` (an officer's API token; the job and its contacts are stored)
   and through the engine alone (``places.tracing.trace``), p50/p95; then close + secondary
   (engine) against a hand-written statement for the same definition (``unnest`` + ``LATERAL``
   probes on ``scan_by_place``, sets of person keys only), the results checked equal, the
   statement's plan checked for index probes;
c. ``--many`` cases at once (default 100, then 10; close + secondary) through the engine
   against DuckDB computing the same definition over the same rows (exported with
   ``COPY … TO`` to CSV, loaded in memory; the export and load are not timed), the results
   checked equal; the engine's statement is cancelled after ``--many-timeout`` seconds.

The generated units are dense on purpose: three teams share a unit's gates, canteen and
dormitory entrances, and the gate lanes at each shift change fall within the ±30 min window,
so one case's close contacts are most of the case's unit (about 200 people) and 100 cases'
reach most of the population at tier S.
"""

import argparse
import contextlib
import datetime
import gc
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# the repository root, for ``benchmarks.senders`` when this file runs as a script
if str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TIERS = {"S": (20_000, 7), "M": (300_000, 21), "L": (4_000_000, 1)}
SPACES_PER_UNIT = 13  # site, 2 gates, 6 workshops, canteen, office, 2 dormitory entrances
GATES, WORKSHOPS, CANTEEN, OFFICE, DORMS = (1, 2), range(3, 9), 9, 10, (11, 12)
SHIFT_STARTS = (datetime.time(7, 30), datetime.time(15, 30), datetime.time(23, 30))
WINDOW_MINUTES = 30


def setup_django(server: str, name: str, reuse: bool = False, conn_max_age: int = 0) -> bool:
    """Point Django at the scratch database and migrate it; returns whether a generated database
    was kept from an earlier run (``--reuse``) rather than created anew."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        reused = bool(reuse and exists)
        if not reused:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    # the deployment setting: a web worker keeps its connection (and the catalogue caches of the
    # partitioned scan table) instead of opening one per request
    os.environ["SIBAO_DB_CONN_MAX_AGE"] = str(conn_max_age)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return reused


def step(label):
    print(f"  {label} …", flush=True)
    return time.perf_counter()


def id_numbers(n: int):
    """``n`` distinct valid ID numbers (Zhengzhou, birth dates from 1960 on)."""
    from sibao.core.personal import id_check_digit

    day = datetime.date(1960, 1, 1)
    produced = 0
    while produced < n:
        for serial in range(1000):
            body = f"410102{day:%Y%m%d}{serial:03d}"
            yield body + id_check_digit(body)
            produced += 1
            if produced == n:
                return
        day += datetime.timedelta(days=1)


def _ts(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _copy(cursor, table: str, columns: str, lines) -> None:
    """COPY text lines (tab-separated, ``\\N`` for NULL) in chunks of about a megabyte."""
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for line in lines:
            buffer.write(line)
            if buffer.tell() > 1 << 20:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


class World:
    """The generated units, codes and workers (what the measurements need to know)."""

    def __init__(self, workers: int, unit_size: int, days: int, now, seed: int):
        self.workers = workers
        self.unit_size = unit_size
        self.n_units = max(1, workers // unit_size)
        self.days = days
        self.now = now
        self.rng = random.Random(seed)
        self.units: list = []  # (id, region)
        self.ids: list[str] = []
        self.keys: list[str] = []

    def unit_of(self, worker: int) -> int:
        return worker % self.n_units

    def space_id(self, unit_index: int, slot: int) -> int:
        """Space (and code: the same id) of ``slot`` (0 = site) in unit number ``unit_index``."""
        return unit_index * SPACES_PER_UNIT + slot + 1


def recall(world: World) -> int:
    """The world of a database generated by an earlier run (``--reuse``): the same units, ID
    numbers and keys (deterministic); returns the number of scans."""
    from django.db import connection

    from sibao.core.personal import person_key
    from sibao.enterprises.models import Enterprise

    world.units = list(
        Enterprise.objects.filter(name__startswith="基准单位")
        .order_by("name")
        .values_list("id", "region_id")
    )
    assert len(world.units) == world.n_units, "--reuse with other --workers / --unit-size"
    world.ids = list(id_numbers(world.workers))
    world.keys = [person_key(i) for i in world.ids]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM places_scan")
        return cursor.fetchone()[0]


def generate(world: World) -> int:
    """Units, spaces, codes, workers and scans; returns the number of scans."""
    from django.db import connection, transaction
    from stdnum.cn import uscc

    from sibao.core.personal import person_key
    from sibao.enterprises.models import Enterprise
    from sibao.places import partitions
    from sibao.regions.models import Region

    now = world.now
    counties = list(
        Region.objects.filter(level="county", code__startswith="41")
        .order_by("code")
        .values_list("code", flat=True)
    )
    began = step(f"{world.n_units:,} units with {SPACES_PER_UNIT} spaces each")
    rows = []
    for i in range(world.n_units):
        region = counties[i % len(counties)]
        body = f"91{region}{i:09d}"
        rows.append(
            Enterprise(
                credit_code=body + uscc.calc_check_digit(body),
                name=f"基准单位{i:06d}",
                region_id=region,
                industry_id="industry",
                output_value=1000,
                employees=world.unit_size,
            )
        )
    Enterprise.objects.bulk_create(rows, batch_size=5000)
    world.units = list(
        Enterprise.objects.filter(name__startswith="基准单位")
        .order_by("name")
        .values_list("id", "region_id")
    )
    names = ["厂区", "东大门", "西门", *[f"{n}车间" for n in "一二三四五六"], "职工食堂"]
    names += ["行政办公区", "1号楼入口", "2号楼入口"]
    kinds = ["site", "door", "door", *["workshop"] * 6, "area", "area", "door", "door"]
    expires = (now + datetime.timedelta(days=365)).date().isoformat()
    stamp = _ts(now)

    def space_lines():
        for u, (unit, region) in enumerate(world.units):
            site = world.space_id(u, 0)
            for slot in range(SPACES_PER_UNIT):
                pk = world.space_id(u, slot)
                parent = "\\N" if slot == 0 else str(site)
                path = f"{site}/" if slot == 0 else f"{site}/{pk}/"
                venue = "industrial" if slot == 0 else ""
                yield (
                    f"{pk}\t{unit}\t{parent}\t{kinds[slot]}\t{venue}\t{names[slot]}\t\\N\t"
                    f"{path}\tt\t{stamp}\t{region}\n"
                )

    def code_lines():
        for u, (unit, region) in enumerate(world.units):
            for slot in range(1, SPACES_PER_UNIT):
                pk = world.space_id(u, slot)
                yield f"{pk}\t{pk}\t{unit}\t{stamp}\t\\N\t{expires}\t\\N\t\t{region}\n"

    with transaction.atomic(), connection.cursor() as cursor:
        _copy(
            cursor,
            "places_space",
            "id, enterprise_id, parent_id, kind, venue_type, name, zone_id, path, is_active, "
            "created_at, region_code",
            space_lines(),
        )
        _copy(
            cursor,
            "places_placecode",
            "id, space_id, enterprise_id, issued_at, issued_by_id, expires_on, revoked_at, "
            "revoked_reason, region_code",
            code_lines(),
        )
        for table in ("places_space", "places_placecode"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )

    step(f"{world.workers:,} workers (person keys, roster)")
    world.ids = list(id_numbers(world.workers))
    world.keys = [person_key(i) for i in world.ids]
    tested = _ts(now - datetime.timedelta(hours=12))

    def staff_lines():
        for w, key in enumerate(world.keys):
            unit, region = world.units[world.unit_of(w)]
            # one in a thousand is overdue for a test: their scans raise alerts, as in production
            last = "\\N" if w % 1000 == 999 else tested
            team = f"{'一二三'[w // world.n_units % 3]}班"
            dorm = f"{1 + w % 2}号楼" if w % 4 < 2 else ""
            yield (
                f"{unit}\t{key}\tbench\t410***********0000\t基准{w}\t\t\temployee\tordinary\t"
                f"{team}\t生产区\t{dorm}\tt\t{last}\t{stamp}\t{stamp}\t{region}\n"
            )

    with transaction.atomic(), connection.cursor() as cursor:
        _copy(
            cursor,
            "epidemic_staffmember",
            "enterprise_id, person_key, id_encrypted, id_masked, name, phone_encrypted, "
            "phone_masked, category, post_class, team, zone, dormitory, is_active, "
            "last_negative_at, created_at, updated_at, region_code",
            staff_lines(),
        )

    local = datetime.timezone(datetime.timedelta(hours=8))
    today = now.astimezone(local).date()
    days = [today - datetime.timedelta(days=d) for d in range(world.days, 0, -1)]
    partitions.ensure(set(days) | {today, today - datetime.timedelta(days=1)})
    step(f"{world.days} days of scans")
    count = [0]
    rng = world.rng
    received = stamp

    def scan_lines():
        minute = datetime.timedelta(minutes=1)
        for day in days:
            for w, key in enumerate(world.keys):
                if rng.random() < 0.05:  # off that day
                    continue
                u = world.unit_of(w)
                unit, region = world.units[u]
                shift = w // world.n_units % 3
                begin = datetime.datetime.combine(day, SHIFT_STARTS[shift], tzinfo=local)
                end = begin + datetime.timedelta(hours=8)
                home = u
                if w % 25 == 0:  # works in another unit's workshop today
                    home = (u + 1 + day.toordinal() % 7) % world.n_units
                home_unit, home_region = world.units[home]
                gate = world.space_id(home, GATES[w % 2])
                shop = world.space_id(home, WORKSHOPS[w // 3 % 6])
                canteen = world.space_id(home, CANTEEN)
                stays = []
                arrive = begin - rng.randint(5, 25) * minute
                stays.append((gate, arrive, arrive + 2 * minute))
                at = arrive + 4 * minute
                meal = begin + (210 + rng.randint(0, 20)) * minute
                stays.append((shop, at, min(meal, at + 235 * minute)))
                back = meal + 30 * minute
                stays.append((canteen, meal + 2 * minute, back))
                # one in twenty leaves the workshop without a gate reading: automatic check-out
                shop_out = None if w % 20 == 7 else min(end, back + 238 * minute)
                stays.append((shop, back + 3 * minute, shop_out))
                leave = end + rng.randint(1, 10) * minute
                stays.append((gate, leave, leave + 2 * minute))
                rows = [(home_unit, home_region, s) for s in stays]
                if w % 4 < 2:
                    dorm_at = leave + rng.randint(20, 90) * minute
                    dorm = world.space_id(u, DORMS[w % 2])
                    rows.append((unit, region, (dorm, dorm_at, dorm_at + 2 * minute)))
                for n, (unit_id, unit_region, (code, entered, left)) in enumerate(rows):
                    count[0] += 1
                    yield (
                        f"{key}\t{code}\t{code}\t{unit_id}\t{unit_region}\t{_ts(entered)}\t"
                        f"{_ts(left) if left else chr(92) + 'N'}\t"
                        f"{'gateway' if left else ''}\tgateway\tgen:{code}\t"
                        f"{w}-{day:%m%d}-{n}\t\t{received}\t\\N\n"
                    )

    with transaction.atomic(), connection.cursor() as cursor:
        _copy(
            cursor,
            "places_scan",
            "person_key, place_code_id, space_id, enterprise_id, region_code, entered_at, "
            "left_at, exit_kind, source, device, event_id, risk, received_at, batch_id",
            scan_lines(),
        )
    with connection.cursor() as cursor:
        for table in ("places_scan", "places_space", "places_placecode", "epidemic_staffmember"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  {count[0]:,} scans generated in {time.perf_counter() - began:.0f} s", flush=True)
    return count[0]


# --- a. ingestion ---------------------------------------------------------------------------------


def ingestion_rows(world: World, n: int, tag: str, seed: int):
    """``n`` gateway entries of yesterday: (record for the API, row for COPY)."""
    from sibao.places.signing import PLACE, sign

    rng = random.Random(seed)
    local = datetime.timezone(datetime.timedelta(hours=8))
    day = world.now.astimezone(local).date() - datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(6), tzinfo=local)
    records, rows = [], []
    for i in range(n):
        w = rng.randrange(world.workers)
        u = world.unit_of(w)
        unit, region = world.units[u]
        code = world.space_id(u, rng.choice((*GATES, *WORKSHOPS, CANTEEN, OFFICE)))
        at = start + datetime.timedelta(seconds=rng.randrange(16 * 3600))
        device = f"lane{code}"
        event = f"{tag}{i:08d}"
        records.append(
            {
                "device": device,
                "event_id": event,
                "place_code": sign(PLACE, code),
                "at": at.isoformat(timespec="seconds"),
                "id_number": world.ids[w],
            }
        )
        rows.append((world.keys[w], code, code, unit, region, at, f"gw-bench:{device}", event))
    return records, rows


@contextlib.contextmanager
def frozen_heap():
    """The objects the benchmark itself holds (the generated world, the prepared records) moved
    out of the garbage collector's sight (``gc.freeze``), as a pre-forking server does with its
    start-up objects: otherwise every full collection during a measurement scans them and charges
    the measured code for the size of the benchmark's own heap."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def raw_copy(rows, now) -> float:
    from django.db import connection, transaction

    stamp = _ts(now)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _copy(
            cursor,
            "places_scan",
            "person_key, place_code_id, space_id, enterprise_id, region_code, entered_at, "
            "left_at, exit_kind, source, device, event_id, risk, received_at, batch_id",
            (
                f"{key}\t{code}\t{space}\t{unit}\t{region}\t{_ts(at)}\t\\N\t\tgateway\t"
                f"{device}\t{event}\t\t{stamp}\t\\N\n"
                for key, code, space, unit, region, at, device, event in rows
            ),
        )
    return time.perf_counter() - began


def through_http(batches, key, senders: int = 1) -> float:
    from benchmarks.senders import post_batches

    def rejected(answer):
        return str(answer)[:300] if answer.get("rejected", 0) else None

    return post_batches("/api/feeds/scan/", batches, key, senders=senders, check=rejected)


def measure_ingestion(world: World, n: int, batch: int, senders: int = 2):
    from sibao.epidemic import actions
    from sibao.places.models import Scan

    source = actions.register_data_source("gw-bench", "基准测试闸机网关", actor=None)
    _token, key = actions.issue_feed_token(source, actor=None)
    records, _rows = ingestion_rows(world, n, "H", 1)
    _records, first = ingestion_rows(world, n, "R1-", 2)
    _records, again = ingestion_rows(world, n, "R2-", 3)
    together, _rows = ingestion_rows(world, n, "P", 4)
    before = Scan.objects.count()
    with frozen_heap():
        copy_first = raw_copy(first, world.now)
        http = through_http([records[i : i + batch] for i in range(0, n, batch)], key)
        http_together = through_http(
            [together[i : i + batch] for i in range(0, n, batch)], key, senders
        )
        copy_again = raw_copy(again, world.now)
    assert Scan.objects.count() == before + 4 * n
    # the measured rows go again, so that every run (and ``--reuse``) traces the generated rows
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM places_scan WHERE device LIKE 'gw-bench:%%'")
        cursor.execute("DELETE FROM epidemic_sentinelalert WHERE kind = 'risk_scan'")
        cursor.execute("VACUUM ANALYZE places_scan")
        # the pages these writes dirtied written out now, not during the tracing measurements
        cursor.execute("CHECKPOINT")
    baseline = n / ((copy_first + copy_again) / 2)
    return {
        "copy_first": n / copy_first,
        "copy_again": n / copy_again,
        "http": n / http,
        "ratio": (n / http) / baseline,
        "senders": senders,
        "http_together": n / http_together,
        "ratio_together": (n / http_together) / baseline,
    }


# --- b. tracing one case --------------------------------------------------------------------------

HAND_SQL = """
WITH cs AS MATERIALIZED (
    SELECT s.place_code_id AS code, s.entered_at AS s_in,
           COALESCE(s.left_at, s.entered_at + %(auto)s) AS s_out
    FROM unnest(%(cases)s::varchar[]) AS c(key)
    CROSS JOIN LATERAL (
        SELECT place_code_id, entered_at, left_at FROM places_scan
        WHERE person_key = c.key AND entered_at >= %(t0)s AND entered_at <= %(t1)s
        OFFSET 0
    ) s
),
close AS MATERIALIZED (
    SELECT t.person_key, min(GREATEST(t.entered_at, p.s_in - %(w)s)) AS first
    FROM (SELECT DISTINCT code, s_in, s_out FROM cs) p
    CROSS JOIN LATERAL (
        SELECT person_key, entered_at, left_at FROM places_scan
        WHERE place_code_id = p.code
          AND entered_at >= p.s_in - %(w)s - %(auto)s AND entered_at < p.s_out + %(w)s
        OFFSET 0
    ) t
    WHERE COALESCE(t.left_at, t.entered_at + %(auto)s) > p.s_in - %(w)s
      AND t.person_key <> ALL(%(cases)s::varchar[])
    GROUP BY t.person_key
),
cst AS MATERIALIZED (
    SELECT DISTINCT s.place_code_id AS code, s.entered_at AS s_in,
           COALESCE(s.left_at, s.entered_at + %(auto)s) AS s_out
    FROM close c
    CROSS JOIN LATERAL (
        SELECT place_code_id, entered_at, left_at FROM places_scan
        WHERE person_key = c.person_key AND entered_at >= c.first AND entered_at <= %(t1)s
        OFFSET 0
    ) s
),
secondary AS (
    SELECT DISTINCT t.person_key
    FROM cst p
    CROSS JOIN LATERAL (
        SELECT person_key, entered_at, left_at FROM places_scan
        WHERE place_code_id = p.code
          AND entered_at >= p.s_in - %(w)s - %(auto)s AND entered_at < p.s_out + %(w)s
        OFFSET 0
    ) t
    WHERE COALESCE(t.left_at, t.entered_at + %(auto)s) > p.s_in - %(w)s
      AND t.person_key <> ALL(%(cases)s::varchar[])
      AND NOT EXISTS (SELECT 1 FROM close c WHERE c.person_key = t.person_key)
)
SELECT 'close', person_key FROM close
UNION ALL
SELECT 'secondary', person_key FROM secondary
"""


# ``OFFSET 0`` keeps each LATERAL subquery a parameterised probe: without it PostgreSQL pulls the
# subquery up into a join and, for the close contacts' own stays, hashes the whole scan table.


def hand_written(cases, t0, t1, auto, explain=False):
    from django.db import connection

    params = {
        "cases": list(cases),
        "t0": t0,
        "t1": t1,
        "w": datetime.timedelta(minutes=WINDOW_MINUTES),
        "auto": auto,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        if explain:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + HAND_SQL, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(HAND_SQL, params)
        rows = cursor.fetchall()
    close = {key for level, key in rows if level == "close"}
    return close, {key for level, key in rows if level == "secondary"}


def engine(cases, t0, t1, secondary):
    from sibao.places.tracing import trace

    result = trace(cases, t0, t1, window_minutes=WINDOW_MINUTES, include_secondary=secondary)
    return {c.person_key for c in result.close}, {c.person_key for c in result.secondary}


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure_one_case(world: World, cases: int, secondary_cases: int):
    from django.db import connection
    from django.test import Client

    from sibao.accounts.actions import create_api_token
    from sibao.accounts.roles import Role
    from sibao.core import rules
    from sibao.core.testing import make_user

    auto = datetime.timedelta(hours=rules.current()["auto_checkout_hours"])
    t1 = world.now
    t0 = t1 - datetime.timedelta(days=14)
    rng = random.Random(7)
    picked = [world.keys[rng.randrange(world.workers)] for _ in range(cases)]
    from sibao.accounts.models import User

    officer = User.objects.filter(username="bench-officer").first() or make_user(
        Role.HEALTH_OFFICE, region="41", username="bench-officer"
    )
    _token, key = create_api_token(officer, name="基准测试", actor=officer)
    import sibao.config.wsgi  # noqa: F401 — the URL patterns loaded, as an app server starts

    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    api_ms, engine_ms, close_sizes = [], [], []
    with frozen_heap():
        for n, case in enumerate(picked):
            began = time.perf_counter()
            close, _none = engine([case], t0, t1, secondary=False)
            engine_ms.append((time.perf_counter() - began) * 1000)
            close_sizes.append(len(close))
            body = {
                "case_keys": [case],
                "period_from": t0.isoformat(),
                "period_to": t1.isoformat(),
                "window_minutes": WINDOW_MINUTES,
                "include_secondary": False,
                "reason": "基准测试：单病例密接",
                "case_ref": f"BENCH-{n:03d}",
            }
            began = time.perf_counter()
            answer = client.post(
                "/api/tracing-jobs/", json.dumps(body), content_type="application/json"
            )
            api_ms.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 201, answer.content[:300]
            assert answer.json()["close_count"] == len(close)
    both_engine, both_hand, sizes = [], [], []
    for case in picked[:secondary_cases]:
        began = time.perf_counter()
        close, secondary = engine([case], t0, t1, secondary=True)
        both_engine.append(time.perf_counter() - began)
        began = time.perf_counter()
        hand_close, hand_secondary = hand_written([case], t0, t1, auto)
        both_hand.append(time.perf_counter() - began)
        assert (close, secondary) == (hand_close, hand_secondary), "engine and SQL differ"
        sizes.append((len(close), len(secondary)))
    plan = hand_written(picked[:1], t0, t1, auto, explain=True)
    return {
        "api_p50": statistics.median(api_ms),
        "api_p95": percentile(api_ms, 0.95),
        "engine_p50": statistics.median(engine_ms),
        "engine_p95": percentile(engine_ms, 0.95),
        "close_median": statistics.median(close_sizes),
        "both_engine": sum(both_engine),
        "both_hand": sum(both_hand),
        "sizes": sizes,
        "plan": plan,
        "picked": picked,
        "auto": auto,
        "period": (t0, t1),
    }


# --- c. 100 cases vs DuckDB ---------------------------------------------------------------------

DUCK_SQL = """
WITH cases AS (SELECT unnest(?::VARCHAR[]) AS key),
cs AS (
    SELECT place_code_id AS code, entered_at AS s_in, s_out FROM scans
    WHERE person_key IN (SELECT key FROM cases) AND entered_at >= ? AND entered_at <= ?
),
close AS (
    SELECT t.person_key, min(greatest(t.entered_at, cs.s_in - INTERVAL {w} MINUTE)) AS first
    FROM cs JOIN scans t ON t.place_code_id = cs.code
        AND t.entered_at < cs.s_out + INTERVAL {w} MINUTE
        AND t.s_out > cs.s_in - INTERVAL {w} MINUTE
    WHERE t.person_key NOT IN (SELECT key FROM cases)
    GROUP BY t.person_key
),
cst AS (
    SELECT s.place_code_id AS code, s.entered_at AS s_in, s.s_out
    FROM close c JOIN scans s ON s.person_key = c.person_key
        AND s.entered_at >= c.first AND s.entered_at <= ?
),
secondary AS (
    SELECT DISTINCT t.person_key
    FROM cst JOIN scans t ON t.place_code_id = cst.code
        AND t.entered_at < cst.s_out + INTERVAL {w} MINUTE
        AND t.s_out > cst.s_in - INTERVAL {w} MINUTE
    WHERE t.person_key NOT IN (SELECT key FROM cases)
      AND t.person_key NOT IN (SELECT person_key FROM close)
)
SELECT 'close', person_key FROM close
UNION ALL
SELECT 'secondary', person_key FROM secondary
"""


def export_to_duckdb(duck, auto_hours: int) -> float:
    from django.db import connection

    began = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="sibao-bench-"))
    path = folder / "scans.csv"
    with connection.cursor() as cursor, path.open("wb") as handle:
        query = "SELECT person_key, place_code_id, entered_at, left_at FROM places_scan"
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                handle.write(chunk)
    duck.execute(
        f"""CREATE TABLE scans AS
        SELECT person_key, place_code_id, entered_at,
               coalesce(left_at, entered_at + INTERVAL {auto_hours} HOUR) AS s_out
        FROM read_csv('{path}', header=false, columns={{'person_key': 'VARCHAR',
             'place_code_id': 'BIGINT', 'entered_at': 'TIMESTAMPTZ', 'left_at': 'TIMESTAMPTZ'}})"""
    )
    path.unlink()
    folder.rmdir()
    return time.perf_counter() - began


def duck_trace(duck, cases, t0, t1):
    rows = duck.execute(DUCK_SQL.format(w=WINDOW_MINUTES), [list(cases), t0, t1, t1]).fetchall()
    close = {key for level, key in rows if level == "close"}
    return close, {key for level, key in rows if level == "secondary"}


def best(repeat, function):
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return min(times), result


def measure_many(world: World, duck, n_cases: int, repeat: int, timeout: int):
    """The engine's time is bounded by ``timeout`` seconds (``statement_timeout``): None when
    it did not finish."""
    from django.db import connection, transaction
    from django.db.utils import OperationalError

    rng = random.Random(11)
    cases = sorted({world.keys[rng.randrange(world.workers)] for _ in range(n_cases)})
    t1 = world.now
    t0 = t1 - datetime.timedelta(days=14)
    theirs_time, theirs = best(repeat, lambda: duck_trace(duck, cases, t0, t1))

    def ours():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = '{timeout}s'")
            return engine(cases, t0, t1, secondary=True)

    try:
        platform, result = best(repeat, ours)
    except OperationalError:
        platform, result = None, None
    if result is not None:
        assert result == theirs, (
            f"engine and DuckDB differ: close {len(result[0])} vs {len(theirs[0])}, "
            f"secondary {len(result[1])} vs {len(theirs[1])}"
        )
    return {
        "platform": platform,
        "duckdb": theirs_time,
        "close": len(theirs[0]),
        "secondary": len(theirs[1]),
        "cases": len(cases),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(TIERS), default="S")
    parser.add_argument("--workers", type=int, help="scale the tier's workers down (or up)")
    parser.add_argument("--days", type=int, help="days of scans (default: the tier's)")
    parser.add_argument("--unit-size", type=int, default=200)
    parser.add_argument("--ingest-rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument(
        "--senders", type=int, default=2, help="clients posting at once in the second HTTP run"
    )
    parser.add_argument("--cases", type=int, default=50, help="single cases for p50/p95")
    parser.add_argument("--secondary-cases", type=int, default=10)
    parser.add_argument(
        "--many", default="100,10", help="cases traced at once vs DuckDB (comma-separated runs)"
    )
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--many-timeout", type=int, default=120, help="seconds the engine may take in c"
    )
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="sibao_bench_places")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="SIBAO_DB_CONN_MAX_AGE for the HTTP measurements (0: a new connection per request)",
    )
    parser.add_argument(
        "--only",
        default="a,b,c",
        help="measurements to run (comma-separated of a, b, c; default all)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of an earlier run with the same --workers/--days/--unit-size "
        "instead of generating it again (the scans then end at that run's time)",
    )
    args = parser.parse_args()
    only = {part.strip() for part in args.only.split(",")}
    workers, days = TIERS[args.tier]
    workers = args.workers or workers
    days = args.days or days
    reused = setup_django(args.server, args.db, args.reuse, args.conn_max_age)
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    if reused:
        now = _generated_at(now)
    world = World(workers, args.unit_size, days, now, args.seed)
    print(
        f"tier {args.tier}: {workers:,} workers, {days} days "
        f"(SIBAO_DB_CONN_MAX_AGE={args.conn_max_age}):"
    )
    scans = recall(world) if reused else generate(world)
    print(
        f"tier {args.tier}: {workers:,} workers, {world.n_units:,} units, "
        f"{world.n_units * (SPACES_PER_UNIT - 1):,} codes, {scans:,} scans over {days} days",
        flush=True,
    )

    if "a" in only:
        report_ingestion(world, args)
    if "b" in only or "c" in only:
        report_tracing(world, args, only)


def _generated_at(fallback):
    """The ``now`` of the run that generated a kept database (the scans' received_at)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT received_at FROM places_scan WHERE device LIKE 'gen:%%' LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else fallback


def report_ingestion(world, args):
    ingestion = measure_ingestion(world, args.ingest_rows, args.batch, args.senders)
    print(
        f"a. ingestion, {args.ingest_rows:,} rows in batches of {args.batch:,}: raw COPY "
        f"{ingestion['copy_first']:,.0f} / {ingestion['copy_again']:,.0f} rows/s, HTTP "
        f"{ingestion['http']:,.0f} rows/s, ratio {ingestion['ratio']:.2f} (goal ≥ 0.5); "
        f"{ingestion['senders']} senders at once {ingestion['http_together']:,.0f} rows/s, "
        f"ratio {ingestion['ratio_together']:.2f}",
        flush=True,
    )


def report_tracing(world, args, only):
    one = measure_one_case(world, args.cases, args.secondary_cases)
    print(
        f"b. one case over 14 days, {args.cases} cases (median {one['close_median']:.0f} close "
        f"contacts): API p50 {one['api_p50']:.1f} ms, p95 {one['api_p95']:.1f} ms (goal ≤ 20); "
        f"engine p50 {one['engine_p50']:.1f} ms, p95 {one['engine_p95']:.1f} ms"
    )
    sizes = one["sizes"]
    if sizes:
        close_mean = statistics.mean(s[0] for s in sizes)
        secondary_mean = statistics.mean(s[1] for s in sizes)
        per_engine = one["both_engine"] / len(sizes) * 1000
        per_hand = one["both_hand"] / len(sizes) * 1000
        print(
            f"   close + secondary, {len(sizes)} cases (mean {close_mean:.0f} close, "
            f"{secondary_mean:.0f} secondary, results equal): engine {per_engine:.0f} ms/case, "
            f"hand-written SQL {per_hand:.0f} ms/case, ratio "
            f"{one['both_engine'] / one['both_hand']:.2f} (goal ≤ 1.5)"
        )
    plan = "\n".join(one["plan"])
    probes = plan.count("Index Scan") + plan.count("Index Only Scan")
    seq = "Seq Scan on places_scan" in plan
    print(
        f"   hand-written plan: {probes} index scan nodes, "
        f"{'a' if seq else 'no'} sequential scan of the scan table",
        flush=True,
    )
    if os.environ.get("BENCH_PLAN"):
        print(plan)

    if not args.skip_duckdb and "c" in only:
        import duckdb

        duck = duckdb.connect()
        duck.execute("SET TimeZone = 'UTC'")
        load = export_to_duckdb(duck, int(one["auto"].total_seconds() // 3600))
        for n_cases in (int(n) for n in args.many.split(",")):
            many = measure_many(world, duck, n_cases, args.repeat, args.many_timeout)
            if many["platform"] is None:
                engine_text = f"engine > {args.many_timeout} s (cancelled)"
                ratio = f"> {args.many_timeout / many['duckdb']:.1f}"
            else:
                engine_text = f"engine {many['platform']:.2f} s"
                ratio = f"{many['platform'] / many['duckdb']:.2f}"
            print(
                f"c. {many['cases']} cases at once ({many['close']:,} close, "
                f"{many['secondary']:,} secondary): {engine_text}, DuckDB {many['duckdb']:.2f} s, "
                f"ratio {ratio} (goal < 1; export and load into DuckDB {load:.0f} s, not timed)",
                flush=True,
            )


if __name__ == "__main__":
    main()
