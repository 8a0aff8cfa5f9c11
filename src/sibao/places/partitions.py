"""The scan table's day partitions on PostgreSQL (EPI-06 retention: "dropping old data cheaply").

``places_scan`` is partitioned by range of ``entered_at``, one partition per day of the platform's
time zone (``places_scan_p20261128``). Partitions are created before rows arrive for a day
(``ensure``: every writer calls it with the days it writes, and ``sibao purge-scans`` creates the
next days ahead) and dropped whole when the day leaves the retention period (``purge``): no
``DELETE``, no vacuum debt. There is no default partition, so a row for a day without a partition
is an error, not a row silently parked where the purge would miss it. On SQLite the table is a
plain table: ``ensure`` does nothing and ``purge`` deletes.
"""

import datetime
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

__all__ = ["ensure", "existing", "purge", "partition_name", "create_partitioned_table"]

TABLE = "places_scan"
_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")
# the advisory lock of partition creation: a bigint key outside the int4 range of the
# ``hashtext`` keys of the other advisory locks, so it never collides with one of them
_CREATE_LOCK = 0x5CA4_0000_0001


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def partition_name(day: datetime.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def _bounds(day: datetime.date) -> tuple[str, str]:
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=_zone())
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), _zone())
    return start.isoformat(), end.isoformat()


def day_of(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(_zone()).date()


def existing() -> dict[datetime.date, str]:
    """The day partitions there are (PostgreSQL), by day."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = {}
    for name in names:
        match = _NAME.match(name)
        if match:
            found[datetime.datetime.strptime(match.group(1), "%Y%m%d").date()] = name
    return found


def ensure(days: Iterable[datetime.date]) -> int:
    """Create the partitions of ``days`` that do not exist yet; returns how many were created.
    Cheap when they all exist (one catalogue query). Safe to call concurrently: creators take
    turns under a transaction-level advisory lock and look again once they hold it, because
    ``IF NOT EXISTS`` does not see a partition that another transaction created and has not
    committed yet (the second ``CREATE`` then fails once the first commits)."""
    if connection.vendor != "postgresql":
        return 0
    wanted = set(days)
    if not wanted or not wanted - set(existing()):
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        # held until the (outer) transaction ends, so the next creator sees this one's tables
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK])
        missing = sorted(wanted - set(existing()))
        for day in missing:
            start, end = _bounds(day)
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{start}') TO ('{end}')"
            )
    return len(missing)


def purge(before: datetime.date) -> int:
    """Remove the scans of every day before ``before``: drop the partitions on PostgreSQL, delete
    the rows on SQLite. Returns the number of partitions dropped (PostgreSQL) or rows deleted."""
    if connection.vendor != "postgresql":
        from sibao.places.models import Scan

        start = datetime.datetime.combine(before, datetime.time(), tzinfo=_zone())
        deleted, _ = Scan.objects.filter(entered_at__lt=start).delete()
        return deleted
    dropped = 0
    with connection.cursor() as cursor:
        for day, name in sorted(existing().items()):
            if day < before:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
                dropped += 1
    return dropped


# --- the table itself (called by the migration that creates the model) ------------------------

_COLUMNS = """
    id bigint NOT NULL DEFAULT nextval('places_scan_id_seq'),
    person_key varchar(64) NOT NULL,
    place_code_id bigint NOT NULL,
    space_id bigint NOT NULL,
    enterprise_id bigint NOT NULL,
    region_code varchar(12) NOT NULL,
    entered_at timestamp with time zone NOT NULL,
    left_at timestamp with time zone NULL,
    exit_kind varchar(8) NOT NULL,
    source varchar(8) NOT NULL,
    device varchar(64) NOT NULL,
    event_id varchar(64) NOT NULL,
    risk varchar(8) NOT NULL,
    received_at timestamp with time zone NOT NULL,
    batch_id bigint NULL
"""


def create_partitioned_table(apps, schema_editor) -> None:
    """Replace the plain table Django created with a partitioned one of the same columns and
    natural key (PostgreSQL 15 has no identity columns on partitioned tables: a sequence instead)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = [
        f"DROP TABLE {TABLE}",
        "CREATE SEQUENCE places_scan_id_seq",
        f"CREATE TABLE {TABLE} ({_COLUMNS}, PRIMARY KEY (id, entered_at)) "
        "PARTITION BY RANGE (entered_at)",
        f"ALTER SEQUENCE places_scan_id_seq OWNED BY {TABLE}.id",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT scan_natural_key "
        "UNIQUE (device, event_id, entered_at)",
    ]
    # the model's indexes (scan_by_place, scan_by_person, scan_by_unit) are still to come: Django
    # creates them at the end of the migration, on this partitioned table (and so on every
    # partition)
    for statement in statements:
        schema_editor.execute(statement)


def drop_partitioned_table(apps, schema_editor) -> None:
    """Reverse of ``create_partitioned_table``: a plain table again, for the model's own
    reversal to drop."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TABLE {TABLE}")
    schema_editor.execute(f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY)")
