"""CMD-05: commendations; duty-fulfilled exemptions (尽职免责) for compliant whitelisted units that
had an outbreak found and controlled in time (D2 五, D1 七(一)); talks and notices for
"one-size-fits-all" measures or failures; shown on the unit and the region."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions, queries_oversight
from sibao.command.models import Incident, RewardPenalty
from sibao.core.models import Notification
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_user,
    make_whitelisted,
)

pytestmark = pytest.mark.req("CMD-05")


@pytest.fixture
def unit(departments):
    return make_whitelisted(OWN_COUNTY, name="中原尽职电子有限公司")


@pytest.fixture
def county_hq(departments):
    return make_user(Role.HQ_OFFICE, OWN_COUNTY)


def incident_at(unit, status=Incident.Status.RESUMED):
    return Incident.objects.create(
        enterprise=unit,
        kind=Incident.Kind.SCREENING_POSITIVE,
        status=status,
        description="员工初筛阳性，已按预案处置",
        opened_at=timezone.now() - datetime.timedelta(days=5),
        region_code=unit.region_id,
    )


def today():
    return timezone.localdate()


def record(actor, **values):
    base = {"reason": "事由", "decided_on": today()}
    return actions.record_reward_penalty(actor=actor, **{**base, **values})


def test_a_duty_fulfilled_exemption_names_the_units_incident(unit, county_hq):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)
    incident = incident_at(unit)
    row = record(
        county_hq,
        kind="duty_exemption",
        region=OWN_COUNTY,
        enterprise=unit,
        incident=incident,
        reason="严格落实防控指南，及时发现、及时控制",
        document="中指〔2022〕12号",
    )
    assert (row.region_code, row.incident, row.decided_by) == (OWN_COUNTY, incident, county_hq)
    assert Notification.objects.filter(recipient=admin, title__contains="尽职免责").exists()
    assert list(queries_oversight.rewards_of_unit(unit)) == [row]
    assert list(queries_oversight.rewards_of_region("4101")) == [row]
    with pytest.raises(ValidationError) as error:  # one per incident
        record(
            county_hq, kind="duty_exemption", region=OWN_COUNTY, enterprise=unit, incident=incident
        )
    assert "incident" in error.value.message_dict


def test_an_exemption_needs_an_incident_of_that_unit(unit, county_hq, departments):
    with pytest.raises(ValidationError) as error:
        record(county_hq, kind="duty_exemption", region=OWN_COUNTY, enterprise=unit)
    assert "incident" in error.value.message_dict
    other = make_whitelisted(OWN_COUNTY)
    with pytest.raises(ValidationError) as error:
        record(
            county_hq,
            kind="duty_exemption",
            region=OWN_COUNTY,
            enterprise=unit,
            incident=incident_at(other),
        )
    assert "incident" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(county_hq, kind="duty_exemption", region=OWN_COUNTY)
    assert "enterprise" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # an excluded suspect is no outbreak
        record(
            county_hq,
            kind="duty_exemption",
            region=OWN_COUNTY,
            enterprise=unit,
            incident=incident_at(unit, Incident.Status.EXCLUDED),
        )
    assert "incident" in error.value.message_dict


def test_no_exemption_for_a_unit_fused_for_causing_spread(unit, county_hq):
    from sibao.enterprises import actions as whitelist_actions

    incident = incident_at(unit)
    whitelist_actions.fuse_unit(
        unit.whitelist_entry,
        actor=None,
        evidence="未落实闭环管理导致扩散",
        decision="移出白名单",
    )
    with pytest.raises(ValidationError) as error:
        record(
            county_hq, kind="duty_exemption", region=OWN_COUNTY, enterprise=unit, incident=incident
        )
    assert "熔断" in error.value.message_dict["enterprise"][0]
    plain = make_enterprise(OWN_COUNTY)
    with pytest.raises(ValidationError) as error:
        record(
            county_hq,
            kind="duty_exemption",
            region=OWN_COUNTY,
            enterprise=plain,
            incident=incident_at(plain),
        )
    assert "白名单" in error.value.message_dict["enterprise"][0]


def test_commendations_talks_and_notices(unit, county_hq):
    commendation = record(
        county_hq, kind="commendation", region=OWN_COUNTY, enterprise=unit, reason="早发现早报告"
    )
    talk = record(county_hq, kind="talk", region=OWN_COUNTY, enterprise=unit, reason="闭环不闭环")
    assert {commendation.kind, talk.kind} == {"commendation", "talk"}
    # a county cannot reprimand itself: a talk about a region comes from above
    with pytest.raises(PermissionDenied):
        record(county_hq, kind="talk", region=OWN_COUNTY, reason="“一刀切”关停企业")
    city = make_user(Role.HQ_LEADER, "4101")
    notice = record(city, kind="notice", region=OWN_COUNTY, reason="“一刀切”关停企业")
    assert notice.enterprise is None and notice.region_code == OWN_COUNTY
    assert Notification.objects.filter(recipient=county_hq, title__contains="通报").exists()
    assert set(queries_oversight.rewards_of_region(OWN_COUNTY)) == {commendation, talk, notice}


def test_who_decides_rewards_and_penalties(unit, county_hq):
    for user in (
        make_user(Role.HQ_OFFICE, OTHER_COUNTY),
        make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY),
        make_user(Role.HEALTH_OFFICE, OWN_COUNTY),
        make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit),
    ):
        with pytest.raises(PermissionDenied):
            record(user, kind="commendation", region=OWN_COUNTY, enterprise=unit)
    with pytest.raises(ValidationError) as error:
        record(
            county_hq,
            kind="commendation",
            region=OWN_COUNTY,
            enterprise=unit,
            decided_on=today() + datetime.timedelta(days=1),
        )
    assert "decided_on" in error.value.message_dict
    assert not RewardPenalty.objects.exists()


def test_shown_on_the_unit_and_the_region(unit, county_hq, login):
    incident = incident_at(unit)
    client = login(county_hq)
    response = client.post(
        "/command/oversight/rewards/new/",
        {
            "kind": "duty_exemption",
            "region": OWN_COUNTY,
            "enterprise": unit.pk,
            "incident": incident.pk,
            "reason": "严格落实防控指南仍发生疫情，及时控制",
            "decided_on": today().isoformat(),
            "document": "中指〔2022〕3号",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"/command/oversight/units/{unit.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "尽职免责" in page and "严格落实防控指南" in page
    panel = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="oversight-unit-panel"' in panel and "<html" not in panel
    region = client.get(f"/command/oversight/regions/{OWN_COUNTY}/").content.decode()
    assert "尽职免责" in region and unit.name in region
    listing = client.get("/command/oversight/rewards/?kind=duty_exemption").content.decode()
    assert "中指〔2022〕3号" in listing
    assert client.get("/command/oversight/rewards/export.xlsx").status_code == 200
    # the form refuses an exemption without its incident, on the form
    response = client.post(
        "/command/oversight/rewards/new/",
        {
            "kind": "duty_exemption",
            "region": OWN_COUNTY,
            "enterprise": unit.pk,
            "reason": "x",
            "decided_on": today().isoformat(),
        },
    )
    assert response.status_code == 422
    assert "尽职免责须关联该单位发生的疫情事件" in response.content.decode()
