"""Writes of the warnings area (MON-02): the evaluation of the warning rules into ``EarlyWarning``
rows, and the "一键响应" from a warning — acknowledge, assign (an owner and/or a department, a
deadline), open a work order (a demand filed on the unit's behalf through the work-order intake),
open a joint consultation (through the escalation actions, with the warning as an agenda item),
resolve with an outcome, dismiss with a reason.

Evaluation (``evaluate_warnings``), per rule and in one transaction per rule:

- a firing whose key has no warning raises one (status open, the response deadline from the
  level's ``warning_response_hours_<level>``, the owner department from the unit's competent
  department), audited as ``warning.raise`` with the facts;
- a firing of an active warning refreshes ``last_seen_at`` and the facts (figures, parameter
  values, rule-set version: the warning shows what fires it now; the raise row keeps the first);
  a higher level than raised upgrades it and tightens the deadline;
- a firing of a cleared warning reopens it (workflow ``reopen``);
- an active warning that no longer fires is cleared (workflow ``clear``);
- a resolved or dismissed warning stays closed while its condition holds; once the condition is
  gone its key is retired (``<key>#<id>``), so the next occurrence raises a new warning.

Responding needs the ``respond`` permission on the warning (HQ leaders and offices, departments,
the health office within their scope); the transition table adds the role check. Every response
locks the row and re-reads its status, so two officials acting at once leave one winner and the
other gets the workflow's message naming the current state.

``actor=None`` is the platform itself (the evaluator, commands, the demo seed).
"""

import datetime
import logging
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can
from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import Role
from sibao.command import monitoring, recipients
from sibao.command.actions.escalation import add_agenda_item, headquarters_for, hold_consultation
from sibao.command.models import (
    ACTIVE_WARNING_STATUSES,
    WARNING_WORKFLOW,
    Consultation,
    EarlyWarning,
    WarningLevel,
    WarningStatus,
)
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.i18n import stored
from sibao.core.models import AuditLog
from sibao.core.notifications import notify
from sibao.regions.models import Department, IndustryDomain, RegionLevel

__all__ = [
    "DIGEST_AFTER",
    "WORK_ORDER_CATEGORIES",
    "acknowledge_warning",
    "assign_warning",
    "convening_headquarters",
    "dismiss_warning",
    "evaluate_warnings",
    "may_respond",
    "open_consultation",
    "open_work_order",
    "record_warnings_export",
    "resolve_warning",
]

logger = logging.getLogger(__name__)

S = WarningStatus
CLOSED = (S.RESOLVED, S.DISMISSED)
LEVEL_RANK = {WarningLevel.NOTICE: 0, WarningLevel.WARNING: 1, WarningLevel.SEVERE: 2}
NOTIFIED_LEVELS = (WarningLevel.WARNING, WarningLevel.SEVERE)
# a user told about more new warnings than this in one evaluation gets one digest message
DIGEST_AFTER = 5
CHUNK = 500
# the demand category of a work order opened from a warning of these rules (else "other")
WORK_ORDER_CATEGORIES = {
    "raw_material_low": "raw_materials",
    "policy_unredeemed": "policy",
    "redemption_rate_low": "policy",
}


def _now(now):
    return now or timezone.now()


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _text(value) -> str:
    return (value or "").strip()


def _detail_url(warning) -> str:
    return reverse("command:warning_detail", args=[warning.pk])


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def response_deadline(level: str, rules, now) -> datetime.datetime:
    return now + datetime.timedelta(hours=rules[f"warning_response_hours_{level}"])


# --- evaluation ----------------------------------------------------------------------------------


class _Departments:
    """The competent department of a unit's industry at the nearest level of its region that has
    one (a county's, else its city's, else the province's): loaded once per evaluation."""

    def __init__(self):
        self.kinds = dict(IndustryDomain.objects.values_list("code", "competent_department"))
        self.found: dict[tuple[str, str], int | None] = {}

    def load(self, firings) -> None:
        codes = set()
        for f in firings:
            if f.industry_id:
                codes.update(recipients.covering_codes(f.region_code))
        if not codes:
            return
        for region_id, kind, pk in Department.objects.filter(region_id__in=codes).values_list(
            "region_id", "kind", "pk"
        ):
            self.found[(region_id, kind)] = pk

    def of(self, region_code: str, industry_id: str | None) -> int | None:
        kind = self.kinds.get(industry_id or "")
        if not kind:
            return None
        for code in reversed(recipients.covering_codes(region_code)):
            pk = self.found.get((code, kind))
            if pk:
                return pk
        return None


