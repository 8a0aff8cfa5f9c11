"""Background work of the platform core (django-tasks; run by ``sibao db_worker``)."""

from django_tasks import task

# --- outbox ---


@task()
def send_outbox(limit: int | None = None) -> dict:
    """MON-05: send the due outbox messages through each channel's sender, retrying failures
    with backoff (``core.outbox.send_pending``); the scheduler enqueues it every minute or two.
    Safe on several workers at once: claimed rows are skipped by the others."""
    from sibao.core.outbox import send_pending

    return send_pending(limit)
