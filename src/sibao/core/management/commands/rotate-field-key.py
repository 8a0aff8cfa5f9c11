"""``sibao rotate-field-key --old-key-env VAR``: after ``SIBAO_FIELD_KEY`` has been set to a new
key, re-encrypt every encrypted personal field (``*_encrypted``: ID numbers, phones) from the old
key, read from the environment variable VAR (never from the command line, which ``ps`` shows), to
the current one, in batches (each its own transaction). Idempotent: values already under the
current key are skipped, so it may be rerun after an interruption. Person keys and ``DATA_KEY``
are not touched. Exits non-zero if some value opens with neither key."""

import os

from django.core.management.base import BaseCommand, CommandError

from sibao.core import keyrotation


class Command(BaseCommand):
    help = "Re-encrypt every encrypted personal field from an old field key to the current one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-key-env",
            required=True,
            help="name of the environment variable holding the old key",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=keyrotation.DEFAULT_BATCH,
            help="rows per batch (each batch its own transaction)",
        )

    def handle(self, *args, **options):
        old = os.environ.get(options["old_key_env"], "")
        if not old:
            raise CommandError(f"the environment variable {options['old_key_env']} is not set")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        counts = keyrotation.rotate_field_key(old, batch_size=options["batch_size"])
        unreadable = 0
        for label, c in counts.items():
            unreadable += c["unreadable"]
            self.stdout.write(
                f"{label}: {c['rotated']} re-encrypted, {c['current']} already current, "
                f"{c['unreadable']} unreadable"
            )
        if unreadable:
            raise CommandError(f"{unreadable} values open with neither key; they were left as is")