def _facts(firing, parameters) -> dict:
    return {"parameters": parameters, "figures": firing.facts}


def _level(rule, firing) -> str:
    return firing.level or rule.level


def _raise(rule, firings, *, rules, now, departments) -> list[EarlyWarning]:
    parameters = rule.parameter_values(rules)
    departments.load(firings.values())
    rows = []
    for key, f in firings.items():
        level = _level(rule, f)
        rows.append(
            EarlyWarning(
                rule=rule.code,
                dimension=rule.dimension,
                level=level,
                key=key,
                title=f.title[:200],
                detail=f.detail,
                facts=_facts(f, parameters),
                rule_set_version=rules.version,
                enterprise_id=f.enterprise_id,
                region_code=f.region_code,
                industry_id=f.industry_id or None,
                status=S.OPEN,
                raised_at=now,
                last_seen_at=now,
                deadline=response_deadline(level, rules, now),
                owner_department_id=departments.of(f.region_code, f.industry_id),
            )
        )
    # a second evaluator running at the same moment may have raised some: theirs stand
    EarlyWarning.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
    created = []
    for keys in _chunks(firings):
        created.extend(EarlyWarning.objects.filter(key__in=keys, raised_at=now))
    AuditLog.objects.bulk_create(
        [
            audit.entry(
                "warning.raise",
                obj=w,
                changes={"rule": w.rule, "level": w.level, "facts": w.facts},
                rule_version=rules.version,
            )
            for w in created
        ],
        batch_size=CHUNK,
    )
    return created


def _refresh(rule, warnings, firings, *, rules, now) -> list[EarlyWarning]:
    """Active and closed warnings that still fire: seen now; active ones carry the new facts.
    Returns the active warnings whose level went up."""
    parameters = rule.parameter_values(rules)
    for ids in _chunks(w.pk for w in warnings):
        EarlyWarning.objects.filter(pk__in=ids).update(last_seen_at=now)
    changed, upgraded = [], []
    for w in warnings:
        if w.status not in ACTIVE_WARNING_STATUSES:
            continue
        f = firings[w.key]
        facts = _facts(f, parameters)
        level = _level(rule, f)
        fields = (w.facts, w.title, w.detail, w.rule_set_version, w.level)
        if LEVEL_RANK[level] > LEVEL_RANK[w.level]:
            w.level = level
            tighter = response_deadline(level, rules, now)
            w.deadline = min(w.deadline, tighter) if w.deadline else tighter
            upgraded.append(w)
        w.facts, w.title, w.detail, w.rule_set_version = (
            facts,
            f.title[:200],
            f.detail,
            rules.version,
        )
        if fields != (w.facts, w.title, w.detail, w.rule_set_version, w.level):
            changed.append(w)
    # only the evaluator's own fields: an official may be assigning the same row right now
    EarlyWarning.objects.bulk_update(
        changed, ["facts", "title", "detail", "rule_set_version"], batch_size=CHUNK
    )
    for w in upgraded:
        EarlyWarning.objects.filter(pk=w.pk, status__in=ACTIVE_WARNING_STATUSES).update(
            level=w.level, deadline=w.deadline
        )
        audit.record(
            "warning.upgrade", obj=w, changes={"level": w.level}, rule_version=rules.version
        )
    return upgraded


def _reopen(rule, warnings, firings, *, rules, now) -> list[EarlyWarning]:
    parameters = rule.parameter_values(rules)
    reopened = []
    for w in warnings:
        w = EarlyWarning.objects.select_for_update().get(pk=w.pk)
        if w.status != S.CLEARED:  # moved since it was read
            continue
        f = firings[w.key]
        w.level = _level(rule, f)
        w.facts, w.title, w.detail = _facts(f, parameters), f.title[:200], f.detail
        w.rule_set_version, w.last_seen_at, w.cleared_at = rules.version, now, None
        w.deadline = response_deadline(w.level, rules, now)
        WARNING_WORKFLOW.apply(
            w,
            "reopen",
            actor=None,
            note=_("预警条件再次出现。"),
            at=now,
            extra_fields=[
                "level",
                "facts",
                "title",
                "detail",
                "rule_set_version",
                "last_seen_at",
                "cleared_at",
                "deadline",
            ],
        )
        audit.record(
            "warning.reopen", obj=w, changes={"facts": w.facts}, rule_version=rules.version
        )
        reopened.append(w)
    return reopened


