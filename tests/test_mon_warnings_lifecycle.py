"""MON-02: the evaluator turns firings into warnings — raised once per key and refreshed, cleared
when the condition ends and reopened when it returns, traceable to the rule's parameter values
and rule-set version — through the command, the task and the event hooks; the responsible
officials are told."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command.actions import warnings as actions
from sibao.command.models import EarlyWarning, WarningStatus
from sibao.core import rules
from sibao.core.models import AuditLog, Notification, TransitionRecord
from sibao.core.testing import OWN_COUNTY, ensure_departments, make_preparedness, make_user
from sibao.enterprises.models import ProductionReport
from sibao.regions.models import Department
from tests.routes.mon_warnings import change, listed_unit

pytestmark = pytest.mark.req("MON-02")
RULE = "preparedness_incomplete"


def evaluate(now=None, **kwargs):
    return actions.evaluate_warnings(now=now, codes={RULE}, **kwargs)


def test_reevaluation_raises_once_and_keeps_what_fired_it(db):
    ensure_departments(OWN_COUNTY)
    unit = listed_unit()
    now = timezone.now()

    assert evaluate(now)["raised"] == 1
    warning = EarlyWarning.objects.get(rule=RULE)
    assert warning.enterprise == unit and warning.region_code == OWN_COUNTY
    assert warning.facts == {
        "parameters": {"warning_preparedness_grace_days": 7},
        "figures": {"missing": ["record"]},
    }
    assert warning.rule_set_version == rules.current().version
    assert warning.deadline == now + datetime.timedelta(hours=72)  # a notice: 72 h
    assert warning.owner_department == Department.objects.get(
        region_id=OWN_COUNTY, kind="industry_it"
    )
    raised = AuditLog.objects.get(action="warning.raise", object_id=str(warning.pk))
    assert raised.rule_version == warning.rule_set_version
    assert raised.changes["facts"]["figures"] == {"missing": ["record"]}

    later = now + datetime.timedelta(hours=1)
    counts = evaluate(later)
    assert (counts["raised"], counts["seen"]) == (0, 1)
    assert EarlyWarning.objects.filter(rule=RULE).count() == 1
    warning.refresh_from_db()
    assert warning.last_seen_at == later and warning.raised_at == now

    # the version that fires it now is recorded with the values it read
    change("warning_preparedness_grace_days", 10)
    evaluate(later)
    warning.refresh_from_db()
    assert warning.rule_set_version == rules.current().version
    assert warning.facts["parameters"] == {"warning_preparedness_grace_days": 10}
    assert EarlyWarning.objects.filter(rule=RULE).count() == 1


def test_a_warning_clears_when_its_condition_ends_and_reopens_when_it_returns(db):
    unit = listed_unit()
    evaluate()
    warning = EarlyWarning.objects.get(rule=RULE)

    make_preparedness(unit)
    assert evaluate()["cleared"] == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLEARED and warning.cleared_at is not None

    make_preparedness(unit, has_contingency_plan=False)
    assert evaluate()["reopened"] == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and warning.cleared_at is None
    assert warning.facts["figures"] == {"missing": ["contingency_plan"]}
    steps = TransitionRecord.objects.filter(object_id=str(warning.pk)).order_by("at", "pk")
    assert [s.action for s in steps] == ["clear", "reopen"]
    assert EarlyWarning.objects.count() == 1


def test_a_closed_warning_is_raised_anew_only_after_its_condition_ended(db):
    unit = listed_unit()
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    evaluate()
    first = EarlyWarning.objects.get()
    actions.resolve_warning(first, actor=office, outcome="已督促单位补齐")

    evaluate()  # still missing: the official's verdict stands, nothing new
    assert EarlyWarning.objects.count() == 1
    first.refresh_from_db()
    assert first.status == WarningStatus.RESOLVED

    make_preparedness(unit)
    assert evaluate()["retired"] == 1
    make_preparedness(unit, task_force_leader="")
    assert evaluate()["raised"] == 1
    second = EarlyWarning.objects.exclude(pk=first.pk).get()
    assert second.status == WarningStatus.OPEN and second.key == f"{RULE}:unit:{unit.pk}"
    first.refresh_from_db()
    assert first.status == WarningStatus.RESOLVED and first.key.endswith(f"#{first.pk}")


def test_the_command_and_the_task_run_the_same_evaluation(db, settings):
    listed_unit()
    out = io.StringIO()
    call_command("evaluate-warnings", "--rule", RULE, stdout=out)
    assert "raised=1" in out.getvalue()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from sibao.command import tasks

    result = tasks.evaluate_warnings.enqueue()
    assert result.return_value["raised"] >= 1  # the other rules' warnings about the unit
    assert result.return_value["seen"] >= 1
    assert EarlyWarning.objects.filter(rule=RULE).count() == 1


def test_a_saved_report_rechecks_its_unit_and_tells_the_officials(
    db, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ensure_departments(OWN_COUNTY)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    today = timezone.localdate()
    slow, unseen = listed_unit(), listed_unit()

    def report(unit, back):
        return ProductionReport(
            enterprise=unit,
            reported_on=today - datetime.timedelta(days=back),
            state="operating",
            capacity_percent=20,
            staff_on_site=10,
            region_code=unit.region_id,
            industry=unit.industry,
        )

    # rows written in bulk send no signal: nothing is checked yet
    ProductionReport.objects.bulk_create([report(u, b) for u in (slow, unseen) for b in (1, 2)])
    ProductionReport.objects.bulk_create([report(unseen, 0)])
    with django_capture_on_commit_callbacks(execute=True):
        report(slow, 0).save()

    warning = EarlyWarning.objects.get(rule="production_low")
    assert warning.enterprise == slow  # only the unit whose report was saved
    told = Notification.objects.filter(url=f"/command/warnings/{warning.pk}/")
    assert {n.recipient for n in told} == {office, staff}
    assert told.first().title.startswith("预警：")


def test_an_official_with_many_new_warnings_gets_one_digest(db, django_capture_on_commit_callbacks):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    units = [listed_unit() for _ in range(actions.DIGEST_AFTER + 1)]  # no daily reports at all
    with django_capture_on_commit_callbacks(execute=True):
        counts = actions.evaluate_warnings(codes={"daily_report_missing"})
    assert counts["raised"] == len(units)
    (message,) = Notification.objects.filter(recipient=office)
    assert message.title == f"新增 {len(units)} 条监测预警（其中严重 0 条）"
    assert message.url == "/command/warnings/?status=open"


def test_a_warning_whose_condition_grows_worse_is_upgraded(db):
    from sibao.command.models import Incident

    unit = listed_unit()
    now = timezone.now()
    incident = Incident.objects.create(
        enterprise=unit,
        kind=Incident.Kind.SYMPTOM,
        description="员工发热",
        opened_at=now,
        region_code=unit.region_id,
    )
    actions.evaluate_warnings(now=now, codes={"incident_open"})
    warning = EarlyWarning.objects.get()
    assert warning.level == "warning" and warning.deadline == now + datetime.timedelta(hours=24)

    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CONFIRMED)
    later = now + datetime.timedelta(hours=1)
    assert actions.evaluate_warnings(now=later, codes={"incident_open"})["upgraded"] == 1
    warning.refresh_from_db()
    assert warning.level == "severe" and warning.deadline == later + datetime.timedelta(hours=4)
    assert AuditLog.objects.filter(action="warning.upgrade", object_id=str(warning.pk)).exists()


@pytest.mark.req("MON-05")
def test_a_severe_warning_also_reaches_the_officials_phones(db, django_capture_on_commit_callbacks):
    from sibao.command.models import Incident
    from sibao.core.models import OutboxMessage

    with_phone = make_user(Role.HQ_OFFICE, OWN_COUNTY, phone="13800138000")
    without_phone = make_user(Role.HQ_OFFICE, OWN_COUNTY, phone="")
    unit = listed_unit()
    Incident.objects.create(
        enterprise=unit,
        kind=Incident.Kind.SYMPTOM,
        description="员工核酸阳性",
        opened_at=timezone.now(),
        status=Incident.Status.CONFIRMED,
        region_code=unit.region_id,
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.evaluate_warnings(codes={"incident_open"})
    warning = EarlyWarning.objects.get()
    assert warning.level == "severe"
    # both officials have it in their inboxes; the one with a mobile number also by SMS
    told = Notification.objects.filter(url=f"/command/warnings/{warning.pk}/")
    assert {n.recipient for n in told} >= {with_phone, without_phone}
    sms = OutboxMessage.objects.filter(channel="sms")
    assert {m.recipient for m in sms} >= {with_phone}
    assert not sms.filter(recipient=without_phone).exists()
    assert all("13800138000" not in m.body for m in sms)

    # a plain "warning" level stays in the inbox only
    OutboxMessage.objects.all().delete()
    EarlyWarning.objects.all().delete()
    Incident.objects.update(status=Incident.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        actions.evaluate_warnings(codes={"incident_open"})
    assert EarlyWarning.objects.get().level == "warning"
    assert not OutboxMessage.objects.exists()
