"""``sibao purpose-ended --region CODE [--before DATE] --confirm``: the epidemic-control purpose
of a region has ended (PLAT-03): remove the personal event data the platform holds about people
of the region (scans, NAT results, health-code and itinerary changes, drug purchases, arrival
reports, sentinel alerts, tracing contacts and the case keys of tracing jobs, checkpoint samples),
write a signed tombstone report and record its path in the audit trail. Refuses without
``--confirm``. ``sibao verify-tombstone FILE`` checks a report later."""

import datetime
import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.core import retention
from sibao.core.commands import parse_at


class Command(BaseCommand):
    help = "Remove all personal event data of a region whose epidemic-control purpose has ended."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code (the region and below)")
        parser.add_argument(
            "--before", help="only data before this date (YYYY-MM-DD, local); default: all"
        )
        parser.add_argument("--confirm", action="store_true", help="really delete")
        parser.add_argument("--by", default="", help="who ordered it (default: the OS user)")
        parser.add_argument(
            "--out-dir", help="where to write the tombstone (default: var/tombstones)"
        )
        parser.add_argument("--now", help="run as of this time (ISO 8601; default: now)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention.DEFAULT_BATCH,
            help="ids per batch (each batch its own transaction)",
        )

    def handle(self, *args, **options):
        if not options["confirm"]:
            raise CommandError("this deletes personal data irreversibly: add --confirm")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        before = None
        if options["before"]:
            try:
                day = datetime.date.fromisoformat(options["before"])
            except ValueError:
                raise CommandError(f"not a date: {options['before']!r}") from None
            before = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        try:
            report, path = retention.purpose_ended(
                options["region"],
                before=before,
                operator=options["by"] or getpass.getuser(),
                out_dir=options["out_dir"],
                now=parse_at(options["now"]),
                batch_size=options["batch_size"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for label, count in report["removed"].items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(f"tombstone: {path}")
