"""INC-01, INC-02, INC-04: an incident at a unit worked step by step to resumption (owners,
deadlines, the 6-hour single-tube retest clock, other zones producing), silent periods with one
test a day, observation rooms against the unit's plan, and the incident a positive NAT result
opens by itself. Actions and clocks are driven with explicit times."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions, clocks
from sibao.command import queries_incidents as queries
from sibao.command.models import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_nat_result,
    make_preparedness,
    make_staff,
    make_user,
    make_zone,
)
from sibao.epidemic.models import AlertKind, SentinelAlert

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def unit(own_enterprise):
    make_preparedness(own_enterprise, rooms=2)
    return own_enterprise


@pytest.fixture
def admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit, username="inc_admin")


@pytest.fixture
def health(db):
    return make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="inc_health")


@pytest.fixture
def worker(unit):
    return make_staff(unit, team="一班")


@pytest.fixture
def colleague(unit):
    return make_staff(unit, team="一班")


def steps_of(incident) -> dict:
    return {s.kind: s for s in IncidentStep.objects.filter(incident=incident)}


def open_symptom(unit, admin, worker, *, room="留观1", zone=None, now=T0, kind="symptom"):
    return actions.open_incident(
        unit,
        actor=admin,
        kind=kind,
        description="三号车间员工发热 38.2℃，伴咳嗽",
        staff=worker,
        zone=zone,
        observation_room=room,
        now=now,
    )


@pytest.mark.req("INC-01")
def test_opening_creates_the_steps_with_owners_and_deadlines(unit, admin, health, worker):
    incident = open_symptom(unit, admin, worker)

    steps = steps_of(incident)
    assert list(IncidentStep.objects.filter(incident=incident).values_list("kind", flat=True)) == [
        kind for kind, _side, _clock in actions.incidents.STEP_PLAN
    ]
    assert steps[StepKind.RETEST].due_at == T0 + 6 * HOUR
    assert steps[StepKind.OBSERVE].due_at == T0 + 6 * HOUR
    assert steps[StepKind.TRACE].due_at == T0 + 24 * HOUR
    assert steps[StepKind.RESUME].due_at == T0 + 3 * DAY
    # the unit's steps belong to its task force, the retest and tracing to the health office
    assert steps[StepKind.DISINFECT].owner == admin
    assert "疫情防控专班" in steps[StepKind.DISINFECT].owner_label
    assert "王专班" in steps[StepKind.DISINFECT].owner_label
    assert steps[StepKind.RETEST].owner == health
    assert "疫情防控部门" in steps[StepKind.RETEST].owner_label
    # the report is made by opening; the person went to a room at once
    assert steps[StepKind.REPORT].done_at == T0
    assert steps[StepKind.OBSERVE].done_at == T0 and "留观1" in steps[StepKind.OBSERVE].note
    assert incident.person_key == worker.person_key and incident.region_code == OWN_COUNTY
    assert incident.rule_version is not None
    # the local health office and the unit are told
    assert Notification.objects.filter(recipient=health, url__contains=str(incident.pk)).exists()
    assert Notification.objects.filter(recipient=admin).exists()
    assert AuditLog.objects.filter(action="command.incident.open", object_id=str(incident.pk))


@pytest.mark.req("INC-01")
def test_the_full_flow_to_resumption_keeps_other_zones_producing(
    unit, admin, health, worker, colleague
):
    workshop = make_zone(unit, "三号车间")
    make_zone(unit, "食堂", kind="living")
    incident = open_symptom(unit, admin, worker, zone=workshop)
    status = dict((zone.name, bool(hit)) for zone, hit in queries.zone_status(unit))
    assert status == {"三号车间": True, "食堂": False}

    steps = steps_of(incident)
    # the retest is the health office's
    with pytest.raises(PermissionDenied):
        actions.complete_step(steps[StepKind.RETEST], actor=admin, note="阴性", now=T0 + HOUR)
    with pytest.raises(ValidationError):
        actions.complete_step(steps[StepKind.RETEST], actor=health, note="", now=T0 + HOUR)
    actions.complete_step(
        steps[StepKind.RETEST], actor=health, note="单采复核阴性", now=T0 + 2 * HOUR
    )
    # the transfer comes after tracing
    with pytest.raises(ValidationError, match="流调溯源"):
        actions.complete_step(steps[StepKind.TRANSFER], actor=health, note="x", now=T0 + 3 * HOUR)
    job = actions.link_tracing(incident, actor=health, now=T0 + 3 * HOUR)
    incident.refresh_from_db()
    assert incident.tracing_job == job
    actions.complete_step(steps[StepKind.TRACE], actor=health, note="无密接", now=T0 + 3 * HOUR)
    with pytest.raises(ValidationError, match="原因"):
        actions.complete_step(
            steps[StepKind.TRANSFER], actor=health, note="", not_needed=True, now=T0 + 3 * HOUR
        )
    actions.complete_step(
        steps[StepKind.TRANSFER],
        actor=health,
        note="复核阴性，无需转运",
        not_needed=True,
        now=T0 + 3 * HOUR,
    )
    actions.complete_step(steps[StepKind.TEST], actor=admin, note="全员阴性", now=T0 + 5 * HOUR)
    # resumption waits for the disinfection and for the retest's outcome
    with pytest.raises(ValidationError):
        actions.resume_production(incident, actor=admin, now=T0 + 5 * HOUR)
    actions.complete_step(steps[StepKind.DISINFECT], actor=admin, note="已消杀", now=T0 + 6 * HOUR)
    with pytest.raises(ValidationError, match="复核结果"):
        actions.resume_production(incident, actor=admin, now=T0 + 6 * HOUR)

    period = actions.exclude_suspect(
        incident,
        actor=admin,
        room="留观1",
        days=2,
        contact_keys=[colleague.person_key],
        now=T0 + 7 * HOUR,
    )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.EXCLUDED
    assert period.contact_keys == [colleague.person_key]
    assert period.starts_on == timezone.localdate(T0) and period.ends_on == period.starts_on + DAY

    incident = actions.resume_production(incident, actor=admin, note="恢复", now=T0 + 8 * HOUR)
    assert incident.status == Incident.Status.RESUMED and incident.closed_at == T0 + 8 * HOUR
    resume = steps_of(incident)[StepKind.RESUME]
    assert resume.done_at == T0 + 8 * HOUR and resume.done_by == admin
    assert all(hit == [] for _zone, hit in queries.zone_status(unit))
    assert queries.is_not_needed(steps_of(incident)[StepKind.TRANSFER])
    assert [r.target for r in actions.INCIDENT_WORKFLOW.history(incident).order_by("pk")] == [
        "excluded",
        "resumed",
    ]
    assert AuditLog.objects.filter(action="command.incident.step_skip").count() == 1
    with pytest.raises(ValidationError):
        actions.complete_step(steps[StepKind.OBSERVE], actor=admin, note="x", now=T0 + 9 * HOUR)


@pytest.mark.req("INC-01")
def test_the_retest_clock_alerts_once_after_exactly_six_hours(unit, admin, health, worker):
    incident = open_symptom(unit, admin, worker, kind="pooled_positive")

    assert clocks.sweep(T0 + 6 * HOUR) == {"steps": 0, "silent_periods": 0}  # still in time
    assert clocks.sweep(T0 + 6 * HOUR + datetime.timedelta(seconds=1))["steps"] == 1
    retest = steps_of(incident)[StepKind.RETEST]
    assert retest.overdue_alerted_at == T0 + 6 * HOUR + datetime.timedelta(seconds=1)
    message = Notification.objects.get(recipient=health, title__contains="单采复核")
    assert "超时" in message.title and str(incident.pk) in message.url
    assert Notification.objects.filter(recipient=admin, title__contains="单采复核").exists()
    assert clocks.sweep(T0 + 7 * HOUR)["steps"] == 0  # once
    # the steps that run alongside have the platform's 24-hour limit
    assert clocks.sweep(T0 + 24 * HOUR + datetime.timedelta(seconds=1))["steps"] == 4
    # a step done in time is never alerted; a done incident's steps neither
    assert not steps_of(incident)[StepKind.REPORT].overdue_alerted_at


@pytest.mark.req("INC-01")
def test_a_step_done_late_is_recorded_as_late_and_not_alerted(unit, admin, health, worker):
    incident = open_symptom(unit, admin, worker)
    actions.complete_step(
        steps_of(incident)[StepKind.RETEST], actor=health, note="阴性", now=T0 + 7 * HOUR
    )
    view = queries.step_view(steps_of(incident)[StepKind.RETEST], T0 + 8 * HOUR)
    assert view.state == "done" and view.late
    assert clocks.sweep(T0 + 8 * HOUR)["steps"] == 0


@pytest.mark.req("INC-01")
def test_the_sweep_command_runs_at_a_given_time(unit, admin, worker, capsys):
    open_symptom(unit, admin, worker, room="")
    call_command("incident-sweep", "--at", (T0 + 7 * HOUR).isoformat())
    out = capsys.readouterr().out
    assert "overdue steps alerted=2" in out  # the observation and the retest


@pytest.mark.req("INC-04")
def test_observation_rooms_are_checked_against_the_plan(unit, admin, worker, colleague):
    make_preparedness(unit, rooms=1)
    first = open_symptom(unit, admin, worker, room="A101")
    with pytest.raises(ValidationError, match="正在使用"):
        open_symptom(unit, admin, colleague, room="A101")
    with pytest.raises(ValidationError, match="临时留观点已满"):
        open_symptom(unit, admin, colleague, room="A102")
    # without a room the incident opens; the observation step waits for one
    second = open_symptom(unit, admin, colleague, room="")
    observe = steps_of(second)[StepKind.OBSERVE]
    assert observe.done_at is None
    with pytest.raises(ValidationError, match="临时留观点已满"):
        actions.complete_step(observe, actor=admin, note="", room="A102", now=T0 + HOUR)

    capacity = queries.observation_capacity(unit)
    assert capacity.planned == 1 and capacity.in_use == {"A101"} and capacity.free == 0
    assert capacity.has_plan
    # the first person leaves the observation room for a silent period elsewhere: still full
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    actions.complete_step(steps_of(first)[StepKind.RETEST], actor=health, note="阴性", now=T0)
    period = actions.exclude_suspect(first, actor=admin, room="A101", days=1, now=T0)
    with pytest.raises(ValidationError, match="正在使用"):
        actions.complete_step(observe, actor=admin, note="", room="A101", now=T0 + HOUR)
    make_nat_result(worker, T0 + HOUR)
    actions.end_silent_period(period, actor=admin, now=T0 + 10 * HOUR)
    actions.complete_step(observe, actor=admin, note="", room="A101", now=T0 + 11 * HOUR)
    second.refresh_from_db()
    assert second.observation_room == "A101"


@pytest.mark.req("INC-04")
def test_a_unit_without_a_plan_is_flagged_and_has_no_rooms(other_enterprise):
    other_admin = make_user(Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=other_enterprise)
    staff = make_staff(other_enterprise)
    with pytest.raises(ValidationError, match="未设置临时留观点"):
        open_symptom(other_enterprise, other_admin, staff, room="1")
    incident = open_symptom(other_enterprise, other_admin, staff, room="")
    capacity = queries.observation_capacity(other_enterprise)
    assert not capacity.has_plan and capacity.planned == 0
    assert capacity.required == 1  # 100 registered employees, one room per 100 staff
    audit = AuditLog.objects.get(action="command.incident.open", object_id=str(incident.pk))
    assert audit.changes["contingency_plan"] == [None, False]
    assert Notification.objects.filter(body__contains="未制定应急处置预案").exists()


@pytest.mark.req("INC-02")
def test_a_silent_period_has_one_test_a_day_and_a_missing_one_is_alerted(
    unit, admin, health, worker, colleague
):
    incident = open_symptom(unit, admin, worker)
    with pytest.raises(ValidationError, match="单采复核"):
        actions.exclude_suspect(incident, actor=admin, room="留观1", days=3, now=T0)
    actions.complete_step(steps_of(incident)[StepKind.RETEST], actor=health, note="阴性", now=T0)
    with pytest.raises(PermissionDenied):  # the unit arranges the silent period
        actions.exclude_suspect(incident, actor=health, room="留观1", days=3, now=T0)
    with pytest.raises(ValidationError):
        actions.exclude_suspect(incident, actor=admin, room="留观1", days=0, now=T0)
    period = actions.exclude_suspect(
        incident, actor=admin, room="留观1", days=3, contact_keys=[colleague.person_key], now=T0
    )
    assert period.tests_per_day == 1
    make_nat_result(worker, T0 + 2 * HOUR)  # day 1; day 2 has none

    day3 = T0 + 2 * DAY + HOUR
    assert clocks.sweep(day3)["silent_periods"] == 1
    alert = SentinelAlert.objects.get(kind=AlertKind.OVERDUE_TEST, person_key=worker.person_key)
    assert (T0 + DAY).date().isoformat() in alert.detail and alert.enterprise == unit
    assert clocks.sweep(day3 + HOUR)["silent_periods"] == 0  # once per day
    states = [d.state for d in queries.silent_period_days(period, day3)]
    assert states == ["ok", "missing", "waiting"]

    with pytest.raises(ValidationError, match="期满"):
        actions.end_silent_period(period, actor=admin, now=T0 + DAY)
    make_nat_result(worker, day3)
    with pytest.raises(ValidationError, match="未查到"):
        actions.end_silent_period(period, actor=admin, now=day3 + HOUR)
    make_nat_result(worker, T0 + DAY + 3 * HOUR)  # the lab's late delivery for day 2
    period = actions.end_silent_period(period, actor=admin, now=day3 + 2 * HOUR)
    assert period.returned_at == day3 + 2 * HOUR
    assert Notification.objects.filter(title__contains="静默期结束").exists()
    with pytest.raises(ValidationError):
        actions.end_silent_period(period, actor=admin, now=day3 + 3 * HOUR)


@pytest.mark.req("INC-02")
def test_a_positive_test_in_the_silent_period_blocks_the_return(unit, admin, health, worker):
    incident = open_symptom(unit, admin, worker)
    actions.complete_step(steps_of(incident)[StepKind.RETEST], actor=health, note="阴性", now=T0)
    period = actions.exclude_suspect(incident, actor=admin, room="留观1", days=1, now=T0)
    make_nat_result(worker, T0 + HOUR, "positive")
    with pytest.raises(ValidationError, match="阳性"):
        actions.end_silent_period(period, actor=admin, now=T0 + 5 * HOUR)
    with pytest.raises(PermissionDenied):
        actions.confirm_case(incident, actor=admin, now=T0 + 5 * HOUR)
    incident = actions.confirm_case(
        incident, actor=health, note="静默期检测阳性", now=T0 + 5 * HOUR
    )
    assert incident.status == Incident.Status.CONFIRMED


@pytest.mark.req("INC-01")
def test_who_may_open_and_work_an_incident(unit, admin, health, worker, other_enterprise, personas):
    # headquarters read incidents but do not report them; another unit's admin neither
    for user in (
        personas["own_county"],
        make_user(Role.ENTERPRISE_ADMIN, OTHER_COUNTY, enterprise=other_enterprise),
        make_user(Role.HEALTH_OFFICE, OTHER_COUNTY),
        make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=unit),
    ):
        with pytest.raises(PermissionDenied):
            open_symptom(unit, user, worker)
    # the local health office may report one for the unit
    incident = open_symptom(unit, health, worker, room="")
    assert incident.opened_by == health
    steps = steps_of(incident)
    with pytest.raises(PermissionDenied):
        actions.complete_step(steps[StepKind.TEST], actor=personas["own_county"], note="x")
    with pytest.raises(PermissionDenied):
        actions.link_tracing(incident, actor=admin)
    with pytest.raises(PermissionDenied):
        actions.resume_production(incident, actor=personas["own_county"])
    # the unit's own steps may be recorded by the health office too
    actions.complete_step(steps[StepKind.TEST], actor=health, note="已组织全员核酸", now=T0)
    with pytest.raises(ValidationError, match="不能标记为无需办理"):
        actions.complete_step(steps[StepKind.OBSERVE], actor=admin, note="x", not_needed=True)


# --- the incident a positive result opens (contracts: epidemic.sentinel.follow_up_positive) ----


def _positive_feed(staff, *, pooled, capture, sample="P-1"):
    from sibao.epidemic import sentinel

    result = make_nat_result(staff, timezone.now() - HOUR, "positive", pooled=pooled)
    result.sample_no = sample
    result.save(update_fields=["sample_no"])
    with capture(execute=True):
        alerts = sentinel.on_test_results([result])
    return alerts[0]


@pytest.mark.req("INC-01")
def test_a_pooled_positive_of_a_rostered_person_opens_an_incident(
    unit, admin, health, worker, django_capture_on_commit_callbacks
):
    alert = _positive_feed(worker, pooled=True, capture=django_capture_on_commit_callbacks)

    incident = Incident.objects.get(alert=alert)
    assert incident.kind == Incident.Kind.POOLED_POSITIVE
    assert incident.enterprise == unit and incident.staff == worker
    assert incident.opened_by is None and incident.steps.count() == len(StepKind)
    assert Notification.objects.filter(recipient=health, url__contains=str(incident.pk))
    # the same alert again: no second incident
    actions.open_from_positive(alert, None)
    assert Incident.objects.filter(enterprise=unit).count() == 1


@pytest.mark.req("INC-01")
def test_a_single_sample_positive_opens_a_screening_incident_with_its_tracing_job(
    unit, worker, colleague, django_capture_on_commit_callbacks
):
    from sibao.core.testing import make_place_code, make_scan, make_site, make_space

    code = make_place_code(make_space(make_site(unit), "workshop", "三号车间"))
    start = timezone.now() - 5 * HOUR
    make_scan(code, worker.person_key, start, start + HOUR)
    make_scan(code, colleague.person_key, start, start + HOUR)
    alert = _positive_feed(worker, pooled=False, capture=django_capture_on_commit_callbacks)

    incident = Incident.objects.get(alert=alert)
    assert incident.kind == Incident.Kind.SCREENING_POSITIVE
    assert incident.tracing_job is not None and incident.tracing_job.alert == alert
    assert incident.tracing_job.close_count == 1


@pytest.mark.req("INC-01")
def test_a_positive_joins_the_persons_open_incident_and_skips_people_off_rosters(
    unit, admin, worker, django_capture_on_commit_callbacks
):
    reported = open_symptom(unit, admin, worker, room="", now=timezone.now())
    alert = _positive_feed(worker, pooled=True, capture=django_capture_on_commit_callbacks)
    reported.refresh_from_db()
    assert reported.alert == alert and Incident.objects.count() == 1

    from sibao.epidemic.models import TestResult as NatResult

    stranger = NatResult.objects.create(
        person_key="stranger-key",
        source=NatResult.objects.first().source,
        received_at=timezone.now(),
        region_code=OWN_COUNTY,
        lab="x",
        sample_no="S-9",
        sampled_at=timezone.now() - HOUR,
        result="positive",
    )
    from sibao.epidemic import sentinel

    with django_capture_on_commit_callbacks(execute=True):
        sentinel.on_test_results([stranger])
    assert Incident.objects.count() == 1
    assert SilentPeriod.objects.count() == 0
