"""EPI-10: the electronic sentinel (电子哨预警, D2 二(五)) — where its signals come from.

* ``sweep_overdue(now)``: once a day (``sibao sentinel-sweep`` and the task in
  ``epidemic.tasks``), one ``overdue_test`` alert per overdue roster row and day.
* Hooks the feeds call after storing new events (``epidemic.ingest``), each given the newly stored
  rows (``person_key``, ``region_code``, ``enterprise_id`` set): ``on_test_results`` (positives),
  ``on_drug_purchases`` (the four drug classes), ``on_itineraries`` (arrivals from outside Henan
  without an arrival report).

Every alert is idempotent on its dedupe key, so a resent batch or a second sweep on the same day
raises nothing new. Raising, assigning and closing are actions (``epidemic.actions.sentinel``),
re-exported here.
"""

import datetime
import hashlib
import logging
from collections import Counter, defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from sibao.accounts.roles import Role
from sibao.core import audit, rules
from sibao.core.notifications import notify
from sibao.epidemic.actions.sentinel import (
    PROVINCE,
    assign_alert,
    assignable_users,
    close_alert,
    raise_alert,
    raise_overdue_alerts,
    stored,
    unit_admins,
)
from sibao.epidemic.compliance import emergency_scope, overdue_q
from sibao.epidemic.models import AlertKind, ArrivalReport, DrugClass, StaffMember

__all__ = [
    "add_test_result_listener",
    "alert_counts",
    "assign_alert",
    "assignable_users",
    "close_alert",
    "follow_up_positive",
    "on_drug_purchases",
    "on_itineraries",
    "on_test_results",
    "raise_alert",
    "sweep_overdue",
    "nat_results_stored",
]

logger = logging.getLogger(__name__)

SWEEP_CHUNK = 1000  # roster rows per transaction: bounded memory and lock time, not a policy


