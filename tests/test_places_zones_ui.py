"""EPI-13: the 划小单元 pages: the unit's page (findings on top, zones with their spaces, shifts
on a day timeline, teams, rooms, bubble groups), the add/edit/delete forms (plain and HTMX), the
region page for government roles and the exports; scope: another unit's admin and another
county's office are refused, government roles only read."""

import pytest
from django.urls import reverse

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_site,
    make_space,
    make_staff,
    make_user,
)
from sibao.places import actions
from sibao.places.models import DormitoryRoom, Shift, Team, Zone


@pytest.fixture
def unit(personas):
    return personas["enterprise_admin"].active_grants()[0].enterprise


@pytest.fixture
def admin_client(personas, login):
    return login(personas["enterprise_admin"])


def _page(unit):
    return reverse("places:zones_unit", args=[unit.pk])


def _overlapping(unit):
    a = actions.create_team(unit, actor=None, name="甲班")
    b = actions.create_team(unit, actor=None, name="乙班")
    zone = actions.create_zone(unit, actor=None, name="一号车间", kind="production")
    early = actions.create_shift(
        unit, actor=None, team=a, zone=zone, name="早班", starts="08:00", ends="16:00"
    )
    late = actions.create_shift(
        unit, actor=None, team=b, zone=zone, name="中班", starts="15:00", ends="23:00"
    )
    return a, b, zone, early, late


@pytest.mark.req("EPI-13")
def test_unit_page_shows_findings_sections_and_linked_spaces(unit, admin_client):
    a, b, zone, early, late = _overlapping(unit)
    site = make_site(unit)
    make_space(site, kind="workshop", name="冲压车间", zone=zone)
    actions.create_dormitory_room(
        unit, actor=None, name="101", building="1号楼", capacity=2, team=a
    )
    make_staff(unit, team="甲班", dormitory="101")
    make_staff(unit, team="乙班", dormitory="101")
    response = admin_client.get(_page(unit))
    assert response.status_code == 200
    html = response.content.decode()
    assert "划小单元" in html and "一号车间" in html and "冲压车间" in html
    assert 'data-check="shift_overlap"' in html and 'data-check="room_team"' in html
    assert "15:00–16:00" in html
    assert 'data-testid="timeline"' in html and 'data-flagged="1"' in html
    assert "2 / 2" in html  # occupancy against beds
    assert 'data-testid="zone-add"' in html and "places/zones/zone/" in html


@pytest.mark.req("EPI-13")
def test_government_reads_the_unit_page_without_write_controls(unit, personas, login):
    _overlapping(unit)
    office = login(personas["own_county"])
    response = office.get(_page(unit))
    assert response.status_code == 200
    html = response.content.decode()
    assert "一号车间" in html and 'data-check="shift_overlap"' in html
    assert 'data-testid="zone-add"' not in html and "/edit/" not in html
    response = office.post(
        reverse("places:zone_add", args=[unit.pk]), {"name": "仓库", "kind": "handover"}
    )
    assert response.status_code == 403
    assert not Zone.objects.filter(name="仓库").exists()
    # another county's office does not see the unit at all
    assert login(personas["other_county"]).get(_page(unit)).status_code == 404


@pytest.mark.req("EPI-13")
def test_another_units_admin_is_refused(unit, personas, login, departments):
    _a, _b, zone, early, _late = _overlapping(unit)
    other = make_enterprise(region=OWN_COUNTY)
    client = login(make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=other))
    assert client.get(_page(unit)).status_code == 404
    assert client.get(reverse("places:zone_add", args=[unit.pk])).status_code == 404
    assert client.get(reverse("places:zone_edit", args=[zone.pk])).status_code == 404
    response = client.post(
        reverse("places:shift_edit", args=[early.pk]),
        {
            "team": early.team_id,
            "zone": zone.pk,
            "name": "早班",
            "starts": "01:00",
            "ends": "02:00",
        },
    )
    assert response.status_code == 404
    assert client.post(reverse("places:shift_delete", args=[early.pk])).status_code == 404
    assert Shift.objects.get(pk=early.pk).starts.hour == 8
    # its own page is empty
    own = client.get(_page(other)).content.decode()
    assert "一号车间" not in own


