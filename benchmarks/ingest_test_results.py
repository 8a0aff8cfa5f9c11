"""NAT result ingestion (EPI-02): rows per second through ``ingest()`` and through the HTTP
endpoint, each as a ratio of a raw ``COPY`` of the same number of rows into the same table
(``epidemic_testresult``, with its unique natural key and indexes) in the same run. Goal: ≥ 0.5.

Plain script, no test runner, PostgreSQL only (the bulk path under test is PostgreSQL's):

    .venv/bin/python benchmarks/ingest_test_results.py                  # 100 000 rows
    .venv/bin/python benchmarks/ingest_test_results.py --rows 400000 --batch 10000

It (re)creates a scratch database (``--db``, default ``sibao_bench_ingest`` on the local server,
dropped first), migrates it, puts half of the people on a roster (so that ingestion also copies
``last_negative_at`` onto roster rows, as in production), ingests a first untimed round of tests
(so that every person has a status row), analyses the tables (as autovacuum would), then
measures, each with fresh sample numbers so that nothing is a duplicate, and the ingested rounds
each a day later than the one before (so that every result moves its person's status and roster
row forward, as a new round of tests does):

1. raw ``COPY``: the rows prepared in advance (person key already computed), one ``COPY``;
2. ``ingest()``: records as the API receives them (ISO strings), in batches of ``--batch``:
   validation and person key part by part, each part's one statement (scope lookup,
   ``INSERT … ON CONFLICT DO NOTHING``, the status upsert and the roster copy) sent through the
   connection's pipeline while the next part is validated; the sentinel hook;
3. HTTP: the same batches as JSON to ``POST /api/feeds/test_result/`` with a data-feed token
   (Django's test client, in process: JSON parsing, authentication, the view, ``ingest()``);
4. HTTP again with ``--senders`` clients at once (threads, one database connection each), as
   several laboratories post at the same time: one request's validation overlaps another's
   database work, which a single sender cannot do;
5. raw ``COPY`` again, to see how much the growing table alone changes the baseline.

The ratios use the mean of the two ``COPY`` runs.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.senders import post_batches  # noqa: E402


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


def id_numbers(n: int):
    """``n`` distinct valid ID numbers (Zhengzhou, birth dates from 1970 on)."""
    from sibao.core.personal import id_check_digit

    day = datetime.date(1970, 1, 1)
    produced = 0
    while produced < n:
        for serial in range(1000):
            body = f"410102{day:%Y%m%d}{serial:03d}"
            yield body + id_check_digit(body)
            produced += 1
            if produced == n:
                return
        day += datetime.timedelta(days=1)


def build(n: int):
    """The people, a roster for half of them, the data source and its token."""
    from sibao.core.personal import person_key
    from sibao.core.testing import make_enterprise, make_feed_source
    from sibao.epidemic import actions
    from sibao.epidemic.models import StaffMember

    ids = list(id_numbers(n))
    keys = [person_key(i) for i in ids]
    unit = make_enterprise(region="410102", name="基准测试单位")
    StaffMember.objects.bulk_create(
        [
            StaffMember(
                enterprise=unit,
                person_key=key,
                id_encrypted="bench",
                id_masked="410***********0000",
                name="基准",
                region_code="410102",
            )
            for key in keys[::2]
        ],
        batch_size=5000,
    )
    source = make_feed_source("lab-bench", "基准测试实验室")
    _token, key = actions.issue_feed_token(source, actor=None)
    return ids, keys, source, key


def records(ids, tag: str, now):
    return [
        {
            "id_number": id_no,
            "sample_no": f"{tag}{i:08d}",
            "sampled_at": (now - datetime.timedelta(seconds=i % 86400)).isoformat(),
            "result": "negative",
            "is_pooled": i % 10 != 0,
        }
        for i, id_no in enumerate(ids)
    ]


def raw_copy(keys, tag: str, now, source) -> float:
    from django.db import connection, transaction

    columns = (
        "person_key, source_id, batch_id, received_at, region_code, enterprise_id, "
        "lab, sample_no, sampled_at, result, is_pooled"
    )
    rows = [
        (
            key,
            source.code,
            None,
            now,
            "410102",
            None,
            source.code,
            f"{tag}{i:08d}",
            now - datetime.timedelta(seconds=i % 86400),
            "negative",
            i % 10 != 0,
        )
        for i, key in enumerate(keys)
    ]
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY epidemic_testresult ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - began


def through_ingest(batches, source) -> float:
    from sibao.epidemic.ingest import ingest

    began = time.perf_counter()
    for batch in batches:
        result = ingest("test_result", batch, source=source, actor=None)
        assert result.accepted == len(batch), result.errors[:3]
    return time.perf_counter() - began


def through_http(batches, key, senders: int = 1) -> float:
    return post_batches("/api/feeds/test_result/", batches, key, senders=senders)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="sibao_bench_ingest")
    parser.add_argument("--senders", type=int, default=2, help="concurrent senders in run 4")
    args = parser.parse_args()
    setup_django(args.server, args.db)
    from django.db import connection
    from django.utils import timezone

    n = args.rows
    print(f"preparing {n} people (half on a roster) …", flush=True)
    ids, keys, source, key = build(n)
    now = timezone.now() - datetime.timedelta(minutes=10)

    def chunks(tag, days_ago):
        # each run is a new round of tests, sampled a day after the previous one, so that every
        # run moves each person's status and roster row forward (the steady state of the feed)
        items = records(ids, tag, now - datetime.timedelta(days=days_ago))
        return [items[i : i + args.batch] for i in range(0, n, args.batch)]

    # an untimed first round: every person gets a status row, as in production
    through_ingest(chunks("PRE-", 3), source)
    # the planner's statistics of the prepared tables, as autovacuum would have them in
    # production (a server with autovacuum off would otherwise plan the roster copy as a
    # sequential scan of the whole roster per part)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE epidemic_staffmember")
        cursor.execute("VACUUM ANALYZE epidemic_personstatus")
        cursor.execute("VACUUM ANALYZE epidemic_testresult")
    copy_first = raw_copy(keys, "RAW1-", now, source)
    ingest_seconds = through_ingest(chunks("ING-", 2), source)
    http_seconds = through_http(chunks("WEB-", 1), key)
    concurrent_seconds = through_http(chunks("PAR-", 0), key, args.senders)
    copy_again = raw_copy(keys, "RAW2-", now, source)
    baseline = n / ((copy_first + copy_again) / 2)
    print(f"rows per run: {n}, batch: {args.batch}")
    print(f"raw COPY        {n / copy_first:>10,.0f} rows/s (first), {n / copy_again:,.0f} (last)")
    runs = (
        ("ingest()", ingest_seconds),
        ("HTTP, 1 sender", http_seconds),
        (f"HTTP, {args.senders} senders", concurrent_seconds),
    )
    for label, seconds in runs:
        rate = n / seconds
        print(f"{label:<17} {rate:>10,.0f} rows/s   ratio to COPY {rate / baseline:.2f}")


if __name__ == "__main__":
    main()
