"""Rate limits (core.ratelimit): each limited endpoint answers 429 with Retry-After once its
budget is spent and recovers after the window; another client address or user has its own
budget; ``off`` disables them; a refused request writes nothing. Time moves by replacing the
limiter's clock, never by sleeping."""

import json
import logging

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sibao.core import ratelimit
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OWN_COUNTY,
    PASSWORD,
    id_number,
    make_feed_source,
    make_place_code,
    make_site,
    make_space,
    make_user,
)
from sibao.epidemic import actions as epi_actions
from sibao.epidemic.models import ArrivalReport, FeedBatch
from sibao.logistics.models import Check
from sibao.places.models import Scan
from tests.routes.log_checkpoint import make_checkpoint, make_officer, make_pass, make_status
from tests.test_epi_public_arrival_page import form_data

pytestmark = pytest.mark.django_db
MESSAGE = "操作过于频繁，请稍后再试"
T0 = 1_800_000_000.0  # a window boundary for 60 s windows


class Clock:
    def __init__(self, monkeypatch):
        self.now = T0 + 5
        monkeypatch.setattr(ratelimit, "clock", lambda: self.now)

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def budgets(settings):
    """Small budgets: ``budgets(login=3)`` sets ``login`` to 3 per 60 s."""

    def _set(**limits):
        settings.RATE_LIMITS = {scope: (count, 60) for scope, count in limits.items()}

    return _set


def assert_refused_page(response, retry_after):
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    page = response.content.decode()
    assert MESSAGE in page and 'data-testid="rate-limited"' in page


# --- login ---------------------------------------------------------------------------------------


