"""Backup and restore drill at benchmark tier S (issue 11, item 1): ``benchmarks/restore.py``
generates a tier-S database (20 000 workers, 100 units, 7 days: about 730 000 scans), runs
``sibao backup`` and ``sibao restore`` on it as separate processes, as an operator does, and the
restore verifies every table against the manifest. PostgreSQL only (the script is); it runs in the
drills job of ``make test``. No requirement ID in the catalogue covers backups, so no ``req``
mark."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the tier-S drill uses pg_dump and pg_restore"
)


@pytest.mark.django_db
def test_a_tier_s_database_is_backed_up_and_restored_verified(tmp_path):
    db = connection.settings_dict
    server = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    )
    # named after the test database, which is this run's own: parallel runs do not collide
    source, target = f"{db['NAME']}_tier_s", f"{db['NAME']}_tier_s_restored"
    figures = tmp_path / "restore.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "restore.py"),
            "--tier",
            "S",
            "--server",
            server,
            "--db",
            source,
            "--target",
            target,
            "--drop-source",
            "--workdir",
            str(tmp_path),
            "--json",
            str(figures),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "verified against the manifest" in result.stdout
    record = json.loads(figures.read_text().splitlines()[-1])
    assert (record["tier"], record["workers"], record["days"]) == ("S", 20_000, 7)
    assert record["scans"] > 500_000
    assert record["rows"] > record["scans"] and record["tables"] >= 100
    assert record["dump_bytes"] > 0
    # nothing left behind: the source (--drop-source) and the restored copy are dropped
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname IN (%s, %s)", [source, target]
        )
        assert cursor.fetchall() == []
