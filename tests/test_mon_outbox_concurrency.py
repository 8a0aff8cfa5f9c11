"""MON-05: several senders at once (workers on several hosts) never send a message twice: rows
are claimed with SELECT … FOR UPDATE SKIP LOCKED, so a sender passes over rows another holds."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from sibao.core import outbox
from sibao.core.models import OutboxMessage, OutboxStatus
from tests import mon_outbox_support as support

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SENDERS = 4
MESSAGES = 40


@pytest.fixture
def queued(settings):
    support.reset()
    settings.SIBAO_OUTBOX_SENDERS = {"sms": "tests.mon_outbox_support.gated_sender"}
    due = timezone.now() - datetime.timedelta(minutes=1)
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            body=f"【四保平台】并发测试 {n}",
            phone_masked="138****0000",
            dedupe_key=f"concurrent:{n}",
            region_code="410102",
            next_attempt_at=due,
        )
        for n in range(MESSAGES)
    )
    yield sorted(OutboxMessage.objects.values_list("pk", flat=True))
    support.reset()


def in_thread(target, errors):
    def run():
        try:
            target()
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.req("MON-05")
def test_concurrent_senders_never_send_a_message_twice(queued):
    # one transactional test (each costs a database reload): first a sender passes over rows
    # another transaction holds (PostgreSQL's row locks), then four senders drain the outbox
    if connection.vendor == "postgresql":
        held, release = threading.Event(), threading.Event()

        def hold_five():
            with transaction.atomic():
                list(OutboxMessage.objects.filter(pk__in=queued[:5]).select_for_update())
                held.set()
                release.wait(timeout=30)

        errors: list = []
        holder = in_thread(hold_five, errors)
        holder.start()
        assert held.wait(timeout=30)
        try:
            first = outbox.send_pending(limit=10)
        finally:
            release.set()
            holder.join()
        assert errors == []
        assert first == {"sent": 10, "retrying": 0, "failed": 0}
        assert support.CALLS == queued[5:15]  # the held five were passed over, not waited for

    support.GATE["barrier"] = threading.Barrier(SENDERS)

    def drain():
        while sum(outbox.send_pending(limit=3).values()):
            pass

    errors = []
    threads = [in_thread(drain, errors) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(support.CALLS) == queued  # every message once, none twice
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
