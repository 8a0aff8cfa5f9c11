"""``audit.insert_recorded``: a new row and its audit row written together — on PostgreSQL as one
statement — with the same rows ``save`` and ``record`` would write, nothing written when the row
breaks a constraint, and the ordinary path when a model has save receivers."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sibao.core import audit
from sibao.core.models import AuditLog
from sibao.logistics.models import Check
from tests.routes.log_checkpoint import make_checkpoint, make_officer

pytestmark = [pytest.mark.req("ORG-05"), pytest.mark.django_db]


def _check(checkpoint, officer, event="app-1"):
    return Check(
        checkpoint=checkpoint,
        officer=officer,
        at=timezone.now(),
        pass_number="P-1",
        result="green",
        reasons=[],
        occupant_keys=["k1", "k2"],
        client_event_id=event,
        region_code=checkpoint.region_code,
    )


@pytest.fixture
def scene(departments):
    return make_checkpoint(), make_officer()


def test_the_row_and_its_audit_row_are_those_save_and_record_write(scene):
    checkpoint, officer = scene
    fast = _check(checkpoint, officer, "fast")
    with CaptureQueriesContext(connection) as queries:
        row = audit.insert_recorded(
            fast, "check.verify", actor=officer, changes={"result": "green"}
        )
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and writes[0].startswith("WITH new AS (INSERT")
    assert fast.pk is not None and not fast._state.adding
    slow = _check(checkpoint, officer, "slow")
    slow.save()
    expected = audit.record("check.verify", actor=officer, obj=slow, changes={"result": "green"})
    stored = Check.objects.get(pk=fast.pk)
    assert stored.occupant_keys == ["k1", "k2"] and stored.officer == officer
    assert stored.at == fast.at and stored.region_code == checkpoint.region_code
    logged = AuditLog.objects.get(action="check.verify", object_id=str(fast.pk))
    assert row.object_id == str(fast.pk)
    same = ("actor_id", "actor_name", "actor_roles", "object_type", "changes", "region_code")
    assert {f: getattr(logged, f) for f in same} == {f: getattr(expected, f) for f in same}
    assert logged.object_repr == str(stored)
    assert logged.seq is None  # sealed later, like every row


def test_a_broken_constraint_writes_neither_row_and_the_transaction_goes_on(scene):
    checkpoint, officer = scene
    audit.insert_recorded(_check(checkpoint, officer, "twice"), "check.verify", actor=officer)
    before = AuditLog.objects.count()
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            audit.insert_recorded(
                _check(checkpoint, officer, "twice"), "check.verify", actor=officer
            )
        # the outer transaction is still usable
        assert Check.objects.filter(client_event_id="twice").count() == 1
    assert AuditLog.objects.count() == before


def test_a_model_with_save_receivers_is_saved_the_usual_way(scene):
    checkpoint, officer = scene
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.client_event_id, created))

    post_save.connect(receiver, sender=Check, dispatch_uid="test_insert_recorded")
    try:
        audit.insert_recorded(_check(checkpoint, officer, "heard"), "check.verify", actor=officer)
    finally:
        post_save.disconnect(sender=Check, dispatch_uid="test_insert_recorded")
    assert seen == [("heard", True)]
    assert AuditLog.objects.filter(action="check.verify").count() == 1
