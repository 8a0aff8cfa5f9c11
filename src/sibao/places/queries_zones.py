"""EPI-13: the checks of a unit's small units (划小单元), pure reads.

The seed (D2 三(四); D1 四(一)): 同一班组员工统一活动; 员工宿舍按照同办公室、同工作班组等在排班
时间一致的基础上统筹安排; 不同班组员工之间做到无接触换班; 闭环内部"气泡式"管理. So:

(a) ``room_findings``: a dormitory room houses one team — active roster rows
    (``StaffMember.dormitory`` = the room's name) of more than one team, or of a team other than
    the room's; more occupants than beds.
(b) ``shift_findings``: contactless shift change — two different teams' shifts overlap in time of
    day in the same zone. A shift repeats daily; one whose end is before its start runs past
    midnight. Touching (one ends when the other starts) is not an overlap.
(c) ``bubble_findings``: bubbles stay apart — teams of different bubble groups (or a bubble team
    and a team outside any bubble) with overlapping shifts in one zone, or living in one room.
(d) ``roster_findings`` (informational): roster rows naming a team or a room that is not
    registered.

``unit_checks(unit)`` gives all findings, each with a Chinese explanation; ``region_summary``
counts them for the units of a region in a fixed number of queries. Only counts come from the
roster: no person is named.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.places.models import BubbleGroup, DormitoryRoom, Shift, Space, Team, Zone

__all__ = [
    "CHECKS",
    "DAY",
    "Finding",
    "UnitData",
    "UnitSummary",
    "bubble_findings",
    "format_minutes",
    "hour_grid",
    "linked_spaces",
    "load",
    "overlap",
    "region_summary",
    "room_findings",
    "roster_findings",
    "shift_findings",
    "shift_intervals",
    "unit_checks",
    "unit_data",
]

DAY = 24 * 60

# check key -> (label, severity); the order is the order on the page
CHECKS = {
    "room_mixed": (gettext_lazy("宿舍混住多个班组"), "danger"),
    "room_team": (gettext_lazy("宿舍入住班组不符"), "danger"),
    "room_capacity": (gettext_lazy("宿舍超员"), "warning"),
    "shift_overlap": (gettext_lazy("不同班组班次重叠（未做到无接触换班）"), "danger"),
    "bubble_shift": (gettext_lazy("不同气泡组在同一区域同时作业"), "danger"),
    "bubble_room": (gettext_lazy("不同气泡组同住一间宿舍"), "danger"),
    "roster_team": (gettext_lazy("花名册中的班组未登记"), "info"),
    "roster_room": (gettext_lazy("花名册中的宿舍未登记"), "info"),
}


@dataclass(frozen=True)
class Finding:
    """One problem found: ``check`` (a key of ``CHECKS``), the explanation, and the ids of the
    rows concerned (zone, room, teams, shifts) so that pages can mark them."""

    check: str
    message: str
    zone_id: int | None = None
    room_id: int | None = None
    team_ids: tuple = ()
    shift_ids: tuple = ()

    @property
    def label(self) -> str:
        return str(CHECKS[self.check][0])

    @property
    def severity(self) -> str:
        return CHECKS[self.check][1]

    def as_dict(self) -> dict:
        return {
            "check": self.check,
            "label": self.label,
            "severity": self.severity,
            "message": self.message,
            "zone": self.zone_id,
            "room": self.room_id,
            "teams": list(self.team_ids),
            "shifts": list(self.shift_ids),
        }


@dataclass
class UnitData:
    """What the checks read about one unit: its rows and the roster's counts (active rows) by
    (dormitory, team)."""

    zones: list = field(default_factory=list)
    teams: list = field(default_factory=list)
    bubbles: list = field(default_factory=list)
    shifts: list = field(default_factory=list)
    rooms: list = field(default_factory=list)
    # (dormitory name, team name) -> active roster rows; "" where the roster leaves it blank
    roster: dict = field(default_factory=dict)

    def team_heads(self) -> dict:
        heads = defaultdict(int)
        for (_room, team), n in self.roster.items():
            heads[team] += n
        return dict(heads)

    def room_heads(self) -> dict:
        heads = defaultdict(int)
        for (room, _team), n in self.roster.items():
            heads[room] += n
        return dict(heads)


# --- time of day ---------------------------------------------------------------------------------


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def shift_intervals(starts: datetime.time, ends: datetime.time) -> list[tuple[int, int]]:
    """The minutes of the day a daily shift covers, as half-open intervals: 08:00–16:00 is
    [(480, 960)]; 22:00–06:00 runs past midnight: [(1320, 1440), (0, 360)]."""
    s, e = _minutes(starts), _minutes(ends)
    if s == e:
        return []
    if s < e:
        return [(s, e)]
    return [(s, DAY)] + ([(0, e)] if e else [])


def overlap(a_starts, a_ends, b_starts, b_ends) -> list[tuple[int, int]]:
    """The times of day two daily shifts are both on, as (start, end) minutes; a period that
    runs past midnight is one pair with end < start (23:00–01:00 is (1380, 60)). Empty when they
    only touch."""
    parts = sorted(
        (max(s1, s2), min(e1, e2))
        for s1, e1 in shift_intervals(a_starts, a_ends)
        for s2, e2 in shift_intervals(b_starts, b_ends)
        if min(e1, e2) > max(s1, s2)
    )
    # join a period ending at midnight with one starting at midnight
    if len(parts) > 1 and parts[0][0] == 0 and parts[-1][1] == DAY:
        parts = [(parts[-1][0], parts[0][1])] + parts[1:-1]
    return [(s, e % DAY) for s, e in parts]


def _period(start: int, end: int) -> str:
    if end <= start:
        return _("%(start)s–次日%(end)s") % {
            "start": format_minutes(start),
            "end": format_minutes(end),
        }
    return f"{format_minutes(start)}–{format_minutes(end)}"


def _shift_label(shift) -> str:
    return _("%(team)s“%(shift)s”（%(period)s）") % {
        "team": shift.team.name,
        "shift": shift.name,
        "period": _period(_minutes(shift.starts), _minutes(shift.ends)),
    }


def hour_grid(shifts) -> list[dict]:
    """A day timeline of one zone's shifts: for each shift the 24 hours with whether it is on
    during that hour, and for each hour how many different teams are on (more than one: a
    clash)."""
    rows = []
    teams_by_hour = [set() for _hour in range(24)]
    for shift in shifts:
        intervals = shift_intervals(shift.starts, shift.ends)
        hours = []
        for hour in range(24):
            on = any(min(e, (hour + 1) * 60) > max(s, hour * 60) for s, e in intervals)
            hours.append(on)
            if on:
                teams_by_hour[hour].add(shift.team_id)
        rows.append({"shift": shift, "hours": hours})
    clashes = [len(teams) > 1 for teams in teams_by_hour]
    for row in rows:
        row["cells"] = [
            {"hour": h, "on": on, "clash": on and clashes[h]} for h, on in enumerate(row["hours"])
        ]
    return rows


# --- loading -------------------------------------------------------------------------------------


def _roster_counts(unit_ids) -> dict:
    """{unit id: {(dormitory, team): active rows}} in one GROUP BY."""
    from sibao.epidemic.models import StaffMember

    counts = defaultdict(dict)
    rows = (
        StaffMember.objects.filter(enterprise_id__in=unit_ids, is_active=True)
        .order_by()
        .values_list("enterprise_id", "dormitory", "team")
        .annotate(n=Count("pk"))
    )
    for unit_id, room, team, n in rows:
        key = ((room or "").strip(), (team or "").strip())
        counts[unit_id][key] = counts[unit_id].get(key, 0) + n
    return counts


def _rows(model, unit_ids, user):
    queryset = model.objects.filter(enterprise_id__in=unit_ids)
    return queryset if user is None else queryset.visible_to(user, "view")


def load(unit_ids, user=None) -> dict:
    """{unit id: UnitData} for the given units, in six queries whatever their number. With
    ``user``, the unit's rows are those it may view (``visible_to``); the roster gives counts
    only, never a person, so its counts are read for the units asked about."""
    unit_ids = list(unit_ids)
    data = {pk: UnitData() for pk in unit_ids}
    teams = {}
    for team in _rows(Team, unit_ids, user).select_related("bubble"):
        teams[team.pk] = team
        data[team.enterprise_id].teams.append(team)
    for zone in _rows(Zone, unit_ids, user):
        data[zone.enterprise_id].zones.append(zone)
    for group in _rows(BubbleGroup, unit_ids, user):
        data[group.enterprise_id].bubbles.append(group)
    zones = {z.pk: z for d in data.values() for z in d.zones}
    for shift in _rows(Shift, unit_ids, user).order_by("zone_id", "starts", "pk"):
        if shift.team_id not in teams or shift.zone_id not in zones:
            continue
        # share the loaded team and zone (no query per shift)
        shift.team = teams[shift.team_id]
        shift.zone = zones[shift.zone_id]
        data[shift.enterprise_id].shifts.append(shift)
    for room in _rows(DormitoryRoom, unit_ids, user):
        if room.team_id:
            if room.team_id not in teams:
                continue
            room.team = teams[room.team_id]
        data[room.enterprise_id].rooms.append(room)
    for unit_id, counts in _roster_counts(unit_ids).items():
        data[unit_id].roster = counts
    return data


def _data(unit) -> UnitData:
    if isinstance(unit, UnitData):
        return unit
    return load([unit.pk])[unit.pk]


def unit_data(unit, user=None) -> UnitData:
    """The loaded rows of one unit (as ``user`` may view them)."""
    return load([unit.pk], user)[unit.pk]


def _team_list(counts: dict) -> str:
    return "、".join(
        _("%(team)s %(n)s 人") % {"team": team or _("未填班组"), "n": n}
        for team, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


# --- the checks ----------------------------------------------------------------------------------


def _room_occupants(data: UnitData) -> dict:
    """{room name: {team name: active rows}} from the roster."""
    rooms = defaultdict(dict)
    for (room, team), n in data.roster.items():
        if room:
            rooms[room][team] = rooms[room].get(team, 0) + n
    return rooms


def room_findings(unit) -> list[Finding]:
    """(a) One team per dormitory room, and no more occupants than beds."""
    data = _data(unit)
    occupants = _room_occupants(data)
    teams_by_name = {t.name: t for t in data.teams}
    found = []
    for room in sorted(data.rooms, key=lambda r: (r.building, r.name)):
        living = occupants.get(room.name, {})
        named = {team: n for team, n in living.items() if team}
        team_ids = tuple(sorted(teams_by_name[t].pk for t in named if t in teams_by_name))
        label = f"{room.building}{room.name}"
        if room.team_id:
            others = {team: n for team, n in named.items() if team != room.team.name}
            if others:
                found.append(
                    Finding(
                        "room_team",
                        _(
                            "宿舍“%(room)s”登记由%(team)s入住，但花名册中住有其他班组的员工："
                            "%(others)s。同一宿舍应只安排同一班组。"
                        )
                        % {"room": label, "team": room.team.name, "others": _team_list(others)},
                        room_id=room.pk,
                        team_ids=tuple(sorted({room.team_id, *team_ids})),
                    )
                )
        elif len(named) > 1:
            found.append(
                Finding(
                    "room_mixed",
                    _(
                        "宿舍“%(room)s”住有 %(k)s 个班组的员工：%(teams)s。"
                        "员工宿舍应按同一班组、排班时间一致安排。"
                    )
                    % {"room": label, "k": len(named), "teams": _team_list(named)},
                    room_id=room.pk,
                    team_ids=team_ids,
                )
            )
        total = sum(living.values())
        if room.capacity and total > room.capacity:
            found.append(
                Finding(
                    "room_capacity",
                    _(
                        "宿舍“%(room)s”有床位 %(beds)s 个，花名册中在岗入住 %(n)s 人，超员 %(over)s 人。"
                    )
                    % {
                        "room": label,
                        "beds": room.capacity,
                        "n": total,
                        "over": total - room.capacity,
                    },
                    room_id=room.pk,
                    team_ids=team_ids,
                )
            )
    return found


def _overlapping_pairs(data: UnitData):
    """(zone, shift a, shift b, periods) for every two shifts of different teams in one zone
    that are on at the same time of day."""
    by_zone = defaultdict(list)
    for shift in data.shifts:
        by_zone[shift.zone_id].append(shift)
    for zone in sorted(data.zones, key=lambda z: z.name):
        shifts = sorted(by_zone.get(zone.pk, []), key=lambda s: (s.starts, s.pk))
        for i, a in enumerate(shifts):
            for b in shifts[i + 1 :]:
                if a.team_id == b.team_id:
                    continue
                periods = overlap(a.starts, a.ends, b.starts, b.ends)
                if periods:
                    yield zone, a, b, periods


def _periods(periods) -> str:
    return "、".join(_period(s, e) for s, e in periods)


def shift_findings(unit) -> list[Finding]:
    """(b) Contactless shift change: no two teams' shifts on at the same time in one zone."""
    data = _data(unit)
    return [
        Finding(
            "shift_overlap",
            _(
                "区域“%(zone)s”：%(a)s 与 %(b)s 在 %(periods)s 同时在岗。"
                "不同班组应错峰、无接触换班，请调整班次时间。"
            )
            % {
                "zone": zone.name,
                "a": _shift_label(a),
                "b": _shift_label(b),
                "periods": _periods(periods),
            },
            zone_id=zone.pk,
            team_ids=tuple(sorted({a.team_id, b.team_id})),
            shift_ids=(a.pk, b.pk),
        )
        for zone, a, b, periods in _overlapping_pairs(data)
    ]


