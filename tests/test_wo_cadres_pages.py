"""DEM-06: the cadre's page (我的包保企业) with hand-checked counts, the items behind them, the
office's assignments page and the cadres panel on the unit's page."""

import pytest
from django.urls import reverse

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.workorders import queries_cadres as queries
from tests.wo_cadres_helpers import cadre_of, closed, demand, dispatched, listed_unit, official

pytestmark = [pytest.mark.django_db, pytest.mark.req("DEM-06")]


@pytest.fixture
def units(departments):
    return listed_unit(name="中原钢构有限公司"), listed_unit(name="中原芯片科技有限公司")


@pytest.fixture
def state(units):
    """Unit A: 1 submitted, 1 overdue (dispatched 20 days ago), 1 in time, 1 closed unrated.
    Unit B: 1 submitted. A third unit (not the cadre's) has an overdue order."""
    a, b = units
    demand(a, title="钢材采购受阻")
    overdue = dispatched(a, days_ago=20, title="货车通行证办理")
    dispatched(a, days_ago=0, title="普工招聘困难")
    closed(a, title="芯片供应协调")
    demand(b, title="防疫物资短缺")
    dispatched(listed_unit(name="别家企业有限公司"), days_ago=20, title="别家超期")
    return {"overdue": overdue}


def test_my_units_counts_are_hand_checked(login, units, state):
    a, b = units
    cadre = cadre_of(a, b)
    response = login(cadre).get(reverse("workorders:my_units"))
    assert response.status_code == 200
    rows = {row.unit.pk: row for row in response.context["rows"]}
    assert (rows[a.pk].open_demands, rows[a.pk].overdue_orders, rows[a.pk].to_rate) == (3, 1, 1)
    assert (rows[b.pk].open_demands, rows[b.pk].overdue_orders, rows[b.pk].to_rate) == (1, 0, 0)
    assert response.context["totals"] == {"units": 2, "open": 4, "overdue": 1, "to_rate": 1}
    html = response.content.decode()
    assert "别家" not in html
    assert state["overdue"].number in html
    assert reverse("workorders:order_detail", args=[state["overdue"].pk]) in html


def test_the_items_behind_a_count(login, units, state):
    a, b = units
    client = login(cadre_of(a))
    overdue = client.get(reverse("workorders:my_unit_items", args=[a.pk, "overdue"]))
    assert [o.pk for o in overdue.context["object_list"]] == [state["overdue"].pk]
    open_ = client.get(reverse("workorders:my_unit_items", args=[a.pk, "open"]))
    assert {d.title for d in open_.context["object_list"]} == {
        "钢材采购受阻",
        "货车通行证办理",
        "普工招聘困难",
    }
    rate = client.get(reverse("workorders:my_unit_items", args=[a.pk, "rate"]))
    assert [d.title for d in rate.context["object_list"]] == ["芯片供应协调"]
    # another cadre's unit is not found
    assert client.get(reverse("workorders:my_unit_items", args=[b.pk, "open"])).status_code == 404


def test_my_units_is_for_cadres_only(login, personas):
    for who in ("own_county", "enterprise_admin"):
        assert login(personas[who]).get(reverse("workorders:my_units")).status_code == 403


def test_the_unit_page_shows_its_cadre_with_a_masked_phone(login, personas, units):
    a, _b = units
    cadre_of(a, full_name="王包保", phone="13812345678")
    client = login(personas["own_county"])
    page = client.get(reverse("enterprises:enterprise_detail", args=[a.pk])).content.decode()
    assert reverse("workorders:unit_cadres_panel", args=[a.pk]) in page
    panel = client.get(reverse("workorders:unit_cadres_panel", args=[a.pk])).content.decode()
    assert "王包保" in panel and "138****5678" in panel and "13812345678" not in panel
    assert 'data-testid="manage-cadres"' in panel
    # the unit's own admin sees its cadre, but no management link
    own = login(personas["enterprise_admin"]).get(
        reverse(
            "workorders:unit_cadres_panel",
            args=[personas["enterprise_admin"].active_grants()[0].enterprise_id],
        )
    )
    assert own.status_code == 200 and 'data-testid="manage-cadres"' not in own.content.decode()
    other = login(personas["other_county"]).get(
        reverse("workorders:unit_cadres_panel", args=[a.pk])
    )
    assert other.status_code == 404


def test_the_office_assigns_and_removes_a_cadre_on_its_page(login, personas, units):
    a, _b = units
    cadre = official(username="zhao-cadre", full_name="赵包保")
    client = login(personas["own_county"])
    page = client.get(reverse("workorders:cadre_assignments"))
    assert page.status_code == 200 and page.context["counts"] == {"units": 2, "covered": 0}
    response = client.post(
        reverse("workorders:cadre_assign", args=[a.pk]), {"username": "zhao-cadre"}
    )
    assert response.status_code == 302
    assert queries.cadres_of(a) == [cadre]
    found = client.get(reverse("workorders:cadre_assignments"), {"q": "赵包保"})
    assert [u.pk for u in found.context["rows"]] == [a.pk]
    missing = client.get(reverse("workorders:cadre_assignments"), {"has_cadre": "false"})
    assert a.pk not in [u.pk for u in missing.context["rows"]]
    export = client.get(reverse("workorders:cadre_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    grant = RoleGrant.objects.get(user=cadre, role=Role.LIAISON_CADRE)
    # another county's office cannot remove it (the unit is not in its jurisdiction)
    other = login(personas["other_county"]).post(
        reverse("workorders:cadre_unassign", args=[grant.pk])
    )
    assert other.status_code == 404
    client.post(reverse("workorders:cadre_unassign", args=[grant.pk]))
    assert queries.cadres_of(a) == []


def test_an_unknown_user_name_is_refused_with_a_message(login, personas, units):
    a, _b = units
    client = login(personas["own_county"])
    response = client.post(
        reverse("workorders:cadre_assign", args=[a.pk]), {"username": "nobody"}, follow=True
    )
    assert "未找到该用户" in response.content.decode()
    assert queries.cadres_of(a) == []


def test_navigation_shows_each_side_its_entry(login, personas, units):
    a, _b = units
    cadre_html = login(cadre_of(a)).get(reverse("core:home")).content.decode()
    office_html = login(personas["own_county"]).get(reverse("core:home")).content.decode()
    assert reverse("workorders:my_units") in cadre_html
    assert reverse("workorders:cadre_assignments") not in cadre_html
    assert reverse("workorders:cadre_assignments") in office_html
    assert reverse("workorders:my_units") not in office_html
    admin_html = login(personas["enterprise_admin"]).get(reverse("core:home")).content.decode()
    assert reverse("workorders:my_units") not in admin_html
