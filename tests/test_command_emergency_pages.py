"""CMD-01, CMD-02, CMD-06 through the pages: the joint-office view, the switch with its
confirmation, a region's page and history, the closed-loop units and export, a unit's loop page
with its plan and daily reports, and the city-supply staff."""

import pytest
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command.models import CitySupplyAssignment, LoopPlan, LoopReport, LoopStatus
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_listed,
    make_staff,
    make_user,
    make_whitelisted,
    put_in_emergency,
)
from sibao.epidemic.models import StaffCategory


@pytest.fixture
def listed(personas, own_enterprise):
    make_listed(own_enterprise)
    mall = make_whitelisted(OWN_COUNTY, "commerce", sub_type="商超", name="中原测试商超有限公司")
    return [own_enterprise, mall]


def _text(response):
    return response.content.decode()


@pytest.mark.req("CMD-01")
def test_a_county_office_switches_its_county_through_the_confirmation(listed, personas, login):
    client = login(personas["own_county"])
    page = client.get(f"/command/emergency/regions/{OWN_COUNTY}/")
    assert page.status_code == 200 and "进入应急状态" in _text(page)

    confirm = client.get(f"/command/emergency/regions/{OWN_COUNTY}/switch/emergency/")
    assert "2 家白名单单位将转入闭环生产" in _text(confirm)
    assert "提前通知 24 小时" in _text(confirm)

    unconfirmed = client.post(
        f"/command/emergency/regions/{OWN_COUNTY}/switch/emergency/", {"reason": "本土病例"}
    )
    assert unconfirmed.status_code == 200 and "请勾选确认后再切换" in _text(unconfirmed)
    assert not LoopStatus.objects.exists()

    done = client.post(
        f"/command/emergency/regions/{OWN_COUNTY}/switch/emergency/",
        {"reason": "发现本土病例", "confirm": "on"},
        follow=True,
    )
    assert "已提前通知 2 家白名单单位组织员工返回闭环" in _text(done)
    assert LoopStatus.objects.count() == 2
    # the joint office lists the region as pending, its units waiting to enter the loop
    index = client.get("/command/emergency/")
    assert "即将进入应急状态" in _text(index) and "河南省郑州市中原区" in _text(index)

    again = client.post(
        f"/command/emergency/regions/{OWN_COUNTY}/switch/emergency/",
        {"reason": "再次", "confirm": "on"},
        follow=True,
    )
    assert "未重复切换" in _text(again) and LoopStatus.objects.count() == 2


@pytest.mark.req("CMD-01")
def test_the_joint_office_shows_regions_in_emergency_with_their_units(listed, personas, login):
    put_in_emergency(OWN_COUNTY)
    client = login(personas["own_county"])
    index = client.get("/command/emergency/")
    text = _text(index)
    assert 'data-region="410102"' in text and "应急状态" in text
    row = index.context["rows"][0]
    assert (row.status, row.units_in_loop) == ("emergency", 2)
    # another county's office sees no row of this county
    other = login(personas["other_county"]).get("/command/emergency/")
    assert other.context["rows"] == []
    # the city's office sees it, and sees the counties it may switch
    city = make_user(Role.HQ_OFFICE, "4101", username="city_office")
    city_index = login(city).get("/command/emergency/")
    assert [r.state.region_id for r in city_index.context["rows"]] == [OWN_COUNTY]
    assert "4101" in {r.code for r in city_index.context["switchable"]}


@pytest.mark.req("CMD-01")
def test_switching_back_from_the_region_page(listed, personas, login):
    put_in_emergency(OWN_COUNTY)
    client = login(personas["own_county"])
    page = client.get(f"/command/emergency/regions/{OWN_COUNTY}/")
    assert "恢复常态" in _text(page) and len(page.context["units"]) == 2
    confirm = client.get(f"/command/emergency/regions/{OWN_COUNTY}/switch/normal/")
    assert "2 家单位解除闭环" in _text(confirm)
    done = client.post(
        f"/command/emergency/regions/{OWN_COUNTY}/switch/normal/",
        {"reason": "疫情平稳", "confirm": "on"},
        follow=True,
    )
    assert "已恢复常态，2 家单位解除闭环" in _text(done)
    assert not LoopStatus.objects.filter(ended_at__isnull=True).exists()
    # the history lists both switches
    history = client.get("/command/emergency/switches/")
    assert len(history.context["object_list"]) == 2


