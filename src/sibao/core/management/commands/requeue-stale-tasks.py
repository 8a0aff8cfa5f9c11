"""``sibao requeue-stale-tasks [--older-than MINUTES] [--at ISO-TIME]``: put the background tasks
that a dead worker left RUNNING back in the queue (``core.stale_tasks``). django-tasks-db never
runs such a task again by itself. ``--older-than`` must exceed the longest run of any task (a
task still running would run twice; the platform's tasks are idempotent, so that is only waste).
Run it from cron every few minutes."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from sibao.core.commands import parse_at
from sibao.core.stale_tasks import requeue_stale


class Command(BaseCommand):
    help = "Return tasks left RUNNING by a dead worker (running longer than --older-than) to READY."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            help="minutes a task must have been running to count as abandoned (default: 60)",
        )
        parser.add_argument(
            "--at", help="run as of this time (ISO 8601, local time when no offset; default: now)"
        )

    def handle(self, *args, **options):
        if options["older_than"] < 1:
            raise CommandError("--older-than must be at least 1 minute")
        ids = requeue_stale(
            datetime.timedelta(minutes=options["older_than"]), now=parse_at(options["at"])
        )
        self.stdout.write(f"requeued={len(ids)}" + "".join(f"\n{pk}" for pk in ids))
