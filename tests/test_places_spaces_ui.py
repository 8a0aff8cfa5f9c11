"""EPI-05 pages: the unit's space tree (HTMX add, edit, move, close), code issue / renew /
revoke from the tree, the printable A4 code sheet and one code's PNG (both carry the signed scan
URL), the region coverage list with its export, the enterprise panel, and badges (EPI-06)."""

import csv
import io

import pytest
import segno
from django.urls import reverse

from sibao.accounts.roles import Role
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_staff,
    make_user,
    pass_second_factor,
)
from sibao.places import actions
from sibao.places.models import Badge, PlaceCode, Space

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def unit(own_enterprise):
    return own_enterprise


@pytest.fixture
def admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="spaces_admin")


@pytest.fixture
def admin_client(admin, login):
    return login(admin)


@pytest.fixture
def site(unit, admin):
    return actions.create_space(
        unit, actor=admin, kind="site", name="一号厂区", venue_type="industrial"
    )


def tree_url(unit):
    return reverse("places:unit_spaces", args=[unit.pk])


@pytest.mark.req("EPI-05")
def test_an_admin_builds_the_tree_through_the_page(unit, admin_client):
    page = admin_client.get(tree_url(unit))
    assert page.status_code == 200
    assert "尚未登记空间" in page.content.decode()

    response = admin_client.post(
        reverse("places:site_add", args=[unit.pk]),
        {"name": "一号厂区", "venue_type": "industrial"},
    )
    assert response.status_code == 302
    site = Space.objects.get(enterprise=unit, parent=None)

    # the child form opens inside the tree (HTMX) and a saved child reloads the tree
    form = admin_client.get(reverse("places:space_add", args=[site.pk]), **HTMX)
    assert form.status_code == 200 and 'data-testid="space-form"' in form.content.decode()
    assert "<html" not in form.content.decode()
    saved = admin_client.post(
        reverse("places:space_add", args=[site.pk]), {"kind": "building", "name": "一号楼"}, **HTMX
    )
    assert saved.status_code == 200 and saved["HX-Refresh"] == "true"
    building = Space.objects.get(name="一号楼")
    assert building.parent_id == site.pk

    # an error comes back inside the form (swapped by HTMX)
    refused = admin_client.post(
        reverse("places:space_add", args=[building.pk]), {"kind": "workshop", "name": ""}, **HTMX
    )
    assert refused.status_code == 200 and 'data-testid="field-error"' in refused.content.decode()

    admin_client.post(
        reverse("places:space_add", args=[building.pk]), {"kind": "workshop", "name": "装配车间"}
    )
    body = admin_client.get(tree_url(unit)).content.decode()
    for text in ("一号厂区", "一号楼", "装配车间", "工业企业", "车间", "需赋码"):
        assert text in body
    # the tree lists parents before their children
    assert body.index("一号厂区") < body.index("一号楼") < body.index("装配车间")


@pytest.mark.req("EPI-05")
def test_edit_move_close_and_open_again_through_the_page(unit, admin, admin_client, site):
    b1 = actions.create_space(unit, actor=admin, kind="building", name="一号楼", parent=site)
    b2 = actions.create_space(unit, actor=admin, kind="building", name="二号楼", parent=site)
    shop = actions.create_space(unit, actor=admin, kind="workshop", name="车间甲", parent=b1)

    admin_client.post(
        reverse("places:space_edit", args=[shop.pk]), {"name": "车间乙", "kind": "workshop"}
    )
    shop.refresh_from_db()
    assert shop.name == "车间乙"

    move_form = admin_client.get(reverse("places:space_move", args=[b1.pk])).content.decode()
    assert "二号楼" in move_form and f'value="{shop.pk}"' not in move_form  # not under itself
    admin_client.post(reverse("places:space_move", args=[shop.pk]), {"parent": b2.pk})
    shop.refresh_from_db()
    assert shop.path == f"{site.pk}/{b2.pk}/{shop.pk}/"

    code = actions.issue_code(shop, actor=admin)
    admin_client.post(reverse("places:space_deactivate", args=[b2.pk]), {"reason": "停用"})
    shop.refresh_from_db()
    code.refresh_from_db()
    assert not shop.is_active and code.revoked_at is not None
    assert 'data-name="车间乙"' not in admin_client.get(tree_url(unit)).content.decode()
    assert 'data-name="车间乙"' in admin_client.get(tree_url(unit) + "?inactive=1").content.decode()
    admin_client.post(reverse("places:space_reactivate", args=[b2.pk]))
    assert Space.objects.get(pk=b2.pk).is_active


