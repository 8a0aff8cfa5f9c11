"""Writes of the emergency area: the one-action normal/emergency switch of a region (CMD-01),
closed-loop plans and daily loop reports (CMD-02), city-supply staff arrangements (CMD-06).

``actor=None`` is the platform itself (commands, the demo seed) and skips the permission check.

The switch into emergency is one transaction: the ``EmergencySwitch`` row (the history), the
region's ``RegionState``, one ``LoopStatus`` per whitelisted unit of the region that is not in a
loop already, the audit row and the notifications: all of them or none. It is announced at
``now`` and takes effect ``emergency_advance_notice_hours`` later (D2 三(三) "提前告知"); the loops
start at that time. Nothing needs to run at the effective hour: the state is computed from the
times (``command.queries_emergency``). Switching back is immediate and ends the loops of the units
no longer under an emergency (a loop announced but not started yet is withdrawn).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can, covers
from sibao.accounts.roles import Role
from sibao.command import queries_emergency as queries
from sibao.command import recipients
from sibao.command.models import (
    CitySupplyAssignment,
    EmergencySwitch,
    LoopMode,
    LoopPlan,
    LoopReport,
    LoopStatus,
    RegionState,
    RegionStatus,
)
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.i18n import stored as _stored
from sibao.core.notifications import notify
from sibao.core.workflow import Transition, Workflow
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Headquarters, Region, RegionLevel

__all__ = [
    "REGION_WORKFLOW",
    "SwitchOutcome",
    "default_loop_mode",
    "file_loop_report",
    "save_city_supply",
    "save_loop_plan",
    "switch_to_emergency",
    "switch_to_normal",
]

# The lifecycle of a region's state row. "pending" is not stored: a state switched into emergency
# whose ``effective_at`` is still ahead reads as pending (``queries_emergency.effective_status``).
REGION_WORKFLOW = Workflow(
    Transition(RegionStatus.NORMAL, "switch_to_emergency", RegionStatus.EMERGENCY),
    Transition(
        (RegionStatus.EMERGENCY, RegionStatus.PENDING), "switch_to_normal", RegionStatus.NORMAL
    ),
    labels=RegionStatus,
)

SWITCHABLE_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY)

# D2 三(三), D1 四(一): markets and malls commute point to point; the rest of commerce and
# transport keep "two points one line"; industry, culture and tourism, key projects close fully.
POINT_TO_POINT_SUB_TYPES = ("商超", "批发市场", "农贸市场", "农批", "市场", "商场", "超市")
TWO_POINTS_INDUSTRIES = ("commerce", "transport")

CITY_SUPPLY_SERVICES = dict(CitySupplyAssignment._meta.get_field("service").choices)


@dataclass
class SwitchOutcome:
    """What a switch action did: ``changed`` False means the region already was in the asked
    state and nothing was written (``message`` says why); ``switch`` is the switch now in force
    for the region (this one, or the earlier one — possibly its city's)."""

    region: Region
    changed: bool
    message: str
    status: str
    switch: EmergencySwitch | None = None
    units: int = 0
    notified: int = 0


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _now(now):
    return now or timezone.now()


def _region(region) -> Region:
    if isinstance(region, Region):
        return region
    found = Region.objects.filter(code=str(region)).first()
    if found is None:
        raise ValidationError({"region": _("区划不存在。")})
    return found


def default_loop_mode(enterprise) -> str:
    """CMD-02: the closed-loop mode a unit's industry calls for (D1 四(一), D2 三(三)):
    markets and malls (commerce sub types) point-to-point commute; other commerce and transport
    "two points one line"; industry, culture and tourism, key projects a full loop with bubbles."""
    industry = enterprise.industry_id
    sub_type = enterprise.sub_type or ""
    if industry == "commerce" and any(word in sub_type for word in POINT_TO_POINT_SUB_TYPES):
        return LoopMode.POINT_TO_POINT
    if industry in TWO_POINTS_INDUSTRIES:
        return LoopMode.TWO_POINTS
    return LoopMode.BUBBLE


def _mode_for(enterprise, plans: dict) -> str:
    plan = plans.get(enterprise.pk)
    return plan.mode if plan is not None else default_loop_mode(enterprise)


def _check_switch(actor, region: Region) -> None:
    if region.level not in SWITCHABLE_LEVELS:
        raise ValidationError({"region": _("平急转换以县（市、区）或市为单元，不能对全省切换。")})
    if actor is None:
        return
    if not covers(actor, RegionState, "switch", region_code=region.code):
        raise PermissionDenied(_("只有对该区划有管辖权的指挥部可以进行平急转换。"))


def _deciding_headquarters(actor, region: Region):
    """The HQ that decides: the one of the actor's narrowest grant covering the region (a city
    HQ switching one of its counties decides as the city HQ); the region's own for the platform."""
    code = region.code
    if actor is not None:
        grants = [
            g
            for g in allowing_grants(actor, RegionState._meta.label_lower, "switch")
            if not g.enterprise_id and code.startswith(g.region_id)
        ]
        if grants:
            code = max(grants, key=lambda g: len(g.region_id)).region_id
    return Headquarters.objects.filter(region_id=code).first()


def _lock(region: Region) -> None:
    """Serialise switches of one region and its ancestors (the rows are locked until commit)."""
    list(
        Region.objects.select_for_update()
        .filter(code__in=recipients.covering_codes(region.code))
        .values_list("code", flat=True)
    )


def _reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写切换事由。")})
    return reason


def _in_force(region: Region, now, *, ancestors_only: bool = False):
    """The state row that puts the region in emergency or pending (emergency before pending,
    then the nearest: its own, then its switched ancestors'), or None. ``ancestors_only``: only
    an ancestor's."""
    codes = recipients.covering_codes(region.code)
    if ancestors_only:
        codes = [code for code in codes if code != region.code]
    states = RegionState.objects.filter(region_id__in=codes).select_related("last_switch", "region")
    found = [s for s in states if queries.effective_status(s, now) != RegionStatus.NORMAL]
    if not found:
        return None
    # emergency before pending, then the nearest (longest code)
    found.sort(
        key=lambda s: (
            queries.effective_status(s, now) != RegionStatus.EMERGENCY,
            -len(s.region_id),
        )
    )
    return found[0]


def _open_loop(unit, switch: EmergencySwitch, mode: str, started_at) -> LoopStatus:
    return LoopStatus.objects.create(
        enterprise=unit,
        switch=switch,
        mode=mode,
        started_at=started_at,
        region_code=unit.region_id,
    )


def _set_state(region: Region, switch: EmergencySwitch, action: str, *, actor, note: str):
    state = RegionState.objects.select_for_update().filter(region=region).first()
    if state is None:
        state = RegionState.objects.create(
            region=region,
            status=RegionStatus.NORMAL,
            since=switch.announced_at,
            effective_at=switch.announced_at,
            last_switch=switch,
            region_code=region.code,
        )
    state.since = switch.announced_at
    state.effective_at = switch.effective_at
    state.last_switch = switch
    REGION_WORKFLOW.apply(
        state,
        action,
        actor=actor,
        note=note,
        extra_fields=("since", "effective_at", "last_switch"),
    )
    return state


def _notify_switch(region: Region, switch: EmergencySwitch, units: list, *, emergency: bool):
    """Units (admins and liaison cadres, each with the link to its loop page), the departments
    competent for the units' industries, the region's own HQ office and the higher HQs."""
    sent = 0
    if emergency:
        title = _stored(
            "平急转换：%(region)s将于 %(time)s 进入应急状态",
            region=region.full_name,
            time=_local(switch.effective_at),
        )
    else:
        title = _stored("平急转换：%(region)s已恢复常态", region=region.full_name)
    reason = _stored("事由：%(reason)s", reason=switch.reason)
    people = recipients.units_people([unit for unit, _mode in units])
    for unit, mode in units:
        if emergency:
            body = _stored(
                "本单位将于 %(time)s 起实行闭环生产（%(mode)s）。请在生效前通知员工，在排除风险的"
                "前提下返回单位实施闭环管理，并每日填报闭环日报。",
                time=_local(switch.effective_at),
                mode=LoopMode(mode).label,
            )
        else:
            body = _stored(
                "本单位闭环生产状态已于 %(time)s 解除。", time=_local(switch.announced_at)
            )
        sent += notify(
            people[unit.pk],
            title,
            body=f"{body}\n{reason}",
            url=reverse("command:emergency_loop", args=[unit.pk]),
        )
    officials = {}
    for industry in sorted({unit.industry_id for unit, _mode in units}):
        for user in recipients.department_officials(region.code, industry):
            officials[user.pk] = user
    for user in recipients.region_officials(
        region.code, [Role.HQ_OFFICE, Role.HQ_LEADER], levels=[region.level]
    ) + recipients.higher_hq_officials(region.code):
        officials[user.pk] = user
    body = _stored(
        "%(region)s：涉及白名单单位 %(count)s 家。", region=region.full_name, count=len(units)
    )
    sent += notify(
        officials.values(),
        title,
        body=f"{body}\n{reason}",
        url=reverse("command:emergency_region", args=[region.code]),
    )
    return sent


@transaction.atomic
def switch_to_emergency(region, *, actor, reason, now=None) -> SwitchOutcome:
    """CMD-01: switch a county or city into emergency with one action.

    Idempotent: a region already in emergency or announced for it (itself or through its city)
    is left as it is and the outcome says so. Otherwise announced at ``now``, effective after the
    rule set's advance notice; every whitelisted unit of the region without an open loop gets its
    closed-loop period from the effective time, in the mode of its loop plan (or its industry's).
    """
    now = _now(now)
    region = _region(region)
    _check_switch(actor, region)
    _lock(region)
    current = _in_force(region, now)
    if current is not None:
        status = queries.effective_status(current, now)
        if status == RegionStatus.EMERGENCY:
            message = _("%(region)s已处于应急状态（%(time)s 起，%(by)s），未重复切换。")
            when = current.effective_at or current.since
        else:
            message = _(
                "%(region)s已发布进入应急状态通知，将于 %(time)s 生效（%(by)s），未重复切换。"
            )
            when = current.effective_at
        by = current.region.name if current.region_id != region.code else _("本级")
        return SwitchOutcome(
            region=region,
            changed=False,
            message=message % {"region": region.name, "time": _local(when), "by": by},
            status=status,
            switch=current.last_switch,
        )
    reason = _reason(reason)
    ruleset = rule_set.current()
    notice = int(ruleset["emergency_advance_notice_hours"])
    effective_at = now + datetime.timedelta(hours=notice)
    authenticated = actor is not None and actor.is_authenticated
    switch = EmergencySwitch.objects.create(
        region=region,
        to_status=RegionStatus.EMERGENCY,
        reason=reason,
        announced_at=now,
        effective_at=effective_at,
        switched_by=actor if authenticated else None,
        headquarters=_deciding_headquarters(actor, region),
        rule_version=ruleset.version,
        region_code=region.code,
    )
    _set_state(
        region,
        switch,
        "switch_to_emergency",
        actor=actor,
        note=_stored("生效时间 %(time)s；%(reason)s", time=_local(effective_at), reason=reason),
    )
    units = list(
        queries.whitelisted_units(region.code).exclude(queries.has_open_loop()).order_by("pk")
    )
    plans = {p.enterprise_id: p for p in LoopPlan.objects.filter(enterprise__in=units)}
    opened = []
    for unit in units:
        mode = _mode_for(unit, plans)
        _open_loop(unit, switch, mode, effective_at)
        opened.append((unit, mode))
    switch.units_affected = len(opened)
    switch.save(update_fields=["units_affected"])
    audit.record(
        "emergency.switch_to_emergency",
        actor=actor,
        obj=switch,
        changes={
            "status": [RegionStatus.NORMAL, RegionStatus.EMERGENCY],
            "effective_at": [None, effective_at.isoformat()],
            "units": [0, len(opened)],
        },
        note=reason,
        rule_version=ruleset.version,
    )
    sent = _notify_switch(region, switch, opened, emergency=True)
    # --- logistics lastmile hook (LOG-05): the region's supply stations open with the switch ---
    from sibao.logistics.actions.lastmile import activate_for_emergency

    activate_for_emergency(region.code, now=now)
    # --- end of the logistics lastmile hook ---
    status = queries.effective_status(RegionState.objects.get(region=region), now)
    if status == RegionStatus.EMERGENCY:
        message = _("%(region)s已进入应急状态，%(count)s 家白名单单位即刻转入闭环生产。")
    else:
        message = _(
            "%(region)s将于 %(time)s 进入应急状态；已提前通知 %(count)s 家白名单单位组织员工返回闭环。"
        )
    return SwitchOutcome(
        region=region,
        changed=True,
        message=message
        % {"region": region.name, "time": _local(effective_at), "count": len(opened)},
        status=status,
        switch=switch,
        units=len(opened),
        notified=sent,
    )


@transaction.atomic
def switch_to_normal(region, *, actor, reason, now=None) -> SwitchOutcome:
    """CMD-01: switch a county or city back to normal with one action, at once.

    Idempotent: a region in normal state is left as it is. A county in emergency only because its
    city is cannot leave on its own (its city's HQ switches the city). The loops of the units no
    longer under any emergency end at ``now``; loops announced but not started are withdrawn.
    """
    now = _now(now)
    region = _region(region)
    _check_switch(actor, region)
    _lock(region)
    current = _in_force(region, now)
    if current is None:
        return SwitchOutcome(
            region=region,
            changed=False,
            message=_("%(region)s处于常态，无需切换。") % {"region": region.name},
            status=RegionStatus.NORMAL,
        )
    own = RegionState.objects.select_for_update().filter(region=region).first()
    ancestor = _in_force(region, now, ancestors_only=True)
    if ancestor is not None:
        # its city is in emergency (or announced): the county stays in it whatever it does
        raise ValidationError(
            _("%(region)s因%(parent)s处于应急状态而处于应急状态，须由%(parent)s指挥部切换回常态。")
            % {"region": region.name, "parent": ancestor.region.name}
        )
    reason = _reason(reason)
    ruleset = rule_set.current()
    authenticated = actor is not None and actor.is_authenticated
    before = queries.effective_status(own, now)
    switch = EmergencySwitch.objects.create(
        region=region,
        to_status=RegionStatus.NORMAL,
        reason=reason,
        announced_at=now,
        effective_at=now,
        switched_by=actor if authenticated else None,
        headquarters=_deciding_headquarters(actor, region),
        rule_version=ruleset.version,
        region_code=region.code,
    )
    _set_state(region, switch, "switch_to_normal", actor=actor, note=reason)
    still = queries.emergency_codes(now) | queries.pending_codes(now)
    loops = list(
        LoopStatus.objects.select_for_update()
        .filter(queries.emergency_q("region_code", codes={region.code}), ended_at__isnull=True)
        .select_related("enterprise", "enterprise__industry")
        .order_by("enterprise_id")
    )
    closed, withdrawn = [], []
    for loop in loops:
        if any(code in still for code in recipients.covering_codes(loop.region_code)):
            continue  # its county (or city) is still in emergency on its own
        if loop.started_at > now:
            withdrawn.append(loop.pk)
        else:
            loop.ended_at = now
            loop.save(update_fields=["ended_at"])
        closed.append((loop.enterprise, loop.mode))
    if withdrawn:
        LoopStatus.objects.filter(pk__in=withdrawn).delete()
    switch.units_affected = len(closed)
    switch.save(update_fields=["units_affected"])
    audit.record(
        "emergency.switch_to_normal",
        actor=actor,
        obj=switch,
        changes={
            "status": [before, RegionStatus.NORMAL],
            "loops_ended": [0, len(closed) - len(withdrawn)],
            "loops_withdrawn": [0, len(withdrawn)],
        },
        note=reason,
        rule_version=ruleset.version,
    )
    sent = _notify_switch(region, switch, closed, emergency=False)
    return SwitchOutcome(
        region=region,
        changed=True,
        message=_("%(region)s已恢复常态，%(count)s 家单位解除闭环。")
        % {"region": region.name, "count": len(closed)},
        status=RegionStatus.NORMAL,
        switch=switch,
        units=len(closed),
        notified=sent,
    )


# --- closed-loop plans and daily reports (CMD-02) ------------------------------------------------


def _check_unit(actor, enterprise, model, action: str, message: str) -> None:
    if actor is None:
        return
    if not can(actor, Enterprise, "view", enterprise) or not covers(
        actor, model, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(message)


def _count(errors: dict, name: str, value, label: str, *, minimum: int = 0) -> int:
    try:
        number = int(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        errors[name] = _("%(label)s应为整数。") % {"label": label}
        return 0
    if number < minimum:
        errors[name] = _("%(label)s不能小于 %(min)s。") % {"label": label, "min": minimum}
    elif number > 2_147_483_647:
        errors[name] = _("%(label)s过大。") % {"label": label}
    return number


PLAN_FIELDS = ("mode", "dormitories", "routes", "headcount", "note")


@transaction.atomic
def save_loop_plan(
    enterprise, *, actor, mode=None, dormitories="", routes="", headcount=0, note=""
) -> LoopPlan:
    """CMD-02: a unit declares its closed-loop arrangements in advance: the mode (default: the
    one its industry calls for), where the people in the loop lodge, the routes they travel and
    how many they are. A full loop or "two points one line" needs the lodging; "two points one
    line" and point-to-point commute need the routes. An open loop period follows the plan's mode.
    """
    _check_unit(actor, enterprise, LoopPlan, "change", _("您只能填报本单位的闭环管理方案。"))
    errors = {}
    mode = mode or default_loop_mode(enterprise)
    if mode not in LoopMode.values:
        errors["mode"] = _("闭环模式无效。")
    dormitories = (dormitories or "").strip()
    routes = (routes or "").strip()
    note = (note or "").strip()
    headcount = _count(errors, "headcount", headcount, _("闭环内人数"), minimum=1)
    if mode in (LoopMode.BUBBLE, LoopMode.TWO_POINTS) and not dormitories:
        errors["dormitories"] = _("全闭环和“两点一线”须填写集体宿舍（指定住宿地点）。")
    if mode in (LoopMode.TWO_POINTS, LoopMode.POINT_TO_POINT) and not routes:
        errors["routes"] = _("“两点一线”和“点对点”上下班须填写通勤路线。")
    if errors:
        raise ValidationError(errors)
    values = {
        "mode": mode,
        "dormitories": dormitories,
        "routes": routes,
        "headcount": headcount,
        "note": note,
    }
    editor = actor if actor is not None and actor.is_authenticated else None
    plan = LoopPlan.objects.select_for_update().filter(enterprise=enterprise).first()
    if plan is None:
        plan = LoopPlan.objects.create(
            enterprise=enterprise, updated_by=editor, region_code=enterprise.region_id, **values
        )
        audit.record(
            "loop_plan.create",
            actor=actor,
            obj=plan,
            changes=audit.diff({}, audit.snapshot(plan, PLAN_FIELDS)),
        )
    else:
        before = audit.snapshot(plan, PLAN_FIELDS)
        for key, value in values.items():
            setattr(plan, key, value)
        plan.updated_by = editor
        plan.region_code = enterprise.region_id
        plan.save()
        audit.record(
            "loop_plan.change",
            actor=actor,
            obj=plan,
            changes=audit.diff(before, audit.snapshot(plan, PLAN_FIELDS)),
        )
    # an open loop period runs in the declared mode from now on
    LoopStatus.objects.filter(enterprise=enterprise, ended_at__isnull=True).exclude(
        mode=mode
    ).update(mode=mode)
    return plan


REPORT_FIELDS = ("in_loop", "outside", "breaches", "producing", "note")


@transaction.atomic
def file_loop_report(
    enterprise,
    *,
    actor,
    report_date,
    in_loop,
    outside=0,
    breaches=0,
    producing=True,
    note="",
    now=None,
) -> LoopReport:
    """CMD-02: a unit's daily loop report while it is in closed loop (D2 三(三)): people inside
    the loop, people outside it, breaches (cross contacts with people outside), whether it
    produces normally. Once per day; the day must lie within a loop period of the unit that has
    started, and not in the future. A unit not in loop is refused with a message.
    """
    _check_unit(actor, enterprise, LoopReport, "add", _("您只能为本单位填报闭环日报。"))
    now = _now(now)
    today = timezone.localtime(now).date()
    errors = {}
    if report_date is None:
        raise ValidationError({"report_date": _("请填写报告日期。")})
    if isinstance(report_date, str):
        try:
            report_date = datetime.date.fromisoformat(report_date)
        except ValueError:
            raise ValidationError({"report_date": _("日期格式应为 YYYY-MM-DD。")}) from None
    if report_date > today:
        raise ValidationError({"report_date": _("不能填报未来日期的闭环日报。")})
    periods = [
        loop
        for loop in LoopStatus.objects.filter(enterprise=enterprise, started_at__lte=now)
        if timezone.localtime(loop.started_at).date()
        <= report_date
        <= (timezone.localtime(loop.ended_at).date() if loop.ended_at else today)
    ]
    if not periods:
        open_loop = LoopStatus.objects.filter(enterprise=enterprise, ended_at__isnull=True).first()
        if open_loop is not None and open_loop.started_at > now:
            raise ValidationError(
                _("本单位将于 %(time)s 起实行闭环生产，届时起每日填报闭环日报。")
                % {"time": _local(open_loop.started_at)}
            )
        raise ValidationError(
            _("本单位 %(date)s 未处于闭环生产状态，无需填报闭环日报。")
            % {"date": report_date.isoformat()}
        )
    if LoopReport.objects.filter(enterprise=enterprise, report_date=report_date).exists():
        raise ValidationError(
            {"report_date": _("%(date)s 的闭环日报已填报。") % {"date": report_date.isoformat()}}
        )
    in_loop = _count(errors, "in_loop", in_loop, _("闭环内人数"))
    outside = _count(errors, "outside", outside, _("环外人数"))
    breaches = _count(errors, "breaches", breaches, _("脱环人次"))
    note = (note or "").strip()
    producing = bool(producing)
    if breaches > 0 and not note:
        errors["note"] = _("有脱环（交叉接触）情况时，请说明人员、经过和处置。")
    if not producing and not note:
        errors["note"] = _("未正常生产时，请说明原因。")
    if errors:
        raise ValidationError(errors)
    report = LoopReport.objects.create(
        enterprise=enterprise,
        report_date=report_date,
        in_loop=in_loop,
        outside=outside,
        breaches=breaches,
        producing=producing,
        note=note,
        filed_by=actor if actor is not None and actor.is_authenticated else None,
        region_code=enterprise.region_id,
    )
    audit.record(
        "loop_report.file",
        actor=actor,
        obj=report,
        changes=audit.diff({}, audit.snapshot(report, REPORT_FIELDS)),
        note=report_date.isoformat(),
    )
    if breaches > 0 or not producing:
        # a breach or a stop is something the unit's liaison cadres and departments act on
        notify(
            recipients.unit_liaisons(enterprise)
            + recipients.department_officials(enterprise.region_id, enterprise.industry_id),
            _stored(
                "闭环日报异常：%(unit)s %(date)s",
                unit=enterprise.name,
                date=report_date.isoformat(),
            ),
            body=note,
            url=reverse("command:emergency_loop", args=[enterprise.pk]),
        )
    return report


# --- city-supply staff (CMD-06) ------------------------------------------------------------------

SUPPLY_FIELDS = ("service", "lodging", "work_area", "route")


@transaction.atomic
def save_city_supply(staff, *, actor, service, lodging, work_area, route) -> CitySupplyAssignment:
    """CMD-06: where a city-supply worker (roster category ``city_supply``: water, power, gas,
    heating, necessities delivery) lodges centrally, the fixed area they work in and their
    point-to-point route (D2 三(六)). Their daily test follows from the emergency scope."""
    from sibao.epidemic.models import StaffCategory

    enterprise = staff.enterprise
    if actor is not None:
        if not can(actor, type(staff), "view", staff) or not covers(
            actor,
            CitySupplyAssignment,
            "change",
            region_code=staff.region_code,
            enterprise_id=staff.enterprise_id,
        ):
            raise PermissionDenied(_("您只能安排本单位的城市保供人员。"))
    if staff.category != StaffCategory.CITY_SUPPLY:
        raise ValidationError(_("只有花名册中类别为“城市保供人员”的人员可以安排保供住宿和路线。"))
    if not staff.is_active:
        raise ValidationError(_("该人员已不在岗。"))
    errors = {}
    if service not in CITY_SUPPLY_SERVICES:
        errors["service"] = _("请选择保供类别。")
    values = {"service": service}
    for name, value, label, limit in (
        ("lodging", lodging, _("集中住宿地点"), 200),
        ("work_area", work_area, _("固定工作区域"), 200),
        ("route", route, _("点对点通行路线"), 255),
    ):
        value = (value or "").strip()
        if not value:
            errors[name] = _("请填写%(label)s。") % {"label": label}
        elif len(value) > limit:
            errors[name] = _("%(label)s过长（最多 %(n)s 字）。") % {"label": label, "n": limit}
        values[name] = value
    if errors:
        raise ValidationError(errors)
    assignment = CitySupplyAssignment.objects.select_for_update().filter(staff=staff).first()
    if assignment is None:
        assignment = CitySupplyAssignment.objects.create(
            staff=staff, enterprise=enterprise, region_code=staff.region_code, **values
        )
        audit.record(
            "city_supply.assign",
            actor=actor,
            obj=assignment,
            changes=audit.diff({}, audit.snapshot(assignment, SUPPLY_FIELDS)),
        )
        return assignment
    before = audit.snapshot(assignment, SUPPLY_FIELDS)
    for key, value in values.items():
        setattr(assignment, key, value)
    assignment.enterprise = enterprise
    assignment.region_code = staff.region_code
    assignment.save()
    audit.record(
        "city_supply.change",
        actor=actor,
        obj=assignment,
        changes=audit.diff(before, audit.snapshot(assignment, SUPPLY_FIELDS)),
    )
    return assignment
