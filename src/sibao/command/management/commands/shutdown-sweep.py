"""``sibao shutdown-sweep [--at ISO-TIME] [--enqueue]``: the shutdown clock (INC-03) — warn
``shutdown_expiry_warning_hours`` before an approved shutdown ends (once), close the shutdowns
whose period has run out, and flag restrictions that outlast their approval as violations. Safe
to run as often as wanted: nothing is warned or flagged twice."""

from sibao.command.actions.oversight import sweep_shutdowns
from sibao.core.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = "Warn before approved shutdowns of whitelisted units expire; close expired ones."
    task_label = "shutdown sweep"

    def task(self):
        from sibao.command import tasks

        return tasks.sweep_shutdowns

    def run(self, now) -> str:
        counts = sweep_shutdowns(now)
        return (
            f"expiry warnings={counts['warned']} expired={counts['expired']} "
            f"overrun restrictions={counts['overruns']}"
        )
