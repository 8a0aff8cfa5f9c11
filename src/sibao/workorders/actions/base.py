"""Shared by the work-order actions: numbering, stored texts and one guarded transition.

``transition`` is how every order and demand changes state: it locks the row, compares what the
user saw (``version``; the status is checked by the workflow) with what is there now and refuses
with a conflict message naming who moved it first — two officials acting on one order at once
leave exactly one winner. Then it applies the workflow step (history with who/when/why), bumps the
version, writes the extra fields and an audit row, all in one transaction."""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.core import audit
from sibao.core.i18n import stored
from sibao.core.models import TransitionRecord

__all__ = ["Conflict", "next_number", "now_or", "stored", "transition"]


class Conflict(ValidationError):
    """Someone else changed the record between the user's look and the user's action."""


def now_or(now):
    return now or timezone.now()


def next_number(model, prefix: str) -> str:
    """``<prefix><yyyymmdd>-<n>``: the n-th record of the day. Call it inside the transaction
    that saves the record: on PostgreSQL a transaction-level advisory lock on the day's stem
    makes concurrent callers (threads, app servers) take turns until each commits, so numbers
    stay unique and gapless however many file at once; SQLite's writers are serialised anyway.
    The unique constraint on ``number`` remains the backstop."""
    day = timezone.localdate()
    stem = f"{prefix}{day:%Y%m%d}-"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"number:{stem}"])
    # the longest number first: past 9 999 a day, "-10000" sorts before "-9999" as text
    last = (
        model.objects.filter(number__startswith=stem)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{n:04d}"


def _last_mover(obj) -> str:
    record = (
        TransitionRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("-at", "-id")
        .first()
    )
    if record is None:
        return ""
    return _("%(who)s 于 %(at)s") % {
        "who": record.actor_name or _("系统"),
        "at": timezone.localtime(record.at).strftime("%Y-%m-%d %H:%M"),
    }


def transition(
    obj,
    action: str,
    *,
    actor,
    version: int | None = None,
    note: str = "",
    now=None,
    fields: dict | None = None,
    audit_action: str | None = None,
):
    """Lock ``obj``'s row, check ``version`` (when the caller passes what the user saw), apply the
    workflow ``action`` with ``fields`` set, bump the version; returns the fresh, saved object.

    Raises ``Conflict`` when the row moved since the user saw it, ``ValidationError`` when the
    action is not allowed from the current state, ``PermissionDenied`` for a role the transition
    table does not allow. Must be called inside the caller's transaction (or opens one)."""
    now = now_or(now)
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if version is not None and locked.version != version:
            raise Conflict(
                _("该记录已被%(who)s处理，当前状态为“%(status)s”。请刷新页面查看最新情况后再操作。")
                % {
                    "who": _last_mover(locked) or _("他人"),
                    "status": locked.get_status_display(),
                },
                code="conflict",
            )
        before = locked.status
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.version = F("version") + 1
        model.workflow.apply(
            locked,
            action,
            actor=actor,
            note=note,
            extra_fields=[*(fields or {}), "version"],
            at=now,
        )
        locked.refresh_from_db()
        audit.record(
            audit_action or f"{model._meta.model_name}.{action}",
            actor=actor,
            obj=locked,
            changes={"status": [before, locked.status]},
            note=note,
        )
    return locked
