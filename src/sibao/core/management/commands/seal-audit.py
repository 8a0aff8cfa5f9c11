"""``sibao seal-audit``: chain the audit rows committed since the last run (ORG-05). Meant to run
every minute from cron; idempotent (a run with nothing new seals nothing and writes no
checkpoint). Prints the chain's head so that the cron log keeps a copy outside the database."""

from django.core.management.base import BaseCommand, CommandError

from sibao.core import auditchain


class Command(BaseCommand):
    help = "Seal the new audit rows into the hash chain and write a checkpoint."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=auditchain.DEFAULT_BATCH,
            help="rows per transaction",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        result = auditchain.seal(batch_size=options["batch_size"])
        self.stdout.write(
            f"audit chain: {result.sealed} rows sealed; head seq {result.seq} "
            f"digest {result.digest or '-'}"
        )
