"""EPI-13: a unit's small units (划小单元): zones, teams, bubble groups, shifts, dormitory rooms.

Only the unit's own admin writes them (``PLACES_UNIT_KEEP``: ``add`` to create, ``change`` to
edit or delete); government roles read. ``actor=None`` is the platform itself (commands, the demo
seed) and skips the permission check. Names are unique per unit (shifts: per team and zone) and
every refusal is a ``ValidationError`` with a Chinese message. A row is deleted only when nothing
depends on it (spaces and shifts on a zone; shifts, rooms and roster rows on a team; teams in a
bubble group; roster rows in a room), else the refusal says what to move first.

The checks of what was entered (a room houses one team, no two teams' shifts overlap in a zone,
bubbles stay apart) are reads, in ``places.queries_zones``: entering an overlapping shift is
allowed and shows up there as a finding.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sibao.accounts.access import covers
from sibao.core import audit
from sibao.places.models import BubbleGroup, DormitoryRoom, Shift, Space, Team, Zone, ZoneKind
from sibao.places.models.zones import RiskGrade

__all__ = [
    "create_bubble_group",
    "create_dormitory_room",
    "create_shift",
    "create_team",
    "create_zone",
    "delete_bubble_group",
    "delete_dormitory_room",
    "delete_shift",
    "delete_team",
    "delete_zone",
    "parse_time_of_day",
    "update_bubble_group",
    "update_dormitory_room",
    "update_shift",
    "update_team",
    "update_zone",
]

UNSET = object()  # "leave this field as it is" in the update actions
MAX_CAPACITY = 32767


def _check_unit(actor, enterprise, model, action: str) -> None:
    """``actor`` may ``action`` rows of ``model`` of this unit (a unit admin: its own unit only;
    government roles only read)."""
    if actor is not None and not covers(
        actor, model, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(_("您无权管理该单位的划小单元。"))
    if enterprise.merged_into_id:
        raise ValidationError(_("该单位记录已合并，请在保留记录上管理。"))


def _name(errors: dict, value, *, label: str, max_length: int = 64) -> str:
    name = (value or "").strip()
    if not name:
        errors["name"] = _("请填写%(label)s。") % {"label": label}
    elif len(name) > max_length:
        errors["name"] = _("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": max_length}
    return name


def _note(errors: dict, value) -> str:
    note = (value or "").strip()
    if len(note) > 255:
        errors["note"] = _("说明不能超过 255 个字。")
    return note


def _unique(errors: dict, queryset, name: str, message: str, exclude=None) -> None:
    if "name" in errors:
        return
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    if queryset.filter(name=name).exists():
        errors["name"] = message % {"name": name}


def _save(obj, *, fields=None, message: str):
    """Save, turning a lost race on a unique name into the same refusal as the check before."""
    try:
        with transaction.atomic():
            obj.save(update_fields=fields) if fields else obj.save()
    except IntegrityError:
        raise ValidationError({"name": message % {"name": obj.name}}) from None
    return obj


def _same_unit(errors: dict, key: str, obj, enterprise, message: str) -> None:
    if obj is not None and obj.enterprise_id != enterprise.pk:
        errors[key] = message


def _changes(before: dict, after: dict) -> dict:
    return audit.diff(before, after)


def parse_time_of_day(value, label: str = "") -> datetime.time:
    """A time of day from a ``datetime.time`` or text "HH:MM" / "HH:MM:SS" (seconds dropped)."""
    if isinstance(value, datetime.datetime):
        value = value.time()
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    text = (value or "").strip() if isinstance(value, str) else ""
    try:
        parsed = datetime.time.fromisoformat(text) if text else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(label)
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


# --- zones ---------------------------------------------------------------------------------------

ZONE_FIELDS = ["name", "kind", "risk_grade", "note"]


def _zone_values(errors, enterprise, *, name, kind, risk_grade, note, exclude=None):
    name = _name(errors, name, label=_("区域名称"))
    if kind not in ZoneKind.values:
        errors["kind"] = _("请选择区域类型（交接、生产经营、生活或公共区域）。")
    if risk_grade not in RiskGrade.values:
        errors["risk_grade"] = _("请选择风险等级（低、中、高）。")
    note = _note(errors, note)
    _unique(
        errors,
        Zone.objects.filter(enterprise=enterprise),
        name,
        _("本单位已有名为“%(name)s”的区域。"),
        exclude,
    )
    return {"name": name, "kind": kind, "risk_grade": risk_grade, "note": note}


@transaction.atomic
def create_zone(enterprise, *, actor, name, kind, risk_grade=RiskGrade.LOW, note="") -> Zone:
    """A zone of the unit by type (交接、生产经营、生活、公共) and risk grade (D2 三(四))."""
    _check_unit(actor, enterprise, Zone, "add")
    errors = {}
    values = _zone_values(
        errors, enterprise, name=name, kind=kind, risk_grade=risk_grade, note=note
    )
    if errors:
        raise ValidationError(errors)
    zone = Zone(enterprise=enterprise, region_code=enterprise.region_id, **values)
    _save(zone, message=_("本单位已有名为“%(name)s”的区域。"))
    audit.record(
        "place.zone.create",
        actor=actor,
        obj=zone,
        changes={k: [None, v] for k, v in values.items() if v != ""},
    )
    return zone


@transaction.atomic
def update_zone(zone, *, actor, name=UNSET, kind=UNSET, risk_grade=UNSET, note=UNSET) -> Zone:
    """Rename a zone, change its type, risk grade or note (arguments left out stay)."""
    zone = Zone.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=zone.pk)
    _check_unit(actor, zone.enterprise, Zone, "change")
    before = audit.snapshot(zone, ZONE_FIELDS)
    errors = {}
    values = _zone_values(
        errors,
        zone.enterprise,
        name=zone.name if name is UNSET else name,
        kind=zone.kind if kind is UNSET else kind,
        risk_grade=zone.risk_grade if risk_grade is UNSET else risk_grade,
        note=zone.note if note is UNSET else note,
        exclude=zone,
    )
    if errors:
        raise ValidationError(errors)
    for key, value in values.items():
        setattr(zone, key, value)
    changes = _changes(before, audit.snapshot(zone, ZONE_FIELDS))
    if changes:
        _save(zone, fields=list(changes), message=_("本单位已有名为“%(name)s”的区域。"))
        audit.record("place.zone.update", actor=actor, obj=zone, changes=changes)
    return zone


@transaction.atomic
def delete_zone(zone, *, actor) -> None:
    """Delete a zone that no space is linked to and no shift works in."""
    zone = Zone.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=zone.pk)
    _check_unit(actor, zone.enterprise, Zone, "change")
    reasons = []
    spaces = Space.objects.filter(zone=zone).count()
    if spaces:
        reasons.append(_("%(n)s 个空间属于该区域") % {"n": spaces})
    shifts = Shift.objects.filter(zone=zone).count()
    if shifts:
        reasons.append(_("该区域有 %(n)s 个班次") % {"n": shifts})
    if reasons:
        raise ValidationError(
            _("不能删除区域“%(name)s”：%(reasons)s，请先调整。")
            % {"name": zone.name, "reasons": "、".join(reasons)}
        )
    audit.record(
        "place.zone.delete",
        actor=actor,
        obj=zone,
        changes={k: [v, None] for k, v in audit.snapshot(zone, ZONE_FIELDS).items()},
    )
    zone.delete()


# --- bubble groups -------------------------------------------------------------------------------

BUBBLE_FIELDS = ["name", "note"]


def _bubble_teams(errors, enterprise, teams) -> list:
    teams = list(teams or [])
    for team in teams:
        if team.enterprise_id != enterprise.pk:
            errors["teams"] = _("所选班组不属于该单位。")
            break
    return teams


def _assign_teams(group, teams, actor) -> dict:
    """Exactly ``teams`` in ``group``: the others leave it, teams of another group move (each
    audited on the team). Returns the change of the group's member list."""
    wanted = {t.pk for t in teams}
    current = set(Team.objects.filter(bubble=group).values_list("pk", flat=True))
    moved = Team.objects.select_for_update().filter(pk__in=(wanted ^ current))
    for team in moved:
        old = team.bubble_id
        team.bubble = group if team.pk in wanted else None
        team.save(update_fields=["bubble"])
        audit.record(
            "place.team.update", actor=actor, obj=team, changes={"bubble": [old, team.bubble_id]}
        )
    if wanted == current:
        return {}
    return {"teams": [sorted(current), sorted(wanted)]}


