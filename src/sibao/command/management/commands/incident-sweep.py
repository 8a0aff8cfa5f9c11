"""``sibao incident-sweep [--at ISO-TIME] [--enqueue]``: the incidents' deadline clocks (INC-01,
INC-02) — alert overdue steps once and raise a sentinel alert for each silent-period day without
its test. Safe to run as often as wanted (every few minutes): nothing is alerted twice."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.command import clocks


class Command(BaseCommand):
    help = "Alert overdue incident steps and silent-period days without their NAT test."

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
            from sibao.command import tasks

            result = tasks.sweep_incidents.enqueue()
            self.stdout.write(f"enqueued incident sweep task {result.id}")
            return
        counts = clocks.sweep(now)
        self.stdout.write(
            f"overdue steps alerted={counts['steps']} "
            f"silent-period alerts={counts['silent_periods']}"
        )