@pytest.mark.req("EPI-13")
def test_admin_adds_a_zone_plain_and_with_htmx(unit, admin_client):
    url = reverse("places:zone_add", args=[unit.pk])
    response = admin_client.get(url)
    assert response.status_code == 200 and "新增区域" in response.content.decode()
    response = admin_client.post(
        url, {"name": "装卸区", "kind": "handover", "risk_grade": "high", "note": ""}
    )
    assert response.status_code == 302 and response["Location"].endswith("#zones")
    assert Zone.objects.get(enterprise=unit, name="装卸区").risk_grade == "high"
    # HTMX: the form partial, then a client-side redirect
    response = admin_client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="zones-form"' in html
    response = admin_client.post(
        url, {"name": "食堂", "kind": "living", "risk_grade": "low"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Redirect"] == _page(unit)
    # a duplicate name comes back on the form, in Chinese
    response = admin_client.post(
        url, {"name": "食堂", "kind": "living", "risk_grade": "low"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "本单位已有名为“食堂”的区域" in response.content.decode()


@pytest.mark.req("EPI-13")
def test_admin_adds_teams_rooms_bubbles_and_shifts(unit, admin_client):
    admin_client.post(
        reverse("places:zone_add", args=[unit.pk]),
        {"name": "车间", "kind": "production", "risk_grade": "low"},
    )
    zone = Zone.objects.get(enterprise=unit, name="车间")
    admin_client.post(reverse("places:team_add", args=[unit.pk]), {"name": "甲班"})
    admin_client.post(reverse("places:team_add", args=[unit.pk]), {"name": "乙班"})
    a, b = Team.objects.get(name="甲班"), Team.objects.get(name="乙班")
    response = admin_client.post(
        reverse("places:bubble_add", args=[unit.pk]), {"name": "一号气泡", "teams": [a.pk, b.pk]}
    )
    assert response.status_code == 302
    assert set(Team.objects.filter(bubble__name="一号气泡").values_list("name", flat=True)) == {
        "甲班",
        "乙班",
    }
    response = admin_client.post(
        reverse("places:room_add", args=[unit.pk]),
        {"name": "101", "building": "1号楼", "capacity": "4", "team": a.pk},
    )
    assert response.status_code == 302
    # the shift form offers the unit's zones and teams; equal times are refused on the form
    response = admin_client.get(reverse("places:shift_add", args=[unit.pk]) + f"?zone={zone.pk}")
    assert f'value="{zone.pk}" selected' in response.content.decode()
    response = admin_client.post(
        reverse("places:shift_add", args=[unit.pk]),
        {"team": a.pk, "zone": zone.pk, "name": "早班", "starts": "08:00", "ends": "08:00"},
    )
    assert response.status_code == 200 and "结束时间不能与开始时间相同" in response.content.decode()
    response = admin_client.post(
        reverse("places:shift_add", args=[unit.pk]),
        {"team": a.pk, "zone": zone.pk, "name": "夜班", "starts": "22:00", "ends": "06:00"},
    )
    assert response.status_code == 302
    html = admin_client.get(_page(unit)).content.decode()
    assert "夜班" in html and "次日06:00" in html and "一号气泡" in html and "1号楼" in html


@pytest.mark.req("EPI-13")
def test_moving_a_shift_clears_the_finding(unit, admin_client):
    a, b, zone, early, late = _overlapping(unit)
    assert 'data-check="shift_overlap"' in admin_client.get(_page(unit)).content.decode()
    edit = reverse("places:shift_edit", args=[late.pk])
    form = admin_client.get(edit).content.decode()
    assert 'value="15:00"' in form
    response = admin_client.post(
        edit, {"team": b.pk, "zone": zone.pk, "name": "中班", "starts": "16:00", "ends": "23:59"}
    )
    assert response.status_code == 302
    html = admin_client.get(_page(unit)).content.decode()
    assert 'data-check="shift_overlap"' not in html and "未发现问题" in html


@pytest.mark.req("EPI-13")
def test_delete_routes_refuse_what_others_depend_on(unit, admin_client, personas, login):
    a, b, zone, early, late = _overlapping(unit)
    bubble = actions.create_bubble_group(unit, actor=None, name="一号气泡", teams=[a])
    room = actions.create_dormitory_room(unit, actor=None, name="101", capacity=2)
    make_staff(unit, team="乙班", dormitory="101")
    # government roles may not delete
    office = login(personas["own_county"])
    assert office.post(reverse("places:shift_delete", args=[early.pk])).status_code == 403
    # refused with the reason on the unit page
    response = admin_client.post(reverse("places:zone_delete", args=[zone.pk]), follow=True)
    assert "不能删除区域“一号车间”" in response.content.decode()
    response = admin_client.post(reverse("places:team_delete", args=[b.pk]), follow=True)
    assert "不能删除班组“乙班”" in response.content.decode()
    response = admin_client.post(reverse("places:bubble_delete", args=[bubble.pk]), follow=True)
    assert "不能删除气泡组" in response.content.decode()
    response = admin_client.post(reverse("places:room_delete", args=[room.pk]), follow=True)
    assert "不能删除宿舍" in response.content.decode()
    # a GET does nothing
    assert admin_client.get(reverse("places:shift_delete", args=[early.pk])).status_code == 405
    # deleting in order works (HTMX answers with a client-side redirect)
    response = admin_client.post(
        reverse("places:shift_delete", args=[early.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Redirect"] == _page(unit)
    admin_client.post(reverse("places:shift_delete", args=[late.pk]))
    admin_client.post(reverse("places:zone_delete", args=[zone.pk]))
    actions.update_bubble_group(bubble, actor=None, teams=[])
    admin_client.post(reverse("places:bubble_delete", args=[bubble.pk]))
    admin_client.post(reverse("places:team_delete", args=[a.pk]))
    assert not Zone.objects.filter(pk=zone.pk).exists()
    assert not Team.objects.filter(pk=a.pk).exists()
    from sibao.epidemic.models import StaffMember

    StaffMember.objects.filter(enterprise=unit).update(is_active=False)
    admin_client.post(reverse("places:room_delete", args=[room.pk]))
    assert not DormitoryRoom.objects.filter(pk=room.pk).exists()


@pytest.mark.req("EPI-13")
def test_region_page_lists_units_with_findings(unit, personas, login):
    _overlapping(unit)
    clean = make_enterprise(region=OWN_COUNTY, name="中原无问题有限公司")
    actions.create_zone(clean, actor=None, name="车间", kind="production")
    far = make_enterprise(region=OTHER_COUNTY, name="龙亭有问题有限公司")
    _overlapping(far)
    office = login(personas["own_county"])
    response = office.get(reverse("places:zones_region"))
    assert response.status_code == 200
    html = response.content.decode()
    assert unit.name in html and clean.name not in html and far.name not in html
    assert reverse("places:zones_unit", args=[unit.pk]) in html
    assert 'data-testid="units-with-problems">1<' in html
    html = office.get(reverse("places:zones_region") + "?show=all").content.decode()
    assert unit.name in html and clean.name in html
    # the unit admin is taken to its own unit's page
    response = login(personas["enterprise_admin"]).get(reverse("places:zones_region"))
    assert response.status_code == 302 and response["Location"] == _page(unit)
    # the navigation entry
    assert "划小单元" in office.get("/").content.decode()


@pytest.mark.req("EPI-13")
def test_exports_are_csv_and_audited(unit, personas, login, admin_client):
    _overlapping(unit)
    office = login(personas["own_county"])
    response = office.get(reverse("places:zones_region_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "不同班组班次重叠" in text.splitlines()[0]
    assert unit.name in text and unit.credit_code in text
    assert AuditLog.objects.filter(action="place.zone.region_export").exists()
    response = admin_client.get(reverse("places:zones_unit_export", args=[unit.pk]))
    text = response.content.decode("utf-8-sig")
    assert "一号车间" in text and "需整改" in text
    assert AuditLog.objects.filter(
        action="place.zone.findings_export", enterprise_id=unit.pk
    ).exists()
