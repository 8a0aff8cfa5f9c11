"""ORG-05: the audit trail is a keyed hash chain; ``sibao seal-audit`` chains committed rows,
``sibao verify-audit`` finds an edited, deleted or truncated row and names its seq."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sibao.core import audit, auditchain
from sibao.core.models import (
    AppendOnlyError,
    AuditChainHead,
    AuditCheckpoint,
    AuditCheckpointKind,
    AuditLog,
)
from sibao.core.testing import OWN_COUNTY

pytestmark = pytest.mark.req("ORG-05")


def write(count, action="test.chain"):
    return [
        audit.record(action, note=f"第{i}条", region_code=OWN_COUNTY, changes={"n": [i, i + 1]})
        for i in range(count)
    ]


def seal(*args):
    out = io.StringIO()
    call_command("seal-audit", *args, stdout=out)
    return out.getvalue()


def verify():
    """(exit status, stdout + stderr) of ``sibao verify-audit``."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify-audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def raw(sql, *params):
    table = connection.ops.quote_name(AuditLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def seq_of(row):
    return AuditLog.objects.values_list("seq", flat=True).get(pk=row.pk)


def test_sealing_gives_gapless_seqs_in_id_order_and_is_idempotent(db):
    write(5)
    assert AuditLog.objects.filter(seq__isnull=True).count() == AuditLog.objects.count()
    out = seal("--batch-size", "2")  # several batches, one checkpoint
    total = AuditLog.objects.count()
    assert f"{total} rows sealed" in out
    rows = list(AuditLog.objects.order_by("id").values_list("seq", "digest"))
    assert [seq for seq, _ in rows] == list(range(1, total + 1))
    assert all(len(digest) == 64 for _, digest in rows)
    assert AuditCheckpoint.objects.count() == 1
    head = AuditChainHead.objects.get()
    assert head.seq == total and head.digest == rows[-1][1]

    before = list(AuditLog.objects.order_by("id").values_list("seq", "digest"))
    assert "0 rows sealed" in seal()
    assert list(AuditLog.objects.order_by("id").values_list("seq", "digest")) == before
    assert AuditCheckpoint.objects.count() == 1  # nothing sealed, no checkpoint

    # a later row continues the chain
    (late,) = write(1)
    seal()
    assert seq_of(late) == total + 1


def test_bulk_created_rows_are_sealed_too(db):
    AuditLog.objects.bulk_create(
        [audit.entry("test.bulk", note=str(i), region_code=OWN_COUNTY) for i in range(4)]
    )
    auditchain.seal()
    assert not AuditLog.objects.filter(seq__isnull=True).exists()
    assert AuditLog.objects.filter(action="test.bulk", seq__isnull=False).count() == 4
    assert verify()[0] == 0


def test_the_public_paths_stay_append_only_after_sealing(db):
    (row,) = write(1)
    auditchain.seal()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(seq=None)
    stored = AuditLog.objects.get(pk=row.pk)
    stored.digest = "0" * 64
    with pytest.raises(AppendOnlyError):
        stored.save()
    checkpoint = AuditCheckpoint.objects.get()
    with pytest.raises(AppendOnlyError):
        checkpoint.delete()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.update(seq=0)


def test_an_untouched_chain_verifies_clean_and_unsealed_rows_are_counted(db):
    write(6)
    auditchain.seal()
    write(2)  # not sealed yet: counted, not a problem
    status, out = verify()
    assert status == 0, out
    assert "audit chain OK" in out and "2 unsealed" in out
    # the verification is itself audited
    row = AuditLog.objects.filter(action="audit.verify").get()
    assert row.changes["ok"] is True and row.actor is None


def test_an_edited_row_is_found_by_its_seq(db):
    rows = write(6)
    auditchain.seal()
    target = rows[3]
    raw("UPDATE {table} SET note = %s WHERE id = %s", "改过的说明", target.pk)
    status, out = verify()
    assert status == 1
    assert f"digest mismatch at seq {seq_of(target)} (id {target.pk})" in out
    assert "FAILED" in out


def test_a_changed_digest_is_found(db):
    rows = write(4)
    auditchain.seal()
    target = rows[1]
    raw("UPDATE {table} SET digest = %s WHERE id = %s", "f" * 64, target.pk)
    status, out = verify()
    assert status == 1
    assert f"digest mismatch at seq {seq_of(target)} (id {target.pk})" in out


def test_a_recomputed_digest_without_the_key_is_still_found(db):
    """An edit re-chained with another key (a database administrator without ``DATA_KEY``)."""
    rows = write(3)
    auditchain.seal()
    target = rows[1]
    seq = seq_of(target)
    raw("UPDATE {table} SET note = %s WHERE id = %s", "伪造", target.pk)
    previous = AuditLog.objects.get(seq=seq - 1).digest
    values = AuditLog.objects.values(*auditchain.CONTENT_FIELDS).get(pk=target.pk)
    forged = auditchain.row_digest(b"not the platform key", previous, values, seq)
    raw("UPDATE {table} SET digest = %s WHERE id = %s", forged, target.pk)
    status, out = verify()
    assert status == 1 and f"seq {seq} (id {target.pk})" in out


def test_a_deleted_row_is_found_as_a_gap(db):
    rows = write(5)
    auditchain.seal()
    target = rows[2]
    seq = seq_of(target)
    raw("DELETE FROM {table} WHERE id = %s", target.pk)
    status, out = verify()
    assert status == 1
    following = AuditLog.objects.get(seq=seq + 1)
    assert f"gap in the chain at seq {seq} (id {following.pk})" in out


def test_a_truncated_tail_is_found(db):
    write(5)
    auditchain.seal()
    head = AuditChainHead.objects.get()
    raw("DELETE FROM {table} WHERE seq >= %s", head.seq - 1)
    status, out = verify()
    assert status == 1
    assert "truncated tail" in out and f"seq {head.seq - 1}" in out
    assert f"checkpoint {head.seq}" in out


def test_a_forged_checkpoint_is_found(db):
    write(3)
    auditchain.seal()
    table = connection.ops.quote_name(AuditCheckpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = seq + 5")
    status, out = verify()
    assert status == 1 and "altered checkpoint" in out


def test_purge_then_verify_is_clean(db):
    now = timezone.now()
    for days in (400, 300, 200):
        AuditLog(action="test.old", at=now - datetime.timedelta(days=days)).save(force_insert=True)
    young = write(3)
    out = io.StringIO()
    call_command("purge-audit", stdout=out)
    assert "3 rows deleted" in out.getvalue()
    assert not AuditLog.objects.filter(action="test.old").exists()
    anchor = AuditCheckpoint.objects.get(kind=AuditCheckpointKind.PURGE)
    assert anchor.seq == 3
    assert all(seq_of(row) > anchor.seq for row in young)
    status, out = verify()
    assert status == 0, out
    assert "anchor seq 3" in out

    # the anchor holds the rest of the chain: deleting the first row after it is still a gap
    first = AuditLog.objects.get(seq=anchor.seq + 1)
    raw("DELETE FROM {table} WHERE id = %s", first.pk)
    status, out = verify()
    assert status == 1 and f"gap in the chain at seq {anchor.seq + 1}" in out


def test_a_young_row_is_never_purged_even_when_old_rows_follow_it(db):
    now = timezone.now()
    young = AuditLog(action="test.young", at=now)
    young.save(force_insert=True)
    old = AuditLog(action="test.old", at=now - datetime.timedelta(days=400))
    old.save(force_insert=True)
    call_command("purge-audit", stdout=io.StringIO())
    # the old row sits after a young one in the chain: it waits for a later purge
    assert AuditLog.objects.filter(pk__in=[young.pk, old.pk]).count() == 2
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sealers_and_writers_keep_one_gapless_chain():
    """Sealers take turns on the head's lock while writers go on writing: one chain, no seq
    twice, none skipped (several cron hosts, or a run overlapping the next)."""
    import threading

    errors = []

    def in_thread(target):
        def run():
            try:
                target()
            except Exception as exc:  # reported by the test, not lost in the thread
                errors.append(exc)
            finally:
                connection.close()

        return threading.Thread(target=run)

    def writer():
        for i in range(15):
            audit.record("test.concurrent", note=str(i), region_code=OWN_COUNTY)

    def sealer():
        for _ in range(5):
            auditchain.seal(batch_size=4)

    threads = [in_thread(writer) for _ in range(2)] + [in_thread(sealer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    auditchain.seal()
    seqs = sorted(AuditLog.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, AuditLog.objects.count() + 1))
    assert AuditLog.objects.filter(action="test.concurrent").count() == 30
    assert verify()[0] == 0
