"""MON-01: the one-screen dashboard's frame — the page, its panels as linked figures, the
breadcrumb and drill-down, the polled fragment, the wall screen, the cache and the scope."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_user,
    make_whitelisted,
)
from tests.mon_board_support import board_panels  # noqa: F401
from tests.mon_support import assert_figures_match_lists, board, figures

pytestmark = pytest.mark.usefixtures("board_panels")


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.req("MON-01")
def test_a_province_official_sees_linked_figures_and_drills_down_to_a_county(
    personas, own_enterprise, other_enterprise, login
):
    make_whitelisted(region="410103")
    province = login(make_user(Role.HQ_OFFICE, "41"))

    response = board(province)
    page = _text(response)
    found = figures(response)
    assert found["units.total"].value == 3 and found["units.listed"].value == 1
    assert [p.key for p in response.context["panels"]] == ["units"]  # the hidden panel is left out
    assert assert_figures_match_lists(province, response) >= 5  # figures and table rows
    assert 'data-testid="board-heading">河南省</span>' in page
    assert re.search(r'data-testid="figure-units-listed"[^>]*>1</a>', page)
    assert 'class="board-number text-orange"' in page  # the tone
    assert 'title="在册的白名单单位"' in page and "企业名录 ›" in page
    assert 'id="board-chart-units"' in page  # the panel's chart option
    assert page.count('data-testid="crumb-') == 1
    cities = {c["code"]: c for c in response.context["map"]["children"]}
    assert len(cities) == 18 and cities["4101"]["value"] == 2 and cities["4102"]["value"] == 1
    assert cities["4101"]["drillable"] and 'data-testid="drill-4101"' in page

    city = _text(board(province, "4101"))
    assert 'data-testid="board-heading">河南省郑州市</span>' in city
    assert 'data-testid="crumb-41"' in city and 'data-testid="crumb-4101"' in city
    assert "郑州航空港经济综合实验区" in city and "（地图无图形）" in city

    county = board(province, OWN_COUNTY)
    assert county.context["map"]["geo_url"] is None
    own = {row["key"]: row for row in county.context["map"]["own"]}
    assert own["units"]["value"] == 1 and own["listed"]["value"] == 0
    assert figures(county)["units.total"].value == 1
    assert 'data-testid="crumb-410102"' in _text(county)


@pytest.mark.req("MON-01")
def test_a_county_board_shows_only_its_county(personas, own_enterprise, login):
    make_enterprise(region=OTHER_COUNTY)
    make_whitelisted(region="410103")  # same city, another county
    make_whitelisted(region=OWN_COUNTY)
    client = login(personas["own_county"])

    response = board(client)
    assert response.context["region"].code == OWN_COUNTY
    found = figures(response)
    assert found["units.total"].value == 2 and found["units.listed"].value == 1
    assert assert_figures_match_lists(client, response) >= 4
    page = _text(response)
    assert page.count('data-testid="crumb-') == 1  # no link to the city or the province
    for url in ("/dashboard/", "/dashboard/panels/", "/dashboard/map-data/"):
        for region in (OTHER_COUNTY, "4101", "41", "999999"):
            assert client.get(url, {"region": region}).status_code == 404, (url, region)
    assert client.get("/dashboard/map-data/", {"indicator": "nope"}).status_code == 404

    admin = login(personas["enterprise_admin"])
    assert admin.get("/dashboard/").status_code == 403
    assert 'data-testid="board-home-link"' not in _text(admin.get("/"))
    assert 'data-testid="board-home-link"' in _text(client.get("/"))


@pytest.mark.req("MON-01")
def test_the_panels_refresh_by_polling_and_the_wall_screen_has_no_navigation(
    personas, own_enterprise, login
):
    client = login(personas["own_county"])
    page = _text(board(client))
    assert re.search(
        r'id="board-panels"[^>]*hx-get="/dashboard/panels/\?region=410102"[^>]*'
        r'hx-trigger="every 60s"',
        page,
    )
    assert 'data-testid="main-nav"' in page and 'data-testid="board-screen-toggle"' in page
    # polling swaps the panels only: the map and its picker lie outside the polled element
    city = _text(board(login(make_user(Role.HQ_LEADER, "4101")), "4101"))
    assert city.index('id="board-panels"') > city.index('data-testid="indicator-picker"')
    assert city.index('id="board-panels"') > city.index('data-testid="map-table"')

    fragment = client.get("/dashboard/panels/", {"region": OWN_COUNTY})
    text = _text(fragment)
    assert "<html" not in text and 'data-testid="panel-units"' in text
    assert "map-table" not in text and "indicator-picker" not in text
    assert 'id="board-updated"' in text and 'hx-swap-oob="true"' in text
    assert figures(fragment)["units.total"].value == 1

    screen = _text(client.get("/dashboard/", {"region": OWN_COUNTY, "screen": "1"}))
    assert 'data-testid="board-screen"' in screen and 'data-bs-theme="dark"' in screen
    assert 'data-testid="main-nav"' not in screen and 'data-testid="board-clock"' in screen
    assert "/dashboard/panels/?region=410102&amp;screen=1" in screen or (
        "/dashboard/panels/?region=410102&screen=1" in screen
    )


@pytest.mark.req("MON-01")
def test_figures_are_cached_per_scope_for_the_rule_set_seconds_with_their_age_shown(
    personas, own_enterprise, login
):
    office = login(personas["own_county"])
    first = office.get("/dashboard/")
    assert figures(first)["units.total"].value == 1
    assert re.search(
        r"数据更新于 \d\d:\d\d:\d\d（<span class=\"board-age\">\d+</span> 秒前）", _text(first)
    )

    make_enterprise(region=OWN_COUNTY)
    cached = office.get("/dashboard/")
    assert figures(cached)["units.total"].value == 1  # the cached entry, with its own time
    assert cached.context["computed_at"] == first.context["computed_at"]
    colleague = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))  # same grants: the same entry
    assert figures(colleague.get("/dashboard/"))["units.total"].value == 1
    leader = login(make_user(Role.HQ_LEADER, OWN_COUNTY))  # other grants: never shared
    assert figures(leader.get("/dashboard/"))["units.total"].value == 2

    refreshed = office.get("/dashboard/", {"refresh": "1"})  # the 刷新 button
    assert figures(refreshed)["units.total"].value == 2
    assert refreshed.context["computed_at"] > first.context["computed_at"]
    fragment = office.get("/dashboard/panels/", {"region": OWN_COUNTY})
    assert figures(fragment)["units.total"].value == 2  # the refreshed entry is shared

    province = make_user(Role.HQ_OFFICE, "41")
    with pytest.raises(ValidationError, match="60"):
        change_rule_parameter("dashboard_cache_seconds", 61, actor=province, reason="测试")
    change_rule_parameter("dashboard_cache_seconds", 0, actor=province, reason="不缓存")
    make_enterprise(region=OWN_COUNTY)
    assert figures(office.get("/dashboard/"))["units.total"].value == 3


@pytest.mark.req("MON-01")
def test_the_page_shows_a_kept_entry_at_once_and_the_polling_refreshes_it(
    personas, own_enterprise, login, monkeypatch
):
    from django.utils import timezone

    real_now = timezone.now
    office = login(personas["own_county"])
    first = office.get("/dashboard/")
    assert figures(first)["units.total"].value == 1
    assert not first.context["is_stale"]
    assert 'hx-trigger="every 60s"' in _text(first)
    make_enterprise(region=OWN_COUNTY)

    # 40 s later: past the 30 s of freshness, within the 60 s an entry is kept
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(seconds=40))
    page = office.get("/dashboard/")
    assert figures(page)["units.total"].value == 1  # shown at once, not recomputed
    assert page.context["is_stale"] and page.context["age_seconds"] >= 40
    # the first poll comes when the entry would be 60 s old (within a second of the clock)
    assert re.search(r'hx-trigger="every (19|20)s"', _text(page))
    poll = office.get("/dashboard/panels/", {"region": OWN_COUNTY})
    assert figures(poll)["units.total"].value == 2  # the polling recomputes what is not fresh
    assert not poll.context["is_stale"]
    assert figures(office.get("/dashboard/"))["units.total"].value == 2

    # past 60 s nothing is shown from the cache: the page computes
    make_enterprise(region=OWN_COUNTY)
    monkeypatch.setattr(timezone, "now", lambda: real_now() + datetime.timedelta(seconds=105))
    assert figures(office.get("/dashboard/"))["units.total"].value == 3
