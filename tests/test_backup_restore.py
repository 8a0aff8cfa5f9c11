"""Backup and restore drill (issue 11, item 1): ``sibao backup`` on the test database, ``sibao
restore`` into a fresh database of the same vendor (a new PostgreSQL database, or a new SQLite file)
in a separate process, verified against the manifest; a non-empty target is refused; a damaged dump
and an altered manifest are detected. No requirement ID in the catalogue covers backups, so no
``req`` mark."""

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sibao.accounts.roles import Role
from sibao.core.backup import PORTABLE, POSTGRESQL, compare, compute_manifest
from sibao.core.testing import make_enterprise, make_user
from sibao.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # pg_dump and the copy see committed rows only

SIBAO = Path(sys.executable).parent / "sibao"


@pytest.fixture
def seeded(departments):
    for n in range(5):
        make_enterprise(region="410102", name=f"备份测试企业{n}", output_value=100 + n)
    make_user(Role.DEPARTMENT_STAFF, "41", department_kind="industry_it")
    return Enterprise.objects.count()


@pytest.fixture
def fresh_database(tmp_path):
    """DATABASE_URL of a new, empty database of the test database's vendor."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    s = connection.settings_dict
    name = f"sibao_restore_{uuid.uuid4().hex[:12]}"
    params = {"host": s["HOST"] or None, "port": s["PORT"] or None, "user": s["USER"] or None}
    params["password"] = s["PASSWORD"] or None
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    yield f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_restore(directory, database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [str(SIBAO), "restore", str(directory), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def make_backup(tmp_path):
    directory = tmp_path / "backup"
    call_command("backup", str(directory), stdout=io.StringIO())
    return directory, json.loads((directory / "manifest.json").read_text())


def test_drill_restores_into_a_fresh_database_with_the_same_manifest(
    seeded, tmp_path, fresh_database
):
    directory, manifest = make_backup(tmp_path)

    assert manifest["vendor"] == connection.vendor
    assert manifest["format_version"] == 1
    assert manifest["migrations"]["enterprises"]  # latest applied migration per app
    assert manifest["tables"]["enterprises_enterprise"]["rows"] == seeded
    assert "accounts_user_groups" in manifest["tables"]  # m2m tables count too
    assert "places_scan" in manifest["tables"]  # partitioned on PostgreSQL: read through the parent
    assert compare(manifest, compute_manifest()) == []  # the manifest describes the live database

    result = run_restore(directory, fresh_database)

    assert result.returncode == 0, result.stderr
    assert "verified against the manifest" in result.stdout


def test_restore_refuses_a_non_empty_target(seeded, tmp_path):
    directory, _ = make_backup(tmp_path)

    with pytest.raises(CommandError, match="not empty.*--force"):
        call_command("restore", str(directory), stdout=io.StringIO())

    assert Enterprise.objects.count() == seeded


def test_an_altered_manifest_fails_the_restore_naming_the_table(seeded, tmp_path, fresh_database):
    directory, manifest = make_backup(tmp_path)
    manifest["tables"]["enterprises_enterprise"]["rows"] += 1
    manifest["tables"]["enterprises_enterprise"]["checksum"] = "0" * 64
    (directory / "manifest.json").write_text(json.dumps(manifest))

    result = run_restore(directory, fresh_database)

    assert result.returncode != 0
    assert "differs from the backup manifest" in result.stderr
    assert "enterprises_enterprise" in result.stderr
    assert "regions_region" not in result.stderr  # only the altered table is named


def test_a_damaged_dump_is_refused_before_restoring(seeded, tmp_path, fresh_database):
    directory, manifest = make_backup(tmp_path)
    dump = directory / manifest["dump"]["file"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    result = run_restore(directory, fresh_database)

    assert result.returncode != 0
    assert "SHA-256" in result.stderr


def test_the_manifest_names_its_checksum_method_and_each_method_detects_a_changed_row(seeded):
    default = compute_manifest()
    portable = compute_manifest(method=PORTABLE)
    expected_default = POSTGRESQL if connection.vendor == "postgresql" else PORTABLE
    assert default["checksum_method"] == expected_default
    assert portable["tables"].keys() == default["tables"].keys()
    assert all(
        portable["tables"][t]["rows"] == default["tables"][t]["rows"] for t in default["tables"]
    )

    enterprise = Enterprise.objects.order_by("pk").first()
    Enterprise.objects.filter(pk=enterprise.pk).update(output_value=enterprise.output_value + 1)

    for before in (default, portable):
        after = compute_manifest(method=before["checksum_method"])
        problems = compare(before, after)
        assert len(problems) == 1, problems  # same row count, one table's checksum
        assert problems[0].startswith("enterprises_enterprise:")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server-side checksums are PostgreSQL's"
)
def test_the_server_side_checksum_does_not_depend_on_the_session_time_zone(seeded):
    first = compute_manifest(method=POSTGRESQL)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
        cursor.execute("SET DateStyle = 'German'")
    try:
        second = compute_manifest(method=POSTGRESQL)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.execute("RESET DateStyle")
    assert compare(first, second) == []


def test_a_backup_with_a_portable_manifest_still_restores_and_verifies(
    seeded, tmp_path, fresh_database
):
    """A manifest without ``checksum_method`` (written before the server-side method existed) is
    verified with the portable method."""
    directory, manifest = make_backup(tmp_path)
    manifest.pop("checksum_method")
    manifest["tables"] = compute_manifest(method=PORTABLE)["tables"]
    (directory / "manifest.json").write_text(json.dumps(manifest))

    result = run_restore(directory, fresh_database)

    assert result.returncode == 0, result.stderr
    assert "verified against the manifest" in result.stdout
