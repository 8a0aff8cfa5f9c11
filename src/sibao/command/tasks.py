"""Background work of the command module (django-tasks; run by ``sibao db_worker``). Each area
adds its tasks under its own comment; every task is idempotent."""

from django_tasks import task

# --- incidents ---


@task()
def sweep_incidents() -> dict:
    """INC-01/INC-02: alert overdue incident steps and silent-period days without their test
    (``command.clocks.sweep``); the scheduler enqueues it every few minutes."""
    from sibao.command import clocks

    return clocks.sweep()


# --- oversight ---


@task()
def sweep_shutdowns() -> dict:
    """INC-03: the shutdown clock: the expiry warning once before the end, close the shutdowns
    whose period ran out, flag restrictions outlasting their approval
    (``command.actions.oversight.sweep_shutdowns``); enqueued every few minutes."""
    from sibao.command.actions.oversight import sweep_shutdowns as sweep

    return sweep()


# --- warnings ---


@task()
def evaluate_warnings() -> dict:
    """MON-02: evaluate every warning rule (``command.actions.warnings.evaluate_warnings``):
    raise, refresh, reopen and clear warnings; the scheduler enqueues it every 10 minutes."""
    from sibao.command.actions.warnings import evaluate_warnings as evaluate

    return evaluate()


@task()
def evaluate_unit_warnings(codes: list, units: list) -> dict:
    """MON-02 on events: re-check the rules ``codes`` for the units ``units`` only (enqueued by
    ``command.monitoring.events`` after a save that concerns them)."""
    from sibao.command.actions.warnings import evaluate_warnings as evaluate

    return evaluate(codes=set(codes), units=set(units))
