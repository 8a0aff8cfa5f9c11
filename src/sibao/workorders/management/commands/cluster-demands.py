"""``sibao cluster-demands [--at ISO-TIME] [--enqueue]``: one clustering pass of similar demands
(DEM-04) per category × city over the last ``demand_cluster_window_days`` days; a new cluster run
whose clusters the offices see on the "相似诉求聚类" page. Earlier runs are kept."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.workorders.actions.common import run_clustering


class Command(BaseCommand):
    help = "Cluster similar demands per category and city (common issues, DEM-04)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="cluster as of this time (ISO 8601, local time when no offset; default: now)",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the run to a background worker (db_worker) instead of running it here",
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

            result = tasks.cluster_demands.enqueue()
            self.stdout.write(f"enqueued demand clustering task {result.id}")
            return
        run = run_clustering(now=now)
        self.stdout.write(
            f"cluster run {run.pk}: demands={run.demand_count} clusters={run.cluster_count}"
        )
