"""Soak (issue 11): two app servers and two background workers on one PostgreSQL database and one
Redis cache under a steady mixed load, to show that nothing assumes a single process (locks,
number sequences, task claims, caches) and that error rate, latency and memory stay flat.

Plain script, no test runner, loopback only; it stops by itself:

    .venv/bin/python benchmarks/soak.py                      # 30 minutes of load
    .venv/bin/python benchmarks/soak.py --duration 180       # 3 minutes
    .venv/bin/python benchmarks/soak.py --short --db sibao_soak_ci --redis-db 9 --out var/soak.json

Steps:

1. (Re)create the scratch database ``--db`` (dropped first) as a copy of ``--template``, a
   migrated database kept between runs (built, or rebuilt when a migration file changed, on the
   first run); flush Redis database ``--redis-db`` (the servers' ``SIBAO_CACHE_URL``). Build a world: ``--units`` units with 20
   workers each, their spaces and place codes (``places_scans.generate``), a gateway data feed,
   a checkpoint with a signed pass and its occupants' 两码一证, a province HQ office (API token,
   and a signed-in session past the second factor for the board) and a province department's
   handler (API token).
2. Start two gunicorn servers (one worker process, ``--threads`` threads each) on two ports and
   two ``sibao db_worker`` processes, all with ``SIBAO_DB_CONN_MAX_AGE=60`` and rate limits out
   of the way (all load comes from one loopback address): ``--rate-limits``, by default login
   and public off and an ingest budget no load reaches, so that the ingest counters the servers
   share in Redis still count every request.
3. Warm-up (one unmeasured operation of each kind per server), then a burst: eight work-order
   flows released at the same moment over both servers (no request may fail). Ramp: a closed
   loop of ``--clients`` clients running the mix back to back for ``--ramp`` seconds; its rate
   (mix operations per second) is the measured maximum.
4. Load: an open loop at ``--load`` (80 %) of that maximum for ``--duration`` seconds, each
   operation sent to the two servers in turn. The mix, by weight: a gateway scan batch
   (``POST /api/feeds/scan/``, ``--scan-batch`` records) 4, a checkpoint verification
   (``POST /api/checkpoint-checks/``) 4, the board (``GET /dashboard/`` then its HTMX panels
   fragment) 1, a work-order flow (file a demand, accept it, dispatch it, sign, start, reply:
   six requests) 1. Demand filings and sentinel alerts enqueue warning re-evaluations for the
   workers; the script also enqueues ``send_outbox`` every ``--outbox-every`` seconds.
5. Drain: wait until the workers have run every task; then check the invariants in the
   database: every acknowledged scan and check stored exactly once, demand and work-order
   numbers unique and gapless per day, every task successful and claimed by exactly one worker
   (and each ``send_outbox`` the script enqueued run), the board's cache entries in Redis (not a
   process's memory) and the shared ingest counter equal to the ingest requests answered.

It prints and writes (``--out``) per window of ``--window`` seconds: requests, errors (answers
other than 2xx/3xx and connection errors), p50/p95 per operation, resident memory of each server
and worker; then the error rate, the p95 drift (last window against the first steady one) and
memory growth per process. Exit status 1 when an invariant fails or the error rate is above
``--max-error-rate``.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import processes  # noqa: E402
from benchmarks.places_scans import World, generate, ingestion_rows  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432"
MIX = (("scan", 4), ("verify", 4), ("board", 1), ("workorder", 1))
WORKERS_PER_UNIT = 20
# All load comes from one loopback address: no limit may refuse it. The ingest budget is far above
# any load yet counted, so the shared counters in Redis are checked against the requests sent.
RATE_LIMITS = "login=off,public=off,ingest=1000000000/86400"
INGEST = ("scan", "verify")
BURST = 8  # work-order flows filed at the same moment (the servers' threads: 2 × 4)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=1800, help="seconds of steady load")
    parser.add_argument("--short", action="store_true", help="CI: 6 s ramp, 45 s of load, 60 units")
    parser.add_argument("--db", default="sibao_soak", help="scratch database (dropped first)")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL (no database)")
    parser.add_argument(
        "--template",
        default="sibao_soak_template",
        help="migrated database cloned for each run (rebuilt when the migrations change)",
    )
    parser.add_argument("--redis-db", type=int, default=5, help="Redis database number (flushed)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server URL")
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4, help="threads per app server")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients of the ramp")
    parser.add_argument("--ramp", type=float, default=30, help="seconds of the ramp")
    parser.add_argument("--load", type=float, default=0.8, help="share of the maximum rate")
    parser.add_argument("--window", type=float, default=60, help="seconds per report window")
    parser.add_argument("--scan-batch", type=int, default=25)
    parser.add_argument("--outbox-every", type=float, default=10)
    parser.add_argument("--max-error-rate", type=float, default=0.01)
    parser.add_argument(
        "--rate-limits",
        default=RATE_LIMITS,
        help="the servers' SIBAO_RATE_LIMITS (default: login and public off, ingest never reached)",
    )
    parser.add_argument("--logs", type=Path, help="directory for the processes' logs")
    args = parser.parse_args(argv)
    if args.short:
        args.duration, args.ramp, args.window = 45, 6, 15
        args.units = min(args.units, 60)
    return args


# --- the database -------------------------------------------------------------------------------


def migration_stamp() -> str:
    """A digest of every migration file: the template is rebuilt when it changes."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "sibao").glob("*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_database(server: str, name: str, template: str) -> None:
    """``name`` (dropped first) as a copy of ``template``, a migrated database kept between runs
    and marked with the migrations' digest: migrating from scratch takes minutes on a busy
    machine, copying a template a second or two. Runs at once wait for each other here."""
    import psycopg

    stamp = migration_stamp()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"soak-template:{template}"])
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [template],
        ).fetchone()
        if row is None or row[0] != stamp:
            print(f"  migrating the template database {template} …", flush=True)
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{template}"')
            subprocess.run(
                [str(processes.BIN / "sibao"), "migrate", "-v", "0"],
                env=processes.process_env(f"{server}/{template}"),
                cwd=ROOT,
                check=True,
            )
            conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{stamp}'")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ["SIBAO_DB_CONN_MAX_AGE"] = "60"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
    import django

    django.setup()