@transaction.atomic
def create_bubble_group(enterprise, *, actor, name, note="", teams=()) -> BubbleGroup:
    """A bubble (气泡) of teams that live and work together and meet no one else (D1 四(一)
    "气泡式"管理); ``teams`` join it (leaving any other bubble)."""
    _check_unit(actor, enterprise, BubbleGroup, "add")
    errors = {}
    name = _name(errors, name, label=_("气泡组名称"))
    note = _note(errors, note)
    teams = _bubble_teams(errors, enterprise, teams)
    taken = _("本单位已有名为“%(name)s”的气泡组。")
    _unique(errors, BubbleGroup.objects.filter(enterprise=enterprise), name, taken)
    if errors:
        raise ValidationError(errors)
    group = BubbleGroup(
        enterprise=enterprise, region_code=enterprise.region_id, name=name, note=note
    )
    _save(group, message=taken)
    changes = {"name": [None, name], **_assign_teams(group, teams, actor)}
    if note:
        changes["note"] = [None, note]
    audit.record("place.bubble.create", actor=actor, obj=group, changes=changes)
    return group


@transaction.atomic
def update_bubble_group(group, *, actor, name=UNSET, note=UNSET, teams=UNSET) -> BubbleGroup:
    """Rename a bubble group, change its note, or set its teams (exactly those given)."""
    group = (
        BubbleGroup.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=group.pk)
    )
    _check_unit(actor, group.enterprise, BubbleGroup, "change")
    before = audit.snapshot(group, BUBBLE_FIELDS)
    errors = {}
    taken = _("本单位已有名为“%(name)s”的气泡组。")
    new_name = _name(errors, group.name if name is UNSET else name, label=_("气泡组名称"))
    new_note = _note(errors, group.note if note is UNSET else note)
    members = None if teams is UNSET else _bubble_teams(errors, group.enterprise, teams)
    _unique(errors, BubbleGroup.objects.filter(enterprise=group.enterprise), new_name, taken, group)
    if errors:
        raise ValidationError(errors)
    group.name, group.note = new_name, new_note
    changes = _changes(before, audit.snapshot(group, BUBBLE_FIELDS))
    if changes:
        _save(group, fields=list(changes), message=taken)
    if members is not None:
        changes.update(_assign_teams(group, members, actor))
    if changes:
        audit.record("place.bubble.update", actor=actor, obj=group, changes=changes)
    return group


