"""MON-02 "evaluated on events": when a row about a unit is saved (a production report, a daily
report, a sentinel alert, an incident, a demand, a cadre assignment …), the unit-level rules that
read it are re-checked for that unit once the transaction commits.

Each rule names the models whose saves concern it (``Rule.events``). ``connect()`` (called from
``CommandConfig.ready``) listens to those models' ``post_save``; the receiver only notes the unit
and registers an ``on_commit`` callback, which hands one narrowed evaluation to the background
worker (``command.tasks.evaluate_unit_warnings``): nothing is read or written inside the other
module's transaction or request, a rolled-back save re-checks nothing, and many saves in one
transaction (an import, the demo seed) become one task. The periodic evaluation
(``sibao evaluate-warnings``) remains the source of truth: a failure to enqueue is logged, never
raised into the request that saved the row.

Other modules may also call ``unit_changed(label, enterprise_id)`` from their actions.
"""

import logging
import threading
from collections import defaultdict

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)

_state = threading.local()


def _rules_by_event() -> dict[str, list[str]]:
    from sibao.command import monitoring

    found = defaultdict(list)
    for rule in monitoring.rules_of():
        for label in rule.events:
            found[label].append(rule.code)
    return found


def unit_changed(label: str, enterprise_id) -> None:
    """Re-check the rules that read ``label`` rows for one unit after the current transaction
    commits (at once outside a transaction)."""
    if not enterprise_id:
        return
    codes = _rules_by_event().get(label)
    if not codes:
        return
    pending = getattr(_state, "pending", None)
    if pending is None or not _flush_waiting():
        # nothing noted yet, or what was noted belongs to a transaction that rolled back (its
        # callbacks are gone): start afresh rather than re-check units of a discarded change
        pending = _state.pending = defaultdict(set)
    for code in codes:
        pending[code].add(enterprise_id)
    transaction.on_commit(_flush)


def _flush_waiting() -> bool:
    connection = transaction.get_connection()
    return any(entry[1] is _flush for entry in connection.run_on_commit)


def _flush() -> None:
    pending = getattr(_state, "pending", None)
    _state.pending = None
    if not pending:
        return  # an earlier callback of the same transaction took the batch
    from sibao.command.tasks import evaluate_unit_warnings

    # each rule re-checks the units noted for it (not every noted unit): one task per set of
    # rules that share the same units
    by_units = defaultdict(list)
    for code, units in pending.items():
        by_units[frozenset(units)].append(code)
    for units, codes in by_units.items():
        try:
            evaluate_unit_warnings.enqueue(codes=sorted(codes), units=sorted(units))
        except Exception:
            logger.exception("queueing the re-check of %d units' warnings failed", len(units))


def _enterprise_of(instance):
    enterprise_id = getattr(instance, "enterprise_id", None)
    if enterprise_id is None and hasattr(instance, "order_id"):  # a follow-up visit
        order = getattr(instance, "order", None)
        enterprise_id = getattr(order, "enterprise_id", None)
    return enterprise_id


def _saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    unit_changed(sender._meta.label_lower, _enterprise_of(instance))


def connect() -> None:
    for label in _rules_by_event():
        post_save.connect(_saved, sender=apps.get_model(label), dispatch_uid=f"warnings.{label}")
