"""``sibao evaluate-warnings [--at ISO-TIME] [--enqueue] [--rule CODE …]``: evaluate the warning
rules of the seven monitoring dimensions (MON-02) — raise new warnings, refresh and reopen what
still fires, clear what no longer does. Idempotent: run it as often as wanted (every 10 minutes);
the same condition never raises a second warning."""

from django.core.management.base import CommandError

from sibao.core.commands import PeriodicCommand


class Command(PeriodicCommand):
    help = "Evaluate the early-warning rules (MON-02) and bring the warnings up to date."
    task_label = "warning evaluation"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--rule",
            action="append",
            dest="rules",
            help="evaluate only this rule (repeatable; default: every rule)",
        )

    def handle(self, *args, **options):
        from sibao.command import monitoring

        codes = options.get("rules")
        unknown = [c for c in codes or () if monitoring.get(c) is None]
        if unknown:
            raise CommandError(f"unknown warning rule: {', '.join(unknown)}")
        self.codes = set(codes) if codes else None
        if self.codes and options["enqueue"]:
            raise CommandError("--rule cannot be combined with --enqueue")
        super().handle(*args, **options)

    def task(self):
        from sibao.command import tasks

        return tasks.evaluate_warnings

    def run(self, now) -> str:
        from sibao.command.actions.warnings import evaluate_warnings

        counts = evaluate_warnings(now=now, codes=self.codes)
        return " ".join(f"{key}={value}" for key, value in counts.items())
