"""Recovery of background tasks left behind by a dead worker.

django-tasks-db claims a task by setting it RUNNING (with ``started_at`` and the worker's id) in a
short transaction, then runs it outside any lock. A worker killed while running a task (SIGKILL,
out of memory, the host lost) leaves the task RUNNING for ever: workers only pick READY tasks, and
nothing notices that the worker is gone. Whatever the task had written in its own transaction is
rolled back by the database, so the task is simply undone.

``requeue_stale`` hands such tasks back: every task RUNNING for longer than a threshold (longer
than any task of the platform runs) goes back to READY, and the next worker runs it again. The
platform's tasks are idempotent, so the rerun gives what an uninterrupted run gives; a task that
was in fact still running would merely run twice. Run from cron as ``sibao requeue-stale-tasks``.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sibao.core import audit

__all__ = ["requeue_stale"]


@transaction.atomic
def requeue_stale(older_than: datetime.timedelta, *, now=None, actor=None) -> list[str]:
    """Return the tasks RUNNING since before ``now - older_than`` to READY; returns their ids.
    One audit row when any was requeued."""
    if older_than <= datetime.timedelta(0):
        raise ValueError("older_than must be positive")
    cutoff = (now or timezone.now()) - older_than
    stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    )
    found = list(stale.values_list("id", "task_path", "started_at", "worker_ids"))
    if not found:
        return []
    ids = [row[0] for row in found]
    # the status is checked again in the UPDATE: a worker that finished meanwhile keeps its result
    DBTaskResult.objects.filter(id__in=ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )
    audit.record(
        "tasks.requeue_stale",
        actor=actor,
        changes={
            "tasks": [
                {
                    "id": str(pk),
                    "task": path,
                    "started_at": started.isoformat(),
                    "workers": workers,
                }
                for pk, path, started, workers in found
            ]
        },
        note=f"running since before {cutoff.isoformat()}",
        region_code="",
    )
    return [str(pk) for pk in ids]