def _bubble_of(team) -> str:
    return team.bubble.name if team.bubble_id else _("未编入气泡组")


def _bubbles_apart(teams) -> bool:
    """Teams that should not meet: in different bubble groups, or some in a bubble and some in
    none (a unit without bubbles has nothing to keep apart)."""
    bubbles = {t.bubble_id for t in teams}
    return len(bubbles) > 1


def bubble_findings(unit) -> list[Finding]:
    """(c) Bubbles stay apart: teams of different bubble groups neither work in one zone at the
    same time nor live in one room."""
    data = _data(unit)
    found = []
    for zone, a, b, periods in _overlapping_pairs(data):
        if not _bubbles_apart([a.team, b.team]):
            continue
        found.append(
            Finding(
                "bubble_shift",
                _(
                    "区域“%(zone)s”：%(a)s（%(ba)s）与 %(b)s（%(bb)s）在 %(periods)s 同时作业，"
                    "不同气泡组之间应不交叉、不接触。"
                )
                % {
                    "zone": zone.name,
                    "a": _shift_label(a),
                    "ba": _bubble_of(a.team),
                    "b": _shift_label(b),
                    "bb": _bubble_of(b.team),
                    "periods": _periods(periods),
                },
                zone_id=zone.pk,
                team_ids=tuple(sorted({a.team_id, b.team_id})),
                shift_ids=(a.pk, b.pk),
            )
        )
    occupants = _room_occupants(data)
    teams_by_name = {t.name: t for t in data.teams}
    for room in sorted(data.rooms, key=lambda r: (r.building, r.name)):
        living = {teams_by_name[t] for t in occupants.get(room.name, {}) if t in teams_by_name}
        if room.team_id:
            living.add(room.team)
        if not _bubbles_apart(living):
            continue
        groups = defaultdict(list)
        for team in sorted(living, key=lambda t: t.name):
            groups[_bubble_of(team)].append(team.name)
        found.append(
            Finding(
                "bubble_room",
                _("宿舍“%(room)s”住有不同气泡组的班组：%(groups)s。不同气泡组应分开住宿。")
                % {
                    "room": f"{room.building}{room.name}",
                    "groups": "；".join(
                        f"{bubble}：{'、'.join(names)}" for bubble, names in sorted(groups.items())
                    ),
                },
                room_id=room.pk,
                team_ids=tuple(sorted(t.pk for t in living)),
            )
        )
    return found


