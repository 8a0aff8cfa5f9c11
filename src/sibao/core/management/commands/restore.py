"""``sibao restore``: restore a ``sibao backup`` directory and verify it against its manifest."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sibao.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup directory into the configured database, then recompute the row counts and "
        "checksums and fail (exit status 1) naming every table that differs from the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by `sibao backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore even though the target database already holds tables (overwrites them)",
        )
        parser.add_argument(
            "--database", default="default", help="database alias (default: default)"
        )

    def handle(self, *args, directory, force=False, database="default", **options):
        started = time.monotonic()
        try:
            manifest = restore(Path(directory), using=database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"restored {directory}: {len(manifest['tables'])} tables, {rows} rows verified "
            f"against the manifest, {time.monotonic() - started:.1f} s"
        )
