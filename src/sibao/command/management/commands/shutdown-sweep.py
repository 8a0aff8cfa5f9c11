"""``sibao shutdown-sweep [--at ISO-TIME] [--enqueue]``: the shutdown clock (INC-03) — warn
``shutdown_expiry_warning_hours`` before an approved shutdown ends (once), close the shutdowns
whose period has run out, and flag restrictions that outlast their approval as violations. Safe
to run as often as wanted: nothing is warned or flagged twice."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.command.actions.oversight import sweep_shutdowns


class Command(BaseCommand):
    help = "Warn before approved shutdowns of whitelisted units expire; close expired ones."

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

            result = tasks.sweep_shutdowns.enqueue()
            self.stdout.write(f"enqueued shutdown sweep task {result.id}")
            return
        counts = sweep_shutdowns(now)
        self.stdout.write(
            f"expiry warnings={counts['warned']} expired={counts['expired']} "
            f"overrun restrictions={counts['overruns']}"
        )
