"""``sibao ingest-file KIND FILE --source CODE``: the bulk-file path of the feeds (EPI-02).

The file is CSV (UTF-8, optionally with a BOM) with a header row naming the record fields of the
kind (the same names as the API's JSON records). It is read as a stream, in chunks; each chunk is
one feed batch, validated and stored exactly like an API batch (a resent file changes nothing).
Rejected records are printed with their line number in the file, field and reason — never their
values.
"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sibao.epidemic.ingest import RECORD_FIELDS, ingest
from sibao.epidemic.models import DataSource, FeedKind


class Command(BaseCommand):
    help = "Ingest a CSV file of feed records (one batch per chunk); a resent file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=FeedKind.values, help="the kind of records")
        parser.add_argument("file", help="a .csv file with a header row")
        parser.add_argument("--source", required=True, help="the data source's code")
        parser.add_argument(
            "--chunk", type=int, default=10000, help="records per batch (default 10 000)"
        )

    def handle(self, *args, **options):
        kind, path = options["kind"], Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        source = DataSource.objects.filter(pk=options["source"]).first()
        if source is None:
            raise CommandError(f"no data source with code {options['source']!r}")
        size = options["chunk"]
        if size < 1:
            raise CommandError("--chunk must be at least 1")
        totals = {"batches": 0, "total": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            known = {f.name for f in RECORD_FIELDS[kind]}
            header = set(reader.fieldnames or [])
            missing = sorted({f.name for f in RECORD_FIELDS[kind] if f.required} - header)
            if missing:
                raise CommandError(f"the header lacks required columns: {', '.join(missing)}")
            unknown = sorted(header - known)
            if unknown:
                self.stderr.write(f"ignoring unknown columns: {', '.join(unknown)}")
            first_line = 2  # line 1 is the header
            chunk = []
            for row in reader:
                chunk.append(row)
                if len(chunk) >= size:
                    first_line = self._batch(kind, chunk, source, first_line, totals)
                    chunk = []
            if chunk:
                self._batch(kind, chunk, source, first_line, totals)
        self.stdout.write(
            self.style.SUCCESS(
                "{batches} batches, {total} records: {accepted} accepted, "
                "{duplicates} duplicates, {rejected} rejected".format(**totals)
            )
        )

    def _batch(self, kind, chunk, source, first_line, totals) -> int:
        try:
            batch = ingest(kind, chunk, source=source, actor=None, via="file")
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        for error in batch.errors:
            field = f" [{error['field']}]" if error["field"] else ""
            self.stderr.write(f"line {first_line + error['index']}{field}: {error['reason']}")
        totals["batches"] += 1
        for name in ("total", "accepted", "duplicates", "rejected"):
            totals[name] += getattr(batch, name)
        self.stdout.write(
            f"batch {batch.pk}: {batch.accepted} accepted, {batch.duplicates} duplicates, "
            f"{batch.rejected} rejected"
        )
        return first_line + len(chunk)
