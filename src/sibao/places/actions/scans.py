"""EPI-06: scans — resolving a place code or a badge, recording an entry, exits (the person's own,
the place owner's for everyone, a gateway's), and the risk alert a red/yellow code or an overdue
test raises at entry.

A stay is a scan row from ``entered_at`` to its exit: ``left_at``, or when none was recorded
``entered_at + auto_checkout_hours`` (rule set). Every exit written here is capped into
``[entered_at, entered_at + auto_checkout_hours]`` so that tracing's ranges stay bounded.
Gateway batches come through ``epidemic.ingest`` into ``places.ingest.store_scan_records``, which
uses the risk helpers of this module on the few rows that are risky.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sibao.accounts.access import covers
from sibao.core import audit, rules
from sibao.places import partitions, signing
from sibao.places.models import Badge, ExitKind, PlaceCode, Scan, ScanSource, Space

__all__ = [
    "check_out",
    "check_out_place",
    "purge_scans",
    "record_scan",
    "resolve_badge",
    "resolve_code",
]

# A repeated submission of the same device event (the mobile page's double submit, a gateway's
# resend with a corrected clock) is looked for this far around the new entry time.
REPEAT_WINDOW = datetime.timedelta(days=1)
# Risk levels, worst first; ``Scan.risk`` holds one of them.
RISK_RED = "red"
RISK_YELLOW = "yellow"
RISK_OVERDUE = "overdue"
RISK_LABELS = {
    RISK_RED: gettext_noop("红码"),
    RISK_YELLOW: gettext_noop("黄码"),
    RISK_OVERDUE: gettext_noop("超时未检测核酸"),
}


# --- resolving what a QR carries -----------------------------------------------------------------


def resolve_code(payload, at=None) -> PlaceCode:
    """The place code a QR payload (or the scan page's URL around it) names, valid at ``at``
    (default now): the signature matches, the row exists, it is not revoked at ``at`` and not
    expired on ``at``'s local day. ValidationError with the Chinese reason otherwise."""
    at = at or timezone.now()
    try:
        code_id = signing.verify(signing.payload_in(payload), signing.PLACE)
    except signing.BadPayload:
        raise ValidationError(_("二维码无效：不是本平台的场所码，或已被篡改。")) from None
    code = (
        PlaceCode.objects.select_related("space", "enterprise", "enterprise__region")
        .filter(pk=code_id)
        .first()
    )
    if code is None:
        raise ValidationError(_("二维码无效：该场所码不存在。"))
    if code.revoked_at is not None and code.revoked_at <= at:
        raise ValidationError(_("该场所码已作废，请扫描场所张贴的新码。"))
    if code.expires_on < timezone.localdate(at):
        raise ValidationError(_("该场所码已过期，请联系场所管理方更换。"))
    return code


def resolve_badge(payload, at=None) -> Badge:
    """The personal badge a badge QR carries, valid (signature, row) and not revoked at ``at``."""
    at = at or timezone.now()
    try:
        badge_id = signing.verify(signing.payload_in(payload), signing.BADGE)
    except signing.BadPayload:
        raise ValidationError(_("工牌码无效：不是本平台的工牌码，或已被篡改。")) from None
    badge = Badge.objects.select_related("staff", "enterprise").filter(pk=badge_id).first()
    if badge is None:
        raise ValidationError(_("工牌码无效：该工牌码不存在。"))
    if badge.revoked_at is not None and badge.revoked_at <= at:
        raise ValidationError(_("该工牌码已作废。"))
    return badge


# --- stays ---------------------------------------------------------------------------------------


def checkout_delta(ruleset=None) -> datetime.timedelta:
    ruleset = ruleset or rules.current()
    return datetime.timedelta(hours=ruleset["auto_checkout_hours"])


def stay_end(scan, ruleset=None) -> datetime.datetime:
    """When a stay ends: its exit, or the automatic check-out."""
    return scan.left_at or scan.entered_at + checkout_delta(ruleset)


def cap_exit(entered_at, at, delta) -> datetime.datetime:
    """An exit time within ``[entered_at, entered_at + delta]``."""
    return min(max(at, entered_at), entered_at + delta)


def open_stays(now=None, ruleset=None):
    """Scans whose stay is going on at ``now``: entered within the automatic check-out period and
    not left (yet). A ``Scan`` queryset the caller narrows (place code, unit, person); its range
    on ``entered_at`` keeps PostgreSQL to the last day or two of partitions."""
    now = now or timezone.now()
    delta = checkout_delta(ruleset)
    return Scan.objects.filter(
        entered_at__gt=now - delta, entered_at__lte=now, left_at__isnull=True
    )


# --- risk at entry -------------------------------------------------------------------------------


def risk_of(health_code: str, staff, at, ruleset, scope) -> str:
    """The risk of one entry: the person's health code (red, yellow), else the person's roster
    row at the place's unit overdue for a test at ``at``; "" when none."""
    from sibao.epidemic import compliance

    if health_code in (RISK_RED, RISK_YELLOW):
        return health_code
    if staff is not None and staff.is_active:
        if not compliance.certificate_valid(staff, at, ruleset, scope):
            return RISK_OVERDUE
    return ""


def shortest_window_hours(ruleset, scope) -> int:
    """The shortest NAT window that can apply to anyone under ``scope`` (a prefilter bound:
    whoever is overdue under their own window is stale at least this long)."""
    from sibao.epidemic import compliance
    from sibao.epidemic.models import PostClass

    return min(
        compliance.window_hours(post, in_emergency=bool(scope), rules=ruleset)
        for post in PostClass.values
    )


def place_label_parts(code, names: dict | None = None) -> dict:
    """The unit's name and the names of the spaces from the site down to the code's space
    (``names``: space names already read, by id, for many codes at once)."""
    ids = [int(part) for part in (code.space.path or "").split("/") if part]
    if names is None:
        names = dict(Space.objects.filter(pk__in=ids).values_list("pk", "name"))
    path = [names[pk] for pk in ids if pk in names] or [code.space.name]
    return {"unit": code.enterprise.name, "path": path, "space": code.space}


def place_label(code, names: dict | None = None) -> str:
    """The unit and the space's path from its site down, e.g. "中原机械 一号厂区／二车间"."""
    parts = place_label_parts(code, names)
    return f"{parts['unit']} {'／'.join(parts['path'])}"


def _risk_alert_spec(scan, code, risk: str, staff, names: dict | None = None) -> dict:
    """``raise_alert``'s arguments for the risk alert of one entry."""
    from sibao.core.i18n import stored
    from sibao.epidemic.models import AlertKind

    local = timezone.localtime(scan.entered_at)
    detail = stored(
        gettext_noop("%(risk)s人员 %(time)s 扫码进入 %(place)s"),
        risk=stored(RISK_LABELS[risk]),
        time=local.strftime("%Y-%m-%d %H:%M"),
        place=place_label(code, names),
    )
    return {
        "kind": AlertKind.RISK_SCAN,
        "person_key": scan.person_key,
        "staff": staff,
        "enterprise": code.enterprise,
        "region_code": code.region_code,
        "detail": detail,
        "dedupe_key": f"risk_scan:{code.pk}:{scan.person_key}:{local.date().isoformat()}",
    }


def raise_risk_alert(scan, code, risk: str, staff, now=None):
    """One alert per person, place code and local day (the unit and its place owner see it in
    the sentinel list; the person gets the reminder)."""
    from sibao.epidemic.actions import raise_alert

    return raise_alert(**_risk_alert_spec(scan, code, risk, staff), now=now)


def raise_risk_alerts(entries, now=None) -> list:
    """``raise_risk_alert`` for many entries (``(scan, code, risk, staff)``) at once, in a few
    statements: the space names of all the codes in one query, then ``raise_alerts``. Of the
    entries of one person, place code and day, the earliest names the alert."""
    from sibao.epidemic.actions import raise_alerts

    entries = sorted(entries, key=lambda entry: (entry[0].entered_at, entry[0].pk or 0))
    ids = {
        int(part)
        for _scan, code, _risk, _staff in entries
        for part in (code.space.path or "").split("/")
        if part
    }
    names = dict(Space.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return raise_alerts(
        [_risk_alert_spec(scan, code, risk, staff, names) for scan, code, risk, staff in entries],
        now=now,
    )


def _entry_risk(code, person_key: str, at, ruleset):
    from sibao.epidemic.compliance import emergency_scope
    from sibao.epidemic.models import PersonStatus, StaffMember

    colour = (
        PersonStatus.objects.filter(person_key=person_key)
        .values_list("health_code", flat=True)
        .first()
    )
    staff = (
        StaffMember.objects.select_related("enterprise")
        .filter(person_key=person_key, enterprise_id=code.enterprise_id, is_active=True)
        .first()
    )
    return risk_of(colour or "", staff, at, ruleset, emergency_scope()), staff


# --- writes --------------------------------------------------------------------------------------


def _check_scan_writer(actor, code) -> None:
    if actor is not None and not covers(
        actor,
        Scan,
        "checkout",
        region_code=code.region_code,
        enterprise_id=code.enterprise_id,
    ):
        raise PermissionDenied(_("您无权登记该场所的扫码记录。"))


def _advisory_lock(device: str, event_id: str) -> None:
    """Serialise concurrent submissions of one device event (a double tap reaching two
    workers), so the second finds the first's row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{device}\n{event_id}"])


@transaction.atomic
def record_scan(
    code, *, person_key, at=None, source, device, event_id, actor=None, now=None
) -> Scan:
    """Record one entry of a person at a place code (valid: use ``resolve_code`` first).

    Idempotent on the device event: a repeat of (device, event id) — the exact natural key, or
    the same event again within a day (a double submit of the mobile form) — returns the stored
    row. A person with a red/yellow health code or, on the unit's roster, overdue for a test is
    let in all the same: the row carries the risk and an alert is raised once per person, place
    and day. ``actor`` None is the platform (the public page, gateways); an official recording
    an entry for someone needs the unit's scan rights, and that is audited."""
    now = now or timezone.now()
    at = at or now
    _check_scan_writer(actor, code)
    errors = {}
    if source not in ScanSource.values:
        errors["source"] = _("扫码来源无效。")
    if not person_key or len(person_key) > 64:
        errors["person_key"] = _("人员标识无效。")
    device = (device or "").strip()
    event_id = (event_id or "").strip()
    if not device or len(device) > 64:
        errors["device"] = _("设备编号为空或过长（最多 64 个字符）。")
    if not event_id or len(event_id) > 64:
        errors["event_id"] = _("事件编号为空或过长（最多 64 个字符）。")
    if at > now + datetime.timedelta(minutes=5):
        errors["at"] = _("扫码时间晚于当前时间。")
    ruleset = rules.current()
    oldest = timezone.localdate(now) - datetime.timedelta(days=ruleset["scan_retention_days"])
    if partitions.day_of(at) < oldest:
        errors["at"] = _("扫码时间早于扫码记录保存期。")
    if errors:
        raise ValidationError(errors)
    _advisory_lock(device, event_id)
    repeat = (
        Scan.objects.filter(
            device=device,
            event_id=event_id,
            entered_at__gte=at - REPEAT_WINDOW,
            entered_at__lte=at + REPEAT_WINDOW,
        )
        .order_by("entered_at")
        .first()
    )
    if repeat is not None:
        return repeat
    partitions.ensure([partitions.day_of(at)])
    risk, staff = _entry_risk(code, person_key, at, ruleset)
    try:
        with transaction.atomic():
            scan = Scan.objects.create(
                person_key=person_key,
                place_code_id=code.pk,
                space_id=code.space_id,
                enterprise_id=code.enterprise_id,
                region_code=code.region_code,
                entered_at=at,
                source=source,
                device=device,
                event_id=event_id,
                risk=risk,
                received_at=now,
            )
    except IntegrityError:
        return Scan.objects.get(device=device, event_id=event_id, entered_at=at)
    if risk:
        raise_risk_alert(scan, code, risk, staff, now=now)
    if actor is not None:
        audit.record(
            "place.scan.record",
            actor=actor,
            obj=scan,
            changes={"place_code": code.pk, "source": source, "risk": risk},
            rule_version=ruleset.version,
        )
    return scan


def _write_exit(scan, left_at, kind) -> None:
    # the partition key in the filter: PostgreSQL touches one partition
    Scan.objects.filter(pk=scan.pk, entered_at=scan.entered_at).update(
        left_at=left_at, exit_kind=kind
    )
    scan.left_at = left_at
    scan.exit_kind = kind


@transaction.atomic
def check_out(scan, *, at=None, kind=ExitKind.MANUAL, actor=None) -> Scan:
    """Record the exit of one stay: at ``at`` (default now), capped into the stay's bounds (a
    person who checks out after the automatic check-out has left at that time). A stay that
    already has an exit keeps it (ValidationError)."""
    if kind not in (ExitKind.MANUAL, ExitKind.OWNER, ExitKind.GATEWAY):
        raise ValidationError(_("离开方式无效。"))
    if actor is not None and not covers(
        actor,
        Scan,
        "checkout",
        region_code=scan.region_code,
        enterprise_id=scan.enterprise_id,
    ):
        raise PermissionDenied(_("您无权为该场所登记离开。"))
    current = (
        Scan.objects.select_for_update()
        .filter(pk=scan.pk, entered_at=scan.entered_at)
        .values_list("left_at", flat=True)
        .first()
    )
    if current is not None:
        scan.left_at = current
        raise ValidationError(_("该次进入已登记离开。"))
    at = at or timezone.now()
    _write_exit(scan, cap_exit(scan.entered_at, at, checkout_delta()), kind)
    if actor is not None:
        audit.record(
            "place.scan.checkout",
            actor=actor,
            obj=scan,
            changes={"left_at": [None, scan.left_at.isoformat()], "exit_kind": kind},
        )
    return scan


@transaction.atomic
def check_out_place(code, *, actor, at=None) -> int:
    """The place owner's "everyone out": every stay going on at ``code`` at ``at`` (default now)
    ends at ``at``. Returns how many stays were closed; audited."""
    if actor is not None and not covers(
        actor,
        Scan,
        "checkout",
        region_code=code.region_code,
        enterprise_id=code.enterprise_id,
    ):
        raise PermissionDenied(_("您无权为该场所登记离开。"))
    at = at or timezone.now()
    ruleset = rules.current()
    closed = (
        open_stays(at, ruleset)
        .filter(place_code_id=code.pk)
        .update(left_at=at, exit_kind=ExitKind.OWNER)
    )
    audit.record(
        "place.scan.checkout_place",
        actor=actor,
        obj=code,
        changes={"closed": closed, "at": at.isoformat()},
        rule_version=ruleset.version,
    )
    return closed


AHEAD_DAYS = 3


@transaction.atomic
def purge_scans(*, actor=None, now=None) -> dict:
    """EPI-06 retention: remove the scans of the days older than ``scan_retention_days`` (rule
    set) — whole day partitions dropped on PostgreSQL, rows deleted on SQLite — and create the
    partitions of today and the next ``AHEAD_DAYS`` days so that writers never wait for one.
    The platform's own job (``actor`` None: the command, the daily task); audited."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("只有平台可以清理扫码记录。"))
    now = now or timezone.now()
    ruleset = rules.current()
    today = timezone.localdate(now)
    before = today - datetime.timedelta(days=ruleset["scan_retention_days"])
    removed = partitions.purge(before)
    created = partitions.ensure(today + datetime.timedelta(days=n) for n in range(AHEAD_DAYS + 1))
    result = {
        "before": before.isoformat(),
        "vendor": connection.vendor,
        # PostgreSQL: day partitions dropped; SQLite: rows deleted
        "removed": removed,
        "created": created,
    }
    audit.record("place.scan.purge", actor=actor, changes=result, rule_version=ruleset.version)
    return result