def roster_findings(unit) -> list[Finding]:
    """(d) Informational: roster rows naming a team or a room that is not registered here."""
    data = _data(unit)
    team_names = {t.name for t in data.teams}
    room_names = {r.name for r in data.rooms}
    unknown_teams, unknown_rooms = defaultdict(int), defaultdict(int)
    for (room, team), n in data.roster.items():
        if team and team not in team_names:
            unknown_teams[team] += n
        if room and room not in room_names:
            unknown_rooms[room] += n
    found = [
        Finding(
            "roster_team",
            _("花名册中有 %(n)s 名在岗员工登记在班组“%(team)s”，该班组尚未登记。")
            % {"n": n, "team": team},
        )
        for team, n in sorted(unknown_teams.items())
    ]
    found += [
        Finding(
            "roster_room",
            _("花名册中有 %(n)s 名在岗员工登记住在“%(room)s”，该宿舍房间尚未登记。")
            % {"n": n, "room": room},
        )
        for room, n in sorted(unknown_rooms.items())
    ]
    return found


def unit_checks(unit) -> list[Finding]:
    """All findings of a unit (or of loaded ``UnitData``), in the order of ``CHECKS``."""
    data = _data(unit)
    found = room_findings(data) + shift_findings(data) + bubble_findings(data)
    found += roster_findings(data)
    order = list(CHECKS)
    return sorted(found, key=lambda f: order.index(f.check))


