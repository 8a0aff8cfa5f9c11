"""Batches posted to a feed endpoint in process (Django's test client), by one sender or by
several at once, for the ingestion benchmarks.

Several senders are threads, each with its own client and database connection, as several
laboratories or gateways post at the same time to a server with several workers: one request's
Python work (parsing, validation) overlaps another's database work, which a single sender cannot
do. The URL patterns are loaded first, as an app server does at start-up (``config/wsgi.py``):
otherwise the first batch pays Django's lazy URL loading, about a second.
"""

import json
import threading
import time


def post_batches(path: str, batches, key: str, *, senders: int = 1, check=None) -> float:
    """POST each batch (a list of records) as JSON to ``path`` with the feed token ``key``,
    ``senders`` at a time; returns the seconds it took. Every answer must be 200, and pass
    ``check(answer JSON)`` when given."""
    from django.db import connections
    from django.test import Client

    import sibao.config.wsgi  # noqa: F401 — the URL patterns loaded, as an app server starts

    bodies = [json.dumps(batch) for batch in batches]
    failures = []

    def send(share):
        client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
        for body in share:
            answer = client.post(path, body, content_type="application/json")
            if answer.status_code != 200:
                failures.append(answer.content[:300])
            elif check is not None:
                problem = check(answer.json())
                if problem:
                    failures.append(problem)

    if senders == 1:
        began = time.perf_counter()
        send(bodies)
        elapsed = time.perf_counter() - began
    else:

        def run(share):
            try:
                send(share)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(bodies[i::senders],)) for i in range(senders)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    assert not failures, failures[:1]
    return elapsed
