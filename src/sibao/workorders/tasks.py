"""Background work of the work-orders module (django-tasks; run by ``sibao db_worker``). Each area
adds its tasks under its own comment; every task is idempotent."""

from django_tasks import task

# --- clocks ---


@task()
def sweep_work_orders() -> dict:
    """DEM-03: reminders at the rule set's percents of each open order's limit, the sign-deadline
    reminder and the automatic escalation of orders overdue by the rule set's working days
    (``workorders.sweeps.sweep``); the scheduler enqueues it every few minutes."""
    from sibao.workorders import sweeps

    return sweeps.sweep()


# --- common ---


@task()
def cluster_demands() -> dict:
    """DEM-04: one clustering pass of similar demands (``actions.common.run_clustering``); the
    scheduler enqueues it nightly. Each run is a new ``ClusterRun``; earlier runs stay."""
    from sibao.workorders.actions.common import run_clustering

    run = run_clustering()
    return {"run": run.pk, "demands": run.demand_count, "clusters": run.cluster_count}
