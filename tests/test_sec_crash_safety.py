"""EPI-02: crash safety of the ingestion paths, drilled with real processes on loopback.

- An app server (gunicorn) killed with SIGKILL in the middle of NAT, scan and roster batches
  loses no acknowledged batch and commits no partial one; resending every batch afterwards
  stores each record exactly once.
- A background worker (``sibao db_worker``) killed in the middle of a task commits nothing of
  it; django-tasks-db never runs a task left RUNNING again by itself, ``sibao
  requeue-stale-tasks`` hands it back, and the rerun gives what an uninterrupted run gives.
- A PostgreSQL restart (fast and immediate) under a continuous feed: the server answers again
  without being restarted, and no acknowledged record is lost or stored twice.

The processes read the test database, so the tests commit (``transactional_db``).
"""

import datetime
import io
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from benchmarks.processes import (
    BIN,
    Client,
    free_port,
    kill,
    process_env,
    start_server,
    start_worker,
)
from sibao.accounts.actions import create_api_token
from sibao.accounts.roles import Role
from sibao.core.personal import person_key
from sibao.core.testing import (
    OWN_COUNTY,
    id_number,
    make_enterprise,
    make_feed_source,
    make_place_code,
    make_published_policy,
    make_site,
    make_space,
    make_user,
)
from sibao.epidemic.actions import issue_feed_token
from sibao.epidemic.models import FeedBatch, StaffMember
from sibao.epidemic.models import TestResult as NatResult
from sibao.places.models import Scan
from sibao.policies.models import PolicyMatch
from tests.epi_roster_files import csv_bytes, row, valid_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "var" / "crash"
# the servers of these drills: no rate limit, so a feed may send as fast as it can
SERVER_ENV = {"SIBAO_RATE_LIMITS": "off"}


