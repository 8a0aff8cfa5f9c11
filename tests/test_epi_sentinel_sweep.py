"""EPI-04, EPI-10: the daily sweep raises one overdue-test alert per overdue person and day —
idempotent within the day — reminds each person by SMS and sends each unit and each sentinel
unit one summary; it runs from ``sibao sentinel-sweep`` and as a django-task."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import Notification, OutboxMessage, OutboxStatus
from sibao.core.testing import make_staff, make_user
from sibao.epidemic import sentinel, tasks
from sibao.epidemic.compliance import EmergencyScope
from sibao.epidemic.models import (
    AlertKind,
    PostClass,
    SentinelAlert,
)

HOUR = datetime.timedelta(hours=1)
NOW = timezone.make_aware(datetime.datetime(2022, 5, 20, 9, 0))


def build(own, other, now):
    """Own unit: on time, 50 h late, never tested, a mobile post 20 h ago; the other county:
    49 h late. Three overdue at ``now``."""
    return {
        "ok": make_staff(own, last_negative_at=now - 10 * HOUR),
        "late": make_staff(own, last_negative_at=now - 50 * HOUR),
        "never": make_staff(own, last_negative_at=None),
        "mobile_ok": make_staff(own, post_class=PostClass.MOBILE, last_negative_at=now - 20 * HOUR),
        "elsewhere": make_staff(other, last_negative_at=now - 49 * HOUR),
    }


@pytest.fixture
def staff(own_enterprise, other_enterprise):
    return build(own_enterprise, other_enterprise, NOW)


@pytest.fixture
def staff_today(own_enterprise, other_enterprise):
    """The same roster, timed against the real clock (the command and the task use it)."""
    return build(own_enterprise, other_enterprise, timezone.now())


@pytest.mark.req("EPI-10")
@pytest.mark.req("EPI-04")
def test_the_sweep_raises_one_alert_per_overdue_person_and_day(staff):
    first = sentinel.sweep_overdue(NOW)
    again = sentinel.sweep_overdue(NOW + 3 * HOUR)

    assert first == {"overdue": 3, "raised": 3}
    assert again == {"overdue": 3, "raised": 0}
    alerts = SentinelAlert.objects.filter(kind=AlertKind.OVERDUE_TEST)
    assert {a.staff_id for a in alerts} == {staff[k].pk for k in ("late", "never", "elsewhere")}
    assert OutboxMessage.objects.count() == 3
    alert = alerts.get(staff=staff["late"])
    assert alert.owner is None and alert.due_at == NOW + 24 * HOUR
    assert "48" in alert.detail

    next_day = sentinel.sweep_overdue(NOW + 24 * HOUR)
    assert next_day["raised"] == 4  # the mobile post is 44 h past its sample by then
    assert OutboxMessage.objects.count() == 7


@pytest.mark.req("EPI-10")
def test_the_sweep_uses_the_emergency_window(staff, own_enterprise):
    scope = EmergencyScope(enterprise_ids=frozenset({own_enterprise.pk}))
    result = sentinel.sweep_overdue(NOW + 15 * HOUR, scope=scope)

    # 25 h after the last negative sample of "ok": overdue in closed loop (and the mobile post
    # is 35 h past its sample by then)
    assert result["raised"] == 5
    assert SentinelAlert.objects.filter(staff=staff["ok"]).exists()


@pytest.mark.req("EPI-10")
def test_the_unit_and_the_sentinel_unit_get_one_summary_each(staff, personas):
    health = make_user(Role.HEALTH_OFFICE, "41")
    sentinel.sweep_overdue(NOW)

    unit = Notification.objects.get(recipient=personas["enterprise_admin"])
    assert "2 人" in unit.body
    province = Notification.objects.get(recipient=health)
    assert "3 人" in province.body


@pytest.mark.req("EPI-10")
def test_the_command_sweeps_and_sends_the_reminders(staff_today, caplog):
    out = io.StringIO()
    caplog.set_level("INFO", logger="sibao.sms")
    call_command("sentinel-sweep", stdout=out)

    assert "raised=3" in out.getvalue()
    assert "sent=3" in out.getvalue()
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.SENT).exists()
    for person in ("late", "never", "elsewhere"):
        assert staff_today[person].phone_masked in caplog.text

    again = io.StringIO()
    call_command("sentinel-sweep", stdout=again)
    assert "raised=0" in again.getvalue()


@pytest.mark.req("EPI-10")
def test_the_background_task_runs_the_same_sweep(staff_today, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = tasks.sweep_sentinel.enqueue()

    assert result.return_value["raised"] == 3
    assert result.return_value["sent"] == 3
