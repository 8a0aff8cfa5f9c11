"""Backup and restore at benchmark size (issue 11, item 1): ``sibao backup`` of a database generated
by ``places_scans.py`` (units, spaces, codes, workers and days of scans) and ``sibao restore`` of
that backup into a fresh database, verification included, each run as a separate process with
``DATABASE_URL`` as an operator would run them.

Plain script, no test runner, PostgreSQL only:

    .venv/bin/python benchmarks/restore.py                            # tier S: 20 000 workers, 7 days
    .venv/bin/python benchmarks/restore.py --tier M                   # 300 000 workers, 21 days
    .venv/bin/python benchmarks/restore.py --tier M --workers 60000 --days 7   # scaled down
    .venv/bin/python benchmarks/restore.py --tier M --workers 60000 --days 7 --reuse

The source database (``--db``, default ``h_restore_source``) is generated with the functions of
``places_scans.py`` (dropped and generated again, or kept from an earlier run of either script
with the same sizes with ``--reuse``); it is kept at the end so that ``--reuse`` can time it again
(``--drop-source`` drops it). The backup goes into a temporary directory (``--workdir`` to choose
where; removed at the end) and is restored into ``--target`` (default ``h_restore_target``,
created empty, dropped at the end).

It prints the sizes generated, the dump size, the tables and rows in the manifest, each command's
time with process start (wall clock around the process) and without it (the time the command
prints itself), its split into the PostgreSQL program (``pg_dump`` / ``pg_restore``, seen in
``pg_stat_activity``) and the manifest (every row read and hashed), rows per second, and the load
average of the machine during each command (it is often shared).
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import places_scans  # noqa: E402

SIBAO = Path(sys.executable).parent / "sibao"


class Watcher(threading.Thread):
    """Samples the load average and the moments a PostgreSQL client program (``pg_dump``,
    ``pg_restore``) is connected, every ``interval`` seconds, while a command runs."""

    def __init__(self, server: str, database: str, program: str, interval: float = 0.5):
        super().__init__(daemon=True)
        self.server, self.database, self.program = server, database, program
        self.interval = interval
        self.loads: list[float] = []
        self.first_seen = self.last_seen = None
        self.done = threading.Event()

    def run(self):
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            while not self.done.is_set():
                self.loads.append(os.getloadavg()[0])
                seen = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = %s AND datname = %s",
                    [self.program, self.database],
                ).fetchone()[0]
                if seen:
                    now = time.monotonic()
                    self.first_seen = self.first_seen or now
                    self.last_seen = now
                self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join()


def run_command(args: list[str], server: str, database: str, program: str) -> dict:
    """Run ``sibao <args>`` against ``database`` on ``server``; its times, output and load."""
    env = dict(os.environ, DATABASE_URL=f"{server}/{database}")
    watcher = Watcher(server, database, program)
    watcher.start()
    began = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [str(SIBAO), *args], env=env, capture_output=True, text=True, check=False
    )
    ended = time.monotonic()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    watcher.stop()
    if result.returncode != 0:
        sys.exit(f"sibao {args[0]} failed ({result.returncode}):\n{result.stderr}{result.stdout}")
    output = result.stdout.strip()
    match = re.search(r"([\d.]+) s\s*$", output)
    inner = float(match.group(1)) if match else float("nan")
    program_seconds = None
    if watcher.first_seen is not None:
        program_seconds = watcher.last_seen - watcher.first_seen + watcher.interval
    loads = watcher.loads or [os.getloadavg()[0]]
    return {
        "output": output,
        "wall": ended - began,
        "inner": inner,
        "program": program_seconds,
        # CPU seconds of the sibao process and its pg_dump / pg_restore (not the server's)
        "cpu": (cpu_after.ru_utime + cpu_after.ru_stime)
        - (cpu_before.ru_utime + cpu_before.ru_stime),
        "load_mean": sum(loads) / len(loads),
        "load_max": max(loads),
    }


def recreate(server: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def describe(label: str, timing: dict, rows: int) -> str:
    program = timing["program"]
    split = ""
    if program is not None:
        split = (
            f"; {program:.0f} s in the client program, {timing['inner'] - program:.0f} s manifest"
        )
    return (
        f"{label}: {timing['inner']:.1f} s ({timing['wall']:.1f} s with process start){split}; "
        f"{rows / timing['inner']:,.0f} rows/s; {timing['cpu']:.0f} s CPU; load average {timing['load_mean']:.1f} "
        f"(max {timing['load_max']:.1f})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=sorted(places_scans.TIERS), default="S")
    parser.add_argument("--workers", type=int, help="scale the tier's workers down (or up)")
    parser.add_argument("--days", type=int, help="days of scans (default: the tier's)")
    parser.add_argument("--unit-size", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="h_restore_source", help="the generated source database")
    parser.add_argument("--target", default="h_restore_target", help="the restore's database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the source database of an earlier run with the same --workers/--days/"
        "--unit-size instead of generating it again",
    )
    parser.add_argument("--drop-source", action="store_true", help="drop --db at the end")
    parser.add_argument("--workdir", help="where the temporary backup directory goes")
    parser.add_argument("--json", help="also append the figures as one JSON line to this file")
    args = parser.parse_args()
    if args.target == args.db:
        parser.error("--target must differ from --db")
    workers, days = places_scans.TIERS[args.tier]
    workers = args.workers or workers
    days = args.days or days

    print(f"tier {args.tier}: {workers:,} workers, {days} days; load average {os.getloadavg()}")
    began = time.monotonic()
    reused = places_scans.setup_django(args.server, args.db, args.reuse)
    from django.db import connection
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    if reused:
        now = places_scans._generated_at(now)
    world = places_scans.World(workers, args.unit_size, days, now, args.seed)
    scans = places_scans.recall(world) if reused else places_scans.generate(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db_bytes = cursor.fetchone()[0]
    connection.close()
    generated = time.monotonic() - began
    print(
        f"source {args.db}: {world.n_units:,} units, {scans:,} scans, "
        f"{db_bytes / 2**20:,.0f} MiB on disk ({'kept' if reused else 'generated'} in "
        f"{generated:.0f} s)",
        flush=True,
    )

    folder = Path(tempfile.mkdtemp(prefix="sibao-restore-bench-", dir=args.workdir))
    try:
        directory = folder / "backup"
        dumped = run_command(["backup", str(directory)], args.server, args.db, "pg_dump")
        manifest = json.loads((directory / "manifest.json").read_text())
        rows = sum(table["rows"] for table in manifest["tables"].values())
        tables = len(manifest["tables"])
        dump_bytes = manifest["dump"]["bytes"]
        print(f"  {dumped['output']}")
        recreate(args.server, args.target)
        restored = run_command(["restore", str(directory)], args.server, args.target, "pg_restore")
        print(f"  {restored['output']}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        recreate(args.server, args.target, drop_only=True)
        if args.drop_source:
            recreate(args.server, args.db, drop_only=True)

    print(
        f"backup of {tables} tables, {rows:,} rows ({scans:,} scans), dump "
        f"{dump_bytes / 2**20:,.0f} MiB:"
    )
    print("  " + describe("sibao backup", dumped, rows))
    print("  " + describe("sibao restore (incl. verification)", restored, rows))
    if args.json:
        record = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "tier": args.tier,
            "workers": workers,
            "days": days,
            "scans": scans,
            "rows": rows,
            "tables": tables,
            "dump_bytes": dump_bytes,
            "db_bytes": db_bytes,
            "generation_s": generated,
            "reused": reused,
            "backup": {k: v for k, v in dumped.items() if k != "output"},
            "restore": {k: v for k, v in restored.items() if k != "output"},
        }
        with open(args.json, "a") as handle:
            handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
