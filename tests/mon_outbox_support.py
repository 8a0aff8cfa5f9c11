"""Senders for the outbox tests (MON-05), named by dotted path in the settings: they live in a
module of their own so that the test and the outbox's ``import_string`` share one copy."""

import threading

from sibao.core import outbox

# what the senders saw: (channel, clear address, body)
SENT: list = []
BROKEN = {"on": True}


def reset():
    SENT.clear()
    BROKEN["on"] = True
    CALLS.clear()
    GATE["barrier"] = None


def recording_sender(message):
    SENT.append((message.channel, outbox.address(message), message.body))


def flaky_sender(message):
    """Fails (naming the clear number, as a careless gateway might) while BROKEN is on."""
    if BROKEN["on"]:
        raise ConnectionError(f"gateway refused {outbox.address(message)}")
    SENT.append((message.channel, outbox.address(message), message.body))


# --- concurrent senders: every call recorded; each thread's first call waits for the others ---
CALLS: list = []
_calls_lock = threading.Lock()
_seen_by_thread = threading.local()
GATE = {"barrier": None}


def gated_sender(message):
    """Records the call; the first call of each thread waits until every sender thread holds
    a claim of its own, so that the runs truly overlap."""
    with _calls_lock:
        CALLS.append(message.pk)
    barrier = GATE["barrier"]
    if barrier is not None and not getattr(_seen_by_thread, "waited", False):
        _seen_by_thread.waited = True
        barrier.wait(timeout=30)
