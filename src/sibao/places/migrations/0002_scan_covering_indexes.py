"""PostgreSQL: tracing's two indexes on the scan log carry the columns its probes read
(``INCLUDE``), so that the probes are index-only scans instead of one heap fetch per row:
``scan_by_place`` (who was at this code then) the person key and the exit, ``scan_by_person``
(where was this person) the place code and the exit. Created on the partitioned ``places_scan``,
so every day partition, and every partition created later, has them. Django's model state keeps
the plain indexes, and SQLite (no ``INCLUDE``) keeps them as they are."""

from django.db import migrations

INDEXES = {
    "scan_by_place": ("place_code_id, entered_at", "person_key, left_at"),
    "scan_by_person": ("person_key, entered_at", "place_code_id, left_at"),
}


def _rebuild(covering: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, (keys, extra) in INDEXES.items():
            include = f" INCLUDE ({extra})" if covering else ""
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(f"CREATE INDEX {name} ON places_scan ({keys}){include}")

    return run


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [migrations.RunPython(_rebuild(True), _rebuild(False))]