def _digest(*parts) -> str:
    """A short stable key for a natural key that may be long (lab + sample + person)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _staff_by_person(rows) -> dict[str, list]:
    keys = {row.person_key for row in rows}
    found = defaultdict(list)
    if keys:
        for staff in (
            StaffMember.objects.filter(person_key__in=keys)
            .select_related("enterprise")
            .order_by("-is_active", "id")
        ):
            found[staff.person_key].append(staff)
    return found


def _staff_for(row, staff_by_person):
    """The roster row the event is about: the one of the unit the feed named, else the first
    (active first)."""
    candidates = staff_by_person.get(row.person_key, [])
    if row.enterprise_id:
        for staff in candidates:
            if staff.enterprise_id == row.enterprise_id:
                return staff
    return candidates[0] if candidates else None


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- the daily sweep ---------------------------------------------------------------------------


def sweep_overdue(now=None, *, scope=None, ruleset=None) -> dict:
    """Raise today's ``overdue_test`` alerts: one per overdue roster row per local day. Running
    it again the same day adds nothing. Each person is reminded by SMS; each unit's admins and
    each sentinel unit get one summary message per sweep (not one per person).

    Returns ``{"overdue", "raised"}``."""
    now = now or timezone.now()
    scope = emergency_scope() if scope is None else scope
    ruleset = ruleset or rules.current()
    overdue = (
        StaffMember.objects.filter(overdue_q(now, ruleset, scope))
        .select_related("enterprise")
        .order_by("pk")
    )
    by_unit, by_region = Counter(), Counter()
    total = raised = 0
    chunk = []

    def flush():
        nonlocal raised
        for alert in raise_overdue_alerts(chunk, now=now, rules=ruleset, scope=scope):
            by_unit[alert.enterprise_id] += 1
            by_region[alert.region_code] += 1
            raised += 1
        chunk.clear()

    for staff in overdue.iterator(chunk_size=SWEEP_CHUNK):
        total += 1
        chunk.append(staff)
        if len(chunk) >= SWEEP_CHUNK:
            flush()
    if chunk:
        flush()
    if raised:
        _notify_sweep(by_unit, by_region)
    audit.record(
        "sentinel.sweep",
        note=f"overdue={total} raised={raised}",
        region_code=PROVINCE,
        rule_version=ruleset.version,
    )
    return {"overdue": total, "raised": raised}


def _notify_sweep(by_unit: Counter, by_region: Counter) -> None:
    from sibao.accounts.models import RoleGrant

    title = stored(gettext_noop("电子哨预警：超时未检测核酸"))
    url = reverse("epidemic:alert_list")
    for enterprise_id, count in by_unit.items():
        notify(
            unit_admins(enterprise_id),
            title,
            body=stored(
                gettext_noop("本单位今日有 %(count)s 人超过规定时间未进行核酸检测，请督促检测。"),
                count=count,
            ),
            url=f"{url}?kind={AlertKind.OVERDUE_TEST}&status=open&enterprise={enterprise_id}",
        )
    per_user = Counter()
    users = {}
    grants = RoleGrant.objects.filter(
        role=Role.HEALTH_OFFICE, is_active=True, user__is_active=True, enterprise__isnull=True
    ).select_related("user")
    for grant in grants:
        reached = sum(n for code, n in by_region.items() if code.startswith(grant.region_id))
        if reached:
            # a user with two grants (a city and one of its counties) is told the wider figure
            per_user[grant.user_id] = max(per_user[grant.user_id], reached)
            users[grant.user_id] = grant.user
    for user_id, count in per_user.items():
        notify(
            [users[user_id]],
            title,
            body=stored(
                gettext_noop("辖区内今日有 %(count)s 人超过规定时间未进行核酸检测。"),
                count=count,
            ),
            url=f"{url}?kind={AlertKind.OVERDUE_TEST}&status=open",
        )


# --- hooks called by the feeds -------------------------------------------------------------------


def follow_up_positive(alert, result) -> None:
    """What a positive result sets in motion besides the alert: an incident at the person's unit
    (the command module) and a contact-tracing job from their scans (the places module), so that
    the chain from signal to action never waits for someone to copy data. Called after commit.

    Tracing (EPI-07): the platform itself (no actor) runs a job for the person over the
    ``tracing_lookback_days`` before the sample time up to now (within the scan retention), once
    per alert; a person without scans in that period is skipped silently. A failure is logged,
    never raised into the feed that delivered the result.

    Incident (INC-01): a person on a unit's roster gets an incident at that unit first
    (``pooled_positive`` for a pooled sample, else ``screening_positive``; the alert linked, once
    per alert — ``command.actions.open_from_positive``), and the tracing job, once run, is linked
    to it. A failure is logged the same way.
    """
    from sibao.command.actions import link_tracing, open_from_positive
    from sibao.places.actions import run_trace
    from sibao.places.models import Scan, TracingJob

    try:
        incident = open_from_positive(alert, result)
    except Exception:
        incident = None
        logger.exception("automatic incident for alert %s failed", alert.pk)
    ruleset = rules.current()
    now = timezone.now()
    sampled = getattr(result, "sampled_at", None) or alert.raised_at
    period_from = max(
        sampled - datetime.timedelta(days=ruleset["tracing_lookback_days"]),
        now - datetime.timedelta(days=ruleset["scan_retention_days"]),
    )
    if period_from > now or TracingJob.objects.filter(alert=alert).exists():
        return
    if not Scan.objects.filter(
        person_key=alert.person_key, entered_at__gte=period_from, entered_at__lte=now
    ).exists():
        return
    try:
        run_trace(
            actor=None,
            case_keys=[alert.person_key],
            period_from=period_from,
            period_to=now,
            reason=stored(gettext_noop("核酸阳性自动流调")),
            case_ref=stored(gettext_noop("预警%(pk)s"), pk=alert.pk),
            alert=alert,
        )
    except Exception:
        logger.exception("automatic tracing for alert %s failed", alert.pk)
        return
    if incident is not None:
        try:
            link_tracing(incident, actor=None)
        except Exception:
            logger.exception("linking the tracing job of alert %s failed", alert.pk)


def on_test_results(rows) -> list:
    """A ``positive`` alert for each newly stored positive result (once per result). Returns the
    alerts."""
    positives = [row for row in rows if getattr(row, "result", "") == "positive"]
    if not positives:
        return []
    staff_by_person = _staff_by_person(positives)
    alerts = []
    for row in positives:
        staff = _staff_for(row, staff_by_person)
        detail = stored(
            gettext_noop(
                "%(lab)s %(when)s 采样（%(kind)s）核酸检测阳性。该单位的应急处置事件和流调任务"
                "由应急处置、场所码模块据此开启。"
            ),
            lab=row.lab,
            when=_when(row.sampled_at),
            kind=stored(gettext_noop("混检")) if row.is_pooled else stored(gettext_noop("单采")),
        )
        alert = raise_alert(
            AlertKind.POSITIVE,
            person_key=row.person_key,
            staff=staff,
            region_code=row.region_code,
            detail=detail,
            dedupe_key=f"positive:{_digest(row.lab, row.sample_no, row.person_key)}",
        )
        transaction.on_commit(lambda alert=alert, row=row: follow_up_positive(alert, row))
        alerts.append(alert)
    return alerts


# --- listeners of stored NAT results (other apps; e.g. the logistics sample-and-go chase) ---------

_RESULT_LISTENERS: list = []


def add_test_result_listener(listener) -> None:
    """Register ``listener(batch)``: called by ``epidemic.ingest`` for every ``FeedBatch`` of NAT
    results with stored rows, inside the ingesting transaction (``TestResult.batch_id`` names
    the rows: negatives and positives alike). Each listener runs in its own savepoint; a failure
    is logged and never loses the laboratory's batch. Registering twice is harmless."""
    if listener not in _RESULT_LISTENERS:
        _RESULT_LISTENERS.append(listener)


