"""``sibao verify-audit``: walk the audit hash chain in seq order and recompute every digest
(ORG-05). Reports the first problem with its seq and id (an edited row, a deleted row, a truncated
tail, a broken purge anchor or an altered checkpoint) and a one-line summary; exit status 1 on any
problem, 0 when the chain is whole. Rows not sealed yet are counted, not an error. The run is
itself audited (``audit.verify``)."""

from django.core.management.base import BaseCommand

from sibao.core import auditchain


class Command(BaseCommand):
    help = "Verify the audit hash chain; exit status 1 if a row was edited, deleted or truncated."

    def handle(self, *args, **options):
        report = auditchain.verify_chain(actor=None)
        if not report.ok:
            self.stderr.write(f"problem: {report.problem.text()}")
        self.stdout.write(report.summary())
        if not report.ok:
            raise SystemExit(1)
