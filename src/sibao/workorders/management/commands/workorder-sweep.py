"""``sibao workorder-sweep [--at ISO-TIME] [--enqueue]``: the work-order clocks (DEM-03) —
reminders at 50/80/100 % of each open order's limit (each once), the sign-deadline reminder, and
the automatic escalation of orders overdue by the rule set's working days. Safe to run as often as
wanted (every few minutes): nothing is sent or escalated twice."""

from sibao.core.commands import PeriodicCommand
from sibao.workorders import sweeps


class Command(PeriodicCommand):
    help = "Remind, urge and escalate overdue work orders."
    task_label = "work-order sweep"

    def task(self):
        from sibao.workorders import tasks

        return tasks.sweep_work_orders

    def run(self, now) -> str:
        counts = sweeps.sweep(now)
        return (
            f"reminders={counts['reminders']} sign_reminders={counts['sign_reminders']} "
            f"escalated={counts['escalated']} escalation_failed={counts['escalation_failed']}"
        )