# --- the world ----------------------------------------------------------------------------------


class Scene:
    """What the load needs to know: tokens, ids, the session cookie and the generated units."""

    def __init__(self, **values):
        self.__dict__.update(values)


def build_world(args) -> Scene:
    from django.test import Client
    from django.utils import timezone

    from sibao.accounts.actions import create_api_token
    from sibao.accounts.roles import Role
    from sibao.core.testing import (
        OWN_COUNTY,
        ensure_departments,
        id_number,
        make_user,
        pass_second_factor,
    )
    from sibao.epidemic.actions import feeds
    from sibao.regions.models import Department
    from tests.routes.log_checkpoint import make_checkpoint, make_officer, make_pass, make_status

    now = timezone.now()
    world = World(args.units * WORKERS_PER_UNIT, WORKERS_PER_UNIT, 0, now, seed=11)
    generate(world)
    ensure_departments("41", "4101", OWN_COUNTY)
    source = feeds.register_data_source("gw-soak", "压测闸机网关", actor=None)
    _token, feed_key = feeds.issue_feed_token(source, actor=None)

    checkpoint = make_checkpoint()
    officer = make_officer(username="soak_officer")
    _token, officer_key = create_api_token(officer, name="soak", actor=officer)
    occupants = [id_number() for _ in range(2)]
    for number in occupants:
        make_status(number)

    office = make_user(Role.HQ_OFFICE, "41", username="soak_office")
    _token, office_key = create_api_token(office, name="soak", actor=office)
    handler = make_user(
        Role.DEPARTMENT_STAFF, "41", department_kind="industry_it", username="soak_handler"
    )
    _token, handler_key = create_api_token(handler, name="soak", actor=handler)
    viewer = make_user(Role.HQ_OFFICE, "41", username="soak_board")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(viewer)
    if viewer.requires_two_factor:
        pass_second_factor(browser, viewer)
    return Scene(
        world=world,
        feed_key=feed_key,
        checkpoint=checkpoint.pk,
        officer_key=officer_key,
        pass_token=make_pass().token,
        occupants=occupants,
        office_key=office_key,
        handler_key=handler_key,
        department=Department.objects.get(region_id="41", kind="industry_it").pk,
        units=[unit for unit, _region in world.units],
        cookie=f"sessionid={browser.cookies['sessionid'].value}",
    )