def database_url() -> str:
    """The test database, for the processes."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def log_file(name: str) -> Path:
    LOGS.mkdir(parents=True, exist_ok=True)
    path = LOGS / f"{name}.log"
    path.unlink(missing_ok=True)
    return path


# --- a feed: batches sent from several threads, each acknowledged or not ------------------------


class Feed:
    """Sends ``bodies`` (index -> request body) from ``threads`` client threads to one server.

    ``acked`` holds the indexes the server answered with an acceptance; ``answers`` the answers'
    JSON; a request that got no answer is not acknowledged (``unanswered``). With ``retry`` a
    thread sends an unanswered batch again until it is answered, as a real feed does; without,
    the thread stops at its first unanswered request (its server is gone).
    """

    def __init__(
        self, port, token, path, bodies, *, headers=None, accept=(200,), threads=3, hold=None
    ):
        self.port, self.token, self.path = port, token, path
        self.bodies = bodies
        self.headers = headers or {}
        self.accept = accept
        self.threads = threads
        self.lock = threading.Lock()
        self.next = 0
        self.acked: set[int] = set()
        self.answers: dict[int, tuple[int, dict]] = {}
        self.unanswered: set[int] = set()
        self.refused: list[tuple[int, int, bytes]] = []
        self.in_flight = 0
        self.retry = False
        self.retries = 0
        self.errors = 0
        self.stop = threading.Event()
        self.workers: list[threading.Thread] = []
        # with ``hold``, batches from that index on wait until ``released`` is set
        self.hold = hold
        self.released = threading.Event()

    def start(self, *, retry=False):
        self.retry = retry
        self.workers = [
            threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)
        ]
        for worker in self.workers:
            worker.start()
        return self

    def join(self, seconds=120):
        for worker in self.workers:
            worker.join(seconds)
        assert not any(w.is_alive() for w in self.workers), "a feed thread hangs"

    def _take(self):
        while True:
            with self.lock:
                if self.next >= len(self.bodies) or self.stop.is_set():
                    return None
                if self.hold is None or self.next < self.hold or self.released.is_set():
                    self.next += 1
                    return self.next - 1
            self.released.wait(0.05)

    def _run(self):
        client = Client(self.port, self.token, timeout=60)
        try:
            while (index := self._take()) is not None:
                while True:
                    with self.lock:
                        self.in_flight += 1
                    try:
                        status, data = client.request(
                            "POST", self.path, self.bodies[index], headers=self.headers
                        )
                    except Exception:  # OSError, HTTPException: no answer
                        with self.lock:
                            self.in_flight -= 1
                            self.unanswered.add(index)
                        if not self.retry or self.stop.is_set():
                            return
                        with self.lock:
                            self.retries += 1
                        time.sleep(0.2)
                        continue
                    with self.lock:
                        self.in_flight -= 1
                        # with ``retry``, a 5xx (the server is up, its database not yet) is
                        # sent again, as a real feed does
                        again = status >= 500 and self.retry and not self.stop.is_set()
                        if again:
                            self.errors += 1
                            self.unanswered.add(index)
                        else:
                            self.unanswered.discard(index)
                            if status in self.accept:
                                self.acked.add(index)
                                self.answers[index] = (status, json.loads(data))
                            else:
                                self.refused.append((index, status, data[:300]))
                    if not again:
                        break
                    time.sleep(0.2)
        finally:
            client.close()

    def wait(self, condition, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if condition(self):
                    return
            time.sleep(0.005)
        raise AssertionError(f"feed: condition not reached ({len(self.acked)} acknowledged)")


def kill_mid_feed(server, feeds, *, after):
    """SIGKILL the server's process group once every feed has more than ``after`` batches
    acknowledged, at a moment when each feed has a request in flight; returns those requests'
    numbers.

    Each feed holds its batches from ``after`` on until every feed has its first ``after``
    acknowledged, so that a feed whose first requests were quick (a warm code path) cannot send
    all its batches while another still waits for its first answers: the feeds then run on
    together, and the moment comes within a few batches."""
    for feed in feeds:
        assert feed.hold == after, "the feeds are built with hold=after"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if all(len(f.acked) >= after for f in feeds):
            break
        time.sleep(0.005)
    for feed in feeds:
        feed.released.set()
    while time.monotonic() < deadline:
        for feed in feeds:
            feed.lock.acquire()
        try:
            if all(len(f.acked) > after and f.in_flight > 0 for f in feeds):
                in_flight = [f.in_flight for f in feeds]
                kill(server)
                break
        finally:
            for feed in feeds:
                feed.lock.release()
        time.sleep(0.002)
    else:
        kill(server)
        raise AssertionError(
            f"no moment in 90 s with every feed past {after} acknowledged and one in flight: "
            f"acknowledged {[len(f.acked) for f in feeds]} of {[len(f.bodies) for f in feeds]}"
        )
    for feed in feeds:
        feed.join()
    return in_flight


def name_of(b: int) -> str:
    return f"K{b:03d}"


def per_batch(keys) -> dict[str, int]:
    """Stored rows per batch, from natural keys that start with the batch's name."""
    counts: dict[str, int] = {}
    for key in keys:
        counts[key[:4]] = counts.get(key[:4], 0) + 1
    return counts


BOUNDARY = uuid.uuid4().hex


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, dict]:
    boundary = BOUNDARY
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


# --- the three feeds of the drill ---------------------------------------------------------------

# enough batches that no feed runs out between its first answers after the hold and the kill
BATCHES, NAT_SIZE, SCAN_SIZE, ROSTER_SIZE = 30, 250, 200, 20


def nat_bodies(batches):
    sampled = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    return [
        [
            {
                "id_number": id_number(i % 97),
                "sample_no": f"{name_of(b)}-{i:04d}",
                "sampled_at": sampled,
                "result": "negative",
            }
            for i in range(NAT_SIZE)
        ]
        for b in batches
    ]


def nat_feed():
    source = make_feed_source("lab-crash", "崩溃演练检测实验室")
    _token, key = issue_feed_token(source, actor=None)
    bodies = nat_bodies(range(BATCHES))

    def stored():
        return per_batch(NatResult.objects.values_list("sample_no", flat=True))

    return key, "/api/feeds/test_result/", bodies, {}, NAT_SIZE, stored


