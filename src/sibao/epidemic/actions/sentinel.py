"""EPI-10: raising, assigning and closing electronic-sentinel alerts.

An alert goes to three places (D2 二(五)): the person (an SMS reminder through the outbox, to the
roster phone), the unit (its admins' inboxes) and the sentinel unit (the health-office users whose
grant covers the alert's region). It has no owner until someone is assigned, a deadline from the
rule set, and is closed with an outcome.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sibao.accounts.access import can, covers
from sibao.accounts.roles import PERMISSIONS, Role
from sibao.core import audit, outbox, rules
from sibao.core.i18n import stored
from sibao.core.models import AuditLog, OutboxMessage
from sibao.core.notifications import notify
from sibao.epidemic.models import AlertKind, AlertStatus, SentinelAlert

__all__ = ["assign_alert", "close_alert", "raise_alert", "raise_alerts", "raise_overdue_alerts"]

PROVINCE = "41"
# the outbox key is "sentinel:" + the alert's key, and both columns hold 160 characters
MAX_DEDUPE_KEY = 150


def region_prefixes(region_code: str) -> list[str]:
    """Every code a grant covering ``region_code`` can have (its prefixes, province first)."""
    return [region_code[:n] for n in range(len(PROVINCE), len(region_code) + 1)]


def unit_admins(enterprise_id):
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.ENTERPRISE_ADMIN,
        grants__enterprise_id=enterprise_id,
    ).distinct()


def sentinel_unit_users(region_code: str):
    """The sentinel unit: health-office users whose (region-wide) grant covers the region."""
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.HEALTH_OFFICE,
        grants__enterprise__isnull=True,
        grants__region_id__in=region_prefixes(region_code or PROVINCE),
    ).distinct()


def assignable_users(alert):
    """Users who may be made the alert's owner: active users with a grant that may change the
    alert and reaches it (the unit's own admins, region-wide offices over its region)."""
    from django.db.models import Q

    from sibao.accounts.models import User

    roles = [
        role
        for role, table in PERMISSIONS.items()
        if "change" in table.get("epidemic.sentinelalert", frozenset())
    ]
    reach = Q(
        grants__enterprise__isnull=True, grants__region_id__in=region_prefixes(alert.region_code)
    )
    if alert.enterprise_id:
        reach |= Q(grants__enterprise_id=alert.enterprise_id)
    return (
        User.objects.filter(is_active=True, grants__is_active=True, grants__role__in=roles)
        .filter(reach)
        .distinct()
        .order_by("username")
    )


REMINDERS = {
    AlertKind.OVERDUE_TEST: gettext_lazy(
        "【四保平台】您已超过规定时间未进行核酸检测，请尽快就近检测。"
    ),
    AlertKind.UNREPORTED_ARRIVAL: gettext_lazy(
        "【四保平台】您由省外来（返）豫，尚未向目的地单位报备，请通过“豫事办—来（返）豫报备”"
        "尽快补录。"
    ),
    AlertKind.DRUG_PURCHASE: gettext_lazy(
        "【四保平台】您近期购买了退热、止咳、抗病毒或抗生素类药品，请尽快进行核酸检测，"
        "如有不适请及时就医。"
    ),
    AlertKind.POSITIVE: gettext_lazy(
        "【四保平台】请留在原地，保持电话畅通，配合属地疫情防控机构处置。"
    ),
    AlertKind.RISK_SCAN: gettext_lazy(
        "【四保平台】您的健康码或核酸检测状态异常，请按要求落实防控措施。"
    ),
}


def alert_url(alert) -> str:
    return reverse("epidemic:alert_detail", args=[alert.pk])


def remind_person(alert, staff) -> None:
    """The person's SMS reminder (to the roster phone), once per alert."""
    if staff is None or not staff.phone_encrypted:
        return
    outbox.queue_reminder(
        person_key=alert.person_key,
        phone_encrypted=staff.phone_encrypted,
        phone_masked=staff.phone_masked,
        body=stored(REMINDERS[alert.kind]),
        dedupe_key=f"sentinel:{alert.dedupe_key}",
        region_code=alert.region_code,
        enterprise_id=alert.enterprise_id,
    )


def _notify_alert(alert) -> None:
    title = stored(gettext_noop("电子哨预警：%(kind)s"), kind=stored(AlertKind(alert.kind).label))
    due = timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M")
    body = stored(gettext_noop("%(detail)s（处置时限 %(due)s）"), detail=alert.detail, due=due)
    url = alert_url(alert)
    recipients = list(sentinel_unit_users(alert.region_code))
    if alert.enterprise_id:
        recipients += list(unit_admins(alert.enterprise_id))
    notify(recipients, title, body=body, url=url)


@transaction.atomic
def raise_alert(
    kind,
    *,
    person_key: str,
    staff=None,
    enterprise=None,
    region_code: str,
    detail: str,
    dedupe_key: str,
    now: datetime.datetime | None = None,
    actor=None,
    notify_parties: bool = True,
) -> SentinelAlert:
    """Raise one alert, once per ``dedupe_key``: raising the same key again returns the alert
    already raised and sends nothing. The alert is about the person's unit (``staff``'s, else
    ``enterprise``) and sits in its region; without a unit, in ``region_code`` (or the province).
    Owner: none until assigned; deadline: ``now`` + ``sentinel_alert_due_hours``.

    The person gets an SMS reminder (when on a roster with a phone); the unit's admins and the
    sentinel unit get an inbox message after commit (``notify_parties=False`` when the caller
    sends one summary instead, as the daily sweep does)."""
    if kind not in AlertKind.values:
        raise ValidationError(_("未知的预警类型。"))
    if not dedupe_key or len(dedupe_key) > MAX_DEDUPE_KEY:
        raise ValidationError(_("预警去重键为空或过长。"))
    if staff is not None and enterprise is None:
        enterprise = staff.enterprise
    if enterprise is not None:
        region_code = enterprise.region_id
    region_code = region_code or PROVINCE
    enterprise_id = enterprise.pk if enterprise is not None else None
    if actor is not None and not covers(
        actor, SentinelAlert, "change", region_code=region_code, enterprise_id=enterprise_id
    ):
        raise PermissionDenied(_("您无权在该辖区发出电子哨预警。"))
    existing = SentinelAlert.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    ruleset = rules.current()
    try:
        with transaction.atomic():
            alert = SentinelAlert.objects.create(
                kind=kind,
                dedupe_key=dedupe_key,
                person_key=person_key,
                staff=staff,
                enterprise=enterprise,
                detail=outbox.scrub(detail)[:255],
                raised_at=now,
                due_at=now + datetime.timedelta(hours=ruleset["sentinel_alert_due_hours"]),
                region_code=region_code,
            )
    except IntegrityError:
        # a concurrent sweep or feed raised the same signal first
        return SentinelAlert.objects.get(dedupe_key=dedupe_key)
    audit.record(
        "sentinel.raise",
        actor=actor,
        obj=alert,
        changes={"kind": kind, "due_at": alert.due_at.isoformat()},
        rule_version=ruleset.version,
    )
    remind_person(alert, staff)
    if notify_parties:
        transaction.on_commit(lambda: _notify_alert(alert))
    return alert


def raise_alerts(specs, *, now: datetime.datetime | None = None) -> list[SentinelAlert]:
    """``raise_alert`` for many alerts of the platform itself (no actor) in a few statements:
    ``specs`` are dicts of ``raise_alert``'s keyword arguments (kind, person_key, staff,
    enterprise, region_code, detail, dedupe_key). The same rules: once per dedupe key (the first
    spec of a key wins; a key already raised adds nothing), the audit row, the person's SMS
    reminder and, after commit, the inbox messages of the unit's admins and the sentinel unit.
    Returns the alerts this call added. Should a concurrent writer raise one of the keys in the
    meantime, the alerts are raised one by one instead."""
    wanted = {}
    for spec in specs:
        if spec["kind"] not in AlertKind.values:
            raise ValidationError(_("未知的预警类型。"))
        if not spec["dedupe_key"] or len(spec["dedupe_key"]) > MAX_DEDUPE_KEY:
            raise ValidationError(_("预警去重键为空或过长。"))
        wanted.setdefault(spec["dedupe_key"], spec)
    if not wanted:
        return []
    known = set()
    keys = list(wanted)
    for start in range(0, len(keys), 5000):
        known.update(
            SentinelAlert.objects.filter(dedupe_key__in=keys[start : start + 5000]).values_list(
                "dedupe_key", flat=True
            )
        )
    fresh = [spec for key, spec in wanted.items() if key not in known]
    if not fresh:
        return []
    now = now or timezone.now()
    ruleset = rules.current()
    due_at = now + datetime.timedelta(hours=ruleset["sentinel_alert_due_hours"])
    alerts = []
    for spec in fresh:
        staff, enterprise = spec.get("staff"), spec.get("enterprise")
        if staff is not None and enterprise is None:
            enterprise = staff.enterprise
        region_code = enterprise.region_id if enterprise is not None else spec["region_code"]
        alert = SentinelAlert(
            kind=spec["kind"],
            dedupe_key=spec["dedupe_key"],
            person_key=spec["person_key"],
            staff=staff,
            enterprise=enterprise,
            detail=outbox.scrub(spec["detail"])[:255],
            raised_at=now,
            due_at=due_at,
            region_code=region_code or PROVINCE,
        )
        alerts.append(alert)
    try:
        with transaction.atomic():
            SentinelAlert.objects.bulk_create(alerts)
    except IntegrityError:
        # a concurrent feed or sweep raised some of them first: one at a time, as raise_alert
        return [alert for spec in fresh if (alert := raise_alert(**spec, now=now)).raised_at == now]
    AuditLog.objects.bulk_create(
        [
            audit.entry(
                "sentinel.raise",
                obj=alert,
                changes={"kind": alert.kind, "due_at": alert.due_at.isoformat()},
                rule_version=ruleset.version,
            )
            for alert in alerts
        ]
    )
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                person_key=alert.person_key,
                phone_encrypted=alert.staff.phone_encrypted,
                phone_masked=alert.staff.phone_masked,
                body=stored(REMINDERS[alert.kind])[:500],
                dedupe_key=f"sentinel:{alert.dedupe_key}",
                region_code=alert.region_code or "",
                enterprise_id=alert.enterprise_id,
            )
            for alert in alerts
            if alert.staff is not None and alert.staff.phone_encrypted
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(lambda: _notify_alerts(alerts))
    return alerts