# --- the region ----------------------------------------------------------------------------------


@dataclass
class UnitSummary:
    unit: object
    zones: int
    teams: int
    shifts: int
    rooms: int
    counts: dict  # check key -> findings

    @property
    def problems(self) -> int:
        """Findings that need action (the informational roster ones excluded)."""
        return sum(n for key, n in self.counts.items() if CHECKS[key][1] != "info")

    @property
    def cells(self) -> list[dict]:
        """The findings per check in the order of ``CHECKS`` (a table row)."""
        return [
            {"check": key, "n": self.counts.get(key, 0), "severity": severity}
            for key, (_label, severity) in CHECKS.items()
        ]

    @property
    def informational(self) -> int:
        return sum(n for key, n in self.counts.items() if CHECKS[key][1] == "info")


def region_summary(units, user=None) -> list[UnitSummary]:
    """For the units (a queryset, already scoped) that have registered any zone, team or room:
    their counts and findings per check, those with problems first."""
    unit_ids = set()
    for model in (Zone, Team, DormitoryRoom):
        rows = model.objects.filter(enterprise__in=units)
        if user is not None:
            rows = rows.visible_to(user, "view")
        unit_ids |= set(rows.order_by().values_list("enterprise_id", flat=True).distinct())
    if not unit_ids:
        return []
    data = load(unit_ids, user)
    rows = []
    for unit in units.filter(pk__in=unit_ids).select_related("region"):
        d = data[unit.pk]
        counts = defaultdict(int)
        for finding in unit_checks(d):
            counts[finding.check] += 1
        rows.append(
            UnitSummary(
                unit=unit,
                zones=len(d.zones),
                teams=len(d.teams),
                shifts=len(d.shifts),
                rooms=len(d.rooms),
                counts=dict(counts),
            )
        )
    rows.sort(key=lambda r: (-r.problems, r.unit.region_id, r.unit.name))
    return rows


def linked_spaces(zones, user=None) -> dict:
    """{zone id: [space, …]} of the spaces linked to each zone (``Space.zone``), read only."""
    spaces = defaultdict(list)
    rows = Space.objects.filter(zone__in=zones)
    if user is not None:
        rows = rows.visible_to(user, "view")
    for space in rows.order_by("path"):
        spaces[space.zone_id].append(space)
    return dict(spaces)
