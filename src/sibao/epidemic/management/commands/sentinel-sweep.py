"""``sibao sentinel-sweep``: raise today's overdue-test alerts (EPI-04, EPI-10) and send the
pending reminders. Safe to run more than once a day: a second run raises nothing new."""

from django.core.management.base import BaseCommand

from sibao.core import outbox
from sibao.epidemic import sentinel, tasks


class Command(BaseCommand):
    help = "Raise today's overdue-test sentinel alerts and send pending SMS reminders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-send", action="store_true", help="only raise alerts; leave reminders queued"
        )
        parser.add_argument(
            "--send-limit", type=int, default=None, help="send at most this many reminders"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the sweep to a background worker (db_worker) instead of running it here",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = tasks.sweep_sentinel.enqueue()
            self.stdout.write(f"enqueued sweep task {result.id}")
            return
        counts = sentinel.sweep_overdue()
        self.stdout.write(f"overdue={counts['overdue']} raised={counts['raised']}")
        if not options["no_send"]:
            sent = outbox.send_pending(options["send_limit"])
            self.stdout.write(f"reminders sent={sent['sent']} failed={sent['failed']}")