@pytest.mark.req("CMD-01")
def test_a_county_under_its_citys_emergency_is_told_who_decides(listed, personas, login):
    put_in_emergency("4101")
    client = login(personas["own_county"])
    page = client.get(f"/command/emergency/regions/{OWN_COUNTY}/")
    assert "须由郑州市指挥部切换回常态" in _text(page)
    assert not page.context["can_switch_off"] and not page.context["can_switch_on"]
    index = client.get("/command/emergency/")
    assert "中原区因郑州市切换而处于“应急状态”" in _text(index)
    refused = client.post(
        f"/command/emergency/regions/{OWN_COUNTY}/switch/normal/",
        {"reason": "县自行解除", "confirm": "on"},
    )
    assert refused.status_code == 200 and "须由郑州市指挥部切换回常态" in _text(refused)


@pytest.mark.req("CMD-01")
def test_who_reaches_the_switch_page(listed, personas, login):
    url = f"/command/emergency/regions/{OWN_COUNTY}/switch/emergency/"
    assert login(personas["other_county"]).get(url).status_code == 404
    assert login(personas["enterprise_admin"]).get(url).status_code == 403
    assert login(personas["own_county"]).get(url.replace("emergency/", "war/")).status_code == 404
    # the enterprise admin's post is refused and changes nothing
    assert (
        login(personas["enterprise_admin"]).post(url, {"reason": "x", "confirm": "on"}).status_code
        == 403
    )
    assert not LoopStatus.objects.exists()
    # the region picker leads to the region's page
    picked = login(personas["own_county"]).get("/command/emergency/?region=410102")
    assert picked["Location"] == f"/command/emergency/regions/{OWN_COUNTY}/"


@pytest.mark.req("CMD-02")
def test_the_unit_admin_sees_its_loop_declares_its_plan_and_reports(listed, personas, login):
    unit = listed[0]
    put_in_emergency(OWN_COUNTY)
    client = login(personas["enterprise_admin"])
    # the region pages lead a unit's admin to its own loop
    assert (
        client.get("/command/emergency/")["Location"] == f"/command/emergency/units/{unit.pk}/loop/"
    )
    page = client.get(f"/command/emergency/units/{unit.pk}/loop/")
    assert "闭环生产中" in _text(page) and "全闭环（气泡式）" in _text(page)
    assert "今日闭环日报尚未填报" in _text(page)

    bad = client.post(
        f"/command/emergency/units/{unit.pk}/plan/",
        {"mode": "two_points", "headcount": "60", "dormitories": "", "routes": ""},
    )
    assert "须填写集体宿舍" in _text(bad) and "须填写通勤路线" in _text(bad)
    saved = client.post(
        f"/command/emergency/units/{unit.pk}/plan/",
        {"mode": "two_points", "headcount": "60", "dormitories": "1号宿舍", "routes": "专车"},
        follow=True,
    )
    assert "闭环管理方案已保存" in _text(saved)
    assert LoopPlan.objects.get(enterprise=unit).headcount == 60
    assert LoopStatus.objects.get(enterprise=unit).mode == "two_points"

    form = client.get(f"/command/emergency/units/{unit.pk}/report/")
    assert form.context["form"].initial["in_loop"] == 60
    today = timezone.localdate()
    filed = client.post(
        f"/command/emergency/units/{unit.pk}/report/",
        {
            "report_date": today.isoformat(),
            "in_loop": "58",
            "outside": "2",
            "breaches": "0",
            "producing": "on",
        },
        follow=True,
    )
    assert "闭环日报已提交" in _text(filed)
    assert LoopReport.objects.get(enterprise=unit).in_loop == 58
    twice = client.post(
        f"/command/emergency/units/{unit.pk}/report/",
        {"report_date": today.isoformat(), "in_loop": "58", "outside": "0", "breaches": "0"},
    )
    assert "已填报" in _text(twice)


@pytest.mark.req("CMD-02")
def test_the_report_page_of_a_unit_not_in_loop_says_so(listed, personas, login):
    unit = listed[0]
    client = login(personas["enterprise_admin"])
    page = client.get(f"/command/emergency/units/{unit.pk}/report/")
    assert "目前未处于闭环生产状态" in _text(page)
    refused = client.post(
        f"/command/emergency/units/{unit.pk}/report/",
        {
            "report_date": timezone.localdate().isoformat(),
            "in_loop": "5",
            "outside": "0",
            "breaches": "0",
        },
    )
    assert "未处于闭环生产状态，无需填报闭环日报" in _text(refused)
    assert not LoopReport.objects.exists()