def _clear(ids, *, rules, now) -> int:
    cleared = 0
    for pk in ids:
        w = EarlyWarning.objects.select_for_update().get(pk=pk)
        if w.status not in ACTIVE_WARNING_STATUSES:
            continue
        w.cleared_at = now
        WARNING_WORKFLOW.apply(
            w,
            "clear",
            actor=None,
            note=_("预警条件已不存在，自动消除。"),
            at=now,
            extra_fields=["cleared_at"],
        )
        audit.record("warning.clear", obj=w, rule_version=rules.version)
        cleared += 1
    return cleared


def _retire(ids) -> int:
    """Closed warnings whose condition is gone give up their key (see the module docstring)."""
    retired = 0
    for chunk in _chunks(ids):
        retired += EarlyWarning.objects.filter(pk__in=chunk).update(
            key=Concat("key", Value("#"), Cast("id", CharField()), output_field=CharField())
        )
    return retired


@transaction.atomic
def _record(rule, found, *, rules, now, units, departments) -> tuple[Counter, list]:
    firings = {}
    for f in found:
        firings.setdefault(rule.key(f), f)
    existing = []
    for keys in _chunks(firings):
        existing.extend(EarlyWarning.objects.filter(key__in=keys))
    known = {w.key for w in existing}
    new = {k: f for k, f in firings.items() if k not in known}
    created = _raise(rule, new, rules=rules, now=now, departments=departments) if new else []
    seen = [w for w in existing if w.status != S.CLEARED]
    upgraded = _refresh(rule, seen, firings, rules=rules, now=now)
    reopened = _reopen(
        rule, [w for w in existing if w.status == S.CLEARED], firings, rules=rules, now=now
    )
    # what no longer fires (only among the units checked, when narrowed)
    mine = EarlyWarning.objects.filter(rule=rule.code)
    if units is not None:
        mine = mine.filter(enterprise_id__in=sorted(units))
    gone_active = [
        pk
        for pk, key in mine.filter(status__in=ACTIVE_WARNING_STATUSES).values_list("pk", "key")
        if key not in firings
    ]
    gone_closed = [
        pk
        for pk, key in mine.filter(status__in=CLOSED)
        .exclude(key__contains="#")
        .values_list("pk", "key")
        if key not in firings
    ]
    counts = Counter(
        raised=len(created),
        seen=len(seen),
        reopened=len(reopened),
        upgraded=len(upgraded),
        cleared=_clear(gone_active, rules=rules, now=now),
        retired=_retire(gone_closed),
    )
    return counts, created + reopened + upgraded


def evaluate_warnings(*, now=None, codes=None, units=None) -> dict:
    """MON-02: evaluate the warning rules (all, or those of ``codes``) as of ``now`` and bring the
    warnings up to date; ``units`` (enterprise ids) narrows the unit-level rules to those units
    and skips the regional ones (the event hooks). Returns the counts per outcome. The officials
    responsible are told of new warnings and severe ones after commit."""
    now = _now(now)
    rules = rule_set.current()
    departments = _Departments()
    totals, tell = Counter(), []
    # warnings are stored texts: written in the platform's language whatever the caller's
    with translation.override(settings.LANGUAGE_CODE):
        for rule in monitoring.rules_of():
            if codes is not None and rule.code not in codes:
                continue
            if units is not None and not rule.unit_level:
                continue
            counts, notable = _record(
                rule,
                rule.evaluate(rules, now, units),
                rules=rules,
                now=now,
                units=units,
                departments=departments,
            )
            totals.update(counts)
            tell.extend(notable)
    if tell:
        transaction.on_commit(lambda: _tell_officials(tell))
    for key in ("raised", "seen", "reopened", "upgraded", "cleared", "retired"):
        totals.setdefault(key, 0)
    return dict(totals)


# --- who is told --------------------------------------------------------------------------------


