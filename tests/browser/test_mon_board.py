"""MON-01 by hand: a province official opens the one-screen dashboard, colours the map by another
indicator, clicks 郑州市 on the map and then 中原区 in the table next to it — the county's board
shows, with its indicators as a table — and switches to the wall screen (大屏)."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core.testing import make_enterprise, make_listed, make_user
from sibao.dashboard import panels
from tests.mon_board_support import HERE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNTIES = ["410102", "410102", "410103", "410105", "410202", "410307", "411002", "411302"]


def _click_on_map(page, region_code: str) -> None:
    """Click the polygon of ``region_code`` on the map canvas, at its centroid."""
    point = page.evaluate(
        """(code) => {
            const el = document.getElementById("board-map");
            const chart = echarts.getInstanceByDom(el);
            const geo = echarts.getMap("sibao-41").geoJSON;
            const feature = geo.features.find((f) => f.properties.name === code);
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, feature.properties.centroid);
            const box = el.getBoundingClientRect();
            return {x: box.left + x, y: box.top + y};
        }""",
        region_code,
    )
    page.mouse.click(point["x"], point["y"])


@pytest.mark.req("MON-01")
def test_a_province_official_drills_down_from_the_map_to_a_county(
    page, live_server, browser_login, screenshot, monkeypatch
):
    # every registered panel, and one with a chart (no registered panel draws one yet)
    monkeypatch.setattr(panels, "PANEL_PATHS", [*panels.PANEL_PATHS, f"{HERE}.units_panel"])
    cache.clear()  # no figures of an earlier test's province official
    errors = []
    # with the stack, so that a failure names the script line
    page.on("pageerror", lambda error: errors.append(f"{error}\n{error.stack}"))
    for i, county in enumerate(COUNTIES):
        unit = make_enterprise(region=county, name=f"示范企业{i}有限公司")
        if i % 3 != 2:
            make_listed(unit)
    browser_login(make_user(Role.HQ_OFFICE, "41", username="b_province"))

    page.goto(f"{live_server.url}/")
    page.get_by_test_id("board-home-link").get_by_role("link").click()
    expect(page.get_by_test_id("board-heading")).to_have_text("河南省")
    expect(page.get_by_test_id("map-sketch")).to_have_text("示意图")
    expect(page.get_by_test_id("board-updated")).to_contain_text("数据更新于")
    page.wait_for_function(
        "() => { const el = document.getElementById('board-map');"
        " return el && window.echarts && echarts.getInstanceByDom(el) && echarts.getMap('sibao-41'); }"
    )

    picker = page.get_by_test_id("indicator-picker")
    options = picker.locator("option")
    assert options.count() >= 2
    second = options.nth(1)
    label, key = second.inner_text(), second.get_attribute("value")
    picker.select_option(value=key)
    expect(page.locator("#map-table-indicator")).to_contain_text(label)
    expect(page).to_have_url(f"{live_server.url}/dashboard/?indicator={key}")
    expect(page.locator("[data-testid=chart-units] canvas")).to_have_count(1)
    screenshot(page, "province")

    with page.expect_navigation():
        _click_on_map(page, "4101")
    expect(page.get_by_test_id("board-heading")).to_have_text("河南省郑州市")
    assert f"indicator={key}" in page.url  # the pick goes along
    expect(page.locator("#map-table-indicator")).to_contain_text(label)

    with page.expect_navigation():
        page.get_by_test_id("drill-410102").click()
    expect(page.get_by_test_id("board-heading")).to_have_text("河南省郑州市中原区")
    expect(page.get_by_test_id("board-breadcrumb")).to_contain_text("郑州市")
    expect(page.get_by_test_id("map-table")).to_contain_text(label)
    expect(page.get_by_test_id("board-map")).to_have_count(0)  # a county has no map file
    screenshot(page, "county")

    page.set_viewport_size({"width": 1920, "height": 1080})
    with page.expect_navigation():
        page.get_by_test_id("crumb-41").click()
    with page.expect_navigation():
        page.get_by_test_id("board-screen-toggle").click()
    expect(page.get_by_test_id("board-screen")).to_be_visible()
    expect(page.get_by_test_id("indicator-picker")).to_have_value(key)  # still the pick
    expect(page.get_by_test_id("main-nav")).to_have_count(0)
    expect(page.get_by_test_id("board-clock")).to_have_text(
        re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    )
    # echarts arrives with the deferred scripts: until then there is nothing to wait on
    page.wait_for_function("() => window.echarts && echarts.getMap('sibao-41')")
    page.wait_for_timeout(500)  # the map's entry animation
    screenshot(page, "screen")
    assert not errors, errors
