"""``sibao match-policies``: the daily matching pass (POL-02). Every active policy is matched
with every enterprise in bulk, expired or withdrawn policies lose their untouched matches, and
the pairs not yet pushed are pushed. Idempotent: a second run the same day changes nothing. On
PostgreSQL a run evaluates only the enterprises whose facts changed since the last run against
the policies it ran unchanged (``matching_sql.Run``); ``--full`` evaluates every pair."""

from django.core.management.base import BaseCommand

from sibao.policies import matching
from sibao.policies.actions import run_daily_matching


class Command(BaseCommand):
    help = "Match every active support policy with every enterprise and push the new matches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the run to a background worker (db_worker) instead of running it here",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="evaluate every policy with every enterprise, not only what changed",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = matching.match_all_task.enqueue()
            self.stdout.write(f"enqueued matching task {result.id}")
            return
        totals = run_daily_matching(full=options["full"])
        self.stdout.write(" ".join(f"{k}={v}" for k, v in totals.items()))