def _department_staff(department_id) -> list:
    ids = RoleGrant.objects.filter(
        role=Role.DEPARTMENT_STAFF,
        department_id=department_id,
        is_active=True,
        user__is_active=True,
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _local_office(region_code: str) -> list:
    """The HQ office of the warning's region, at its own level or the nearest above it."""
    for level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        users = recipients.region_officials(region_code, [Role.HQ_OFFICE], levels=[level])
        if users:
            return users
    return []


class _Recipients:
    def __init__(self):
        self.cache = {}

    def _get(self, key, load):
        if key not in self.cache:
            self.cache[key] = load()
        return self.cache[key]

    def of(self, warning) -> list:
        users = list(
            self._get(("office", warning.region_code), lambda: _local_office(warning.region_code))
        )
        if warning.owner_department_id:
            users += self._get(
                ("department", warning.owner_department_id),
                lambda: _department_staff(warning.owner_department_id),
            )
        if warning.level == WarningLevel.SEVERE:
            users += self._get(
                ("higher", warning.region_code),
                lambda: recipients.higher_hq_officials(warning.region_code),
            )
            if warning.enterprise_id:
                users += self._get(
                    ("liaison", warning.enterprise_id),
                    lambda: recipients.unit_liaisons(warning.enterprise_id),
                )
        return users


# severe warnings also reach the officials' phones (through the outbox), not only their inboxes
SEVERE_CHANNELS = ("sms",)


def _tell_officials(warnings) -> None:
    """New, reopened and upgraded warnings of level "warning" or "severe" to the office of their
    region, their owner department and, when severe, the higher HQ offices and the unit's liaison
    cadres; a user with many at once gets one digest."""
    try:
        found = _Recipients()
        per_user = defaultdict(list)
        users = {}
        for w in warnings:
            if w.level not in NOTIFIED_LEVELS:
                continue
            for user in found.of(w):
                if w not in per_user[user.pk]:
                    per_user[user.pk].append(w)
                users[user.pk] = user
        for pk, items in per_user.items():
            if len(items) > DIGEST_AFTER:
                severe = sum(1 for w in items if w.level == WarningLevel.SEVERE)
                notify(
                    [users[pk]],
                    stored(
                        "新增 %(n)s 条监测预警（其中严重 %(severe)s 条）",
                        n=len(items),
                        severe=severe,
                    ),
                    url=reverse("command:warning_list") + "?status=open",
                    channels=SEVERE_CHANNELS if severe else (),
                )
                continue
            for w in items:
                notify(
                    [users[pk]],
                    stored(
                        "%(level)s：%(title)s",
                        level=stored(WarningLevel(w.level).label),
                        title=w.title,
                    ),
                    body=w.detail[:500],
                    url=_detail_url(w),
                    channels=SEVERE_CHANNELS if w.level == WarningLevel.SEVERE else (),
                )
    except Exception:  # the warnings are stored; a failed message must not undo the evaluation
        logger.exception("telling officials about %d warnings failed", len(warnings))


# --- one-click response ---------------------------------------------------------------------------


def may_respond(user, warning) -> bool:
    return user is not None and can(user, EarlyWarning, "respond", obj=warning)


def _lock(warning) -> EarlyWarning:
    return (
        EarlyWarning.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=warning.pk)
    )


def _check(actor, warning, action: str) -> None:
    """The actor may respond to this warning, and ``action`` is open from its status now."""
    if actor is not None and not may_respond(actor, warning):
        raise PermissionDenied(_("您无权响应该预警。"))
    if WARNING_WORKFLOW.find(warning.status, action) is None:
        raise ValidationError(
            _("该预警当前状态为“%(status)s”，不能执行此操作（可能已由他人处理）。")
            % {"status": WarningStatus(warning.status).label}
        )


def _acknowledged(warning, actor, now) -> list[str]:
    """Acting on a warning acknowledges it, if nobody has yet."""
    if warning.acknowledged_at is not None:
        return []
    warning.acknowledged_at, warning.acknowledged_by = now, _user(actor)
    return ["acknowledged_at", "acknowledged_by"]


@transaction.atomic
def acknowledge_warning(warning, *, actor, note="", now=None) -> EarlyWarning:
    """MON-02 "一键响应": the responsible official has seen the warning and takes it on."""
    now = _now(now)
    warning = _lock(warning)
    _check(actor, warning, "acknowledge")
    fields = _acknowledged(warning, actor, now)
    WARNING_WORKFLOW.apply(
        warning, "acknowledge", actor=actor, note=_text(note), extra_fields=fields, at=now
    )
    audit.record("warning.acknowledge", actor=actor, obj=warning, note=_text(note))
    return warning


def _check_owner(warning, owner) -> None:
    if owner is None:
        return
    if (
        not owner.is_active
        or not EarlyWarning.objects.visible_to(owner, "respond").filter(pk=warning.pk).exists()
    ):
        raise ValidationError({"owner": _("所选责任人无权处理该预警（不在其管辖范围内）。")})