def _notify_alerts(alerts) -> None:
    """``_notify_alert`` for many alerts: the recipients read once per region and unit."""
    from sibao.core.models import Notification

    sentinels, admins, rows = {}, {}, []
    for alert in alerts:
        if alert.region_code not in sentinels:
            sentinels[alert.region_code] = list(sentinel_unit_users(alert.region_code))
        recipients = list(sentinels[alert.region_code])
        if alert.enterprise_id:
            if alert.enterprise_id not in admins:
                admins[alert.enterprise_id] = list(unit_admins(alert.enterprise_id))
            recipients += admins[alert.enterprise_id]
        title = stored(
            gettext_noop("电子哨预警：%(kind)s"), kind=stored(AlertKind(alert.kind).label)
        )
        due = timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M")
        body = stored(gettext_noop("%(detail)s（处置时限 %(due)s）"), detail=alert.detail, due=due)
        url = alert_url(alert)
        users = {u.pk: u for u in recipients if u is not None and u.is_active}
        rows.extend(
            Notification(recipient=u, title=title[:200], body=body, url=url) for u in users.values()
        )
    Notification.objects.bulk_create(rows)


@transaction.atomic
def raise_overdue_alerts(staff_rows, *, now, rules, scope) -> list[SentinelAlert]:
    """EPI-04/EPI-10: the daily sweep's alerts for one chunk of overdue roster rows, one per row
    and local day (``overdue_test:<date>:<unit>:<person>``), in three bulk inserts (alerts,
    reminders, nothing for rows already alerted today). Returns the alerts this call added;
    the sweep sends one summary per unit and per sentinel unit instead of one message per
    person. The platform's own write (no actor)."""
    from sibao.epidemic.compliance import window_for

    day = timezone.localdate(now).isoformat()
    due_at = now + datetime.timedelta(hours=rules["sentinel_alert_due_hours"])
    wanted = {f"overdue_test:{day}:{s.enterprise_id}:{s.person_key}": s for s in staff_rows}
    known = set(
        SentinelAlert.objects.filter(dedupe_key__in=list(wanted)).values_list(
            "dedupe_key", flat=True
        )
    )
    alerts = []
    for key, staff in wanted.items():
        if key in known:
            continue
        hours = window_for(staff, rules, scope)
        if staff.last_negative_at is None:
            detail = stored(
                gettext_noop("无阴性核酸采样记录（检测周期 %(hours)s 小时）"), hours=hours
            )
        else:
            last = timezone.localtime(staff.last_negative_at).strftime("%Y-%m-%d %H:%M")
            detail = stored(
                gettext_noop("最近阴性采样 %(last)s，已超过 %(hours)s 小时检测周期"),
                last=last,
                hours=hours,
            )
        alerts.append(
            SentinelAlert(
                kind=AlertKind.OVERDUE_TEST,
                dedupe_key=key,
                person_key=staff.person_key,
                staff=staff,
                enterprise_id=staff.enterprise_id,
                detail=detail,
                raised_at=now,
                due_at=due_at,
                region_code=staff.region_code,
            )
        )
    # a concurrent sweep may have raised some of them in the meantime: skip those silently
    SentinelAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    body = stored(REMINDERS[AlertKind.OVERDUE_TEST])
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                person_key=a.person_key,
                phone_encrypted=a.staff.phone_encrypted,
                phone_masked=a.staff.phone_masked,
                body=body,
                dedupe_key=f"sentinel:{a.dedupe_key}",
                region_code=a.region_code,
                enterprise_id=a.enterprise_id,
            )
            for a in alerts
            if a.staff.phone_encrypted
        ],
        ignore_conflicts=True,
    )
    return alerts


