"""``sibao backup``: dump the database with a manifest of row counts and checksums (core.backup)."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back the database up into a directory: pg_dump -Fc (PostgreSQL) or the online backup API "
        "(SQLite), plus manifest.json with the migration state and per-table row counts and checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            help="where to write the backup (must not exist); "
            "default $SIBAO_VAR_DIR/backups/sibao-<UTC time>",
        )
        parser.add_argument(
            "--database", default="default", help="database alias (default: default)"
        )

    def handle(self, *args, directory=None, database="default", **options):
        if directory is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            directory = Path(settings.VAR_DIR) / "backups" / f"sibao-{stamp}"
        started = time.monotonic()
        try:
            manifest = backup(Path(directory), using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"backup written to {directory}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{manifest['dump']['bytes']} bytes, {time.monotonic() - started:.1f} s"
        )
