"""``sibao verify-tombstone FILE``: check that a ``purpose-ended`` tombstone report is unchanged
since the platform signed it (PLAT-03). Exit status 1 when it is not."""

import json

from django.core.management.base import BaseCommand, CommandError

from sibao.core import retention


class Command(BaseCommand):
    help = "Verify the signature of a purpose-ended tombstone report."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            with open(options["file"], encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        if not retention.verify_tombstone(document):
            raise CommandError("signature does not match: the report was altered or not ours")
        report = document["report"]
        self.stdout.write(f"valid: region {report.get('region')} at {report.get('at')}")
