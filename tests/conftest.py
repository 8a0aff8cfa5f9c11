import os
from pathlib import Path

import pytest
from django.test import Client

from sibao.accounts.roles import Role
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    PASSWORD,
    ensure_departments,
    make_enterprise,
    make_user,
)


def pytest_addoption(parser):
    parser.addoption(
        "--local-clock",
        metavar="MINUTES",
        type=int,
        help="run with this process's clock set to MINUTES after today's local midnight (it then "
        "runs on): a test that takes 'an hour ago' for 'earlier today' fails only in the first "
        "hour of a day, and this finds it. Use SQLite: the database server's own clock stays",
    )


def pytest_configure(config):
    minutes = config.getoption("--local-clock")
    if minutes is None:
        return
    import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from django.conf import settings

    now = datetime.datetime.now(ZoneInfo(settings.TIME_ZONE))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    time_machine.travel(midnight + datetime.timedelta(minutes=minutes), tick=True).start()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file, never Django's default in-memory database.

    With an in-memory database the live server hands the test's own connection to every request
    thread, and the browser's concurrent requests (a page and its HTMX fragments) then interleave on
    one connection: a failed statement in one poisons the transaction of another. A file gives each
    thread its own connection, as PostgreSQL does.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        var = Path(__file__).resolve().parents[1] / "var"
        var.mkdir(exist_ok=True)
        database.setdefault("TEST", {})["NAME"] = str(var / f"test-{os.getpid()}.sqlite3")
    elif database["ENGINE"] == "django.db.backends.postgresql":
        # The test process's own sessions do not wait for the WAL to reach the disk at each
        # commit: what a commit makes visible is the same, and a test database need not survive
        # a power cut. The servers and workers the drills start connect with the production
        # settings (their own processes), so the durability the drills check is the real one.
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
        _flush_by_deleting()


def _flush_by_deleting():
    """Empty the tables after a transactional test with DELETE instead of one TRUNCATE.

    TRUNCATE gives each of the 120-odd tables (and the scan partitions) a new file: about half a
    second per test even when the tables hold a few rows, as they do in tests. A DELETE of those
    rows costs milliseconds once the foreign-key checks are off for the flush's transaction
    (``session_replication_role = replica``, which a superuser may set; the tables end empty, so
    no reference can dangle). Without that right, or when sequences are to be reset, Django's
    TRUNCATE stays.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not _is_superuser(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        deletes = [f"DELETE FROM {self.quote_name(table)}" for table in tables]
        return ["SET LOCAL session_replication_role = replica", *deletes]

    DatabaseOperations.sql_flush = sql_flush


def _is_superuser(connection) -> bool:
    if not hasattr(connection, "_sibao_is_superuser"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            connection._sibao_is_superuser = bool(cursor.fetchone()[0])
    return connection._sibao_is_superuser


@pytest.fixture(autouse=True)
def platform_language():
    """Every test starts in the platform's language (zh-Hans). A request made with the test
    client leaves the language it negotiated active in the thread, so without this a test after
    an English request would read English messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with unspent rate-limit budgets (core.ratelimit): the suite logs in
    through the real form from one address many times."""
    from sibao.core import ratelimit

    ratelimit.reset()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is deliberately slow; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def departments(db):
    ensure_departments("41", "4101", OWN_COUNTY, "4102", OTHER_COUNTY)


@pytest.fixture
def own_enterprise(db):
    return make_enterprise(region=OWN_COUNTY, name="中原测试机械有限公司")


@pytest.fixture
def other_enterprise(db):
    return make_enterprise(region=OTHER_COUNTY, name="龙亭测试食品有限公司", industry="commerce")


@pytest.fixture
def login():
    """``login(user)`` -> a test client signed in through the real login form."""

    def _login(user, password=PASSWORD):
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return _login


@pytest.fixture
def personas(db, own_enterprise, other_enterprise, departments):
    """The shared personas: anonymous, no grant, other county, own county, the unit's own admin."""
    return {
        "anonymous": None,
        "no_grant": make_user(None, OWN_COUNTY, username="nogrant"),
        "other_county": make_user(Role.HQ_OFFICE, OTHER_COUNTY, username="other_county"),
        "own_county": make_user(Role.HQ_OFFICE, OWN_COUNTY, username="own_county"),
        "enterprise_admin": make_user(
            Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise, username="ent_admin"
        ),
    }
