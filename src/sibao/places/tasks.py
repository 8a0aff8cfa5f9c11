"""Background work of the places module (django-tasks; run by ``sibao db_worker``).

The scheduler (or cron) enqueues ``purge_scans`` once a day; it is idempotent, so an extra run on
another host changes nothing.
"""

from django_tasks import task

from sibao.places.actions.scans import purge_scans as _purge_scans


@task()
def purge_scans() -> dict:
    """EPI-06: drop the scans older than the retention period, create the coming partitions."""
    return _purge_scans(actor=None)
