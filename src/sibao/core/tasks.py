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


# --- the audit hash chain (ORG-05) ---


@task()
def seal_audit() -> dict:
    """ORG-05: chain the audit rows committed since the last run (``core.auditchain.seal``); the
    scheduler runs it every minute. Sealers take turns on the chain head's lock."""
    from sibao.core.auditchain import seal

    result = seal()
    return {"sealed": result.sealed, "seq": result.seq}
