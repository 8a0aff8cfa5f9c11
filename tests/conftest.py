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