def nat_results_stored(batch) -> None:
    """Pass one stored NAT batch to every registered listener (see ``add_test_result_listener``)."""
    for listener in list(_RESULT_LISTENERS):
        try:
            with transaction.atomic():
                listener(batch)
        except Exception:
            logger.exception("test-result listener %r failed on batch %s", listener, batch.pk)


def on_drug_purchases(rows) -> list:
    """A ``drug_purchase`` alert for each newly stored purchase of the four drug classes (once
    per purchase record). Returns the alerts."""
    rows = [row for row in rows if getattr(row, "drug_class", "") in DrugClass.values]
    staff_by_person = _staff_by_person(rows)
    alerts = []
    for row in rows:
        staff = _staff_for(row, staff_by_person)
        detail = stored(
            gettext_noop("%(when)s 在%(pharmacy)s购买%(drug)s药品"),
            when=_when(row.purchased_at),
            pharmacy=row.pharmacy,
            drug=stored(DrugClass(row.drug_class).label),
        )
        alerts.append(
            raise_alert(
                AlertKind.DRUG_PURCHASE,
                person_key=row.person_key,
                staff=staff,
                region_code=row.region_code or row.pharmacy_region,
                detail=detail,
                dedupe_key=f"drug_purchase:{_digest(row.source_id, row.record_no)}",
            )
        )
    return alerts


def is_outside_henan(region_code: str) -> bool:
    return bool(region_code) and not region_code.startswith(PROVINCE)


def on_itineraries(rows) -> list:
    """An ``unreported_arrival`` alert for each itinerary row whose origin is outside Henan when
    the person has no arrival report filed within ``sentinel_arrival_lookback_days`` before the
    change (D2 二(三): unreported arrivals are made to register after the fact). Once per person,
    origin and day. Returns the alerts."""
    arrivals = [row for row in rows if is_outside_henan(getattr(row, "origin_region", ""))]
    if not arrivals:
        return []
    ruleset = rules.current()
    lookback = datetime.timedelta(days=ruleset["sentinel_arrival_lookback_days"])
    earliest = min(row.changed_at for row in arrivals) - lookback
    reports = defaultdict(list)
    for person_key, reported_at in ArrivalReport.objects.filter(
        person_key__in={row.person_key for row in arrivals}, reported_at__gte=earliest
    ).values_list("person_key", "reported_at"):
        reports[person_key].append(reported_at)
    staff_by_person = _staff_by_person(arrivals)
    alerts = []
    for row in arrivals:
        since = row.changed_at - lookback
        if any(at >= since for at in reports.get(row.person_key, [])):
            continue
        staff = _staff_for(row, staff_by_person)
        day = timezone.localdate(row.changed_at).isoformat()
        alerts.append(
            raise_alert(
                AlertKind.UNREPORTED_ARRIVAL,
                person_key=row.person_key,
                staff=staff,
                region_code=row.region_code,
                detail=stored(
                    gettext_noop(
                        "行程码显示 %(when)s 由省外（%(origin)s）来（返）豫，未查到来（返）豫报备，"
                        "请督促补录并核查。"
                    ),
                    when=_when(row.changed_at),
                    origin=row.origin_region,
                ),
                dedupe_key=f"unreported_arrival:{day}:{row.origin_region}:{row.person_key}",
            )
        )
    return alerts


# --- counts --------------------------------------------------------------------------------------


def alert_counts(queryset, region, now) -> list[dict]:
    """Alerts of ``queryset`` (already scoped) in ``region`` and per child region: open alerts
    per kind, open alerts past their deadline, closed alerts. One aggregate query grouped by the
    region-code prefix of the finest child level and the kind (index ``alert_open_by_region``).

    Rows: ``{"region", "is_self", "open": {kind: n}, "open_total", "late", "closed"}``.
    """
    from django.db.models import Count, Q
    from django.db.models.functions import Substr

    from sibao.epidemic.models import AlertStatus

    children = list(region.children.order_by("code"))
    width = max((len(child.code) for child in children), default=len(region.code))
    is_open = Q(status=AlertStatus.OPEN)
    groups = (
        queryset.filter(region_code__startswith=region.code)
        .annotate(prefix=Substr("region_code", 1, width))
        .values("prefix", "kind")
        .annotate(
            open=Count("pk", filter=is_open),
            late=Count("pk", filter=is_open & Q(due_at__lt=now)),
            closed=Count("pk", filter=Q(status=AlertStatus.CLOSED)),
        )
        .order_by()
    )

    def row(r, is_self=False):
        return {
            "region": r,
            "is_self": is_self,
            "open": dict.fromkeys(AlertKind.values, 0),
            "open_total": 0,
            "late": 0,
            "closed": 0,
        }

    own = row(region, True)
    rows = {child.code: row(child) for child in children}
    for group in groups:
        for target in [own] + [r for code, r in rows.items() if group["prefix"].startswith(code)]:
            target["open"][group["kind"]] = target["open"].get(group["kind"], 0) + group["open"]
            target["open_total"] += group["open"]
            target["late"] += group["late"]
            target["closed"] += group["closed"]
    return [own, *rows.values()]