@transaction.atomic
def delete_bubble_group(group, *, actor) -> None:
    """Delete a bubble group without teams."""
    group = (
        BubbleGroup.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=group.pk)
    )
    _check_unit(actor, group.enterprise, BubbleGroup, "change")
    teams = Team.objects.filter(bubble=group).count()
    if teams:
        raise ValidationError(
            _("不能删除气泡组“%(name)s”：其中还有 %(n)s 个班组，请先移出。")
            % {"name": group.name, "n": teams}
        )
    audit.record(
        "place.bubble.delete",
        actor=actor,
        obj=group,
        changes={k: [v, None] for k, v in audit.snapshot(group, BUBBLE_FIELDS).items()},
    )
    group.delete()


# --- teams ---------------------------------------------------------------------------------------

TEAM_FIELDS = ["name", "bubble"]


def _roster_count(enterprise, **names) -> int:
    from sibao.epidemic.models import StaffMember

    return StaffMember.objects.filter(enterprise=enterprise, is_active=True, **names).count()


@transaction.atomic
def create_team(enterprise, *, actor, name, bubble=None) -> Team:
    """A team (班组); roster rows name it in their ``team`` column."""
    _check_unit(actor, enterprise, Team, "add")
    errors = {}
    name = _name(errors, name, label=_("班组名称"))
    _same_unit(errors, "bubble", bubble, enterprise, _("所选气泡组不属于该单位。"))
    taken = _("本单位已有名为“%(name)s”的班组。")
    _unique(errors, Team.objects.filter(enterprise=enterprise), name, taken)
    if errors:
        raise ValidationError(errors)
    team = Team(enterprise=enterprise, region_code=enterprise.region_id, name=name, bubble=bubble)
    _save(team, message=taken)
    changes = {"name": [None, name]}
    if bubble is not None:
        changes["bubble"] = [None, bubble.pk]
    audit.record("place.team.create", actor=actor, obj=team, changes=changes)
    return team


