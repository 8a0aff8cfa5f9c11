"""Background work of the epidemic module (django-tasks; run by ``sibao db_worker``).

The scheduler (or cron) enqueues ``sweep_sentinel`` once a day and ``send_reminders`` every few
minutes; both are idempotent, so an extra run on another host changes nothing.
"""

from django_tasks import task

from sibao.core import outbox
from sibao.epidemic import sentinel


@task()
def sweep_sentinel() -> dict:
    """EPI-04/EPI-10: today's overdue-test alerts, then send the reminders they queued."""
    counts = sentinel.sweep_overdue()
    counts.update(outbox.send_pending())
    return counts


@task()
def send_reminders(limit: int | None = None) -> dict:
    """Send pending SMS reminders through the configured sender."""
    return outbox.send_pending(limit)
