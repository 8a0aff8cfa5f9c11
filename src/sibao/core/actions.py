from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sibao.accounts.access import can
from sibao.core import audit, rules
from sibao.core.models import RuleSetVersion


@transaction.atomic
def change_rule_parameter(key: str, raw_value, *, actor, reason: str) -> RuleSetVersion:
    """PLAT-05: set one policy parameter; the rule set gets a new version, the change is audited."""
    if not can(actor, RuleSetVersion, "change_rules"):
        raise PermissionDenied(_("只有省级指挥部办公室或系统管理员可以修改规则参数。"))
    parameter = rules.BY_KEY.get(key)
    if parameter is None:
        raise ValidationError({"key": _("未知的规则参数：%(key)s") % {"key": key}})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请说明修改理由。")})
    try:
        value = parameter.parse(raw_value)
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from None
    rules.ensure_complete()
    latest = RuleSetVersion.objects.select_for_update().order_by("-number").first()
    before = latest.values.get(key, parameter.default)
    if before == value:
        raise ValidationError({"value": _("新值与当前值相同，未产生新版本。")})
    version = RuleSetVersion.objects.create(
        number=latest.number + 1,
        values={**latest.values, key: value},
        changed_key=key,
        reason=reason.strip(),
        created_by=actor,
    )
    audit.record(
        "rules.change",
        actor=actor,
        obj=version,
        changes={key: [before, value]},
        note=reason.strip(),
        region_code="41",
        rule_version=version.number,
    )
    return version


# --- outbox: retrying and cancelling messages (MON-05) ---


def _outbox_message_to_change(message, actor, refusal):
    from sibao.core.models import OutboxMessage

    if actor is not None and not can(actor, OutboxMessage, "change", message):
        raise PermissionDenied(refusal)
    # the row as it is now, locked: a sender claims rows with SKIP LOCKED, so it passes this one
    return OutboxMessage.objects.select_for_update().get(pk=message.pk)


@transaction.atomic
def retry_outbox_message(message, *, actor):
    """MON-05: send a failed message again — pending at once with a fresh count of attempts."""
    from django.utils import timezone

    from sibao.core.models import OutboxMessage

    message = _outbox_message_to_change(message, actor, _("无权重发该消息。"))
    before = {"status": message.status, "attempts": message.attempts}
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    OutboxMessage.workflow.apply(
        message, "retry", actor=actor, extra_fields=["attempts", "next_attempt_at"]
    )
    audit.record(
        "outbox.retry",
        actor=actor,
        obj=message,
        changes={"status": [before["status"], message.status], "attempts": [before["attempts"], 0]},
        note=message.last_error,
    )
    return message


@transaction.atomic
def cancel_outbox_message(message, *, actor, reason: str = ""):
    """MON-05: withdraw a message that has not gone out yet (pending); one being sent, sent or
    failed is refused with the state it is in."""
    from sibao.core.models import OutboxMessage

    message = _outbox_message_to_change(message, actor, _("无权取消该消息。"))
    before = message.status
    message.next_attempt_at = None
    OutboxMessage.workflow.apply(
        message, "cancel", actor=actor, note=reason.strip(), extra_fields=["next_attempt_at"]
    )
    audit.record(
        "outbox.cancel",
        actor=actor,
        obj=message,
        changes={"status": [before, message.status]},
        note=reason.strip(),
    )
    return message


def record_outbox_export(*, actor, rows: int, filters: str) -> None:
    """MON-05: an export of the outbox list (masked) is an audited read."""
    audit.record(
        "outbox.export",
        actor=actor,
        changes={"rows": rows},
        note=filters,
        region_code=actor.region_id or "",
    )