def scan_feed():
    unit = make_enterprise(region=OWN_COUNTY, name="崩溃演练机械有限公司")
    code = make_place_code(make_space(make_site(unit), kind="workshop", name="装配车间"))
    source = make_feed_source("gate-crash", "崩溃演练闸机")
    _token, key = issue_feed_token(source, actor=None)
    at = (timezone.now() - datetime.timedelta(minutes=30)).replace(microsecond=0)
    bodies = [
        [
            {
                "device": "g1",
                "event_id": f"{name_of(b)}-{i:04d}",
                "place_code": code.payload,
                "at": (at + datetime.timedelta(seconds=i)).isoformat(),
                "id_number": id_number(i % 97),
            }
            for i in range(SCAN_SIZE)
        ]
        for b in range(BATCHES)
    ]

    def stored():
        return per_batch(Scan.objects.values_list("event_id", flat=True))

    return key, "/api/feeds/scan/", bodies, {}, SCAN_SIZE, stored


def roster_feed():
    unit = make_enterprise(region=OWN_COUNTY, name="崩溃演练食品有限公司")
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="crash_admin")
    _token, key = create_api_token(admin, name="花名册导入", actor=admin)
    batch_of = {}
    bodies, headers = [], None
    for b in range(BATCHES):
        serials = range(b * ROSTER_SIZE, (b + 1) * ROSTER_SIZE)
        for serial in serials:
            batch_of[person_key(valid_id(serial))] = name_of(b)
        data = csv_bytes([row(serial) for serial in serials])
        body, headers = multipart({"enterprise": unit.pk}, f"{name_of(b)}.csv", data)
        bodies.append(body)

    def stored():
        keys = StaffMember.objects.filter(enterprise=unit).values_list("person_key", flat=True)
        return per_batch(batch_of[key] for key in keys)

    return key, "/api/staff/import/", bodies, headers, ROSTER_SIZE, stored


FEEDS = {"nat": nat_feed, "scan": scan_feed, "roster": roster_feed}
CREATED = {"nat": 200, "scan": 200, "roster": 201}


@pytest.mark.req("EPI-02")
def test_a_server_killed_mid_batch_loses_no_acknowledged_batch_and_commits_no_partial_one():
    specs = {kind: build() for kind, build in FEEDS.items()}
    env = process_env(database_url(), **SERVER_ENV)
    port = free_port()
    server = start_server(port, env, workers=2, threads=4, log=log_file("feeds-1"))
    feeds = {
        kind: Feed(
            port, token, path, bodies, headers=headers, accept=(CREATED[kind],), threads=2, hold=2
        )
        for kind, (token, path, bodies, headers, _size, _stored) in specs.items()
    }
    try:
        for feed in feeds.values():
            feed.start()
        in_flight = kill_mid_feed(server, list(feeds.values()), after=2)
    finally:
        kill(server)
    assert all(in_flight)
    before = {}
    for kind, (_token, _path, bodies, _headers, size, stored) in specs.items():
        feed = feeds[kind]
        assert not feed.refused, (kind, feed.refused[:3])
        assert feed.unanswered, kind
        # every acknowledged batch is there whole; any other batch is whole or absent
        counts = before[kind] = stored()
        acked = {name_of(b): feed.answers[b][1] for b in sorted(feed.acked)}
        assert set(acked) <= set(counts), (kind, acked)
        assert set(counts.values()) <= {size}, (kind, counts)
        assert len(counts) < len(bodies), f"{kind}: the server was killed after the last batch"

    # each feed resends every batch to the restarted server: each record stored exactly once
    port = free_port()
    server = start_server(port, env, workers=1, threads=6, log=log_file("feeds-2"))
    resent = {
        kind: Feed(port, token, path, bodies, headers=headers, accept=(CREATED[kind], 400))
        for kind, (token, path, bodies, headers, _size, _stored) in specs.items()
    }
    try:
        for feed in resent.values():
            feed.start(retry=True)
        for feed in resent.values():
            feed.join()
    finally:
        kill(server)
    for kind, (_token, _path, bodies, _headers, size, stored) in specs.items():
        again = resent[kind]
        assert not again.refused and again.acked == set(range(len(bodies))), kind
        assert stored() == {name_of(b): size for b in range(len(bodies))}, kind
        for b, (status, answer) in again.answers.items():
            was_stored = name_of(b) in before[kind]
            if kind == "roster":
                # a file already imported is refused whole: its people are on the roster
                assert status == (400 if was_stored else 201), answer
            else:
                assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (
                    (0, size, 0) if was_stored else (size, 0, 0)
                ), answer
    # the feed-batch records: one per batch answered, none of a batch rolled back
    committed = sum(len(before[kind]) + BATCHES for kind in specs if kind != "roster")
    assert FeedBatch.objects.count() == committed


