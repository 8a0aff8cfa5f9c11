"""Demo data for the command module: one county of the demo province in emergency with its
whitelisted units in closed loop, an incident being worked at the home unit, a shutdown request
waiting for the provincial joint decision, a restriction found without approval (a violation), a
problem escalated from a county to its city, and a commendation — all through the actions, as the
people concerned would do it, so the demo shows each page working rather than empty.

Everything here hangs on the demo units (foreign keys cascade with them) except the emergency
switch and region state, the problem and the reward: ``reset_command`` removes those by the ids
recorded in the seed's audit row."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils import timezone

from sibao.core import rules

__all__ = ["seed_command", "reset_command"]


def _county_with_most_whitelisted(enterprise_ids, avoid: str):
    from sibao.enterprises.models import Enterprise
    from sibao.enterprises.queries import is_whitelisted

    rows = (
        Enterprise.objects.filter(pk__in=enterprise_ids)
        .filter(is_whitelisted())
        .exclude(region_id=avoid)
        .values("region_id")
        .annotate(n=Count("id"))
        .order_by("-n", "region_id")
    )
    first = rows.first()
    return first["region_id"] if first else None


def seed_command(enterprise_ids, home) -> dict:
    from sibao.command import actions
    from sibao.command.models import StepKind
    from sibao.command.queries_emergency import whitelisted_units
    from sibao.epidemic.models import StaffMember
    from sibao.regions.models import Headquarters, Region

    now = timezone.now()
    ruleset = rules.current()
    made = {"switches": [], "problems": [], "rewards": [], "region_states": []}
    summary = {"emergency_county": "", "units_in_loop": 0, "incidents": 0, "shutdowns": 0}

    # a county in emergency since yesterday (announced a notice period before that)
    county_code = _county_with_most_whitelisted(enterprise_ids, avoid=home.region_id)
    if county_code:
        county = Region.objects.get(code=county_code)
        announced = now - datetime.timedelta(
            days=1, hours=ruleset["emergency_advance_notice_hours"]
        )
        outcome = actions.switch_to_emergency(
            county,
            actor=None,
            reason="本地出现新的本土聚集性疫情，经研判县（市、区）进入疫情防控应急状态。",
            now=announced,
        )
        made["switches"].append(outcome.switch.pk)
        made["region_states"].append(county.code)
        summary["emergency_county"] = county.name
        units = list(whitelisted_units(county.code).filter(pk__in=enterprise_ids)[:3])
        summary["units_in_loop"] = whitelisted_units(county.code).count()
        if units:
            request = actions.request_shutdown(
                units[0],
                actor=None,
                reason="该单位所在片区出现病例，拟停产 2 天全员核酸筛查，请省级联合研判。",
                days=2,
                now=now - datetime.timedelta(hours=3),
            )
            summary["shutdowns"] += 1
            made.setdefault("shutdowns", []).append(request.pk)
        if len(units) > 1:
            actions.record_restriction(
                units[1],
                actor=None,
                kind="traffic",
                imposed_by=f"{county.name}某乡镇疫情防控检查点",
                description="检查点以“暂停外来车辆进入”为由阻断该单位原料运输车辆通行。",
                started_at=now - datetime.timedelta(hours=6),
            )

    # an incident at the home unit: a worker with a fever, observation and report done
    staff = StaffMember.objects.filter(enterprise=home, is_active=True).order_by("id").first()
    incident = actions.open_incident(
        home,
        actor=None,
        kind="symptom",
        description="早班测温发现一名员工体温 37.8 度，伴咳嗽，已佩戴口罩原地等候转移。",
        person_key=staff.person_key if staff else "",
        staff=staff,
        now=now - datetime.timedelta(hours=2),
    )
    summary["incidents"] += 1
    observe = incident.steps.filter(kind=StepKind.OBSERVE, done_at__isnull=True).first()
    if observe is not None:
        try:
            actions.complete_step(
                observe,
                actor=None,
                note="已转移至临时留观点。",
                room="留观1",
                now=now - datetime.timedelta(hours=1, minutes=45),
            )
        except ValidationError:  # a unit without a contingency plan has no room: left open
            pass

    # a problem a county raised and escalated to its city
    hq = Headquarters.objects.filter(region_id=home.region_id).first()
    if hq is not None:
        problem = actions.raise_problem(
            actor=None,
            title="重点企业原料运输车辆跨市通行受阻",
            description="辖区白名单企业的原料运输车辆在相邻地市检查点被劝返，县级协调未果。",
            enterprise=home,
            headquarters=hq,
            now=now - datetime.timedelta(days=1),
        )
        made["problems"].append(problem.pk)
        try:
            actions.escalate(
                problem,
                actor=None,
                reason="涉及跨市通行，超出县级协调权限。",
                now=now - datetime.timedelta(hours=20),
            )
        except (PermissionDenied, ValidationError):  # no HQ above: it stays at the county
            pass

    reward = actions.record_reward_penalty(
        actor=None,
        kind="commendation",
        region=home.region,
        enterprise=home,
        reason="落实常态化疫情防控措施到位，疫情期间保持连续生产。",
        decided_on=timezone.localdate(now) - datetime.timedelta(days=3),
    )
    made["rewards"].append(reward.pk)
    summary["ids"] = made
    return summary


def reset_command(ids: dict) -> None:
    """Remove what ``seed_command`` made that does not go with the demo units."""
    from sibao.command.models import (
        EmergencySwitch,
        LoopStatus,
        Problem,
        RegionState,
        RewardPenalty,
    )

    RewardPenalty.objects.filter(pk__in=ids.get("rewards", [])).delete()
    Problem.objects.filter(pk__in=ids.get("problems", [])).delete()
    RegionState.objects.filter(region_id__in=ids.get("region_states", [])).delete()
    LoopStatus.objects.filter(switch_id__in=ids.get("switches", [])).delete()
    EmergencySwitch.objects.filter(pk__in=ids.get("switches", [])).delete()