@transaction.atomic
def update_team(team, *, actor, name=UNSET, bubble=UNSET) -> Team:
    """Rename a team or move it to another bubble group (``bubble=None``: none).

    A team that active roster rows name keeps its name: the roster links by name, so renaming
    would cut its staff off; the roster is changed first."""
    team = Team.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=team.pk)
    _check_unit(actor, team.enterprise, Team, "change")
    before = audit.snapshot(team, TEAM_FIELDS)
    errors = {}
    taken = _("本单位已有名为“%(name)s”的班组。")
    new_name = _name(errors, team.name if name is UNSET else name, label=_("班组名称"))
    if bubble is not UNSET:
        _same_unit(errors, "bubble", bubble, team.enterprise, _("所选气泡组不属于该单位。"))
    _unique(errors, Team.objects.filter(enterprise=team.enterprise), new_name, taken, team)
    if "name" not in errors and new_name != team.name:
        staff = _roster_count(team.enterprise, team=team.name)
        if staff:
            errors["name"] = _(
                "花名册中有 %(n)s 名在岗员工登记在班组“%(name)s”，改名后将无法对应；"
                "请先在花名册中调整这些员工的班组。"
            ) % {"n": staff, "name": team.name}
    if errors:
        raise ValidationError(errors)
    team.name = new_name
    if bubble is not UNSET:
        team.bubble = bubble
    changes = _changes(before, audit.snapshot(team, TEAM_FIELDS))
    if changes:
        _save(team, fields=list(changes), message=taken)
        audit.record("place.team.update", actor=actor, obj=team, changes=changes)
    return team


@transaction.atomic
def delete_team(team, *, actor) -> None:
    """Delete a team without shifts, without a dormitory room and named by no active roster row."""
    team = Team.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=team.pk)
    _check_unit(actor, team.enterprise, Team, "change")
    reasons = []
    shifts = Shift.objects.filter(team=team).count()
    if shifts:
        reasons.append(_("有 %(n)s 个班次") % {"n": shifts})
    rooms = DormitoryRoom.objects.filter(team=team).count()
    if rooms:
        reasons.append(_("入住 %(n)s 间宿舍") % {"n": rooms})
    staff = _roster_count(team.enterprise, team=team.name)
    if staff:
        reasons.append(_("花名册中有 %(n)s 名在岗员工属于该班组") % {"n": staff})
    if reasons:
        raise ValidationError(
            _("不能删除班组“%(name)s”：%(reasons)s，请先调整。")
            % {"name": team.name, "reasons": "、".join(reasons)}
        )
    audit.record(
        "place.team.delete",
        actor=actor,
        obj=team,
        changes={k: [v, None] for k, v in audit.snapshot(team, TEAM_FIELDS).items()},
    )
    team.delete()


# --- shifts --------------------------------------------------------------------------------------

SHIFT_FIELDS = ["team", "zone", "name", "starts", "ends"]