@pytest.mark.req("EPI-05")
def test_codes_are_issued_renewed_and_revoked_from_the_tree(unit, admin, admin_client, site):
    shop = actions.create_space(unit, actor=admin, kind="workshop", name="装配车间", parent=site)
    door = actions.create_space(unit, actor=admin, kind="door", name="东门", parent=site)
    page = admin_client.get(tree_url(unit)).content.decode()
    assert 'data-testid="coverage-missing">2<' in page

    admin_client.post(reverse("places:code_issue", args=[shop.pk]))
    first = PlaceCode.objects.get(space=shop)
    admin_client.post(reverse("places:code_issue", args=[shop.pk]))  # renew
    assert PlaceCode.objects.filter(space=shop, revoked_at__isnull=True).count() == 1
    assert PlaceCode.objects.get(pk=first.pk).revoked_at is not None

    response = admin_client.post(reverse("places:codes_issue_missing", args=[unit.pk]), follow=True)
    assert "已生成 1 个场所码" in response.content.decode()
    assert PlaceCode.objects.filter(space=door, revoked_at__isnull=True).exists()
    assert 'data-testid="coverage-complete"' in response.content.decode()

    valid = PlaceCode.objects.get(space=door, revoked_at__isnull=True)
    missing_reason = admin_client.post(
        reverse("places:code_revoke", args=[valid.pk]), {"reason": ""}, follow=True
    )
    assert "请填写作废原因" in missing_reason.content.decode()
    admin_client.post(reverse("places:code_revoke", args=[valid.pk]), {"reason": "码牌损毁"})
    valid.refresh_from_db()
    assert valid.revoked_reason == "码牌损毁"


@pytest.mark.req("EPI-05")
def test_the_county_office_reads_the_tree_but_cannot_change_it(personas, login, unit, site):
    office = login(personas["own_county"])
    body = office.get(tree_url(unit)).content.decode()
    assert "一号厂区" in body
    assert 'data-testid="add-child"' not in body and 'data-testid="issue-code"' not in body
    assert office.post(reverse("places:code_issue", args=[site.pk])).status_code == 403
    other = login(personas["other_county"])
    assert other.get(tree_url(unit)).status_code == 404


@pytest.mark.req("EPI-05")
def test_the_health_office_revokes_a_code_in_its_county(db, login, unit, admin, site):
    door = actions.create_space(unit, actor=admin, kind="door", name="南门", parent=site)
    code = actions.issue_code(door, actor=admin)
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    client = pass_second_factor(login(health), health)
    body = client.get(tree_url(unit)).content.decode()
    assert 'data-testid="revoke-form"' in body
    client.post(reverse("places:code_revoke", args=[code.pk]), {"reason": "疫情处置"})
    code.refresh_from_db()
    assert code.revoked_at is not None
    far = make_user(Role.HEALTH_OFFICE, OTHER_COUNTY)
    far_client = pass_second_factor(login(far), far)
    other_code = actions.issue_code(door, actor=admin)
    assert (
        far_client.post(
            reverse("places:code_revoke", args=[other_code.pk]), {"reason": "越权"}
        ).status_code
        == 404
    )