# --- the load -----------------------------------------------------------------------------------


class Recorder:
    """Requests per window and operation: latencies (ms), errors, acknowledged ids."""

    def __init__(self):
        self.lock = threading.Lock()
        self.window = "ramp"
        self.latencies = defaultdict(lambda: defaultdict(list))
        self.errors = defaultdict(Counter)
        self.error_samples: list = []
        self.acked_scans: set = set()
        self.acked_checks: set = set()
        self.operations = Counter()
        self.answered = Counter()  # requests that got an HTTP answer, per operation
        self.unanswered = Counter()  # connection errors

    def note(self, name: str, started: float, status) -> bool:
        elapsed = (time.perf_counter() - started) * 1000
        ok = isinstance(status, int) and 200 <= status < 400
        with self.lock:
            self.latencies[self.window][name].append(elapsed)
            if isinstance(status, int):
                self.answered[name] += 1
            else:
                self.unanswered[name] += 1
            if not ok:
                self.errors[self.window][name] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{name}: {status}")
        return ok


class Load:
    """The mix; each thread keeps one keep-alive connection per server and identity."""

    def __init__(self, scene: Scene, ports: list[int], recorder: Recorder, batch: int):
        self.scene = scene
        self.batch = batch
        self.ports = ports
        self.recorder = recorder
        self.local = threading.local()
        self.counter = iter(range(1 << 62))
        self.counter_lock = threading.Lock()
        self.weights = [w for _name, w in MIX]
        self.names = [name for name, _w in MIX]

    def next_number(self) -> int:
        with self.counter_lock:
            return next(self.counter)

    def client(self, port: int, token: str | None):
        clients = getattr(self.local, "clients", None)
        if clients is None:
            clients = self.local.clients = {}
        if (port, token) not in clients:
            clients[(port, token)] = processes.Client(port, token)
        return clients[(port, token)]

    def call(self, name, port, token, method, path, body=None, headers=None):
        """``(ok, answer or None)`` of one request, recorded under ``name``."""
        started = time.perf_counter()
        try:
            status, data = self.client(port, token).request(method, path, body, headers)
        except Exception as exc:  # connection refused/reset, timeout: not acknowledged
            self.recorder.note(name, started, type(exc).__name__)
            return False, None
        ok = self.recorder.note(name, started, status)
        if not ok:
            with self.recorder.lock:
                if len(self.recorder.error_samples) < 20:
                    self.recorder.error_samples.append(f"{name} {status}: {data[:200]!r}")
        return ok, data

    def run_one(self, rng: random.Random) -> None:
        n = self.next_number()
        port = self.ports[n % len(self.ports)]
        name = rng.choices(self.names, self.weights)[0]
        getattr(self, name)(port, n)
        with self.recorder.lock:
            self.recorder.operations[name] += 1

    def scan(self, port, n):
        scene = self.scene
        records, _rows = ingestion_rows(scene.world, self.batch, f"soak{n:09d}-", n)
        ok, data = self.call("scan", port, scene.feed_key, "POST", "/api/feeds/scan/", records)
        if ok:
            answer = json.loads(data)
            if answer.get("accepted", 0) + answer.get("duplicates", 0) == len(records):
                with self.recorder.lock:
                    self.recorder.acked_scans.update(r["event_id"] for r in records)

    def verify(self, port, n):
        scene = self.scene
        event = f"soak{n:09d}-{uuid.uuid4().hex[:8]}"
        body = {
            "checkpoint": scene.checkpoint,
            "token": scene.pass_token,
            "occupants": scene.occupants,
            "client_event_id": event,
        }
        ok, _data = self.call(
            "verify", port, scene.officer_key, "POST", "/api/checkpoint-checks/", body
        )
        if ok:
            with self.recorder.lock:
                self.recorder.acked_checks.add(event)

    def board(self, port, n):
        headers = {"Cookie": self.scene.cookie}
        ok, _data = self.call("board", port, None, "GET", "/dashboard/?region=41", None, headers)
        if ok:
            headers = {**headers, "HX-Request": "true"}
            self.call("panels", port, None, "GET", "/dashboard/panels/?region=41", None, headers)

    def workorder(self, port, n):
        scene = self.scene
        unit = scene.units[n % len(scene.units)]
        demand = {
            "enterprise": unit,
            "category": "raw_materials",
            "title": "原料供应中断",
            "description": "上游停产，需协调替代货源。",
        }
        ok, data = self.call("wo_file", port, scene.office_key, "POST", "/api/demands/", demand)
        if not ok:
            return
        pk = json.loads(data)["id"]
        path = f"/api/demands/{pk}/accept/"
        ok, _data = self.call("wo_accept", port, scene.office_key, "POST", path, {})
        if not ok:
            return
        order = {"demand": pk, "department": scene.department, "role": "lead"}
        ok, data = self.call(
            "wo_dispatch", port, scene.office_key, "POST", "/api/work-orders/", order
        )
        if not ok:
            return
        order = json.loads(data)
        base = f"/api/work-orders/{order['id']}"
        steps = (
            ("sign", {"version": order["version"]}),
            ("start", {}),
            ("reply", {"answer": "已协调货源"}),
        )
        for step, body in steps:
            ok, _data = self.call(
                f"wo_{step}", port, scene.handler_key, "POST", f"{base}/{step}/", body
            )
            if not ok:
                return


