"""``sibao workorder-sweep [--at ISO-TIME] [--enqueue]``: the work-order clocks (DEM-03) —
reminders at 50/80/100 % of each open order's limit (each once), the sign-deadline reminder, and
the automatic escalation of orders overdue by the rule set's working days. Safe to run as often as
wanted (every few minutes): nothing is sent or escalated twice."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.workorders import sweeps


class Command(BaseCommand):
    help = "Remind, urge and escalate overdue work orders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="sweep as of this time (ISO 8601, local time when no offset; default: now)",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the sweep to a background worker (db_worker) instead of running it here",
        )

    def handle(self, *args, **options):
        now = None
        if options["at"]:
            try:
                now = datetime.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"not a time: {options['at']!r}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        if options["enqueue"]:
            from sibao.workorders import tasks

            result = tasks.sweep_work_orders.enqueue()
            self.stdout.write(f"enqueued work-order sweep task {result.id}")
            return
        counts = sweeps.sweep(now)
        self.stdout.write(
            f"reminders={counts['reminders']} sign_reminders={counts['sign_reminders']} "
            f"escalated={counts['escalated']} escalation_failed={counts['escalation_failed']}"
        )
