"""INC-01, INC-02, INC-04 through the pages: a unit reports a suspected case and works its steps,
the health office records the retest, the observation rooms are refused over capacity, the
region list shows overdue steps to headquarters, and the export carries masked data only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OWN_COUNTY,
    make_nat_result,
    make_preparedness,
    make_staff,
    make_user,
    make_zone,
    pass_second_factor,
)

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def unit(own_enterprise):
    make_preparedness(own_enterprise, rooms=1)
    return own_enterprise


@pytest.fixture
def worker(unit):
    return make_staff(unit, team="三班")


@pytest.fixture
def admin_client(login, personas, unit):
    return login(personas["enterprise_admin"])


@pytest.fixture
def health(db):
    return make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="inc_pages_health")


@pytest.fixture
def health_client(login, health):
    return pass_second_factor(login(health), health)


def report(client, unit, worker, **fields):
    data = {
        "kind": "symptom",
        "staff": worker.pk,
        "zone": "",
        "observation_room": "A101",
        "description": "员工发热 38.5℃",
    }
    data.update(fields)
    return client.post(reverse("command:incident_create", args=[unit.pk]), data)


def step(incident, kind):
    return IncidentStep.objects.get(incident=incident, kind=kind)


@pytest.mark.req("INC-01")
def test_a_unit_reports_a_case_and_works_it_to_resumption(
    admin_client, health_client, unit, worker, personas
):
    zone = make_zone(unit, "三号车间")
    page = admin_client.get(reverse("command:incident_create", args=[unit.pk]))
    assert page.status_code == 200 and "报告事件" in page.content.decode()
    response = report(admin_client, unit, worker, zone=zone.pk)
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert response["Location"] == reverse("command:incident_detail", args=[incident.pk])

    detail = admin_client.get(response["Location"]).content.decode()
    assert 'data-testid="step-timeline"' in detail and "混检阳性单采复核" in detail
    assert "剩余" in detail and worker.id_masked in detail
    assert "仅该区域停产处置" in detail
    # the unit cannot record the retest; the health office's form is not shown to it
    assert 'data-testid="step-form-retest"' not in detail
    refused = admin_client.post(
        reverse("command:incident_step_complete", args=[step(incident, "retest").pk]),
        {"note": "阴性"},
    )
    assert refused.status_code == 403

    # the health office records the retest, tracing and transfer
    detail = health_client.get(reverse("command:incident_detail", args=[incident.pk]))
    assert 'data-testid="step-form-retest"' in detail.content.decode()
    for kind, data in (
        ("retest", {"note": "单采复核阴性"}),
        ("trace", {"note": "无密接"}),
        ("transfer", {"note": "无需转运", "not_needed": "on"}),
    ):
        answer = health_client.post(
            reverse("command:incident_step_complete", args=[step(incident, kind).pk]), data
        )
        assert answer.status_code == 302, answer.content.decode()[:300]
    # an unfinished step blocks resumption, with the reason on the page
    blocked = admin_client.post(reverse("command:incident_resume", args=[incident.pk]))
    assert blocked.status_code == 400 and "复核结果未出" in blocked.content.decode()
    for kind in ("test", "disinfect"):
        admin_client.post(
            reverse("command:incident_step_complete", args=[step(incident, kind).pk]),
            {"note": "已完成"},
        )
    colleague = make_staff(unit)
    answer = admin_client.post(
        reverse("command:incident_exclude", args=[incident.pk]),
        {"room": "A101", "days": 1, "contacts": [colleague.pk]},
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    period = SilentPeriod.objects.get()
    assert period.contact_keys == [colleague.person_key]

    answer = admin_client.post(reverse("command:incident_resume", args=[incident.pk]))
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESUMED

    # the silent period ends after its day's test
    make_nat_result(worker, timezone.now())
    page = admin_client.get(reverse("command:incident_detail", args=[incident.pk])).content
    assert 'data-testid="end-silent-form"' in page.decode()
    period.ends_on = timezone.localdate()
    period.save()
    answer = admin_client.post(reverse("command:silent_period_end", args=[period.pk]))
    assert answer.status_code == 302, answer.content.decode()[:500]
    period.refresh_from_db()
    assert period.returned_at is not None

    unit_page = admin_client.get(reverse("command:unit_incidents", args=[unit.pk])).content
    assert "正常生产" in unit_page.decode()
    assert personas["own_county"]  # headquarters read it (see the region list test)


@pytest.mark.req("INC-04")
def test_a_room_over_capacity_is_refused_on_the_form(admin_client, unit, worker):
    assert report(admin_client, unit, worker).status_code == 302
    other = make_staff(unit)
    response = report(admin_client, unit, other, observation_room="A102")
    assert response.status_code == 400
    page = response.content.decode()
    assert "临时留观点已满" in page and "预案设置 1 间" in page
    assert Incident.objects.count() == 1
    unit_page = admin_client.get(reverse("command:unit_incidents", args=[unit.pk])).content
    assert 'data-testid="capacity-card"' in unit_page.decode()
    assert reverse("epidemic:preparedness_unit", args=[unit.pk]) in unit_page.decode()


@pytest.mark.req("INC-04")
def test_a_unit_without_a_plan_is_flagged_on_the_incident(login, own_enterprise, personas):
    worker = make_staff(own_enterprise)
    incident = actions.open_incident(
        own_enterprise, actor=None, kind="symptom", description="发热", staff=worker
    )
    page = login(personas["own_county"]).get(reverse("command:incident_detail", args=[incident.pk]))
    assert 'data-testid="no-plan"' in page.content.decode()


@pytest.mark.req("INC-01")
def test_headquarters_see_the_region_list_with_overdue_steps(
    login, personas, unit, worker, other_enterprise
):
    incident = actions.open_incident(
        unit,
        actor=None,
        kind="pooled_positive",
        description="混检阳性",
        staff=worker,
        now=timezone.now() - 7 * HOUR,
    )
    actions.open_incident(
        other_enterprise, actor=None, kind="symptom", description="别的县", person_key="k1"
    )
    own = login(personas["own_county"])
    page = own.get(reverse("command:incident_list")).content.decode()
    assert unit.name in page and other_enterprise.name not in page
    assert 'data-testid="overdue-badge"' in page
    assert "报告事件" not in page  # headquarters do not report
    late = own.get(reverse("command:incident_list"), {"overdue": "true"}).content.decode()
    assert unit.name in late
    calm = own.get(reverse("command:incident_list"), {"overdue": "false"}).content.decode()
    assert unit.name not in calm
    partial = own.get(reverse("command:incident_list"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and unit.name in partial
    detail = own.get(reverse("command:incident_detail", args=[incident.pk])).content.decode()
    assert 'data-testid="step-overdue"' in detail and "step-open-" not in detail
    assert (
        login(personas["other_county"])
        .get(reverse("command:incident_detail", args=[incident.pk]))
        .status_code
        == 404
    )


@pytest.mark.req("INC-01")
def test_the_export_has_masked_data_only_and_is_audited(login, personas, unit, worker):
    from sibao.core.personal import decrypt

    actions.open_incident(unit, actor=None, kind="symptom", description="发热", staff=worker)
    response = login(personas["own_county"]).get(reverse("command:incident_export"))
    body = b"".join(response.streaming_content).decode()
    assert unit.name in body and worker.id_masked in body
    assert decrypt(worker.id_encrypted) not in body
    assert AuditLog.objects.filter(action="command.incident.export").exists()


@pytest.mark.req("INC-01")
def test_the_health_office_links_tracing_and_confirms_on_the_page(health_client, unit, worker):
    incident = actions.open_incident(
        unit, actor=None, kind="screening_positive", description="初筛阳性", staff=worker
    )
    answer = health_client.post(reverse("command:incident_trace", args=[incident.pk]))
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.tracing_job is not None
    # confirming before the retest is refused with the reason
    refused = health_client.post(reverse("command:incident_confirm", args=[incident.pk]))
    assert refused.status_code == 400 and "单采复核" in refused.content.decode()
    # the retest comes after the move to an observation room
    blocked = health_client.post(
        reverse("command:incident_step_complete", args=[step(incident, StepKind.RETEST).pk]),
        {"note": "单采复核阳性"},
    )
    assert blocked.status_code == 400 and "转移至临时留观点" in blocked.content.decode()
    for kind, data in ((StepKind.OBSERVE, {"room": "A101"}), (StepKind.RETEST, {"note": "阳性"})):
        answer = health_client.post(
            reverse("command:incident_step_complete", args=[step(incident, kind).pk]), data
        )
        assert answer.status_code == 302
    answer = health_client.post(
        reverse("command:incident_confirm", args=[incident.pk]), {"note": "转定点医院"}
    )
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CONFIRMED
    page = health_client.get(reverse("command:incident_detail", args=[incident.pk]))
    assert "tracing-link" in page.content.decode()
