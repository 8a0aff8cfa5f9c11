"""Rotation of the field-encryption key (PLAT-03, issue 11 item 6).

Every ``*_encrypted`` text column of every model holds ``core.personal.encrypt`` ciphertext
(AES-GCM). ``rotate_field_key(old_secret)`` re-encrypts each value sealed with ``old_secret`` under
the current ``settings.FIELD_KEY``, one primary-key range at a time, each batch its own
transaction. A value that already opens with the current key is left alone, so a rerun (or a run
interrupted and started again) changes nothing more; a value that opens with neither key is
counted, never altered.

Person keys (HMAC of the ID number with ``DATA_KEY``) are join keys between the roster and every
event table (scans, NAT results, codes, trips); they are not recomputed, and ``DATA_KEY`` is not
the key rotated here.
"""

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import models, transaction

from sibao.core import audit
from sibao.core.personal import decrypt, encrypt

DEFAULT_BATCH = 1000
SUFFIX = "_encrypted"


def encrypted_columns() -> list[tuple[type[models.Model], list[str]]]:
    """``(model, [field names])`` for every concrete model with ``*_encrypted`` text fields."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if field.name.endswith(SUFFIX)
            and isinstance(field, models.TextField | models.CharField)
        ]
        if names:
            found.append((model, names))
    return found


def _reseal(token: str, old_secret: str) -> tuple[str | None, str]:
    """``(new token or None when unchanged, outcome)``."""
    if not token:
        return None, "empty"
    try:
        decrypt(token)
        return None, "current"
    except (InvalidTag, ValueError):
        pass
    try:
        clear = decrypt(token, old_secret)
    except (InvalidTag, ValueError):
        return None, "unreadable"
    return encrypt(clear), "rotated"


def rotate_field_key(old_secret: str, *, batch_size: int = DEFAULT_BATCH, actor=None) -> dict:
    """Re-encrypt every field sealed with ``old_secret`` under ``settings.FIELD_KEY``.

    Returns ``{"model.field": {"rotated": n, "current": n, "unreadable": n}}``; one audit row
    ``personal_data.rotate_key`` carries the counts (never a value)."""
    if not old_secret:
        raise ValueError("the old key is empty")
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    counts: dict[str, dict[str, int]] = {}
    for model, names in encrypted_columns():
        for name in names:
            counts[f"{model._meta.label}.{name}"] = {"rotated": 0, "current": 0, "unreadable": 0}
        manager = model._base_manager
        last = None
        while True:
            with transaction.atomic():
                rows = manager.order_by("pk")
                if last is not None:
                    rows = rows.filter(pk__gt=last)
                rows = list(rows.select_for_update().values_list("pk", *names)[:batch_size])
                if not rows:
                    break
                changed = []
                for pk, *tokens in rows:
                    updates = {}
                    for name, token in zip(names, tokens, strict=True):
                        new, outcome = _reseal(token, old_secret)
                        if outcome != "empty":
                            counts[f"{model._meta.label}.{name}"][outcome] += 1
                        if new is not None:
                            updates[name] = new
                    if updates:
                        changed.append((pk, updates))
                for pk, updates in changed:
                    manager.filter(pk=pk).update(**updates)
                last = rows[-1][0]
    audit.record(
        "personal_data.rotate_key",
        actor=actor,
        changes={
            label: [
                None,
                f"{c['rotated']} rotated, {c['current']} current, {c['unreadable']} unreadable",
            ]
            for label, c in counts.items()
        },
        note="field key",
    )
    return counts
