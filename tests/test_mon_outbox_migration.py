"""MON-05: moving the outbox from epidemic to core keeps its rows: a database migrated to the
old state with messages in it, then forward, reads them as ``core.OutboxMessage`` with their
delivery state, and sends what was pending."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from sibao.core import outbox
from sibao.core.models import OutboxChannel, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# the move: the table takes core's name, core takes the model, epidemic lets it go, new columns
THE_MOVE = {
    ("epidemic", "0005_outboxmessage_to_core_table"),
    ("core", "0003_outboxmessage"),
    ("epidemic", "0006_remove_outboxmessage"),
    ("core", "0004_outbox_channels_and_retries"),
}


def run(loader, keys, direction):
    """Apply or unapply these migrations, each from the state its dependencies leave (the
    executor's full-project replay would cost seconds more for the same database steps)."""
    recorder = MigrationRecorder(connection)
    for key in keys:
        migration = loader.graph.nodes[key]
        state = loader.project_state(key, at_end=False)
        with connection.schema_editor(atomic=migration.atomic) as editor:
            if direction == "forwards":
                migration.apply(state, editor)
                recorder.record_applied(*key)
            else:
                migration.unapply(state, editor)
                recorder.record_unapplied(*key)


@pytest.mark.req("MON-05")
def test_the_move_to_core_keeps_the_outbox_rows():
    loader = MigrationLoader(connection)
    plan = [key for leaf in loader.graph.leaf_nodes() for key in loader.graph.forwards_plan(leaf)]
    # the move and whatever came to depend on it, in an order the dependencies allow
    undo = {node for key in THE_MOVE for node in loader.graph.backwards_plan(key)}
    order = sorted(undo, key=plan.index)
    run(loader, reversed(order), "backwards")
    before = ("epidemic", "0005_outboxmessage_to_core_table")
    old = loader.project_state(before, at_end=False).apps.get_model("epidemic", "OutboxMessage")
    assert old._meta.db_table == "epidemic_outboxmessage"
    pending = old.objects.create(
        person_key="k" * 64,
        phone_encrypted="enc",
        phone_masked="138****5678",
        body="【四保平台】请尽快进行核酸检测。",
        dedupe_key="sentinel:old-pending",
        region_code="410102",
        enterprise_id=7,
    )
    failed = old.objects.create(
        phone_masked="139****0000",
        body="【四保平台】旧的失败消息。",
        dedupe_key="sentinel:old-failed",
        status="failed",
        error="ConnectionError: gateway down",
        region_code="410202",
    )

    run(loader, order, "forwards")

    moved = {m.pk: m for m in OutboxMessage.objects.all()}
    assert set(moved) == {pending.pk, failed.pk}
    was_pending, was_failed = moved[pending.pk], moved[failed.pk]
    assert (was_pending.dedupe_key, was_pending.phone_masked, was_pending.person_key) == (
        "sentinel:old-pending",
        "138****5678",
        "k" * 64,
    )
    assert was_pending.created_at == pending.created_at
    assert (was_pending.region_code, was_pending.enterprise_id) == ("410102", 7)
    assert was_pending.channel == OutboxChannel.SMS and was_pending.attempts == 0
    assert was_pending.status == OutboxStatus.PENDING and was_pending.next_attempt_at
    assert was_failed.status == OutboxStatus.FAILED and was_failed.next_attempt_at is None
    assert was_failed.last_error == "ConnectionError: gateway down"

    # the moved table takes new rows and the pending message goes out
    assert outbox.send_pending() == {"sent": 1, "retrying": 0, "failed": 0}
    assert OutboxMessage.objects.get(pk=pending.pk).status == OutboxStatus.SENT
