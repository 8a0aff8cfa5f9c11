"""``sibao import-enterprises FILE --actor USERNAME``: the registry import (WL-01) from the command
line, through the same action as the upload page: all rows or none, with the same checks."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from sibao.accounts.models import User
from sibao.enterprises import actions
from sibao.enterprises.actions.registry import ImportRefused


class Command(BaseCommand):
    help = "Import enterprises (projects, parks) from an .xlsx or .csv file: all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx or .csv file filled in from the import template")
        parser.add_argument(
            "--actor", required=True, help="the user the import is done as (scope and audit)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user named {options['actor']!r}")
        try:
            created = actions.import_enterprises(path.read_bytes(), path.name, actor=actor)
        except ImportRefused as exc:
            for error in exc.row_errors:
                where = f"row {error.row}" if error.row else "file"
                column = f" [{error.column}]" if error.column else ""
                value = f" {error.value!r}" if error.value else ""
                self.stderr.write(f"{where}{column}{value}: {error.message}")
            raise CommandError(exc.messages[0]) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"imported {len(created)} units"))
