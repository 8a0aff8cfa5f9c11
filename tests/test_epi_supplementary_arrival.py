"""EPI-08: arrivals the feeds saw without a report are regularised by the unit's supplementary
registration (补录, D2 二(三) "对未提前报备的人员要监督完成补录并进行核查"): the report is coded like any
other, the person counts as arrived, and the person's open "省外来（返）豫未报备" alerts close with
the outcome 已补录. The health office finds supplementary reports with a filter."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.testing import (
    OWN_COUNTY,
    id_number,
    make_arrival,
    make_enterprise,
    make_staff,
    make_user,
    pass_second_factor,
)
from sibao.epidemic import actions
from sibao.epidemic.models import AlertKind, ArrivalReport

pytestmark = pytest.mark.req("EPI-08")

ID_NO = id_number(21, region="610113", born="19880808")


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


def unreported(person_key, *, staff=None, region_code="41", tag="a"):
    return actions.raise_alert(
        AlertKind.UNREPORTED_ARRIVAL,
        person_key=person_key,
        staff=staff,
        region_code=region_code,
        detail="行程码显示由省外来豫，未查到来（返）豫报备",
        dedupe_key=f"test:{tag}:{person_key}",
    )


def supplement_data(**overrides):
    data = {
        "name": "王五",
        "id_number": ID_NO,
        "phone": "13787654321",
        "origin_region": "610113",
        "origin_name": "",
        "travel_history": "",
        "expected_arrival": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "purpose": "return",
        "en_route_status": "",
        "last_test_on": "",
    }
    data.update(overrides)
    return data


@pytest.mark.req("EPI-10")
def test_a_unit_registers_an_unreported_arrival_and_the_alerts_close(
    own_enterprise, unit_admin, login
):
    staff = make_staff(own_enterprise, id_no=ID_NO)
    on_roster = unreported(staff.person_key, staff=staff, tag="roster")
    elsewhere = unreported(staff.person_key, region_code="41", tag="province")
    someone_else = unreported(make_staff(own_enterprise).person_key, staff=None, tag="other")

    client = login(unit_admin)
    assert client.get(f"/epidemic/units/{own_enterprise.pk}/arrivals/add/").status_code == 200
    response = client.post(f"/epidemic/units/{own_enterprise.pk}/arrivals/add/", supplement_data())
    report = ArrivalReport.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/epidemic/arrivals/{report.pk}/"
    )
    assert (report.source, report.is_supplementary, report.status) == ("unit", True, "arrived")
    assert report.decision == "nat_on_arrival" and report.origin_name == "陕西省西安市雁塔区"
    # already here: the 24 hours run from the registration
    assert report.test_due_at > timezone.now() + datetime.timedelta(hours=23)

    on_roster.refresh_from_db()
    elsewhere.refresh_from_db()
    someone_else.refresh_from_db()
    assert on_roster.status == "closed" and on_roster.outcome.startswith("已补录")
    assert report.report_no in on_roster.outcome and on_roster.closed_by == unit_admin
    # an alert the unit cannot see is closed by the platform, the report being the proof
    assert elsewhere.status == "closed" and elsewhere.closed_by is None
    assert someone_else.status == "open"


def test_the_health_office_filters_supplementary_reports(own_enterprise, login):
    actions.register_supplementary(
        own_enterprise,
        actor=None,
        id_number=ID_NO,
        name="王五",
        phone="13787654321",
        origin_region="610113",
        expected_arrival=timezone.localdate(),
    )
    officer = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    client = pass_second_factor(login(officer), officer)
    reported = make_arrival(own_enterprise)
    listing = client.get("/epidemic/arrivals/", {"is_supplementary": "true"}).content.decode()
    assert "王五" in listing and reported.report_no not in listing
    api = client.get("/api/arrivals/", {"is_supplementary": "false"}).json()
    assert [r["report_no"] for r in api["results"]] == [reported.report_no]


def test_only_the_unit_or_the_health_office_may_register_after_the_fact(
    own_enterprise, personas, login
):
    office = login(personas["own_county"])
    url = f"/epidemic/units/{own_enterprise.pk}/arrivals/add/"
    assert office.post(url, supplement_data()).status_code == 403
    other_unit = make_enterprise(region=OWN_COUNTY, name="中原测试另一单位")
    stranger = login(make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=other_unit))
    assert stranger.post(url, supplement_data()).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.register_supplementary(
            own_enterprise,
            actor=personas["own_county"],
            id_number=ID_NO,
            name="王五",
            phone="13787654321",
            origin_region="610113",
            expected_arrival=timezone.localdate(),
        )
    assert not ArrivalReport.objects.exists()


def test_a_bad_supplementary_registration_is_refused_with_a_message(
    own_enterprise, unit_admin, login
):
    client = login(unit_admin)
    url = f"/epidemic/units/{own_enterprise.pk}/arrivals/add/"
    page = client.post(url, supplement_data(origin_region="61011")).content.decode()
    assert "出发地应为 6 位县级区划代码" in page and ID_NO not in page
    assert not ArrivalReport.objects.exists()
