"""Demo data of the warnings area (MON-02): the first evaluation of the warning rules over the
seeded province, then a few responses through the real actions — one turned into a work order,
one resolved, two acknowledged, two assigned — by the HQ office nearest to 中原区 that can reach
enough open warnings (the county's, else 郑州's, else the province's), so the warning list opens on
warnings in every state."""

import datetime

from django.utils import timezone

from sibao.accounts.models import User
from sibao.command.actions import warnings as actions
from sibao.command.models import EarlyWarning, WarningStatus

OFFICES = ["demo-zhongyuan-office", "demo-zhengzhou-office", "demo-province-office"]
LEADER = "demo-zhongyuan-leader"
WANTED = 6


def _picks() -> list[tuple[object, EarlyWarning]]:
    """(acting office, open warning) pairs, nearest office first, the unit warnings first."""
    picked, seen = [], set()
    for username in OFFICES:
        office = User.objects.filter(username=username).first()
        if office is None:
            continue
        open_ones = (
            EarlyWarning.objects.visible_to(office, "respond")
            .filter(status=WarningStatus.OPEN)
            .exclude(pk__in=seen)
            .order_by("enterprise_id", "deadline", "pk")[: WANTED - len(picked)]
        )
        for warning in open_ones:
            picked.append((office, warning))
            seen.add(warning.pk)
        if len(picked) >= WANTED:
            break
    return picked


def seed_warnings(now=None) -> dict:
    now = now or timezone.now()
    counts = actions.evaluate_warnings(now=now)
    acted = {}
    picks = _picks()
    unit_pick = next((p for p in picks if p[1].enterprise_id), None)
    if unit_pick is not None:
        actions.open_work_order(unit_pick[1], actor=unit_pick[0], now=now)
        acted["work_order"] = 1
    rest = [p for p in picks if p is not unit_pick]
    for office, warning in rest[:1]:
        actions.acknowledge_warning(warning, actor=office, now=now)
        actions.resolve_warning(
            warning, actor=office, outcome="已电话督促单位整改，单位已落实。", now=now
        )
        acted["resolved"] = 1
    for office, warning in rest[1:3]:
        actions.acknowledge_warning(warning, actor=office, now=now)
        acted["acknowledged"] = acted.get("acknowledged", 0) + 1
    leader = User.objects.filter(username=LEADER).first()
    for office, warning in rest[3:5]:
        owner = leader if leader is not None and actions.may_respond(leader, warning) else None
        if owner is None and warning.owner_department is None:
            continue
        actions.assign_warning(
            warning,
            actor=office,
            owner=owner,
            department=warning.owner_department,
            deadline=now + datetime.timedelta(days=2),
            note="请牵头核实情况，两日内反馈。",
            now=now,
        )
        acted["assigned"] = acted.get("assigned", 0) + 1
    return {"evaluated": counts, "acted": acted}
