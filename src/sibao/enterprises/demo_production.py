"""The production part of the demo province (``sibao seed-demo``, MON-03): about four weeks of
daily production reports of the demo's whitelisted units, written in bulk.

Most units operate normally, some partly, a few are suspended; capacity and staff wander around a
level of their own. The county put in emergency by the command demo dips over the days of its
emergency (more partial and suspended units, lower capacity). A few units miss a day now and
then, a handful stopped reporting some days ago, and the home unit (the demo enterprise admin's)
has not reported today yet, so that its admin can do it. Reports hang on the units (foreign keys
cascade), so ``--reset`` needs nothing of its own.
"""

import datetime
import random
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from sibao.enterprises.models import (
    Enterprise,
    ProductionReport,
    ProductionState,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.queries_production import province_today

__all__ = ["seed_production"]

DAYS = 28
# industries that work without raw material stocks (their raw-material column stays empty)
NO_RAW_MATERIAL = {"culture_tourism", "transport"}


def _level(rng: random.Random, rolls: dict) -> str:
    roll = rng.random()
    total = 0.0
    for state, share in rolls.items():
        total += share
        if roll < total:
            return state
    return ProductionState.OPERATING


def seed_production(
    enterprise_ids, *, home=None, emergency_regions=(), seed: int = 0, days: int = DAYS
) -> dict:
    """Reports of the last ``days`` days for the listed units among ``enterprise_ids`` and the
    home unit; returns counts for the seed's report."""
    from sibao.epidemic.models import StaffMember

    rng = random.Random(f"production-{seed}")
    today = province_today()
    listed = WhitelistEntry.objects.filter(
        enterprise_id=OuterRef("pk"), status=WhitelistStatus.LISTED
    )
    home_id = getattr(home, "pk", home)
    # the listed units, and the home unit whatever its whitelist state: its admin is the demo's
    # reporting account and finds its history with today still to report
    units = list(
        Enterprise.objects.filter(pk__in=list(enterprise_ids), merged_into__isnull=True)
        .filter(Q(Exists(listed)) | Q(pk=home_id))
        .only("pk", "region_id", "industry_id", "employees")
        .order_by("pk")
    )
    rosters = dict(
        StaffMember.objects.filter(enterprise__in=units, is_active=True)
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .values_list("enterprise_id", "n")
        .order_by()
    )
    emergency = tuple(emergency_regions)
    reports = []
    summary = {"units": len(units), "reports": 0, "stopped": 0, "emergency_units": 0}
    for unit in units:
        staff_cap = rosters.get(unit.pk) or unit.employees or 20
        usual = rng.uniform(0.55, 0.95)  # the share of the staff usually on site
        capacity_level = rng.randint(70, 95)
        raw_usual = None if unit.industry_id in NO_RAW_MATERIAL else rng.uniform(6, 30)
        raw_level = raw_usual
        in_emergency = bool(emergency) and unit.region_id.startswith(emergency)
        summary["emergency_units"] += int(in_emergency)
        chronic = rng.random() < 0.05  # a unit that runs partly for weeks
        stopped = rng.random() < 0.03 and unit.pk != home_id
        stopped_days = rng.choice((4, 5, 6)) if stopped else 0
        summary["stopped"] += int(bool(stopped_days))
        latest = None
        for offset in range(days - 1, -1, -1):
            on = today - datetime.timedelta(days=offset)
            if offset < stopped_days or (unit.pk == home_id and offset == 0):
                continue
            if offset and rng.random() < 0.03:
                continue  # a missed day
            dip = in_emergency and offset <= 3
            if dip:
                rolls = {"suspended": 0.3, "partial": 0.5}
            elif chronic:
                rolls = {"suspended": 0.05, "partial": 0.75}
            else:
                rolls = {"suspended": 0.015, "partial": 0.08}
            state = _level(rng, rolls)
            if state == ProductionState.SUSPENDED:
                capacity, share = 0, rng.uniform(0.0, 0.08)
            elif state == ProductionState.PARTIAL:
                capacity, share = rng.randint(25, 65), usual * rng.uniform(0.4, 0.8)
            else:
                capacity = min(100, max(40, capacity_level + rng.randint(-8, 8)))
                share = usual * rng.uniform(0.9, 1.05)
            staff = min(staff_cap, max(0, round(staff_cap * share)))
            raw = None
            if raw_level is not None:
                # stocks wander around the unit's usual level; an emergency cuts deliveries
                raw_level += (raw_usual - raw_level) * 0.3 + rng.uniform(-2, 2)
                raw_level = max(0.5, raw_level - (2.5 if dip else 0))
                raw = Decimal(str(round(raw_level, 1)))
            note = ""
            if dip and state != ProductionState.OPERATING:
                note = "所在县区进入应急状态，闭环生产，部分人员无法返岗。"
            elif state == ProductionState.SUSPENDED:
                note = "设备检修，预计三日内恢复。"
            elif state == ProductionState.PARTIAL:
                note = rng.choice(
                    ("原材料供应不足。", "订单减少，单班生产。", "部分员工居家隔离。")
                )
            latest = ProductionReport(
                enterprise_id=unit.pk,
                reported_on=on,
                state=state,
                capacity_percent=capacity,
                staff_on_site=staff,
                raw_material_days=raw,
                note=note,
                region_code=unit.region_id,
                industry_id=unit.industry_id,
            )
            reports.append(latest)
        if latest is not None:
            latest.is_current = True
    ProductionReport.objects.bulk_create(reports, batch_size=2000)
    summary["reports"] = len(reports)
    return summary
