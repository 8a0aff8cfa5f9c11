"""The API router groups its routes by first path segment (fewer patterns tried per request):
every route of the flat router resolves to the same view and name, and reverses to the same
path, through the grouped one; the OpenAPI paths are those of the routes."""

import re

import pytest
from django.urls import resolve, reverse
from rest_framework.routers import DefaultRouter

from sibao.config import api_urls

pytestmark = pytest.mark.req("PLAT-02")


def _example(regex: str) -> str:
    """A path the regular expression of a route matches."""
    path = regex.lstrip("^").rstrip("$").replace(r"\Z", "").replace("/?", "/")
    path = path.replace(r"(?P<format>\.[a-z0-9]+/)", ".json")  # the API root's
    path = path.replace("(?P<format>[a-z0-9]+)", "json")
    # a named group: its first alternative when it lists some, else a number
    path = re.sub(
        r"\(\?P<\w+>([^)]*)\)",
        lambda m: m.group(1).split("|")[0] if "|" in m.group(1) else "41",
        path,
    )
    return path.replace("\\.", ".")


def test_every_route_resolves_and_reverses_as_in_the_flat_router():
    flat = DefaultRouter()
    flat.registry = list(api_urls.router.registry)
    patterns = flat.get_urls()
    assert len(patterns) > 500
    assert len(api_urls.router.urls) < 40  # grouped: a few dozen first-letter prefixes
    grouped_names = set()
    for pattern in patterns:
        path = "/api/" + _example(pattern.pattern.regex.pattern)
        assert pattern.pattern.regex.match(path[len("/api/") :]), path
        match = resolve(path)
        assert match.url_name == pattern.name, path
        assert match.func.cls is pattern.callback.cls, path
        grouped_names.add(pattern.name)
    assert "checkpoint-check-list" in grouped_names
    assert reverse("api:checkpoint-check-list") == "/api/checkpoint-checks/"
    assert reverse("api:checkpoint-check-detail", args=[7]) == "/api/checkpoint-checks/7/"
    assert reverse("api:api-root") == "/api/"


def test_a_path_of_no_route_is_still_not_found(client):
    assert client.get("/api/checkpoint-checkss/").status_code == 404
    assert client.get("/api/c/").status_code == 404
