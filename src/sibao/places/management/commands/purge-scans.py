"""``sibao purge-scans``: the scan log's retention (EPI-06). Drops the days older than
``scan_retention_days`` (whole day partitions on PostgreSQL, rows on SQLite) and creates the
partitions of today and the next days. Safe to run more than once a day."""

from django.core.management.base import BaseCommand

from sibao.places import tasks
from sibao.places.actions import purge_scans


class Command(BaseCommand):
    help = "Drop scans older than the retention period and create the coming days' partitions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the purge to a background worker (db_worker) instead of running it here",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = tasks.purge_scans.enqueue()
            self.stdout.write(f"enqueued purge task {result.id}")
            return
        result = purge_scans(actor=None)
        unit = "partitions dropped" if result["vendor"] == "postgresql" else "rows deleted"
        self.stdout.write(
            f"scans before {result['before']}: {result['removed']} {unit}; "
            f"{result['created']} partitions created"
        )
