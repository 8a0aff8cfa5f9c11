import os
import subprocess
import sys

import pytest
from django.db import connection

SIBAO = [sys.executable, "-m", "sibao.config.cli"]


def run(database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([*SIBAO, "check"], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.req("PLAT-04")
@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://root@127.0.0.1/sibao", "must point at PostgreSQL or SQLite"),
        ("nonsense", "DATABASE_URL is invalid"),
    ],
)
def test_a_bad_database_url_stops_with_a_clear_message(url, message):
    result = run(url)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.req("PLAT-04")
def test_the_suite_runs_on_the_configured_database(db):
    # make test runs the whole suite twice: DATABASE_URL=postgres://… and sqlite:///…
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM regions_region")
        assert cursor.fetchone()[0] == 199


def run_with(**variables):
    env = {**os.environ, **variables}
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    return subprocess.run(
        [*SIBAO, "shell", "--no-imports", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.req("PLAT-04")
def test_the_cache_is_shared_through_redis_when_configured_and_a_bad_address_stops():
    assert run_with(SIBAO_CACHE_URL="").stdout.strip().endswith("LocMemCache")
    shared = run_with(SIBAO_CACHE_URL="redis://127.0.0.1:6379/1")
    assert shared.stdout.strip() == "django.core.cache.backends.redis.RedisCache", shared.stderr
    bad = run_with(SIBAO_CACHE_URL="memcached://127.0.0.1")
    assert bad.returncode == 2
    assert "SIBAO_CACHE_URL must be" in bad.stderr and "Traceback" not in bad.stderr
