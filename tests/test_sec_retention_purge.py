"""PLAT-03: retention of personal event rows (``sibao purge-events``) and of the audit trail
(``sibao purge-audit``)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.models import AppendOnlyError, AuditLog
from sibao.core.testing import make_user
from sibao.epidemic.models import (
    DataSource,
    DrugPurchase,
    HealthCodeChange,
    ItineraryChange,
    PersonStatus,
    SentinelAlert,
)
from sibao.epidemic.models import (
    TestResult as NatResult,
)

NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 12, 0))
OLD = NOW - datetime.timedelta(days=30)  # past the 21-day defaults
RECENT = NOW - datetime.timedelta(days=3)


def line(out, label):
    (found,) = [text for text in out.splitlines() if text.startswith(label + " ")]
    return found


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, "--now", NOW.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def source(db):
    return DataSource.objects.create(code="lab-ret", name="保留期测试检测机构")


def event_fields(source, person="p1", region="410102"):
    return {"person_key": person, "source": source, "received_at": NOW, "region_code": region}


def make_results(source, when, count, person="p1"):
    return [
        NatResult.objects.create(
            **event_fields(source, person),
            lab="lab",
            sample_no=f"S-{when:%j}-{n}",
            sampled_at=when + datetime.timedelta(minutes=n),
            result="negative",
        )
        for n in range(count)
    ]


def make_events(source, when, n=0):
    HealthCodeChange.objects.create(
        **event_fields(source), colour="green", changed_at=when + datetime.timedelta(seconds=n)
    )
    ItineraryChange.objects.create(
        **event_fields(source), status="normal", changed_at=when + datetime.timedelta(seconds=n)
    )
    DrugPurchase.objects.create(
        **event_fields(source),
        record_no=f"R-{when:%j}-{n}",
        pharmacy="药店",
        drug_class="fever",
        purchased_at=when,
    )


def make_alert(key, raised_at, *, closed_at=None):
    return SentinelAlert.objects.create(
        kind="positive",
        dedupe_key=key,
        person_key="p1",
        detail="阳性",
        raised_at=raised_at,
        due_at=raised_at + datetime.timedelta(hours=24),
        status="closed" if closed_at else "open",
        closed_at=closed_at,
        region_code="410102",
    )


@pytest.mark.req("PLAT-03")
def test_old_event_rows_go_recent_stay_and_status_is_kept(source):
    make_results(source, OLD, 2)
    recent = make_results(source, RECENT, 1)
    make_events(source, OLD)
    make_events(source, RECENT)
    make_alert(
        "old-closed",
        OLD - datetime.timedelta(days=100),
        closed_at=OLD - datetime.timedelta(days=95),
    )
    make_alert("old-open", OLD - datetime.timedelta(days=100))
    make_alert("recent-closed", OLD, closed_at=OLD)
    PersonStatus.objects.create(person_key="p1", last_negative_at=OLD, last_result="negative")

    out = run("purge-events")

    assert line(out, "epidemic.TestResult").endswith(": 2 rows deleted")
    assert line(out, "epidemic.SentinelAlert").endswith(": 1 rows deleted")
    assert list(NatResult.objects.all()) == recent
    for model, clock in (
        (HealthCodeChange, "changed_at"),
        (ItineraryChange, "changed_at"),
        (DrugPurchase, "purchased_at"),
    ):
        assert list(model.objects.values_list(clock, flat=True)) == [RECENT]
    assert set(SentinelAlert.objects.values_list("dedupe_key", flat=True)) == {
        "old-open",
        "recent-closed",
    }
    # the current state is maintained at ingestion, not recomputed: it stays as it was
    assert PersonStatus.objects.get(person_key="p1").last_negative_at == OLD
    row = AuditLog.objects.get(action="retention.events.purge")
    assert row.changes["removed"]["epidemic.TestResult"] == 2

    again = run("purge-events")  # idempotent
    assert line(again, "epidemic.TestResult").endswith(": 0 rows deleted")
    assert NatResult.objects.count() == 1


@pytest.mark.req("PLAT-03")
def test_rows_are_deleted_in_small_batches(source):
    make_results(source, OLD, 5)
    make_results(source, RECENT, 1)
    with CaptureQueriesContext(connection) as queries:
        out = run("purge-events", "--batch-size", "2")
    deletes = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("DELETE") and "epidemic_testresult" in q["sql"]
    ]
    # five consecutive old ids in ranges of two: three statements, never one for all
    assert len(deletes) == 3
    assert line(out, "epidemic.TestResult").endswith(": 5 rows deleted")
    assert NatResult.objects.count() == 1


@pytest.mark.req("PLAT-03")
def test_dry_run_changes_nothing(source):
    make_results(source, OLD, 3)
    make_events(source, OLD)
    out = run("purge-events", "--dry-run")
    assert line(out, "epidemic.TestResult").endswith(": 3 rows would be deleted")
    assert NatResult.objects.count() == 3
    assert HealthCodeChange.objects.count() == 1
    assert not AuditLog.objects.filter(action="retention.events.purge").exists()


def old_audit_row(days, action="test.old"):
    row = AuditLog(action=action, at=NOW - datetime.timedelta(days=days))
    row.save(force_insert=True)
    return row


@pytest.mark.req("PLAT-03")
def test_audit_rows_younger_than_184_days_are_never_purged(db):
    # written in time order, as the platform writes them: the purge deletes the old start of the
    # audit hash chain (seq order) and anchors the rest
    old = [old_audit_row(d) for d in (400, 200, 185)]
    young = [old_audit_row(d) for d in (183, 100, 1)]

    dry = io.StringIO()
    call_command("purge-audit", "--now", NOW.isoformat(), "--dry-run", stdout=dry)
    assert "3 rows would be deleted" in dry.getvalue()
    assert AuditLog.objects.filter(pk__in=[r.pk for r in old]).count() == 3

    out = run("purge-audit", "--batch-size", "2")
    assert "(184 days): 3 rows deleted" in out
    remaining = set(AuditLog.objects.values_list("pk", flat=True))
    assert {r.pk for r in young} <= remaining
    assert not remaining & {r.pk for r in old}
    assert AuditLog.objects.filter(action="retention.audit.purge").count() == 1
    assert "0 rows deleted" in run("purge-audit")


@pytest.mark.req("PLAT-03")
def test_audit_retention_cannot_go_below_184_days(db):
    from sibao.core.actions import change_rule_parameter

    # old rows first: the purge deletes the old start of the audit chain (seq order)
    gone = old_audit_row(400)
    keep = old_audit_row(300)
    admin = make_user(Role.HQ_OFFICE, "41")
    with pytest.raises(ValidationError):
        change_rule_parameter("audit_retention_days", "183", actor=admin, reason="缩短")
    with pytest.raises(ValueError):
        rules.BY_KEY["audit_retention_days"].parse("30")
    change_rule_parameter("audit_retention_days", "365", actor=admin, reason="延长")
    run("purge-audit")
    assert AuditLog.objects.filter(pk=keep.pk).exists()
    assert not AuditLog.objects.filter(pk=gone.pk).exists()


@pytest.mark.req("PLAT-03")
def test_audit_rows_stay_append_only_elsewhere(db):
    row = old_audit_row(400)
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).delete()
