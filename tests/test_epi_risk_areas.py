"""EPI-09: the health office keeps the list of medium/high-risk and static-management areas (county
code of any province, name, level, valid from/to); every change is audited; other roles only read
it. An arrival is coded by the areas in force on its arrival date, and a decision once made keeps
the risk counties it was made from."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.testing import make_arrival, make_user, pass_second_factor
from sibao.epidemic import actions
from sibao.epidemic.models import RiskArea, RiskLevel

pytestmark = pytest.mark.req("EPI-09")


def today():
    return timezone.localdate()


@pytest.fixture
def health(db, login):
    officer = make_user(Role.HEALTH_OFFICE, "4101")
    return pass_second_factor(login(officer), officer), officer


def area_form(**overrides):
    data = {
        "region_code": "440305",
        "region_name": "广东省深圳市南山区",
        "name": "粤海街道某社区",
        "level": "high",
        "valid_from": today().isoformat(),
        "valid_to": "",
    }
    data.update(overrides)
    return data


def test_the_health_office_adds_corrects_and_lifts_a_risk_area(health):
    client, officer = health
    assert client.get("/epidemic/risk-areas/add/").status_code == 200
    bad = client.post("/epidemic/risk-areas/add/", area_form(region_code="440300"))
    assert "请填写 6 位县级区划代码" in bad.content.decode()
    assert not RiskArea.objects.exists()

    assert client.post("/epidemic/risk-areas/add/", area_form()).status_code == 302
    area = RiskArea.objects.get()
    assert (area.region_code, area.level, area.declared_by) == ("440305", "high", officer)
    listing = client.get("/epidemic/risk-areas/", {"in_force": "true"}).content.decode()
    assert "粤海街道某社区" in listing and 'data-testid="risk-area-end"' in listing

    client.post(f"/epidemic/risk-areas/{area.pk}/edit/", area_form(level="medium"))
    area.refresh_from_db()
    assert area.level == "medium"
    area.valid_from = today() - datetime.timedelta(days=5)  # declared earlier, lifted today
    area.save(update_fields=["valid_from"])
    client.post(f"/epidemic/risk-areas/{area.pk}/end/")
    area.refresh_from_db()
    assert area.valid_to == today()
    again = client.post(f"/epidemic/risk-areas/{area.pk}/end/", follow=True)
    assert "已于" in again.content.decode()
    assert (
        "粤海街道某社区"
        not in client.get("/epidemic/risk-areas/", {"in_force": "true"}).content.decode()
    )

    rows = AuditLog.objects.filter(object_type="epidemic.riskarea").order_by("at", "id")
    assert [r.action for r in rows] == ["risk_area.add", "risk_area.change", "risk_area.end"]
    assert {r.actor_id for r in rows} == {officer.pk} and {r.region_code for r in rows} == {"4101"}
    assert rows[1].changes == {"level": ["high", "medium"]}


def test_other_roles_only_read_the_list(personas, login):
    area = actions.add_risk_area(
        actor=None,
        region_code="310115",
        region_name="上海市浦东新区",
        name="某小区",
        level=RiskLevel.STATIC,
        valid_from=today(),
    )
    for persona in ("own_county", "enterprise_admin"):
        client = login(personas[persona])
        assert "某小区" in client.get("/epidemic/risk-areas/").content.decode()
        assert client.post("/epidemic/risk-areas/add/", area_form()).status_code == 403
        assert client.post(f"/epidemic/risk-areas/{area.pk}/end/").status_code == 403
        assert client.post("/api/risk-areas/", area_form()).status_code == 403
        assert (
            client.patch(
                f"/api/risk-areas/{area.pk}/", {"level": "high"}, content_type="application/json"
            ).status_code
            == 403
        )
        assert client.post(f"/api/risk-areas/{area.pk}/end/").status_code == 403
        assert client.get("/api/risk-areas/").json()["count"] == 1
    area.refresh_from_db()
    assert area.level == "static" and area.valid_to is None
    assert RiskArea.objects.count() == 1
    with pytest.raises(PermissionDenied):
        actions.add_risk_area(
            actor=personas["own_county"], **{**area_form(), "valid_from": today(), "valid_to": None}
        )


def test_the_api_lets_the_health_office_maintain_the_list(health):
    client, _officer = health
    created = client.post("/api/risk-areas/", area_form())
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.patch(
        f"/api/risk-areas/{pk}/", {"region_code": "4403"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "region_code" in bad.json()
    patched = client.patch(
        f"/api/risk-areas/{pk}/", {"level": "medium"}, content_type="application/json"
    )
    assert patched.json()["level"] == "medium"
    ended = client.post(
        f"/api/risk-areas/{pk}/end/",
        {"ended_on": (today() + datetime.timedelta(days=3)).isoformat()},
    )
    assert ended.json()["valid_to"] == (today() + datetime.timedelta(days=3)).isoformat()
    assert client.get("/api/risk-areas/", {"level": "medium"}).json()["count"] == 1


def test_an_arrival_is_coded_by_the_areas_in_force_on_its_arrival_date(own_enterprise):
    area = actions.add_risk_area(
        actor=None,
        region_code="110105",
        region_name="北京市朝阳区",
        name="某街道",
        level=RiskLevel.MEDIUM,
        valid_from=today() + datetime.timedelta(days=2),
        valid_to=today() + datetime.timedelta(days=5),
    )

    def coded(days):
        return make_arrival(
            own_enterprise,
            origin_region="110105",
            expected_arrival=today() + datetime.timedelta(days=days),
        ).decision

    assert [coded(d) for d in (1, 2, 4, 5)] == [
        "nat_on_arrival",  # before the area was declared
        "red_isolation",
        "red_isolation",
        "nat_on_arrival",  # the day it is lifted it no longer counts
    ]
    isolated = make_arrival(
        own_enterprise, origin_region="110105", expected_arrival=today() + datetime.timedelta(3)
    )
    assert isolated.isolation_until == today() + datetime.timedelta(days=3 + 7)
    assert isolated.decision_inputs["inputs"]["risk_counties"] == {
        "110105": "北京市朝阳区（110105）：某街道（中风险地区）"
    }
    # lifting the area later leaves the stored decision and its recorded inputs as they were
    actions.end_risk_area(area, actor=None, ended_on=today() + datetime.timedelta(days=3))
    isolated.refresh_from_db()
    assert isolated.decision == "red_isolation"
    assert "110105" in isolated.decision_inputs["inputs"]["risk_counties"]


def test_the_risk_area_list_takes_a_fixed_number_of_queries(health, django_assert_max_num_queries):
    client, officer = health
    for n in range(15):
        actions.add_risk_area(
            actor=officer,
            region_code=f"3101{n + 1:02d}",
            region_name=f"上海某区{n}",
            name="某小区",
            level=RiskLevel.HIGH,
            valid_from=today(),
        )
    client.get("/epidemic/risk-areas/")
    with django_assert_max_num_queries(14):
        page = client.get("/epidemic/risk-areas/")
    assert page.content.decode().count('data-testid="risk-area-end"') == 15
    with django_assert_max_num_queries(10):
        assert client.get("/api/risk-areas/").json()["count"] == 15
