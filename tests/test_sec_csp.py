"""Content-Security-Policy: every page carries a policy whose ``script-src`` allows neither inline
scripts nor ``eval``, and no template relies on what it forbids (inline ``<script>`` blocks,
``on…=`` handler attributes, ``hx-on``, ``javascript:`` URLs, ``hx-vals="js:…"``)."""

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from sibao.core.security import ContentSecurityPolicyMiddleware

SRC = Path(__file__).resolve().parents[1] / "src" / "sibao"
REPO = SRC.parents[1]

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# an attribute named on… (onclick=, onsubmit=, …), not data-on…/hx-on… (the latter caught below)
HANDLER = re.compile(r"(?<![\w:-])on[a-z]+\s*=\s*[\"'{]", re.IGNORECASE)
HX_ON = re.compile(r"\b(?:hx|data-hx)-on(?:[:=-]|\b)", re.IGNORECASE)
JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
JS_VALS = re.compile(r"\b(?:hx|data-hx)-(?:vals|vars)\s*=\s*[\"']\s*(?:js|javascript)\s*:", re.I)


def offences(text: str) -> list[tuple[int, str]]:
    """(line, what) for every construct the policy would block in ``text`` (HTML or a template)."""
    found = []

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        if re.search(r"\bsrc\s*=", attrs, re.I):
            continue
        if re.search(r"\btype\s*=\s*[\"']?application/(?:ld\+)?json", attrs, re.I):
            continue
        found.append((line_of(match.start()), "inline <script>"))
    for pattern, what in (
        (HANDLER, "inline event handler"),
        (HX_ON, "hx-on handler"),
        (JS_URL, "javascript: URL"),
        (JS_VALS, "hx-vals/hx-vars with js:"),
    ):
        found.extend(
            (line_of(m.start()), f"{what}: {m.group(0)!r}") for m in pattern.finditer(text)
        )
    return sorted(found)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def assert_strict_scripts(response) -> None:
    policy = response.get("Content-Security-Policy")
    assert policy, f"{response.request['PATH_INFO']}: no Content-Security-Policy"
    parsed = directives(policy)
    scripts = parsed.get("script-src", parsed.get("default-src"))
    assert scripts is not None, policy
    assert "'self'" in scripts
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert forbidden not in scripts, policy
    assert parsed.get("object-src") == ["'none'"], policy
    assert parsed.get("frame-ancestors") == ["'none'"], policy


# --- the scanner itself (so that the template scan below can fail) -------------------------------


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">x()</script>',
        '<button onclick="window.print()">',
        "<form method=post onsubmit='return confirm(1)'>",
        '<a hx-on:click="this.remove()">',
        '<div hx-on::after-request="x()">',
        '<a href="javascript:void(0)">',
        '<div hx-vals="js:{a: 1}">',
    ],
)
def test_the_scanner_flags_what_the_policy_blocks(snippet):
    assert offences("<p>\n" + snippet) and offences("<p>\n" + snippet)[0][0] == 2


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/sibao/behaviours.js" defer></script>',
        '<script id="x-data" type="application/json">{"a": 1}</script>',
        '{{ chart|json_script:"trend-data" }}',
        '<form data-confirm="确定？" data-hx-target="#x">',
        '<select data-autosubmit name="region">',
        "<p>Python json = 1; the onset of symptoms</p>",
    ],
)
def test_the_scanner_lets_data_and_static_scripts_pass(snippet):
    assert offences(snippet) == []


def test_no_template_relies_on_inline_scripts_or_handlers():
    templates = sorted(SRC.rglob("templates/**/*.html"))
    assert len(templates) > 100  # the scan really reads the project's templates
    found = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path in templates
        for line, what in offences(path.read_text(encoding="utf-8"))
    ]
    assert not found, "blocked by the Content-Security-Policy:\n" + "\n".join(found)


# --- the header ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ordinary_login_public_and_api_docs_pages_carry_the_policy(personas, login):
    client = login(personas["own_county"])
    home = client.get("/")
    assert home.status_code == 200
    assert_strict_scripts(home)
    assert 'src="/static/sibao/behaviours.js"' in home.content.decode()

    anonymous = type(client)()
    for each, url in (
        (anonymous, "/accounts/login/"),
        (anonymous, "/public/"),
        (client, "/api/docs/"),
    ):
        response = each.get(url)
        assert response.status_code == 200, url
        assert_strict_scripts(response)
        assert offences(response.content.decode()) == [], url

    # the Swagger UI page loads its set-up code as a file from the same origin
    docs = client.get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', docs)
    assert script_url, docs
    script = client.get(script_url.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_an_error_page_and_an_htmx_fragment_carry_it_too(personas, login):
    client = login(personas["own_county"])
    assert_strict_scripts(client.get("/no-such-page/"))
    assert_strict_scripts(client.get("/dashboard/panels/", headers={"HX-Request": "true"}))


def test_a_policy_set_by_the_view_is_kept_and_an_empty_setting_adds_none(settings):
    request = RequestFactory().get("/")

    def own_policy(_request):
        response = HttpResponse("<p>frame</p>")
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
        return response

    assert (
        ContentSecurityPolicyMiddleware(own_policy)(request)["Content-Security-Policy"]
        == "frame-ancestors 'self'"
    )
    plain = ContentSecurityPolicyMiddleware(lambda _request: HttpResponse("<p>page</p>"))
    assert plain(request)["Content-Security-Policy"] == settings.SIBAO_CSP
    settings.SIBAO_CSP = "default-src 'self'; script-src 'self' https://cdn.example"
    assert plain(request)["Content-Security-Policy"].endswith("https://cdn.example")
    settings.SIBAO_CSP = ""
    assert "Content-Security-Policy" not in plain(request)