# --- b. a worker killed in the middle of a task -------------------------------------------------

STAFF = {">=": [{"var": "employees"}, 50]}


def run_worker_batch(env, name):
    """``sibao db_worker --batch``: run the READY tasks, then exit."""
    done = subprocess.run(
        [str(BIN / "sibao"), "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    log_file(name).write_bytes(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr[-2000:]


def matches_now():
    return sorted(PolicyMatch.objects.values_list("policy_id", "enterprise_id", "result", "uptake"))


@pytest.mark.req("EPI-02")
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="holds the task mid-run with a PostgreSQL table lock; the recovery itself is "
    "tested on both databases below",
)
def test_a_worker_killed_mid_task_commits_nothing_and_the_requeued_rerun_is_idempotent():
    import psycopg
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from sibao.core.models import AuditLog
    from sibao.policies.matching import match_all_task

    units = [make_enterprise(employees=100) for _ in range(12)]
    make_enterprise(employees=10)  # not eligible
    policy = make_published_policy([STAFF], region="41", match=False)
    env = process_env(database_url())
    enqueued = match_all_task.enqueue()
    audit_table = AuditLog._meta.db_table
    # another session takes a lock that blocks inserts into the audit table: the worker's run
    # matches every unit, then waits at its audit row, its transaction open
    blocker = psycopg.connect(
        f"host={connection.settings_dict['HOST']} port={connection.settings_dict['PORT']} "
        f"user={connection.settings_dict['USER'] or 'postgres'} "
        f"dbname={connection.settings_dict['NAME']}"
    )
    worker = None
    try:
        blocker.execute(f"LOCK TABLE {audit_table} IN SHARE MODE")
        worker = start_worker(env, log=log_file("worker-1"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            (waiting,) = blocker.execute(
                "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                [audit_table],
            ).fetchone()
            if waiting:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker never reached the task's audit row")
        assert DBTaskResult.objects.get(id=enqueued.id).status == TaskResultStatus.RUNNING
        kill(worker)
    finally:
        if worker is not None:
            kill(worker)
        blocker.rollback()
        blocker.close()
    # the killed run committed nothing, and django-tasks-db never runs the task again by itself
    assert matches_now() == []
    run_worker_batch(env, "worker-2")
    assert DBTaskResult.objects.get(id=enqueued.id).status == TaskResultStatus.RUNNING
    assert matches_now() == []

    # the recovery: not before the threshold, then the task goes back to the queue
    out = io.StringIO()
    call_command("requeue-stale-tasks", "--older-than", "30", stdout=out)
    assert out.getvalue().startswith("requeued=0")
    later = (timezone.now() + datetime.timedelta(minutes=31)).isoformat()
    out = io.StringIO()
    call_command("requeue-stale-tasks", "--older-than", "30", "--at", later, stdout=out)
    assert out.getvalue().splitlines() == ["requeued=1", str(enqueued.id)]
    assert DBTaskResult.objects.get(id=enqueued.id).status == TaskResultStatus.READY
    # the requeued task and a later run, in that order (the queue's order: enqueued first)
    second = match_all_task.enqueue()
    run_worker_batch(env, "worker-3")
    rerun = DBTaskResult.objects.get(id=enqueued.id)
    assert rerun.status == TaskResultStatus.SUCCESSFUL, rerun.traceback
    # what an uninterrupted run gives: every eligible unit matched and pushed once
    totals = rerun.return_value
    assert (totals["policies"], totals["eligible"], totals["newly_eligible"]) == (1, 12, 12)
    assert totals["pushed"] == 12
    expected = sorted((policy.pk, unit.pk, "eligible", "notified") for unit in units)
    assert matches_now() == expected
    # and running it again changes nothing
    again = DBTaskResult.objects.get(id=second.id)
    assert again.status == TaskResultStatus.SUCCESSFUL, again.traceback
    assert again.started_at >= rerun.finished_at
    assert (again.return_value["newly_eligible"], again.return_value["pushed"]) == (0, 0)
    assert matches_now() == expected


@pytest.mark.req("EPI-02")
@pytest.mark.django_db
def test_requeue_stale_tasks_hands_back_only_tasks_running_past_the_threshold():
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from sibao.core.models import AuditLog
    from sibao.epidemic.tasks import sweep_sentinel

    now = timezone.now()
    abandoned, recent, waiting, finished = (sweep_sentinel.enqueue().id for _ in range(4))
    for pk, status, minutes in [
        (abandoned, TaskResultStatus.RUNNING, 120),
        (recent, TaskResultStatus.RUNNING, 5),
        (finished, TaskResultStatus.SUCCESSFUL, 180),
    ]:
        DBTaskResult.objects.filter(id=pk).update(
            status=status, started_at=now - datetime.timedelta(minutes=minutes), worker_ids=["w1"]
        )
    out = io.StringIO()
    call_command("requeue-stale-tasks", "--older-than", "60", stdout=out)
    assert out.getvalue().splitlines() == ["requeued=1", str(abandoned)]
    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert {str(pk): value for pk, value in status.items()} == {
        str(abandoned): TaskResultStatus.READY,
        str(recent): TaskResultStatus.RUNNING,
        str(waiting): TaskResultStatus.READY,
        str(finished): TaskResultStatus.SUCCESSFUL,
    }
    assert DBTaskResult.objects.get(id=abandoned).started_at is None
    row = AuditLog.objects.get(action="tasks.requeue_stale")
    assert [t["id"] for t in row.changes["tasks"]] == [str(abandoned)]
    assert row.changes["tasks"][0]["workers"] == ["w1"]
    # nothing left to hand back: no output but the count, no audit row
    out = io.StringIO()
    call_command("requeue-stale-tasks", "--older-than", "60", stdout=out)
    assert out.getvalue().strip() == "requeued=0"
    assert AuditLog.objects.filter(action="tasks.requeue_stale").count() == 1
    with pytest.raises(CommandError):
        call_command("requeue-stale-tasks", "--older-than", "0")


# --- c. a PostgreSQL restart under load ---------------------------------------------------------

# the server binaries of the PostgreSQL version the platform runs on (Debian's layout by default)
PG_BIN = Path(os.environ.get("SIBAO_PG_BIN", "/usr/lib/postgresql/15/bin"))


def as_postgres(*args, **kwargs):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *map(str, args)],
        check=True,
        capture_output=True,
        timeout=kwargs.pop("timeout", 120),
        **kwargs,
    )


class PrivateCluster:
    """A PostgreSQL cluster of its own (never the shared server), on a free port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sibao-crash-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.started = False

    def start(self):
        as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        self.pg_ctl("start")
        self.started = True

    def pg_ctl(self, action, *options):
        as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.dir / "server.log",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on",
            "-w",
            action,
            *options,
        )

    def stop(self):
        try:
            if self.started:
                self.pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name):
        import psycopg

        return psycopg.connect(self.url(name), autocommit=True)


def copy_database(cluster, name):
    """The test database (schema and rows) into ``name`` of the private cluster."""
    db = connection.settings_dict
    as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", cluster.port, name)
    dump = subprocess.Popen(
        [
            PG_BIN / "pg_dump",
            "--no-owner",
            "--no-privileges",
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"] or "postgres",
            db["NAME"],
        ],
        stdout=subprocess.PIPE,
    )
    restore = subprocess.run(
        [PG_BIN / "psql", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", cluster.url(name)],
        stdin=dump.stdout,
        capture_output=True,
        timeout=300,
    )
    dump.stdout.close()
    assert dump.wait(timeout=60) == 0
    assert restore.returncode == 0, restore.stderr[-2000:]


@pytest.mark.req("EPI-02")
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="restarts a PostgreSQL cluster: there is no database server to restart on SQLite",
)
@pytest.mark.skipif(
    os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or not shutil.which("runuser"),
    reason="runs its own PostgreSQL cluster: needs root (for runuser -u postgres) and the "
    "server binaries in SIBAO_PG_BIN",
)
def test_a_postgresql_restart_under_load_loses_no_acknowledged_record():
    token, path, bodies, headers, size, _stored = nat_feed()
    bodies = nat_bodies(range(12))
    cluster = PrivateCluster()
    server = None
    try:
        started = time.monotonic()
        cluster.start()
        copy_database(cluster, "crash")
        copied = time.monotonic() - started
        # persistent connections: the server must notice that its connections died
        env = process_env(cluster.url("crash"), SIBAO_DB_CONN_MAX_AGE="600", **SERVER_ENV)
        port = free_port()
        server = start_server(port, env, workers=1, threads=4, log=log_file("restart"))
        feed = Feed(port, token, path, bodies, threads=3).start(retry=True)
        restarts = []
        for mode in ("fast", "immediate"):
            acked = len(feed.acked)
            feed.wait(lambda f, n=acked: len(f.acked) >= n + 2)
            cluster.pg_ctl("restart", "-m", mode)
            restarts.append(len(feed.acked))
        feed.join(180)
        assert server.poll() is None, "the app server died"
        assert not feed.refused, feed.refused[:3]
        assert feed.acked == set(range(len(bodies)))
        assert len(feed.acked) > restarts[-1], "nothing acknowledged after the last restart"
        assert feed.retries + feed.errors > 0, "the restarts were not felt"
        with cluster.connect("crash") as db:
            rows = db.execute("SELECT sample_no FROM epidemic_testresult").fetchall()
            (distinct,) = db.execute(
                "SELECT count(*) FROM (SELECT DISTINCT lab, sample_no, person_key "
                "FROM epidemic_testresult) AS keys"
            ).fetchone()
        assert per_batch(r[0] for r in rows) == {name_of(b): size for b in range(len(bodies))}
        assert distinct == len(rows) == size * len(bodies)
        # once the database is back, the server answers at once, on every connection it had
        # kept (it was never restarted): a dead persistent connection is replaced, not used
        cluster.pg_ctl("restart", "-m", "fast")
        answers = []
        for _ in range(12):
            client = Client(port, token)
            answers.append(client.request("POST", path, bodies[0])[0])
            client.close()
        assert answers == [200] * 12
        print(
            f"cluster and copy: {copied:.1f} s; 5xx answers {feed.errors}, "
            f"unanswered sends {feed.retries}"
        )
    finally:
        if server is not None:
            kill(server)
        cluster.stop()


@pytest.mark.req("EPI-02")
@pytest.mark.django_db
def test_kept_database_connections_are_checked_before_reuse(monkeypatch):
    from sibao.config.settings import read_database_url

    monkeypatch.setenv("SIBAO_DB_CONN_MAX_AGE", "600")
    kept = read_database_url("postgres://sibao@127.0.0.1:5432/sibao")
    assert (kept["CONN_MAX_AGE"], kept["CONN_HEALTH_CHECKS"]) == (600, True)
    monkeypatch.setenv("SIBAO_DB_CONN_MAX_AGE", "0")
    fresh = read_database_url("postgres://sibao@127.0.0.1:5432/sibao")
    assert (fresh["CONN_MAX_AGE"], fresh["CONN_HEALTH_CHECKS"]) == (0, False)