@pytest.mark.req("EPI-05")
def test_the_code_sheet_prints_the_signed_scan_url_as_inline_svg(unit, admin, admin_client, site):
    building = actions.create_space(unit, actor=admin, kind="building", name="一号楼", parent=site)
    shops = [
        actions.create_space(unit, actor=admin, kind="workshop", name=f"车间{i}", parent=building)
        for i in range(7)
    ]
    codes = [actions.issue_code(s, actor=admin) for s in shops]
    response = admin_client.get(reverse("places:code_sheet", args=[unit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="code-card"') == 7
    assert body.count('data-testid="sheet-page"') == 2  # six codes to an A4 page
    assert "@page { size: A4" in body
    url = f"http://testserver/s/{codes[0].payload}/"
    assert f'data-url="{url}"' in body
    assert segno.make(url, error="m").svg_inline(scale=5, border=2) in body
    for text in (unit.name, "一号厂区 / 一号楼 / 车间0", "有效期至", "请扫码登记进入", "车间"):
        assert text in body

    one = admin_client.get(reverse("places:code_sheet", args=[unit.pk]) + f"?space={shops[3].pk}")
    assert one.content.decode().count('data-testid="code-card"') == 1
    sub = admin_client.get(reverse("places:code_sheet", args=[unit.pk]) + f"?under={building.pk}")
    assert sub.content.decode().count('data-testid="code-card"') == 7


@pytest.mark.req("EPI-05")
def test_one_codes_png_is_the_qr_of_its_scan_url(unit, admin, admin_client, site):
    door = actions.create_space(unit, actor=admin, kind="door", name="东门", parent=site)
    code = actions.issue_code(door, actor=admin)
    response = admin_client.get(reverse("places:code_png", args=[code.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    expected = io.BytesIO()
    segno.make(f"http://testserver/s/{code.payload}/", error="m").save(
        expected, kind="png", scale=10, border=4
    )
    assert response.content == expected.getvalue()
    actions.revoke_code(code, actor=admin, reason="作废")
    assert admin_client.get(reverse("places:code_png", args=[code.pk])).status_code == 404


@pytest.mark.req("EPI-05")
def test_the_region_coverage_list_shows_units_with_gaps_and_exports(
    personas, login, unit, admin, site
):
    actions.create_space(unit, actor=admin, kind="workshop", name="车间", parent=site)
    covered = make_enterprise(region=OWN_COUNTY, name="全覆盖测试有限公司")
    door = actions.create_space(
        covered,
        actor=None,
        kind="door",
        name="大门",
        parent=actions.create_space(
            covered, actor=None, kind="site", name="商场", venue_type="mall"
        ),
    )
    actions.issue_code(door, actor=None)
    bare = make_enterprise(region=OWN_COUNTY, name="未建空间测试有限公司")

    client = login(personas["own_county"])
    body = client.get(reverse("places:coverage")).content.decode()
    assert unit.name in body and bare.name in body and covered.name not in body
    assert 'data-testid="total-missing">1<' in body
    complete = client.get(reverse("places:coverage") + "?state=complete").content.decode()
    assert covered.name in complete and unit.name not in complete
    missing = client.get(reverse("places:coverage") + "?state=missing").content.decode()
    assert unit.name in missing and bare.name not in missing

    export = client.get(reverse("places:coverage_export") + "?state=all")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[unit.name][4:8] == ["1", "0", "1", "有缺码"]
    assert by_name[covered.name][7] == "已全覆盖"
    assert by_name[bare.name][7] == "未建空间"

    # a unit admin is taken to its own tree; another county's office does not see these units
    admin_page = login(personas["enterprise_admin"]).get(reverse("places:coverage"))
    assert admin_page.status_code == 302 and admin_page["Location"] == tree_url(unit)
    far = login(personas["other_county"]).get(reverse("places:coverage") + "?state=all")
    assert unit.name not in far.content.decode()


@pytest.mark.req("EPI-05")
def test_the_enterprise_page_panel_links_the_tree(personas, login, unit, admin, site):
    actions.create_space(unit, actor=admin, kind="workshop", name="车间", parent=site)
    client = login(personas["own_county"])
    detail = client.get(reverse("enterprises:enterprise_detail", args=[unit.pk])).content.decode()
    assert reverse("places:spaces_panel", args=[unit.pk]) in detail
    panel = client.get(reverse("places:spaces_panel", args=[unit.pk])).content.decode()
    assert tree_url(unit) in panel and "缺码" in panel


@pytest.mark.req("EPI-06")
def test_badges_are_issued_revoked_and_printed_masked(unit, admin, admin_client):
    one = make_staff(unit, name="张工", team="一班")
    two = make_staff(unit, name="李工", team="二班")
    make_staff(unit, name="离岗人员", is_active=False)
    page = admin_client.get(reverse("places:unit_badges", args=[unit.pk])).content.decode()
    assert "张工" in page and "李工" in page and "离岗人员" not in page
    assert one.id_masked in page

    admin_client.post(reverse("places:badge_issue", args=[unit.pk]), {"staff": [one.pk, two.pk]})
    assert Badge.objects.filter(revoked_at__isnull=True).count() == 2
    again = admin_client.post(
        reverse("places:badge_issue", args=[unit.pk]), {"staff": [one.pk]}, follow=True
    )
    assert "已有有效的工牌码" in again.content.decode()

    sheet = admin_client.get(reverse("places:badge_sheet", args=[unit.pk])).content.decode()
    badge = Badge.objects.get(staff=one)
    assert sheet.count('data-testid="badge-card"') == 2
    assert segno.make(badge.payload, error="m").svg_inline(scale=4, border=2) in sheet
    assert one.id_masked in sheet and "一班" in sheet
    from sibao.core.personal import decrypt

    assert decrypt(one.id_encrypted) not in sheet

    team = admin_client.get(reverse("places:badge_sheet", args=[unit.pk]) + "?team=二班")
    assert team.content.decode().count('data-testid="badge-card"') == 1

    admin_client.post(reverse("places:badge_revoke", args=[badge.pk]), {"reason": "遗失"})
    badge.refresh_from_db()
    assert badge.revoked_at is not None
    filtered = admin_client.get(reverse("places:unit_badges", args=[unit.pk]) + "?badge=none")
    assert "张工" in filtered.content.decode() and "李工" not in filtered.content.decode()