def _shift_values(errors, enterprise, *, team, zone, name, starts, ends, exclude=None):
    name = _name(errors, name, label=_("班次名称"), max_length=32)
    if team is None:
        errors["team"] = _("请选择班组。")
    else:
        _same_unit(errors, "team", team, enterprise, _("所选班组不属于该单位。"))
    if zone is None:
        errors["zone"] = _("请选择区域。")
    else:
        _same_unit(errors, "zone", zone, enterprise, _("所选区域不属于该单位。"))
    times = {}
    for key, value, label in (("starts", starts, _("开始时间")), ("ends", ends, _("结束时间"))):
        try:
            times[key] = parse_time_of_day(value)
        except ValueError:
            errors[key] = _("%(label)s格式应为 时:分（如 08:00）。") % {"label": label}
    if len(times) == 2 and times["starts"] == times["ends"]:
        errors["ends"] = _("结束时间不能与开始时间相同（跨零点的班次结束时间早于开始时间）。")
    if not errors:
        same = Shift.objects.filter(team=team, zone=zone, name=name)
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors["name"] = _("班组“%(team)s”在区域“%(zone)s”已有名为“%(name)s”的班次。") % {
                "team": team.name,
                "zone": zone.name,
                "name": name,
            }
    return {"team": team, "zone": zone, "name": name, **times}


@transaction.atomic
def create_shift(enterprise, *, actor, team, zone, name, starts, ends) -> Shift:
    """A team's daily working time in one zone. ``ends`` earlier than ``starts`` runs past
    midnight (22:00–06:00); equal times are refused. Overlaps with other teams are allowed here
    and reported by the checks (``places.queries_zones``)."""
    _check_unit(actor, enterprise, Shift, "add")
    errors = {}
    values = _shift_values(
        errors, enterprise, team=team, zone=zone, name=name, starts=starts, ends=ends
    )
    if errors:
        raise ValidationError(errors)
    shift = Shift.objects.create(enterprise=enterprise, region_code=enterprise.region_id, **values)
    audit.record(
        "place.shift.create",
        actor=actor,
        obj=shift,
        changes={k: [None, v] for k, v in audit.snapshot(shift, SHIFT_FIELDS).items()},
    )
    return shift


@transaction.atomic
def update_shift(
    shift, *, actor, team=UNSET, zone=UNSET, name=UNSET, starts=UNSET, ends=UNSET
) -> Shift:
    """Move a shift in time, to another zone or team, or rename it (arguments left out stay)."""
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("enterprise", "team", "zone")
        .get(pk=shift.pk)
    )
    _check_unit(actor, shift.enterprise, Shift, "change")
    before = audit.snapshot(shift, SHIFT_FIELDS)
    errors = {}
    values = _shift_values(
        errors,
        shift.enterprise,
        team=shift.team if team is UNSET else team,
        zone=shift.zone if zone is UNSET else zone,
        name=shift.name if name is UNSET else name,
        starts=shift.starts if starts is UNSET else starts,
        ends=shift.ends if ends is UNSET else ends,
        exclude=shift,
    )
    if errors:
        raise ValidationError(errors)
    for key, value in values.items():
        setattr(shift, key, value)
    changes = _changes(before, audit.snapshot(shift, SHIFT_FIELDS))
    if changes:
        shift.save(update_fields=list(changes))
        audit.record("place.shift.update", actor=actor, obj=shift, changes=changes)
    return shift


@transaction.atomic
def delete_shift(shift, *, actor) -> None:
    shift = (
        Shift.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=shift.pk)
    )
    _check_unit(actor, shift.enterprise, Shift, "change")
    audit.record(
        "place.shift.delete",
        actor=actor,
        obj=shift,
        changes={k: [v, None] for k, v in audit.snapshot(shift, SHIFT_FIELDS).items()},
    )
    shift.delete()


# --- dormitory rooms -----------------------------------------------------------------------------

ROOM_FIELDS = ["name", "building", "capacity", "team"]


