"""MON-01: the board's query count is pinned — the page and the polled fragment make the same
number of queries however much data the region holds (no query per row, per child or per
figure), both for the frame with small panels of its own and with every registered panel."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sibao.accounts.roles import Role
from sibao.core.testing import make_enterprise, make_listed, make_user
from tests.mon_board_support import board_panels  # noqa: F401
from tests.mon_support import figures

COUNTIES = ["410102", "410103", "410202", "410307", "411002"]

# each answer: session, user, rule set, grants, the region (with its parents) and the session's
# save (savepoint, update, release) = 8; the fragment adds the panels (1 query with the test
# panel), the map data the children and the indicator (2), the page both and the header's
# unread-notification count (1)
# on PostgreSQL each computation (the panels, the map) runs in a savepoint with JIT off:
# SAVEPOINT, SET LOCAL jit = off, RELEASE (outside a test's transaction: SET LOCAL alone)
JIT = 3 if connection.vendor == "postgresql" else 0
FRAME_PAGE_QUERIES = 12 + 2 * JIT
FRAME_FRAGMENT_QUERIES = 9 + JIT
FRAME_MAP_QUERIES = 10 + JIT


def _units(n: int) -> None:
    for i in range(n):
        unit = make_enterprise(region=COUNTIES[i % len(COUNTIES)])
        if i % 2:
            make_listed(unit)


def _count(client, url, **params) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.req("MON-01")
@pytest.mark.usefixtures("board_panels")
def test_the_frame_makes_a_fixed_number_of_queries_whatever_the_data(db, login):
    client = login(make_user(Role.HQ_OFFICE, "41"))
    client.get("/dashboard/")  # the first request of a session settles it
    counts = []
    for more in (4, 8):  # then twice as much data
        _units(more)
        counts.append(
            (
                _count(client, "/dashboard/"),
                _count(client, "/dashboard/", region="4101"),
                _count(client, "/dashboard/panels/", region="41"),
                _count(client, "/dashboard/map-data/", region="4103", indicator="listed"),
            )
        )
    assert counts[0] == counts[1], counts
    assert counts[0] == (
        FRAME_PAGE_QUERIES,
        FRAME_PAGE_QUERIES,
        FRAME_FRAGMENT_QUERIES,
        FRAME_MAP_QUERIES,
    ), counts


# --- the board with every registered panel -------------------------------------------------------

# pinned at the measured numbers; a change here is a change of some panel's (or the frame's)
# queries: the failure message lists each panel's own count
BOARD_PAGE_QUERIES = 25 + 2 * JIT
BOARD_FRAGMENT_QUERIES = 22 + JIT


def _everything(n: int, offset: int, now) -> None:
    """``n`` units over the counties, each with what the panels count: a whitelist entry (every
    other unit), a roster with one overdue worker and their alert, a demand with a dispatched
    order, a production report; then the warning rules run over all of it."""
    import datetime

    from sibao.command.actions.warnings import evaluate_warnings
    from sibao.core.testing import make_staff
    from sibao.enterprises.actions.production import report_production
    from sibao.epidemic import actions as epidemic_actions
    from tests.routes.wo_clocks import dispatched_order

    states = ["operating", "partial", "suspended"]
    for i in range(offset, offset + n):
        unit = make_enterprise(region=COUNTIES[i % len(COUNTIES)], name=f"查询测试{i}有限公司")
        if i % 2:
            make_listed(unit)
        make_staff(unit, last_negative_at=now - datetime.timedelta(hours=2))
        overdue = make_staff(unit, last_negative_at=now - datetime.timedelta(days=5))
        epidemic_actions.raise_alert(
            "overdue_test",
            person_key=overdue.person_key,
            staff=overdue,
            region_code=unit.region_id,
            detail="超时未检测",
            dedupe_key=f"board-queries:{i}",
            now=now,
            actor=None,
            notify_parties=False,
        )
        dispatched_order(unit, now=now - datetime.timedelta(days=i % 4))
        report_production(
            unit,
            actor=None,
            state=states[i % 3],
            capacity_percent=0 if i % 3 == 2 else 40 + i,
            staff_on_site=1,
            raw_material_days=3 + i % 5,
        )
    evaluate_warnings(now=now)


def _per_panel(user, region_code: str) -> dict:
    from sibao.dashboard import panels
    from sibao.dashboard.queries_board import board_context
    from sibao.regions.models import Region

    ctx = board_context(user, Region.objects.get(pk=region_code))
    found = {}
    for path, provider in zip(panels.PANEL_PATHS, panels.providers(), strict=True):
        with CaptureQueriesContext(connection) as captured:
            provider(ctx)
        found[path.rsplit(".", 2)[-2] + "." + path.rsplit(".", 1)[-1]] = len(captured)
    return found


@pytest.mark.req("MON-01")
def test_the_board_with_every_registered_panel_makes_a_fixed_number_of_queries(db, login):
    from django.utils import timezone

    from sibao.core.testing import ensure_departments
    from sibao.dashboard import panels

    ensure_departments(*COUNTIES)
    official = make_user(Role.HQ_OFFICE, "41")
    client = login(official)
    client.get("/dashboard/")
    now = timezone.now()
    counts = []
    totals = []
    for offset, more in ((0, 3), (3, 6)):  # then twice as much data
        _everything(more, offset, now)
        counts.append(
            (
                _count(client, "/dashboard/"),
                _count(client, "/dashboard/panels/", region="41"),
                _count(client, "/dashboard/", region="4101"),
                tuple(
                    _count(client, "/dashboard/map-data/", region="41", indicator=i.key)
                    for i in panels.indicators()
                ),
            )
        )
        fragment = client.get("/dashboard/panels/", {"region": "41", "refresh": "1"})
        totals.append(sum(f.value or 0 for f in figures(fragment).values()))
    assert 0 < totals[0] < totals[1]  # the panels count the data
    breakdown = _per_panel(official, "41")
    assert counts[0] == counts[1], (counts, breakdown)
    page, fragment = counts[0][:2]
    assert (page, fragment) == (BOARD_PAGE_QUERIES, BOARD_FRAGMENT_QUERIES), (counts, breakdown)