@pytest.mark.req("CMD-02")
def test_missing_reports_are_flagged_on_the_pages(listed, personas, login):
    unit = listed[0]
    put_in_emergency(OWN_COUNTY, hours_ago=24 + 24 * 3)  # in loop for three days
    client = login(personas["own_county"])
    page = client.get(f"/command/emergency/units/{unit.pk}/loop/")
    assert 'data-testid="missing-reports"' in _text(page)
    assert len(page.context["missing"]) >= 2
    loops = client.get("/command/emergency/loops/")
    rows = loops.context["object_list"]
    assert {loop.enterprise_id for loop in rows} == {u.pk for u in listed}
    assert all(loop.missing for loop in rows)
    filtered = client.get("/command/emergency/loops/?q=商超")
    assert [loop.enterprise.name for loop in filtered.context["object_list"]] == [
        "中原测试商超有限公司"
    ]


@pytest.mark.req("CMD-02")
def test_the_closed_loop_units_export(listed, personas, login):
    put_in_emergency(OWN_COUNTY)
    response = login(personas["own_county"]).get("/command/emergency/loops/export/")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("单位,统一社会信用代码")
    assert len(lines) == 3 and "中原测试商超有限公司" in body and "点对点上下班" in body
    assert AuditLog.objects.filter(action="emergency.loops_export").exists()
    other = login(personas["other_county"]).get("/command/emergency/loops/export/")
    assert b"".join(other.streaming_content).decode("utf-8-sig").strip().count("\n") == 0


@pytest.mark.req("CMD-06")
def test_city_supply_staff_are_listed_and_arranged(personas, login, own_enterprise):
    worker = make_staff(own_enterprise, category=StaffCategory.CITY_SUPPLY, name="张保供")
    make_staff(own_enterprise, category=StaffCategory.EMPLOYEE, name="李员工")
    admin = login(personas["enterprise_admin"])
    page = admin.get(f"/command/emergency/units/{own_enterprise.pk}/city-supply/")
    text = _text(page)
    assert "张保供" in text and "李员工" not in text and "尚未安排集中住宿" in text
    assert worker.id_masked in text
    saved = admin.post(
        f"/command/emergency/city-supply/{worker.pk}/",
        {
            "service": "gas",
            "lodging": "燃气公司宿舍",
            "work_area": "中原区南片",
            "route": "宿舍—调压站",
        },
        follow=True,
    )
    assert "已保存 张保供 的保供安排" in _text(saved)
    assert CitySupplyAssignment.objects.get(staff=worker).service == "gas"
    # the county office reads the arrangements, but may not change them
    office = login(personas["own_county"])
    assert "燃气公司宿舍" in _text(
        office.get(f"/command/emergency/units/{own_enterprise.pk}/city-supply/")
    )
    assert office.get(f"/command/emergency/city-supply/{worker.pk}/").status_code == 403
    # in emergency the page shows the daily window
    put_in_emergency(OWN_COUNTY)
    page = admin.get(f"/command/emergency/units/{own_enterprise.pk}/city-supply/")
    assert "每 24 小时" in _text(page)


@pytest.mark.req("CMD-01")
def test_navigation_has_the_emergency_entries(personas, login):
    home = login(personas["own_county"]).get("/")
    text = _text(home)
    assert "/command/emergency/" in text and "/command/emergency/loops/" in text
    assert "平急转换" in text and "闭环管理" in text


@pytest.mark.req("CMD-02")
def test_a_unit_outside_the_region_is_not_reached(personas, login, other_enterprise):
    make_listed(other_enterprise)
    client = login(personas["own_county"])
    assert client.get(f"/command/emergency/units/{other_enterprise.pk}/loop/").status_code == 404
    assert client.get(f"/command/emergency/regions/{OTHER_COUNTY}/").status_code == 404


@pytest.mark.req("CMD-02")
def test_an_unlisted_unit_is_not_put_in_loop(personas, login):
    unlisted = make_enterprise(region=OWN_COUNTY, name="中原测试未入选有限公司")
    put_in_emergency(OWN_COUNTY)
    page = login(personas["own_county"]).get(f"/command/emergency/units/{unlisted.pk}/loop/")
    assert "不在册" in _text(page) and not LoopStatus.objects.filter(enterprise=unlisted).exists()
    assert actions.default_loop_mode(unlisted) == "bubble"
