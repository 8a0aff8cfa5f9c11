"""The shape every periodic command shares: ``--at ISO-TIME`` (run as of that time; local time
when it has no offset) and ``--enqueue`` (hand the run to a background worker instead).

A subclass sets ``task_label`` and implements ``task()`` (the django-task to enqueue) and
``run(now) -> str`` (do the work, return the line to print)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

__all__ = ["PeriodicCommand", "parse_at"]


def parse_at(raw: str | None):
    """``--at``'s value as an aware datetime (None for now); CommandError for anything else."""
    if not raw:
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"not a time: {raw!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class PeriodicCommand(BaseCommand):
    task_label = "periodic"

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="run as of this time (ISO 8601, local time when no offset; default: now)",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the run to a background worker (db_worker) instead of running it here",
        )

    def task(self):
        raise NotImplementedError

    def run(self, now) -> str:
        raise NotImplementedError

    def handle(self, *args, **options):
        now = parse_at(options["at"])
        if options["enqueue"]:
            result = self.task().enqueue()
            self.stdout.write(f"enqueued {self.task_label} task {result.id}")
            return
        self.stdout.write(self.run(now))