def _check_change(actor, alert, message):
    if actor is not None and not can(actor, SentinelAlert, "change", alert):
        raise PermissionDenied(message)


@transaction.atomic
def assign_alert(alert, *, actor, owner) -> SentinelAlert:
    """Make ``owner`` responsible for an open alert. The owner must be someone who may handle it
    (the unit's admin, an office over its region); they are told in their inbox."""
    _check_change(actor, alert, _("您无权指派该预警。"))
    alert = SentinelAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("该预警已处置，不能再指派。"))
    if owner is None or not assignable_users(alert).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("所选人员无权处置该预警。")})
    before = audit.snapshot(alert, ["owner"])
    alert.owner = owner
    alert.save(update_fields=["owner"])
    audit.record(
        "sentinel.assign",
        actor=actor,
        obj=alert,
        changes=audit.diff(before, audit.snapshot(alert, ["owner"])),
    )
    if actor is None or owner.pk != actor.pk:
        title = stored(
            gettext_noop("您被指派处置电子哨预警：%(kind)s"),
            kind=stored(AlertKind(alert.kind).label),
        )
        transaction.on_commit(
            lambda: notify([owner], title, body=alert.detail, url=alert_url(alert))
        )
    return alert


@transaction.atomic
def close_alert(alert, *, actor, outcome: str) -> SentinelAlert:
    """Close an open alert with what was done (the outcome is required)."""
    _check_change(actor, alert, _("您无权处置该预警。"))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("请填写处置结果。")})
    alert = SentinelAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("该预警已处置。"))
    alert.status = AlertStatus.CLOSED
    alert.outcome = outcome
    alert.closed_at = timezone.now()
    authenticated = actor is not None and actor.is_authenticated
    alert.closed_by = actor if authenticated else None
    if alert.owner_id is None and authenticated:
        alert.owner = actor
    alert.save(update_fields=["status", "outcome", "closed_at", "closed_by", "owner"])
    audit.record(
        "sentinel.close",
        actor=actor,
        obj=alert,
        changes={"status": [AlertStatus.OPEN, AlertStatus.CLOSED]},
        note=outcome,
    )
    return alert
