"""``sibao purge-audit``: the audit trail's retention (PLAT-03). Deletes audit rows older than
``audit_retention_days`` (never below 184 days, MLPS 2.0), in batches of id ranges (each its own
transaction). The only path that deletes audit rows; ``--dry-run`` only counts."""

from django.core.management.base import BaseCommand, CommandError

from sibao.core import retention
from sibao.core.commands import parse_at


class Command(BaseCommand):
    help = "Delete audit rows older than the audit retention period (at least 184 days)."

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
        result = retention.purge_audit(
            now=parse_at(options["now"]),
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
        )
        verb = "would be deleted" if options["dry_run"] else "deleted"
        self.stdout.write(
            f"core.AuditLog before {result['before']} ({result['days']} days): "
            f"{result['removed']} rows {verb}"
        )
