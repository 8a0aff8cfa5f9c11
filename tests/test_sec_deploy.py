"""Production settings: ``sibao check --deploy`` passes with the documented production environment
(docs/operations.md, "Deploying on several servers") and reports the HTTPS warnings with the demo
defaults; a production response carries HSTS and secure cookie flags; the new variables' readers
refuse malformed values by name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from sibao.config import settings as settings_module
from sibao.core.context import address_of
from sibao.core.testing import PASSWORD, make_user

SIBAO = Path(sys.executable).with_name("sibao")

PRODUCTION = {
    "SIBAO_DEBUG": "false",
    "SIBAO_SECRET_KEY": "k7Qv-2pX_r9LmZ4tB8nW1yH6cF3jD0sG5aE-uR7iO2pK9qT4vY8xN1bM6zC3hJ0w",
    "SIBAO_DATA_KEY": "dT5-yU8iO1pA4sD7fG0hJ3kL6zX9cV2bN5mQ8wE1rT4yU7iO0pA3sD6fG9hJ2k",
    "SIBAO_ALLOWED_HOSTS": "sibao.example.org",
    "SIBAO_CSRF_TRUSTED_ORIGINS": "https://sibao.example.org",
    "SIBAO_SECURE_COOKIES": "true",
    "SIBAO_HSTS_SECONDS": "31536000",
    "SIBAO_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SIBAO_HSTS_PRELOAD": "true",
    "SIBAO_SSL_REDIRECT": "true",
    "SIBAO_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SIBAO_TRUSTED_PROXIES": "10.0.0.0/8",
    "SIBAO_CACHE_URL": "redis://127.0.0.1:6379/1",
    "SIBAO_RATE_LIMITS": "login=20/60,public=120/60,ingest=6000/60",
}
HTTPS_WARNINGS = ["security.W004", "security.W008", "security.W012", "security.W016"]


def run_check(tmp_path, extra: dict[str, str]) -> subprocess.CompletedProcess:
    # a deployment's environment: none of the test run's own settings (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for the live server, which the deploy check rightly refuses)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIBAO_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(SIBAO_VAR_DIR=str(tmp_path), **extra)
    return subprocess.run(
        [str(SIBAO), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    result = run_check(tmp_path, PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "security.W" not in output, output
    assert "no issues" in output


def test_check_deploy_reports_the_https_warnings_with_the_demo_defaults(tmp_path):
    result = run_check(tmp_path, {})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for warning in HTTPS_WARNINGS:
        assert warning in output, (warning, output)


@pytest.fixture
def production(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_a_production_response_carries_hsts_and_secure_cookies(production):
    user = make_user(None, "410102", username="deploy_user")
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == HSTS
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"

    signed_in = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, secure=True
    )
    assert signed_in.status_code == 302
    assert signed_in["Strict-Transport-Security"] == HSTS
    session = signed_in.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_plain_http_is_redirected_and_the_proxy_header_counts_as_https(production):
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in plain  # never sent over plain HTTP

    proxied = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == HSTS


def test_without_the_production_settings_there_is_no_hsts(settings):
    # the plain-HTTP demo: no HSTS, no redirect, cookies without the secure flag
    settings.SECURE_HSTS_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.CSRF_COOKIE_SECURE = False
    page = Client().get("/accounts/login/")
    assert page.status_code == 200 and "Strict-Transport-Security" not in page
    assert not page.cookies["csrftoken"]["secure"]


# --- the readers of the new variables ------------------------------------------------------------


def test_the_proxy_ssl_header_reader():
    read = settings_module.read_proxy_ssl_header
    assert read("V", "") is None
    assert read("V", "X-Forwarded-Proto") == ("HTTP_X_FORWARDED_PROTO", "https")
    assert read("V", "X-Scheme=https") == ("HTTP_X_SCHEME", "https")
    with pytest.raises(ImproperlyConfigured, match="V must be a header name"):
        read("V", "X Forwarded Proto")


def test_the_rate_limits_reader(monkeypatch):
    read = settings_module.read_rate_limits
    monkeypatch.setenv("V", "")
    assert read("V") == settings_module.RATE_LIMIT_DEFAULTS
    monkeypatch.setenv("V", "login=5/30,ingest=off")
    assert read("V") == {"login": (5, 30), "public": settings_module.RATE_LIMIT_DEFAULTS["public"]}
    monkeypatch.setenv("V", "off")
    assert read("V") == {}
    for bad in ["login=5", "login=0/60", "login=a/60", "logins=5/60", "login"]:
        monkeypatch.setenv("V", bad)
        with pytest.raises(ImproperlyConfigured, match="V"):
            read("V")


def test_the_trusted_proxies_reader(monkeypatch):
    monkeypatch.setenv("V", "10.0.0.1, 192.168.0.0/16,::1")
    assert settings_module.read_trusted_proxies("V") == ["10.0.0.1", "192.168.0.0/16", "::1"]
    monkeypatch.setenv("V", "proxy.example.org")
    with pytest.raises(ImproperlyConfigured, match="V must be IP addresses"):
        settings_module.read_trusted_proxies("V")


# --- the client address behind proxies -----------------------------------------------------------


class FakeRequest:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


def test_the_client_address_is_the_connection_unless_it_is_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = []
    assert address_of(FakeRequest("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # a client outside the proxies cannot name another address
    assert address_of(FakeRequest("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    # through the proxy: the hop the proxy added; a client's own forged hops before it are ignored
    assert address_of(FakeRequest("10.0.0.2", "198.51.100.1")) == "198.51.100.1"
    assert address_of(FakeRequest("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3")) == (
        "198.51.100.1"
    )
    assert address_of(FakeRequest("10.0.0.2", "not-an-address")) == "10.0.0.2"
    assert address_of(FakeRequest("10.0.0.2")) == "10.0.0.2"
