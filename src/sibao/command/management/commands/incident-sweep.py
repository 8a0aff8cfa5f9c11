"""``sibao incident-sweep [--at ISO-TIME] [--enqueue]``: the incidents' deadline clocks (INC-01,
INC-02) — alert overdue steps once and raise a sentinel alert for each silent-period day without
its test. Safe to run as often as wanted (every few minutes): nothing is alerted twice."""

from sibao.command import clocks
from sibao.core.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = "Alert overdue incident steps and silent-period days without their NAT test."
    task_label = "incident sweep"

    def task(self):
        from sibao.command import tasks

        return tasks.sweep_incidents

    def run(self, now) -> str:
        counts = clocks.sweep(now)
        return (
            f"overdue steps alerted={counts['steps']} "
            f"silent-period alerts={counts['silent_periods']}"
        )