def _check_department(warning, department) -> None:
    if department is None:
        return
    code = warning.region_code
    if not (code.startswith(department.region_id) or department.region_id.startswith(code)):
        raise ValidationError({"department": _("责任部门应为预警所在地区本级、上级或下级的部门。")})


@transaction.atomic
def assign_warning(
    warning, *, actor, owner=None, department=None, deadline=None, note="", now=None
) -> EarlyWarning:
    """MON-02: hand the warning to an owner (an official who may respond to it) and/or a
    department, optionally with a new response deadline; they are told."""
    now = _now(now)
    warning = _lock(warning)
    _check(actor, warning, "assign")
    errors = {}
    if owner is None and department is None:
        errors["owner"] = _("请选择责任人或责任部门。")
    if deadline is not None and deadline <= now:
        errors["deadline"] = _("响应时限应晚于当前时间。")
    if errors:
        raise ValidationError(errors)
    _check_owner(warning, owner)
    _check_department(warning, department)
    before = audit.snapshot(warning, ["owner", "owner_department", "deadline"])
    warning.owner = owner
    if department is not None:
        warning.owner_department = department
    if deadline is not None:
        warning.deadline = deadline
    fields = ["owner", "owner_department", "deadline", *_acknowledged(warning, actor, now)]
    WARNING_WORKFLOW.apply(
        warning, "assign", actor=actor, note=_text(note), extra_fields=fields, at=now
    )
    audit.record(
        "warning.assign",
        actor=actor,
        obj=warning,
        changes=audit.diff(
            before, audit.snapshot(warning, ["owner", "owner_department", "deadline"])
        ),
        note=_text(note),
    )
    told = ([owner] if owner is not None else []) + (
        _department_staff(department.pk) if department is not None else []
    )
    when = (
        timezone.localtime(warning.deadline).strftime("%Y-%m-%d %H:%M") if warning.deadline else ""
    )
    transaction.on_commit(
        lambda: notify(
            told,
            stored("预警交办：%(title)s", title=warning.title),
            body=stored("请于 %(when)s 前响应。%(note)s", when=when, note=_text(note)),
            url=_detail_url(warning),
        )
    )
    return warning


def _work_order_text(warning) -> tuple[str, str]:
    rule = monitoring.get(warning.rule)
    title = stored("【监测预警】%(title)s", title=warning.title)[:120]
    lines = [
        warning.detail,
        stored(
            "来源：监测预警 #%(pk)s（%(rule)s，%(at)s 触发）",
            pk=warning.pk,
            rule=str(rule.name) if rule else warning.rule,
            at=timezone.localtime(warning.raised_at).strftime("%Y-%m-%d %H:%M"),
        ),
    ]
    return title, "\n".join(line for line in lines if line)


@transaction.atomic
def open_work_order(
    warning, *, actor, category=None, description="", urgency="normal", now=None
) -> EarlyWarning:
    """MON-02: turn the warning into a demand of its unit (filed on the unit's behalf through
    ``workorders.actions.file_demand``: the office of the unit's region may), linked in
    ``warning.demand``; the warning counts as assigned."""
    from sibao.workorders.actions.intake import file_demand
    from sibao.workorders.models import DemandChannel

    now = _now(now)
    warning = _lock(warning)
    _check(actor, warning, "assign")
    if warning.enterprise_id is None:
        raise ValidationError(_("该预警不涉及具体单位，不能转为企业诉求，请交办或提交联合会商。"))
    if warning.demand_id is not None:
        raise ValidationError(
            _("该预警已转办诉求 %(number)s。") % {"number": warning.demand.number}
        )
    title, text = _work_order_text(warning)
    extra = _text(description)
    demand = file_demand(
        warning.enterprise,
        actor=actor,
        category=category or WORK_ORDER_CATEGORIES.get(warning.rule, "other"),
        title=title,
        description=f"{extra}\n\n{text}" if extra else text,
        urgency=urgency or "normal",
        channel=DemandChannel.HOTLINE,
        now=now,
    )
    warning.demand = demand
    fields = ["demand", *_acknowledged(warning, actor, now)]
    WARNING_WORKFLOW.apply(
        warning,
        "assign",
        actor=actor,
        note=stored("转为企业诉求 %(number)s", number=demand.number),
        extra_fields=fields,
        at=now,
    )
    audit.record("warning.work_order", actor=actor, obj=warning, changes={"demand": demand.number})
    return warning