def test_login_posts_are_limited_per_address_and_user_name(clock, budgets):
    budgets(login=3)
    user = make_user(None, OWN_COUNTY, username="limited")
    other = make_user(None, OWN_COUNTY, username="other_user")
    client = Client()
    for _ in range(3):
        wrong = client.post("/accounts/login/", {"username": "limited", "password": "wrong"})
        assert wrong.status_code == 200
    user.refresh_from_db()
    failures, audit_rows = user.failed_logins, AuditLog.objects.count()

    refused = client.post("/accounts/login/", {"username": "LIMITED ", "password": PASSWORD})
    assert_refused_page(refused, 55)
    assert "_auth_user_id" not in client.session  # not signed in
    user.refresh_from_db()
    assert user.failed_logins == failures and AuditLog.objects.count() == audit_rows
    assert client.get("/accounts/login/").status_code == 200  # the form itself is not limited

    # another user name from the same address, and the same name from another address
    signed_in = client.post("/accounts/login/", {"username": other.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert (
        elsewhere.post(
            "/accounts/login/", {"username": "limited", "password": PASSWORD}
        ).status_code
        == 302
    )

    clock.advance(55)  # the next window
    again = client.post("/accounts/login/", {"username": "limited", "password": PASSWORD})
    assert again.status_code == 302


def test_the_second_factor_step_is_limited_per_account(clock, budgets, login):
    budgets(login=2)
    user = make_user(None, OWN_COUNTY, username="second_factor")
    client = login(user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user)
    for _ in range(2):  # malformed codes: django-otp's own failure throttle stays out of it
        assert client.post("/accounts/two-factor/", {"token": "x"}).status_code == 200
    audit_rows = AuditLog.objects.count()
    good = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"

    refused = client.post("/accounts/two-factor/", {"token": good})
    assert_refused_page(refused, 55)
    device.refresh_from_db()
    assert not device.confirmed and AuditLog.objects.count() == audit_rows

    clock.advance(60)
    assert client.post("/accounts/two-factor/", {"token": good}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed


# --- the public pages ----------------------------------------------------------------------------


def test_the_public_scan_page_is_limited_and_a_refused_entry_records_nothing(
    clock, budgets, own_enterprise
):
    budgets(public=4)
    code = make_place_code(make_space(make_site(own_enterprise), kind="workshop", name="车间"))
    url = f"/s/{code.payload}/"
    client = Client()
    assert client.get(url).status_code == 200  # 1
    identified = client.post(  # 2
        url,
        {
            "step": "identify",
            "name": "王小明",
            "id_number": id_number(7),
            "phone": "13812345678",
            "consent": "yes",
        },
    )
    assert identified.status_code == 302
    page = client.get(url).content.decode()  # 3
    event_id = page.split('name="event_id" value="')[1][:32]
    assert client.get(f"{url}done/").status_code == 200  # 4

    refused = client.post(url, {"step": "enter", "event_id": event_id})
    assert_refused_page(refused, 55)
    assert not Scan.objects.exists()
    assert Client(REMOTE_ADDR="198.51.100.7").get(url).status_code == 200  # its own budget

    clock.advance(55)
    entered = client.post(url, {"step": "enter", "event_id": event_id})
    assert entered.status_code == 302 and Scan.objects.count() == 1


def test_the_public_arrival_page_is_limited_and_a_refused_report_is_not_stored(
    clock, budgets, own_enterprise
):
    budgets(public=2)
    client = Client()
    assert client.get("/arrive/").status_code == 200
    assert client.get("/arrive/units/", {"q": "中原"}).status_code == 200
    refused = client.post("/arrive/", form_data(own_enterprise))
    assert_refused_page(refused, 55)
    assert not ArrivalReport.objects.exists()
    assert client.get("/arrive/done/").status_code == 429

    clock.advance(60)
    stored = client.post("/arrive/", form_data(own_enterprise))
    assert stored.status_code == 302 and ArrivalReport.objects.count() == 1


@pytest.mark.req("WL-05")
def test_the_public_whitelist_pages_are_limited_per_client(clock, budgets):
    budgets(public=3)
    client, other = Client(), Client(REMOTE_ADDR="192.0.2.7")
    assert client.get("/public/").status_code == 200
    assert client.get("/public/batches/").status_code == 200
    assert client.get("/public/").status_code == 200
    assert_refused_page(client.get("/public/batches/"), 55)
    assert other.get("/public/batches/").status_code == 200  # another address, its own budget

    clock.advance(60)
    assert client.get("/public/batches/").status_code == 200


def test_the_limit_follows_the_forwarded_client_only_behind_a_trusted_proxy(
    clock, budgets, settings
):
    budgets(public=1)
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert first.get("/arrive/").status_code == 200
    assert first.get("/arrive/").status_code == 429
    assert second.get("/arrive/").status_code == 200  # another client behind the same proxy
    # a client that is not a trusted proxy cannot pick a fresh address per request
    direct = {"REMOTE_ADDR": "203.0.113.5"}
    assert Client(**direct, HTTP_X_FORWARDED_FOR="1.1.1.1").get("/arrive/").status_code == 200
    assert Client(**direct, HTTP_X_FORWARDED_FOR="2.2.2.2").get("/arrive/").status_code == 429


# --- the ingestion endpoints ---------------------------------------------------------------------


def bearer(key, **extra):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_feed_endpoints_are_limited_per_account_and_answer_json(clock, budgets):
    budgets(ingest=2)
    _token, key = epi_actions.issue_feed_token(make_feed_source("lab-rl", "限流实验室"), actor=None)
    _token, other_key = epi_actions.issue_feed_token(
        make_feed_source("lab-rl2", "另一实验室"), actor=None
    )
    client = bearer(key)
    assert post_json(client, "/api/feeds/test_result/", []).status_code == 200
    assert post_json(client, "/api/feeds/scan/", []).status_code == 200  # the scan feed
    batches = FeedBatch.objects.count()

    refused = post_json(client, "/api/feeds/test_result/", [])
    assert refused.status_code == 429 and refused["Retry-After"] == "55"
    assert MESSAGE in refused.json()["detail"]
    assert FeedBatch.objects.count() == batches
    assert post_json(bearer(other_key), "/api/feeds/test_result/", []).status_code == 200

    clock.advance(55)
    assert post_json(client, "/api/feeds/test_result/", []).status_code == 200


def test_the_checkpoint_verification_is_limited_and_the_log_is_not(
    clock, budgets, departments, login
):
    budgets(ingest=1)
    checkpoint = make_checkpoint()
    client = login(make_officer())
    vehicle_pass = make_pass()
    driver = id_number()
    make_status(driver)
    body = {"checkpoint": checkpoint.pk, "token": vehicle_pass.token, "occupants": [driver]}
    assert post_json(client, "/api/checkpoint-checks/", body).status_code == 201

    refused = post_json(client, "/api/checkpoint-checks/", body)
    assert refused.status_code == 429 and refused["Retry-After"] == "55"
    assert MESSAGE in refused.json()["detail"]
    assert Check.objects.count() == 1
    assert client.get("/api/checkpoint-checks/").status_code == 200  # reads are not limited

    clock.advance(60)
    assert post_json(client, "/api/checkpoint-checks/", body).status_code == 201
    assert Check.objects.count() == 2


# --- the limiter itself --------------------------------------------------------------------------


def test_off_disables_every_limit(settings, clock):
    settings.RATE_LIMITS = {}
    user = make_user(None, OWN_COUNTY, username="unlimited")
    client = Client()
    for _ in range(30):
        assert client.get("/arrive/").status_code == 200
    for _ in range(25):
        answer = client.post("/accounts/login/", {"username": user.username, "password": "x"})
        assert answer.status_code == 200


def test_the_default_budgets_let_a_test_log_in_often(personas, login):
    # the suite's own pattern: many real logins from one address within one test
    for _ in range(10):
        for persona in ("own_county", "other_county", "enterprise_admin"):
            login(personas[persona])


def test_budgets_are_per_scope_and_client_and_the_first_refusal_is_logged(settings, clock, caplog):
    settings.RATE_LIMITS = {"login": (2, 60), "public": (1, 30)}
    assert ratelimit.hit("ingest", "a").allowed  # no limit for the scope
    assert ratelimit.hit("login", "a", "u").allowed and ratelimit.hit("login", "a", "u").allowed
    with caplog.at_level(logging.WARNING, logger="sibao.ratelimit"):
        refused = ratelimit.hit("login", "a", "u")
        ratelimit.hit("login", "a", "u")
    assert not refused.allowed and refused.retry_after == 55
    assert len(caplog.records) == 1 and "login" in caplog.records[0].getMessage()
    assert ratelimit.hit("login", "b", "u").allowed and ratelimit.hit("login", "a", "v").allowed
    assert ratelimit.hit("public", "a").allowed  # another scope, its own budget
    clock.advance(24)  # T0 + 29: the 30 s window ends in 1 s
    assert ratelimit.hit("public", "a").retry_after == 1
    ratelimit.reset()
    assert ratelimit.hit("login", "a", "u").allowed


def test_the_refusal_page_counts_seconds_in_english(rf):
    from django.template.loader import render_to_string
    from django.utils import translation

    request = rf.get("/")
    with translation.override("en"):
        one = render_to_string("core/rate_limited.html", {"retry_after": 1}, request=request)
        many = render_to_string("core/rate_limited.html", {"retry_after": 30}, request=request)
    assert "Please try again in 1 second." in one
    assert "Please try again in 30 seconds." in many
