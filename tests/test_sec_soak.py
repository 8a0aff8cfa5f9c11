"""Two app servers and two background workers on one PostgreSQL database and one Redis cache
(issue 11): nothing may assume a single process.

- ``benchmarks/soak.py --short`` (its own scratch database and Redis database): eight work-order
  flows at the same moment over both servers, a short ramp, ~45 s of mixed load at 80 % of the
  measured maximum spread over both servers; the test reads its JSON result and checks the
  invariants and the error rate, never latencies.
- Record numbers (demands, work orders, passes: ``<prefix><day>-<n>``) filed at the same moment
  by several connections stay unique and gapless: before, two callers read the same last number
  and all but one failed on the unique constraint (one retry was not enough).
"""

import json
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from sibao.workorders.actions import intake

ROOT = Path(__file__).resolve().parents[1]
SERVER_DATABASE = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two app servers need a server database"
)


def _server_url() -> tuple[str, str]:
    """The configured PostgreSQL server (no database) and a name stem for scratch databases."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    name = db["NAME"].removeprefix("test_")
    return f"postgres://{user}{password}@{host}:{port}", name


def _soak(server, name, redis_db, tmp_path):
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "soak.py"),
            "--short",
            "--server",
            server,
            "--db",
            f"{name}_soak",
            "--template",
            f"{name}_soak_template",
            "--redis-db",
            str(redis_db),
            "--out",
            str(tmp_path / "soak.json"),
            "--logs",
            str(tmp_path / "logs"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.req("PLAT-04")
@SERVER_DATABASE
def test_soak_with_two_servers_and_two_workers(tmp_path):
    server, name = _server_url()
    redis_db = 8 + zlib.crc32(name.encode()) % 8  # apart from the default cache database
    try:
        run = _soak(server, name, redis_db, tmp_path)
    finally:  # the scratch copy goes; the migrated template stays for the next run
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}_soak" WITH (FORCE)')
    out = tmp_path / "soak.json"
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    found = result["invariants"]
    assert found["scans"]["acknowledged"] > 0 and found["scans"]["duplicates"] == 0
    assert found["scans"]["missing"] == 0
    assert found["checks"]["acknowledged"] > 0 and found["checks"]["duplicates"] == 0
    assert found["checks"]["missing"] == 0
    for label in ("demand_numbers", "work_order_numbers"):
        assert found[label]["count"] > 0, label
        assert found[label]["duplicates"] == 0 and found[label]["gaps"] == 0, found[label]
    tasks = found["tasks"]
    assert tasks["total"] > 0 and tasks["statuses"] == {"SUCCESSFUL": tasks["total"]}, tasks
    assert tasks["claimed_more_than_once"] == 0 and tasks["still_waiting"] == 0, tasks
    assert tasks["outbox_enqueued"] > 0 and tasks["outbox_missing"] == 0, tasks
    assert len(tasks["by_worker"]) == 2, tasks  # both workers took tasks
    assert found["cache"]["board_entries_in_redis"] > 0
    summary = result["summary"]
    assert summary["requests"] > 0
    assert summary["error_rate"] <= 0.01, summary["error_samples"]
    assert set(summary["memory"]) == {"server1", "server2", "worker1", "worker2"}
    assert result["burst_errors"] == 0, summary["error_samples"]
    assert result["ok"] and run.returncode == 0, run.stdout[-3000:]


@pytest.mark.req("PLAT-04")
@SERVER_DATABASE
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_filed_at_the_same_moment_stay_unique_and_gapless():
    from sibao.core.testing import make_enterprise

    units = [make_enterprise() for _ in range(8)]
    start = threading.Barrier(len(units), timeout=30)
    numbers, failures = [], []

    def file(unit):
        try:
            start.wait()
            demand = intake.file_demand(
                unit, actor=None, category="raw_materials", title="原料短缺", description="急需"
            )
            numbers.append(demand.number)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(unit,)) for unit in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, len(units) + 1))