def burst(load: Load, flows: int) -> None:
    """``flows`` work-order flows released at the same moment over both servers: the day's
    numbers must come out unique and gapless with no request failing (window "burst")."""
    load.recorder.window = "burst"
    start = threading.Barrier(flows, timeout=60)

    def flow(index):
        start.wait()
        load.workorder(load.ports[index % len(load.ports)], load.next_number())

    pool = [threading.Thread(target=flow, args=(i,)) for i in range(flows)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    load.recorder.window = "ramp"


def closed_loop(load: Load, clients: int, seconds: float) -> float:
    """Mix operations per second with ``clients`` threads sending back to back."""
    stop = time.monotonic() + seconds

    def client(index):
        rng = random.Random(index)
        while time.monotonic() < stop:
            load.run_one(rng)

    before = sum(load.recorder.operations.values())
    began = time.monotonic()
    pool = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return (sum(load.recorder.operations.values()) - before) / (time.monotonic() - began)


def open_loop(load: Load, rate: float, seconds: float, window: float, on_window) -> dict:
    """Operations sent on a fixed schedule at ``rate`` per second for ``seconds``; the window
    label moves every ``window`` seconds (``on_window(label)`` is called at each boundary)."""
    total = int(rate * seconds)
    began = time.perf_counter() + 0.1
    late = []
    rng = random.Random(7)
    lock = threading.Lock()

    def one(due):
        lag = time.perf_counter() - due
        with lock:
            late.append(lag)
        load.run_one(random.Random(rng.random()))

    label = 0
    load.recorder.window = label
    with ThreadPoolExecutor(max_workers=max(8, int(rate) * 2 + 8)) as pool:
        for k in range(total):
            due = began + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            current = int((due - began) // window)
            if current != label:
                on_window(label)
                label = current
                load.recorder.window = label
            pool.submit(one, due)
    on_window(label)
    late.sort()
    return {
        "scheduled": total,
        "lag_p95_ms": late[int(0.95 * (len(late) - 1))] * 1000 if late else 0,
    }


# --- the workers' tasks and the invariants ------------------------------------------------------


def enqueue_outbox(stop: threading.Event, every: float, enqueued: list) -> None:
    from django.db import connection

    from sibao.core.tasks import send_outbox

    while not stop.wait(every):
        try:
            enqueued.append(str(send_outbox.enqueue().id))
        except Exception as exc:  # noqa: BLE001 - reported, the load goes on
            enqueued.append(f"error: {exc}")
    connection.close()


def drain(seconds: float) -> int:
    """Wait until no task is ready or running; returns how many still are."""
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + seconds
    while True:
        waiting = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
        if not waiting or time.monotonic() > deadline:
            return waiting
        time.sleep(1)


def gapless(numbers: list[str]) -> dict:
    by_day = defaultdict(list)
    for number in numbers:
        stem, _sep, n = number.rpartition("-")
        by_day[stem].append(int(n))
    duplicates = len(numbers) - len(set(numbers))
    gaps = sum(max(ns) - len(set(ns)) for ns in by_day.values())
    return {"count": len(numbers), "duplicates": duplicates, "gaps": gaps}


def invariants(recorder: Recorder, outbox: list, waiting: int, limited: bool) -> dict:
    from django.core.cache import cache
    from django_tasks_db.models import DBTaskResult

    from sibao.logistics.models import Check
    from sibao.places.models import Scan
    from sibao.workorders.models import Demand, WorkOrder

    found = {}
    stored = list(
        Scan.objects.filter(event_id__startswith="soak").values_list("event_id", flat=True)
    )
    found["scans"] = {
        "acknowledged": len(recorder.acked_scans),
        "stored": len(stored),
        "duplicates": len(stored) - len(set(stored)),
        "missing": len(recorder.acked_scans - set(stored)),
    }
    found["scans"]["ok"] = not found["scans"]["duplicates"] and not found["scans"]["missing"]
    stored = list(
        Check.objects.filter(client_event_id__startswith="soak").values_list(
            "client_event_id", flat=True
        )
    )
    found["checks"] = {
        "acknowledged": len(recorder.acked_checks),
        "stored": len(stored),
        "duplicates": len(stored) - len(set(stored)),
        "missing": len(recorder.acked_checks - set(stored)),
    }
    found["checks"]["ok"] = not found["checks"]["duplicates"] and not found["checks"]["missing"]
    for label, model in (("demand_numbers", Demand), ("work_order_numbers", WorkOrder)):
        found[label] = gapless(list(model.objects.values_list("number", flat=True)))
        found[label]["ok"] = not found[label]["duplicates"] and not found[label]["gaps"]
    tasks = list(DBTaskResult.objects.values_list("status", "worker_ids", "task_path"))
    by_worker = Counter(ids[0] for _status, ids, _path in tasks if ids)
    ids = set(str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True))
    found["tasks"] = {
        "total": len(tasks),
        "statuses": dict(Counter(status for status, _ids, _path in tasks)),
        "by_task": dict(Counter(path.rsplit(".", 1)[-1] for _s, _i, path in tasks)),
        "claimed_more_than_once": sum(1 for _s, ids_, _p in tasks if len(ids_) > 1),
        "by_worker": list(by_worker.values()),
        "outbox_enqueued": len(outbox),
        "outbox_enqueue_errors": sum(1 for x in outbox if x.startswith("error")),
        "outbox_missing": sum(1 for x in outbox if not x.startswith("error") and x not in ids),
        "still_waiting": waiting,
    }
    t = found["tasks"]
    t["ok"] = (
        t["statuses"].get("SUCCESSFUL", 0) == t["total"]
        and not t["claimed_more_than_once"]
        and not t["outbox_enqueue_errors"]
        and not t["outbox_missing"]
        and not waiting
        and t["outbox_enqueued"] > 0
    )
    redis = cache._cache.get_client()
    entries = list(redis.scan_iter(match="sibao:*dashboard:*"))
    counted = sum(
        int(redis.get(k) or 0) for k in redis.scan_iter(match="sibao:*ratelimit:*ingest*")
    )
    answered = sum(recorder.answered[name] for name in INGEST)
    unanswered = sum(recorder.unanswered[name] for name in INGEST)
    found["cache"] = {
        "board_entries_in_redis": len(entries),
        "ingest_requests_answered": answered,
        "ingest_requests_unanswered": unanswered,
        "ingest_counter": counted if limited else None,
    }
    # every ingest request is counted once in the counter the two servers share (an unanswered
    # one may or may not have reached a server)
    consistent = not limited or answered <= counted <= answered + unanswered
    found["cache"]["ok"] = len(entries) > 0 and consistent
    return found


# --- the report ---------------------------------------------------------------------------------


def pct(values, share) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def window_rows(recorder: Recorder, rss: dict) -> list:
    rows = []
    for label in sorted(k for k in recorder.latencies if isinstance(k, int)):
        ops = recorder.latencies[label]
        everything = [x for values in ops.values() for x in values]
        rows.append(
            {
                "window": label,
                "requests": len(everything),
                "errors": sum(recorder.errors[label].values()),
                "p50_ms": round(pct(everything, 0.5), 1) if everything else None,
                "p95_ms": round(pct(everything, 0.95), 1) if everything else None,
                "operations": {
                    name: {
                        "n": len(values),
                        "errors": recorder.errors[label][name],
                        "p50_ms": round(pct(values, 0.5), 1),
                        "p95_ms": round(pct(values, 0.95), 1),
                    }
                    for name, values in sorted(ops.items())
                },
                "rss_kib": rss.get(label, {}),
            }
        )
    return rows


def summary(rows: list, recorder: Recorder) -> dict:
    requests = sum(r["requests"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    first, last = (rows[0], rows[-1]) if rows else ({}, {})
    drift = {}
    for name, values in last.get("operations", {}).items():
        before = first["operations"].get(name)
        if before and before["p95_ms"]:
            drift[name] = round(values["p95_ms"] / before["p95_ms"], 2)
    growth = {}
    for name, kib in last.get("rss_kib", {}).items():
        start = first["rss_kib"].get(name)
        if start:
            growth[name] = {"first_kib": start, "last_kib": kib, "growth_kib": kib - start}
    overall = None
    if first.get("p95_ms") and last.get("p95_ms"):
        overall = round(last["p95_ms"] / first["p95_ms"], 2)
    return {
        "requests": requests,
        "errors": errors,
        "error_rate": errors / requests if requests else 1.0,
        "p95_drift": overall,
        "p95_drift_per_operation": drift,
        "memory": growth,
        "operations": dict(recorder.operations),
        "error_samples": recorder.error_samples,
    }


def print_rows(rows: list) -> None:
    print(f"{'window':>6} {'requests':>8} {'errors':>6} {'p50':>7} {'p95':>7}  rss MiB")
    for r in rows:
        rss = " ".join(f"{k}={v / 1024:.0f}" for k, v in r["rss_kib"].items())
        print(
            f"{r['window']:>6} {r['requests']:>8} {r['errors']:>6} {r['p50_ms'] or 0:>7.1f} "
            f"{r['p95_ms'] or 0:>7.1f}  {rss}"
        )


# --- main ---------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    cache_url = f"{args.redis}/{args.redis_db}"
    os.environ["SIBAO_CACHE_URL"] = cache_url
    os.environ["SIBAO_RATE_LIMITS"] = args.rate_limits
    import redis

    redis.Redis.from_url(cache_url).flushdb()
    began = time.monotonic()
    print(f"database {args.db}, cache {cache_url} …", flush=True)
    prepare_database(args.server, args.db, args.template)
    logs = args.logs or Path(tempfile.mkdtemp(prefix="sibao-soak-"))
    logs.mkdir(parents=True, exist_ok=True)
    env = processes.process_env(
        f"{args.server}/{args.db}",
        SIBAO_CACHE_URL=cache_url,
        SIBAO_RATE_LIMITS=args.rate_limits,
        SIBAO_DB_CONN_MAX_AGE="60",
    )
    started = {}
    try:
        # the processes boot (load the code) while the world is built
        for i in (1, 2):
            port = processes.free_port()
            started[f"server{i}"] = processes.start_server(
                port, env, workers=1, threads=args.threads, log=logs / f"server{i}.log"
            )
            started[f"server{i}"].port = port
        for i in (1, 2):
            started[f"worker{i}"] = processes.start_worker(env, log=logs / f"worker{i}.log")
        ports = [started["server1"].port, started["server2"].port]
        print(f"servers on {ports}, two workers; logs in {logs}", flush=True)
        scene = build_world(args)
        print(f"  world ready {time.monotonic() - began:.0f} s after the start", flush=True)
        return run(args, scene, ports, started)
    finally:
        for process in started.values():
            processes.kill(process)


def run(args, scene: Scene, ports: list[int], started: dict) -> int:
    from django.db import connection

    recorder = Recorder()
    load = Load(scene, ports, recorder, args.scan_batch)
    rss = {}

    def sample(label):
        rss[label] = {name: processes.group_rss_kib(p) for name, p in started.items()}
        done = rss[label]
        print(f"  window {label}: " + " ".join(f"{k} {v / 1024:.0f} MiB" for k, v in done.items()))

    outbox, stop = [], threading.Event()
    enqueuer = threading.Thread(target=enqueue_outbox, args=(stop, args.outbox_every, outbox))
    enqueuer.start()
    try:
        # the first requests of a process load code, templates and connections: not measured
        recorder.window = "warmup"

        def warm(port):
            for name, _weight in MIX:
                getattr(load, name)(port, load.next_number())

        warming = [threading.Thread(target=warm, args=(port,)) for port in ports]
        for thread in warming:
            thread.start()
        for thread in warming:
            thread.join()
        burst(load, BURST)
        recorder.window = "ramp"
        maximum = closed_loop(load, args.clients, args.ramp)
        rate = args.load * maximum
        print(f"ramp: {maximum:.1f} operations/s at most; load at {rate:.1f}/s", flush=True)
        schedule = open_loop(load, rate, args.duration, args.window, sample)
    finally:
        stop.set()
        enqueuer.join()
    waiting = drain(120)
    found = invariants(
        recorder,
        outbox,
        waiting,
        "ingest=" in args.rate_limits and "ingest=off" not in args.rate_limits,
    )
    rows = window_rows(recorder, rss)
    result = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "duration_s": args.duration,
        "window_s": args.window,
        "max_rate": round(maximum, 2),
        "rate": round(rate, 2),
        "schedule": schedule,
        "ramp_requests": sum(len(v) for v in recorder.latencies["ramp"].values()),
        "ramp_errors": sum(recorder.errors["ramp"].values()),
        "warmup_errors": sum(recorder.errors["warmup"].values()),
        "burst_errors": sum(recorder.errors["burst"].values()),
        "windows": rows,
        "summary": summary(rows, recorder),
        "invariants": found,
    }
    result["ok"] = (
        all(check["ok"] for check in found.values())
        and not result["burst_errors"]
        and result["summary"]["error_rate"] <= args.max_error_rate
    )
    connection.close()
    print_rows(rows)
    s = result["summary"]
    print(
        f"error rate {s['error_rate']:.4%}, p95 drift {s['p95_drift']}, "
        f"memory growth {json.dumps({k: v['growth_kib'] for k, v in s['memory'].items()})} KiB"
    )
    for name, check in found.items():
        print(f"  {'ok  ' if check['ok'] else 'FAIL'} {name}: {json.dumps(check)}")
    print(f"  burst of {BURST} work-order flows at once: {result['burst_errors']} errors")
    for line in s["error_samples"][:5]:
        print(f"  error: {line}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print("OK" if result["ok"] else "FAILED")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