def convening_headquarters(actor, region_code: str):
    """The HQ that convenes a consultation on a warning of ``region_code`` for ``actor``: the HQ
    of the actor's narrowest grant (allowing to convene) that covers the region; the platform
    itself takes the region's own HQ. None when no such HQ exists."""
    if actor is None:
        return headquarters_for(region_code)
    covering = [
        g.region_id
        for g in allowing_grants(actor, Consultation._meta.label_lower, "add")
        if not g.enterprise_id and region_code.startswith(g.region_id)
    ]
    if not covering:
        return None
    return headquarters_for(max(covering, key=len))


@transaction.atomic
def open_consultation(
    warning,
    *,
    actor,
    held_at,
    participants=(),
    other_participants="",
    title="",
    now=None,
) -> EarlyWarning:
    """MON-02: convene a joint consultation (CMD-03, through ``hold_consultation``) with the
    warning as its first agenda item, linked in ``warning.consultation``; the warning counts as
    assigned. Without participants the warning's owner department is invited."""
    now = _now(now)
    warning = _lock(warning)
    _check(actor, warning, "assign")
    if warning.consultation_id is not None:
        raise ValidationError(_("该预警已提交联合会商。"))
    if actor is not None and not can(actor, Consultation, "add"):
        raise PermissionDenied(_("只有指挥部可以召集联合会商。"))
    headquarters = convening_headquarters(actor, warning.region_code)
    if headquarters is None:
        raise ValidationError(_("预警所在地区尚未设立指挥部，无法召集联合会商。"))
    participants = list(participants or [])
    if not participants and not _text(other_participants) and warning.owner_department:
        participants = [warning.owner_department]
    consultation = hold_consultation(
        actor=actor,
        title=_text(title) or stored("关于“%(title)s”的联合会商", title=warning.title)[:200],
        headquarters=headquarters,
        held_at=held_at,
        participants=participants,
        other_participants=other_participants,
        now=now,
    )
    add_agenda_item(consultation, actor=actor, title=warning.title[:200], subject=warning, now=now)
    warning.consultation = consultation
    fields = ["consultation", *_acknowledged(warning, actor, now)]
    WARNING_WORKFLOW.apply(
        warning,
        "assign",
        actor=actor,
        note=stored("提交联合会商：%(title)s", title=consultation.title),
        extra_fields=fields,
        at=now,
    )
    audit.record(
        "warning.consultation",
        actor=actor,
        obj=warning,
        changes={"consultation": consultation.pk},
    )
    return warning


@transaction.atomic
def resolve_warning(warning, *, actor, outcome, now=None) -> EarlyWarning:
    """MON-02: the warning was dealt with; the outcome is recorded."""
    now = _now(now)
    warning = _lock(warning)
    _check(actor, warning, "resolve")
    outcome = _text(outcome)
    if not outcome:
        raise ValidationError({"outcome": _("请填写处置结果。")})
    warning.outcome, warning.resolved_at, warning.resolved_by = outcome, now, _user(actor)
    WARNING_WORKFLOW.apply(
        warning,
        "resolve",
        actor=actor,
        note=outcome,
        extra_fields=["outcome", "resolved_at", "resolved_by"],
        at=now,
    )
    audit.record("warning.resolve", actor=actor, obj=warning, changes={"outcome": outcome})
    return warning


@transaction.atomic
def dismiss_warning(warning, *, actor, reason, now=None) -> EarlyWarning:
    """MON-02: the warning is not a real problem (a data error, already handled elsewhere …); the
    reason is recorded as its outcome."""
    now = _now(now)
    warning = _lock(warning)
    _check(actor, warning, "dismiss")
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("请说明排除该预警的理由。")})
    warning.outcome, warning.resolved_at, warning.resolved_by = reason, now, _user(actor)
    WARNING_WORKFLOW.apply(
        warning,
        "dismiss",
        actor=actor,
        note=reason,
        extra_fields=["outcome", "resolved_at", "resolved_by"],
        at=now,
    )
    audit.record("warning.dismiss", actor=actor, obj=warning, changes={"reason": reason})
    return warning


def record_warnings_export(*, actor, rows: int, filters: str = "") -> None:
    """An export of the warning list is audited (who took which list)."""
    audit.record(
        "warning.export", actor=actor, changes={"rows": rows, "filters": filters}, region_code=""
    )
