"""Registry export (WL-01): time and peak memory of the .xlsx and .csv exports against a baseline
measured in the same run — just reading the same rows with ``values_list(...).iterator()``.

Plain script, no test runner:

    .venv/bin/python benchmarks/export_enterprises.py                 # 20 000 rows, throwaway SQLite
    .venv/bin/python benchmarks/export_enterprises.py --rows 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sibao_bench \\
        .venv/bin/python benchmarks/export_enterprises.py --configured-db

With ``--configured-db`` the rows are added to the configured database (migrated first) and
deleted again at the end. Memory is bounded when the export's peak stays a small multiple of the
baseline's and does not grow with the number of rows (compare the two sizes printed).
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

MARK = "基准导出"  # name prefix of the rows this script creates


def setup_django(configured_db: bool) -> None:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "src"))
    if not configured_db:
        scratch = tempfile.mkdtemp(prefix="sibao-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_rows(n: int):
    """``n`` units across the counties of Zhengzhou, and a province-wide HQ office to export."""
    from stdnum.cn import uscc

    from sibao.accounts.models import User
    from sibao.accounts.roles import Role
    from sibao.core.testing import make_user
    from sibao.enterprises.models import Enterprise
    from sibao.regions.models import Region

    counties = list(
        Region.objects.filter(level="county", code__startswith="4101").values_list(
            "code", flat=True
        )
    )
    units = []
    for i in range(n):
        body = f"91410100{i:09d}"
        units.append(
            Enterprise(
                credit_code=body + uscc.calc_check_digit(body),
                name=f"{MARK}{i:06d}有限公司",
                region_id=counties[i % len(counties)],
                industry_id=("industry", "commerce", "transport")[i % 3],
                output_value=1000 + i,
                employees=i % 500,
                address=f"测试路 {i} 号",
                contact_name="王经理",
                contact_phone=f"138{i:08d}",
            )
        )
    Enterprise.objects.bulk_create(units, batch_size=2000)
    User.objects.filter(username="bench-export").delete()
    return make_user(Role.HQ_OFFICE, "41", username="bench-export")


def baseline(user) -> int:
    """Reading the rows the export reads, and nothing else."""
    from sibao.enterprises.imports import EXPORT_FIELDS, export_queryset

    queryset, _filterset = export_queryset(user, {"q": MARK})
    count = 0
    for _row in queryset.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        count += 1
    return count


def export(user, file_format: str) -> int:
    """The real export response, consumed as a client would."""
    from django.http import QueryDict

    from sibao.enterprises.imports import export_response

    response = export_response(user, QueryDict(f"q={MARK}"), file_format)
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.close()
    return size


def measure(fn, *args) -> tuple[float, int]:
    """(seconds, peak bytes): time without tracing, then peak memory in a traced run."""
    start = time.perf_counter()
    fn(*args)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn(*args)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def run(n: int) -> dict:
    from sibao.accounts.models import User
    from sibao.enterprises.models import Enterprise

    user = build_rows(n)
    try:
        results = {"baseline": measure(baseline, user)}
        for file_format in ("csv", "xlsx"):
            results[file_format] = measure(export, user, file_format)
    finally:
        Enterprise.objects.filter(name__startswith=MARK).delete()
        User.objects.filter(username="bench-export").delete()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument(
        "--configured-db",
        action="store_true",
        help="use DATABASE_URL (or the default database) instead of a throwaway SQLite file",
    )
    args = parser.parse_args()
    setup_django(args.configured_db)
    from django.db import connection

    print(f"database: {connection.vendor}")
    sizes = [max(args.rows // 4, 1), args.rows]
    runs = {n: run(n) for n in sizes}
    print(f"{'rows':>8} {'format':>8} {'seconds':>9} {'x base':>7} {'peak KiB':>9} {'x base':>7}")
    for n, results in runs.items():
        base_s, base_peak = results["baseline"]
        for name, (seconds, peak) in results.items():
            print(
                f"{n:>8} {name:>8} {seconds:>9.3f} {seconds / base_s:>7.2f} "
                f"{peak / 1024:>9.0f} {peak / base_peak:>7.2f}"
            )
    small, large = runs[sizes[0]], runs[sizes[1]]
    for name in ("csv", "xlsx"):
        growth = large[name][1] / small[name][1]
        print(f"{name}: peak memory at {sizes[1]} rows / at {sizes[0]} rows = {growth:.2f}")


if __name__ == "__main__":
    main()
