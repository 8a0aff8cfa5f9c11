"""``sibao send-outbox [--limit N] [--at ISO-TIME] [--enqueue]``: send the due outbox messages
(MON-05) — SMS, 政务微信, e-mail — through the configured senders; a failure is retried later with
backoff, and given up after the rule set's maximum attempts. Safe to run on several hosts at
once: each message is claimed by one run only."""

from sibao.core.commands import PeriodicCommand
from sibao.core.outbox import send_pending


class Command(PeriodicCommand):
    help = "Send the due outbox messages (SMS, WeCom, e-mail), retrying failures with backoff."
    task_label = "outbox"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--limit", type=int, default=None, help="send at most this many messages"
        )

    def task(self):
        from sibao.core import tasks

        return tasks.send_outbox

    def handle(self, *args, **options):
        self.limit = options["limit"]
        super().handle(*args, **options)

    def run(self, now) -> str:
        counts = send_pending(self.limit, now=now)
        return f"sent={counts['sent']} retrying={counts['retrying']} failed={counts['failed']}"