def _room_values(errors, enterprise, *, name, building, capacity, team, exclude=None):
    name = _name(errors, name, label=_("房间名称"))
    building = (building or "").strip()
    if len(building) > 64:
        errors["building"] = _("楼栋不能超过 64 个字。")
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        errors["capacity"] = _("床位数应为整数。")
        capacity = 0
    else:
        if capacity < 1:
            errors["capacity"] = _("床位数至少为 1。")
        elif capacity > MAX_CAPACITY:
            errors["capacity"] = _("床位数过大。")
    _same_unit(errors, "team", team, enterprise, _("所选班组不属于该单位。"))
    _unique(
        errors,
        DormitoryRoom.objects.filter(enterprise=enterprise),
        name,
        _("本单位已有名为“%(name)s”的宿舍房间。"),
        exclude,
    )
    return {"name": name, "building": building, "capacity": capacity, "team": team}


@transaction.atomic
def create_dormitory_room(
    enterprise, *, actor, name, capacity, building="", team=None
) -> DormitoryRoom:
    """A dormitory room and the team living in it (D2 三(四): rooms arranged by team and
    shift); roster rows name it in their ``dormitory`` column."""
    _check_unit(actor, enterprise, DormitoryRoom, "add")
    errors = {}
    values = _room_values(
        errors, enterprise, name=name, building=building, capacity=capacity, team=team
    )
    if errors:
        raise ValidationError(errors)
    room = DormitoryRoom(enterprise=enterprise, region_code=enterprise.region_id, **values)
    _save(room, message=_("本单位已有名为“%(name)s”的宿舍房间。"))
    audit.record(
        "place.room.create",
        actor=actor,
        obj=room,
        changes={
            k: [None, v] for k, v in audit.snapshot(room, ROOM_FIELDS).items() if v not in ("",)
        },
    )
    return room


@transaction.atomic
def update_dormitory_room(
    room, *, actor, name=UNSET, building=UNSET, capacity=UNSET, team=UNSET
) -> DormitoryRoom:
    """Change a room's building, beds or team, or rename it (a room that active roster rows
    name keeps its name: the roster links by name)."""
    room = (
        DormitoryRoom.objects.select_for_update(of=("self",))
        .select_related("enterprise", "team")
        .get(pk=room.pk)
    )
    _check_unit(actor, room.enterprise, DormitoryRoom, "change")
    before = audit.snapshot(room, ROOM_FIELDS)
    errors = {}
    values = _room_values(
        errors,
        room.enterprise,
        name=room.name if name is UNSET else name,
        building=room.building if building is UNSET else building,
        capacity=room.capacity if capacity is UNSET else capacity,
        team=room.team if team is UNSET else team,
        exclude=room,
    )
    if "name" not in errors and values["name"] != room.name:
        staff = _roster_count(room.enterprise, dormitory=room.name)
        if staff:
            errors["name"] = _(
                "花名册中有 %(n)s 名在岗员工登记住在“%(name)s”，改名后将无法对应；"
                "请先在花名册中调整这些员工的宿舍。"
            ) % {"n": staff, "name": room.name}
    if errors:
        raise ValidationError(errors)
    for key, value in values.items():
        setattr(room, key, value)
    changes = _changes(before, audit.snapshot(room, ROOM_FIELDS))
    if changes:
        _save(room, fields=list(changes), message=_("本单位已有名为“%(name)s”的宿舍房间。"))
        audit.record("place.room.update", actor=actor, obj=room, changes=changes)
    return room


@transaction.atomic
def delete_dormitory_room(room, *, actor) -> None:
    """Delete a room no active roster row lives in."""
    room = (
        DormitoryRoom.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .get(pk=room.pk)
    )
    _check_unit(actor, room.enterprise, DormitoryRoom, "change")
    staff = _roster_count(room.enterprise, dormitory=room.name)
    if staff:
        raise ValidationError(
            _("不能删除宿舍“%(name)s”：花名册中有 %(n)s 名在岗员工住在该房间，请先调整。")
            % {"name": room.name, "n": staff}
        )
    audit.record(
        "place.room.delete",
        actor=actor,
        obj=room,
        changes={k: [v, None] for k, v in audit.snapshot(room, ROOM_FIELDS).items()},
    )
    room.delete()
