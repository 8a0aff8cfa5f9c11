"""``sibao purge-events``: the retention of personal event rows (PLAT-03). Deletes NAT results,
health-code and itinerary changes, drug purchases, checkpoint trip samples and long-closed sentinel
alerts older than their rule-set retention period, in batches of id ranges (each its own
transaction). Idempotent; ``--dry-run`` only counts; ``--now`` sets the clock."""

from django.core.management.base import BaseCommand, CommandError

from sibao.core import retention
from sibao.core.commands import parse_at


class Command(BaseCommand):
    help = "Delete personal event rows older than their retention period (rule set)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="run as of this time (ISO 8601; default: now)")
        parser.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention.DEFAULT_BATCH,
            help="ids per batch (each batch its own transaction)",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        result = retention.purge_events(
            now=parse_at(options["now"]),
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
        )
        verb = "would be deleted" if options["dry_run"] else "deleted"
        for label, count in result["removed"].items():
            self.stdout.write(f"{label} before {result['before'][label]}: {count} rows {verb}")
