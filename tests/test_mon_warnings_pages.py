"""MON-02 pages: the warning list (counts by dimension, filters, search, export), the warning page
(rule, parameters and figures, history) with its response forms, and the board's warnings panel,
whose every figure equals the count of the list it links to."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.command.actions import warnings as actions
from sibao.command.models import EarlyWarning, WarningStatus
from sibao.core import rules
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.dashboard.panels import BoardContext
from sibao.dashboard.panels.warnings import ACTIVE_WARNINGS
from sibao.regions.models import Region
from tests.mon_support import assert_figures_match_lists, board, figures, list_count
from tests.routes.mon_warnings import listed_unit, make_warning

pytestmark = pytest.mark.req("MON-02")
LIST = "/command/warnings/"


@pytest.fixture
def spread(personas, own_enterprise, other_enterprise):
    """Warnings in every state across two counties of one city and another city."""
    neighbour = make_enterprise(region="410103", name="二七测试物流有限公司", industry="transport")
    return {
        "open": make_warning(own_enterprise),
        "overdue": make_warning(
            own_enterprise, rule="risk_code_on_site", dimension="staff_codes", hours_left=-2
        ),
        "severe": make_warning(
            neighbour, rule="incident_open", dimension="epidemic_risk", level="severe"
        ),
        "acknowledged": make_warning(
            own_enterprise, rule="production_low", dimension="production", status="acknowledged"
        ),
        "resolved": make_warning(own_enterprise, status="resolved", hours_left=-30),
        "regional": make_warning(
            region=OWN_COUNTY, rule="orders_overdue_region", dimension="demand"
        ),
        "elsewhere": make_warning(other_enterprise, dimension="prevention"),
    }


def test_the_list_filters_counts_and_exports_what_the_user_may_see(spread, personas, login):
    client = login(personas["own_county"])
    page = client.get(LIST)
    assert page.status_code == 200
    counts = {c.key: c.active for c in page.context["dimension_counts"]}
    assert counts == {
        "prevention": 1,
        "staff_codes": 1,
        "epidemic_risk": 0,  # 二七区 is outside the own county's grant
        "production": 1,
        "policy": 0,
        "demand": 1,
        "liaison": 0,
    }
    assert page.context["overdue_count"] == 1
    assert list_count(client, LIST) == 5  # not the other county's nor 二七区's
    assert list_count(client, f"{LIST}?status=active") == 4
    assert list_count(client, f"{LIST}?status=resolved") == 1
    assert list_count(client, f"{LIST}?dimension=production") == 1
    assert list_count(client, f"{LIST}?level=warning") == 5
    assert list_count(client, f"{LIST}?rule=orders_overdue_region") == 1
    assert list_count(client, f"{LIST}?overdue=true") == 1
    assert list_count(client, f"{LIST}?region={OWN_COUNTY}") == 5
    assert list_count(client, f"{LIST}?region=4102") == 0
    assert list_count(client, f"{LIST}?region=abc") == 0
    enterprise = spread["open"].enterprise_id
    assert list_count(client, f"{LIST}?enterprise={enterprise}") == 4
    assert list_count(client, f"{LIST}?q=中原测试机械") == 4
    partial = client.get(f"{LIST}?status=active", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"warning-row" in partial.content

    city = login(make_user(Role.HQ_LEADER, "4101"))
    assert list_count(city, f"{LIST}?dimension=epidemic_risk&status=active") == 1
    assert list_count(city, LIST) == 6

    export = client.get("/command/warnings/export/?status=active")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert sheet.max_row == 1 + 4


def test_the_list_answers_in_a_fixed_number_of_queries(
    personas, own_enterprise, login, django_assert_max_num_queries
):
    client = login(personas["own_county"])
    make_warning(own_enterprise)
    client.get(LIST)
    with django_assert_max_num_queries(14) as few:
        client.get(LIST)
    for _ in range(8):
        make_warning(own_enterprise, owner=personas["own_county"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_the_warning_page_explains_the_rule_and_takes_the_responses(
    personas, own_enterprise, login
):
    unit = listed_unit()
    actions.evaluate_warnings(codes={"preparedness_incomplete"})
    warning = EarlyWarning.objects.get(enterprise=unit)
    url = f"{LIST}{warning.pk}/"
    client = login(personas["own_county"])
    page = client.get(url)
    text = page.content.decode()
    assert "常态常备未落实" in text and "纳入白名单后落实常态常备的宽限天数" in text
    assert "D1 一(三)1、3（平台默认）" in text and "常态常备登记" in text
    assert f"规则集版本 {rules.current().version}" in text
    assert 'data-testid="warning-acknowledge"' in text

    # bad input changes nothing and says why
    answer = client.post(f"{url}resolve/", {"outcome": ""}, follow=True)
    assert "请填写处置结果" in answer.content.decode()
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN

    assert client.post(f"{url}acknowledge/").status_code == 302
    answer = client.post(
        f"{url}work-order/", {"category": "other", "urgency": "normal", "description": ""}
    )
    assert answer.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ASSIGNED and warning.demand is not None
    page = client.get(url).content.decode()
    assert warning.demand.number in page and 'data-testid="history-assign"' in page
    department = warning.owner_department
    leader = make_user(Role.HQ_LEADER, OWN_COUNTY)
    answer = client.post(f"{url}assign/", {"owner": leader.pk, "note": "请跟进"})
    warning.refresh_from_db()
    assert warning.owner == leader and warning.owner_department == department
    assert client.post(f"{url}consult/", {"held_at": ""}).status_code == 302  # form error shown
    assert client.post(f"{url}dismiss/", {"reason": "误报"}).status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.DISMISSED

    other = make_warning(unit)
    assert login(personas["other_county"]).post(f"{LIST}{other.pk}/acknowledge/").status_code == 404
    admin = login(personas["enterprise_admin"])
    assert admin.post(f"{LIST}{other.pk}/acknowledge/").status_code == 403
    cadre = login(make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=unit))
    assert cadre.get(f"{LIST}{other.pk}/").status_code == 200  # reads its unit's warnings
    assert cadre.post(f"{LIST}{other.pk}/acknowledge/").status_code == 403
    other.refresh_from_db()
    assert other.status == WarningStatus.OPEN


def test_the_board_panel_figures_equal_the_lists_they_link_to(spread, personas, login):
    client = login(make_user(Role.HQ_LEADER, "4101"))
    response = board(client, "4101")
    found = figures(response)
    keys = {k for k in found if k.startswith("warnings.")}
    assert keys == {
        f"warnings.{k}"
        for k in (
            "prevention",
            "staff_codes",
            "epidemic_risk",
            "production",
            "policy",
            "demand",
            "liaison",
            "overdue",
        )
    }
    assert found["warnings.epidemic_risk"].value == 1 and found["warnings.overdue"].value == 1
    assert assert_figures_match_lists(client, response, keys) == 8

    county = login(personas["own_county"])
    response = board(county, OWN_COUNTY)
    assert figures(response)["warnings.epidemic_risk"].value == 0
    assert_figures_match_lists(county, response, keys)

    # the map indicator: active warnings per child region, each equal to its list
    leader = make_user(Role.HQ_LEADER, "41")
    ctx = BoardContext(
        user=leader,
        region=Region.objects.get(code="4101"),
        rules=rules.current(),
        today=timezone.localdate(),
        now=timezone.now(),
    )
    children = list(Region.objects.filter(parent_id="4101"))
    values = ACTIVE_WARNINGS.values(ctx, children)
    assert values[OWN_COUNTY] == 4 and values["410103"] == 1
    province = login(leader)
    for code in (OWN_COUNTY, "410103"):
        assert list_count(province, ACTIVE_WARNINGS.url(ctx, code)) == values[code]
    assert OTHER_COUNTY not in values
    assert (
        ACTIVE_WARNINGS.values(
            BoardContext(personas["enterprise_admin"], ctx.region, ctx.rules, ctx.today, ctx.now),
            children,
        )
        is None
    )
