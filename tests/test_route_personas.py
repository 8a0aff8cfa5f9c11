"""Every registered route, UI and API, answered for each persona (ORG-04).

A new route makes this test fail until it is listed in ROUTES (with the answers each persona must
get) or in NOT_GET (with the test that covers it): no route escapes the access check unreviewed.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sibao.core.testing import OWN_COUNTY
from tests.routes import (
    chain,
    command_emergency,
    command_escalation,
    command_incidents,
    command_oversight,
    criteria,
    epi_arrivals,
    epi_compliance,
    epi_feeds,
    epi_roster,
    epi_units,
    log_checkpoint,
    log_fleet,
    log_lastmile,
    log_passes,
    log_trips,
    mon_board,
    mon_outbox,
    mon_production,
    mon_reports,
    mon_warnings,
    places_scans,
    places_spaces,
    places_tracing,
    places_zones,
    policies_catalogue,
    policies_matching,
    policies_uptake,
    registry,
    sec_audit,
    sec_rights,
    whitelist,
    wo_cadres,
    wo_clocks,
    wo_common,
    wo_followup,
    wo_intake,
    wo_orders,
)

AREAS = (
    registry,
    criteria,
    whitelist,
    chain,
    epi_roster,
    epi_feeds,
    epi_compliance,
    epi_arrivals,
    epi_units,
    places_spaces,
    places_scans,
    places_zones,
    places_tracing,
    policies_catalogue,
    policies_matching,
    policies_uptake,
    command_emergency,
    command_incidents,
    command_oversight,
    command_escalation,
    wo_intake,
    wo_orders,
    wo_clocks,
    wo_followup,
    wo_common,
    wo_cadres,
    log_fleet,
    log_passes,
    log_checkpoint,
    log_trips,
    log_lastmile,
    mon_board,
    mon_warnings,
    mon_production,
    mon_reports,
    mon_outbox,
    sec_rights,
    sec_audit,
)

PERSONAS = ["anonymous", "no_grant", "other_county", "own_county", "enterprise_admin"]

# Answers in PERSONAS order. UI: anonymous is sent to the login page (302); API: 401.
UI_REFERENCE = (302, 403, 200, 200, 200)  # reference data for every user with a grant
UI_PERSONAL = (302, 200, 200, 200, 200)  # the signed-in user's own pages
API_REFERENCE = (401, 403, 200, 200, 200)

ROUTES = {
    # name: (kwargs builder, expected answers)
    "accounts:login": (None, (200, 302, 302, 302, 302)),
    "accounts:profile": (None, UI_PERSONAL),
    "accounts:two_factor": (None, UI_PERSONAL),
    "core:home": (None, UI_PERSONAL),
    "core:rule_list": (None, UI_REFERENCE),
    # rule changes need a province-wide grant: county offices are refused
    "core:rule_change": (lambda o: {"key": "nat_interval_hours"}, (302, 403, 403, 403, 403)),
    "core:audit_list": (None, (302, 403, 200, 200, 403)),
    "regions:region_list": (None, UI_REFERENCE),
    "regions:region_detail": (lambda o: {"code": OWN_COUNTY}, UI_REFERENCE),
    "regions:headquarters_list": (None, UI_REFERENCE),
    "regions:headquarters_detail": (lambda o: {"code": OWN_COUNTY}, UI_REFERENCE),
    "regions:department_list": (None, UI_REFERENCE),
    "enterprises:enterprise_list": (None, (302, 403, 200, 200, 200)),
    # an own-county enterprise: another county's official gets 404, as for a missing one
    "enterprises:enterprise_detail": (
        lambda o: {"pk": o["own_enterprise"].pk},
        (302, 403, 404, 200, 200),
    ),
    "accounts:user_list": (None, (302, 403, 200, 200, 403)),
    "accounts:user_detail": (lambda o: {"pk": o["own_user"].pk}, (302, 403, 404, 200, 403)),
    "api-docs": (None, API_REFERENCE),
    "api-schema": (None, API_REFERENCE),
    "api:api-root": (None, API_REFERENCE),
    "api:region-list": (None, API_REFERENCE),
    "api:region-detail": (lambda o: {"code": OWN_COUNTY}, API_REFERENCE),
    "api:industry-list": (None, API_REFERENCE),
    "api:industry-detail": (lambda o: {"pk": "industry"}, API_REFERENCE),
    "api:headquarters-list": (None, API_REFERENCE),
    "api:headquarters-detail": (lambda o: {"pk": o["own_hq"].pk}, API_REFERENCE),
    "api:department-list": (None, API_REFERENCE),
    "api:department-detail": (lambda o: {"pk": o["own_department"].pk}, API_REFERENCE),
    "api:user-list": (None, (401, 403, 200, 200, 403)),
    "api:user-detail": (lambda o: {"pk": o["own_user"].pk}, (401, 403, 404, 200, 403)),
    "api:enterprise-list": (None, (401, 403, 200, 200, 200)),
    "api:enterprise-detail": (lambda o: {"pk": o["own_enterprise"].pk}, (401, 403, 404, 200, 200)),
    "api:audit-list": (None, (401, 403, 200, 200, 403)),
    "api:audit-detail": (lambda o: {"pk": o["own_audit"].pk}, (401, 403, 404, 200, 403)),
    "api:rule-list": (None, API_REFERENCE),
    "api:rule-detail": (lambda o: {"key": "nat_interval_hours"}, API_REFERENCE),
}
for _area in AREAS:
    ROUTES.update(_area.ROUTES)

# Routes that answer no GET; each is covered by the named test.
NOT_GET = {
    "set_language": "tests/test_i18n.py",
    "accounts:logout": "tests/test_login_security.py::test_logout_ends_the_session",
    "accounts:user_reveal_phone": "tests/test_personal_data.py",
    "api:user-reveal-phone": "tests/test_personal_data.py",
}
for _area in AREAS:
    NOT_GET.update(_area.NOT_GET)


def registered_routes():
    """(name, pattern) of every named route, walking includes; format-suffix twins skipped."""
    found = {}

    def walk(patterns, namespace, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                walk(
                    entry.url_patterns,
                    f"{namespace}{ns}:" if ns else namespace,
                    prefix + str(entry.pattern),
                )
            elif isinstance(entry, URLPattern) and entry.name:
                pattern = prefix + str(entry.pattern)
                if "format" in entry.pattern.regex.groupindex:
                    continue
                found.setdefault(f"{namespace}{entry.name}", pattern)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_route_is_classified():
    unknown = sorted(set(registered_routes()) - set(ROUTES) - set(NOT_GET))
    assert not unknown, f"routes without persona expectations (add them to ROUTES): {unknown}"
    stale = sorted((set(ROUTES) | set(NOT_GET)) - set(registered_routes()))
    assert not stale, f"expectations for routes that no longer exist: {stale}"


@pytest.fixture
def objects(personas, own_enterprise):
    from sibao.core.models import AuditLog
    from sibao.regions.actions import ensure_organisations
    from sibao.regions.models import Department, Headquarters

    ensure_organisations()
    own_user = personas["own_county"]
    found = {
        "own_enterprise": own_enterprise,
        "own_user": personas["no_grant"],  # an account homed in the own county
        "own_hq": Headquarters.objects.get(region_id=OWN_COUNTY),
        "own_department": Department.objects.filter(region_id=OWN_COUNTY).first(),
        "own_audit": AuditLog.objects.filter(region_code=OWN_COUNTY)
        .exclude(actor=own_user)
        .first(),
    }
    for area in AREAS:
        found.update(area.build_objects(found, personas))
    return found


# Routes are checked in chunks of sorted names: building every area's objects and signing in
# five personas once per chunk rather than once per route keeps this file to a few minutes on
# PostgreSQL. A failure names every route of the chunk that answered wrongly.
CHUNK = 60
CHUNKS = [sorted(ROUTES)[i : i + CHUNK] for i in range(0, len(ROUTES), CHUNK)]


@pytest.mark.req("ORG-04")
@pytest.mark.req("ORG-03")
@pytest.mark.parametrize("names", CHUNKS, ids=[f"{c[0]}..{c[-1]}" for c in CHUNKS])
def test_routes_answer_each_persona(names, personas, objects, login):
    from django.test import Client

    clients = {}
    for persona in PERSONAS:
        user = personas[persona]
        clients[persona] = Client() if user is None else login(user)
    wrong = []
    for name in names:
        build, expected = ROUTES[name]
        url = reverse(name, kwargs=build(objects) if build else None)
        answers = tuple(clients[p].get(url).status_code for p in PERSONAS)
        if answers != expected:
            wrong.append(f"{name} {url}: got {dict(zip(PERSONAS, answers, strict=True))}")
            continue
        if name.startswith("accounts:login") or expected[0] != 302:
            continue
        # anonymous is sent to the login page, keeping where it wanted to go
        location = clients["anonymous"].get(url)["Location"]
        if not location.startswith("/accounts/login/"):
            wrong.append(f"{name} {url}: anonymous sent to {location}")
    assert not wrong, "\n".join(wrong)
