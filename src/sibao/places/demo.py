"""The places part of the demo province (``sibao seed-demo``) and the daily scan patterns of
``sibao simulate`` (EPI-05, EPI-06, EPI-13).

Seeding (``seed_places``): every demo unit with a roster gets a space tree shaped by its venue
type (an industrial site with its gates, factory buildings and workshops, warehouse, loading
bay, office building, canteen and dormitory buildings; a market's trading hall and its areas; a
mall's doors and enclosed shops; a park's buildings and floors; a station's, a hotel's or a
scenic spot's doors, floors and areas), a place code on every space the rule set says needs one
(``places.coding_rules``), the zones the roster's ``zone`` column names (plus living and public
zones), its teams (the roster's ``team`` names) with non-overlapping shifts, dormitory rooms named
like the roster's ``dormitory`` column, a bubble group at the home unit and a few personal
badges. Everything goes through the actions (``places.actions``), so it is validated and audited
as if a unit admin had entered it; the units' deletion by ``seed-demo --reset`` removes it
(cascade), and ``reset_places`` removes the scans, which carry no foreign key.

Simulation (``ScanPlan``): for the units with valid codes, gateway records of a working day per
roster member — the gate lane at arrival and departure (read in at its entry, out at its end a
minute or two later, after the temperature and code check), the work spaces of the person's zone
at the times of the team's shift (stays under the automatic check-out, split by rest breaks),
the canteen at noon and in the evening, the dormitory building in the evening — plus visitors
(people on no roster) at the gates and offices. Records carry the device and a device event id
derived from the person, place and time, so a rerun with the same ``--now`` and ``--seed`` is
all duplicates. People with a red/yellow code or overdue for a test scan like everyone else: the
store raises their risk alerts.
"""

import datetime
import random
import zlib
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from sibao.places import coding_rules
from sibao.places.models import PlaceCode, Scan, Space, SpaceKind, VenueType, ZoneKind

__all__ = ["seed_places", "reset_places", "venue_type_for", "ScanPlan", "unit_layouts"]

LOCAL = ZoneInfo("Asia/Shanghai")

# The roster's zone names (``epidemic.demo.ZONES``) with their zone kind and risk grade, then the
# zones of the unit's common spaces.
WORK_ZONES = {
    "生产区": (ZoneKind.PRODUCTION, "low"),
    "仓储区": (ZoneKind.PRODUCTION, "low"),
    "办公区": (ZoneKind.PRODUCTION, "low"),
    "装卸区": (ZoneKind.HANDOVER, "medium"),
}
LIVING = "生活区"
PUBLIC = "公共区域"
# team -> (shift name, zone, starts, ends): consecutive shifts in one zone never overlap
SHIFTS = {
    "一班": ("早班", "生产区", "07:30", "15:30"),
    "二班": ("中班", "生产区", "15:30", "23:30"),
    "三班": ("白班", "仓储区", "08:30", "17:30"),
    "四班": ("白班", "装卸区", "08:00", "17:00"),
}
DAY_SHIFT = ("白班", "办公区", "08:30", "17:30")
BADGES_PER_UNIT = 2

# A space template: (kind, name, zone name or None, only for units of 300 people or more,
# children). Names may use {short}: the unit's short name.
T = tuple


def _door(name, zone=None):
    return T((SpaceKind.DOOR, name, zone, False, ()))


def _s(kind, name, zone=None, children=(), big=False):
    return T((kind, name, zone, big, tuple(children)))


A, W, B, F, E = (
    SpaceKind.AREA,
    SpaceKind.WORKSHOP,
    SpaceKind.BUILDING,
    SpaceKind.FLOOR,
    SpaceKind.ENCLOSED,
)

TEMPLATES = {
    VenueType.INDUSTRIAL: (
        "{short}厂区",
        [
            _door("东大门"),
            _door("西门（物流门）"),
            _s(B, "1号厂房", children=[_s(W, "一车间", "生产区"), _s(W, "二车间", "生产区")]),
            _s(
                B,
                "2号厂房",
                children=[_s(W, "三车间", "生产区"), _s(W, "包装车间", "生产区")],
                big=True,
            ),
            _s(B, "仓库", children=[_s(A, "原料库区", "仓储区"), _s(A, "成品库区", "仓储区")]),
            _s(A, "装卸平台", "装卸区"),
            _s(B, "办公楼", children=[_s(A, "行政办公区", "办公区"), _s(E, "会议室", "办公区")]),
        ],
    ),
    VenueType.CONSTRUCTION: (
        "{short}施工现场",
        [
            _door("1号大门"),
            _door("2号大门（材料进出）"),
            _s(
                A,
                "主体施工区",
                "生产区",
                children=[_s(A, "1号楼施工区", "生产区"), _s(A, "2号楼施工区", "生产区", big=True)],
            ),
            _s(W, "钢筋加工棚", "生产区"),
            _s(W, "木工加工棚", "生产区", big=True),
            _s(A, "材料堆场", "仓储区"),
            _s(A, "卸料区", "装卸区"),
            _s(A, "项目部办公区", "办公区"),
        ],
    ),
    VenueType.MARKET: (
        "{short}市场",
        [
            _door("东门"),
            _door("西门"),
            _door("北门（货运）"),
            _s(
                B,
                "交易大厅",
                children=[
                    _s(A, "蔬菜交易区", "生产区"),
                    _s(A, "肉禽交易区", "生产区"),
                    _s(A, "水产交易区", "生产区", big=True),
                    _s(A, "粮油干货区", "生产区"),
                ],
            ),
            _s(A, "冷库区", "仓储区"),
            _s(A, "卸货区", "装卸区"),
            _s(A, "管理办公区", "办公区"),
        ],
    ),
    VenueType.MALL: (
        "{short}商场",
        [
            _door("东门"),
            _door("南门"),
            _door("西门"),
            _door("员工通道"),
            _door("卸货口", "装卸区"),
            _s(
                B,
                "主楼",
                children=[
                    _s(F, "1层", children=[_s(E, "生鲜超市", "生产区")]),
                    _s(F, "2层", children=[_s(E, "家电卖场", "生产区")], big=True),
                    _s(F, "负1层", children=[_s(E, "仓储间", "仓储区")]),
                    _s(F, "5层", children=[_s(E, "管理办公室", "办公区")]),
                ],
            ),
        ],
    ),
    VenueType.PARK: (
        "{short}园区",
        [
            _door("南门"),
            _door("北门（物流）"),
            _s(
                B,
                "A座",
                "办公区",
                children=[_s(F, "A座1层", "办公区"), _s(F, "A座2层", "办公区", big=True)],
            ),
            _s(B, "B座", "生产区", children=[_s(F, "B座1层", "生产区"), _s(F, "B座2层", "生产区")]),
            _s(B, "仓储中心", "仓储区", children=[_s(F, "分拣作业层", "装卸区")]),
        ],
    ),
    VenueType.STATION: (
        "{short}站",
        [
            _door("进站口"),
            _door("出站口"),
            _door("员工通道"),
            _s(
                B,
                "站房",
                children=[
                    _s(
                        F,
                        "站房1层",
                        children=[_s(A, "售票厅", "生产区"), _s(A, "候车厅", "生产区")],
                    ),
                    _s(F, "站房2层", children=[_s(A, "二楼候车区", "生产区")], big=True),
                ],
            ),
            _s(A, "发车区", "装卸区"),
            _s(A, "行包房", "仓储区"),
            _s(A, "站务办公区", "办公区"),
        ],
    ),
    VenueType.HOTEL: (
        "{short}酒店",
        [
            _door("正门"),
            _door("员工通道"),
            _s(
                B,
                "主楼",
                children=[
                    _s(F, "1层", children=[_s(A, "大堂", "生产区"), _s(E, "中餐厅", "生产区")]),
                    _s(F, "客房3层", "生产区"),
                    _s(F, "客房5层", "生产区", big=True),
                    _s(
                        F,
                        "负1层",
                        children=[_s(A, "布草间", "仓储区"), _s(A, "后勤卸货区", "装卸区")],
                    ),
                ],
            ),
            _s(A, "行政办公区", "办公区"),
        ],
    ),
    VenueType.SCENIC: (
        "{short}景区",
        [
            _door("南门游客入口"),
            _door("北门"),
            _door("员工通道"),
            _s(B, "游客中心", children=[_s(F, "游客中心1层", "生产区")]),
            _s(A, "湖区", "生产区"),
            _s(A, "古建筑区", "生产区", big=True),
            _s(A, "物资仓库", "仓储区"),
            _s(A, "停车场", "装卸区"),
            _s(A, "管理处办公区", "办公区"),
        ],
    ),
}
# names of the canteen and the living area per venue type (kind of the canteen: coded everywhere)
CANTEEN = {VenueType.MALL: (E, "员工餐厅"), VenueType.PARK: (E, "园区食堂")}
DORMITORY_AREA = {VenueType.CONSTRUCTION: "工人生活区", VenueType.PARK: "公寓区"}


def venue_type_for(enterprise) -> str:
    """The demo's venue type for a unit, from its industry and sub-type."""
    sub = enterprise.sub_type or ""
    industry = enterprise.industry_id
    if industry == "key_project":
        return VenueType.CONSTRUCTION
    if industry == "commerce":
        if sub in ("商超", "餐饮"):
            return VenueType.MALL
        if sub in ("批发市场", "农贸市场", "生活必需品"):
            return VenueType.MARKET
        if sub == "电子商务":
            return VenueType.PARK
        return VenueType.INDUSTRIAL
    if industry == "transport":
        return VenueType.STATION if sub in ("客运", "公交") else VenueType.PARK
    if industry == "culture_tourism":
        if sub == "景区":
            return VenueType.SCENIC
        if sub == "酒店":
            return VenueType.HOTEL
        return VenueType.MALL if sub == "影院" else VenueType.PARK
    return VenueType.INDUSTRIAL


def _short(name: str) -> str:
    """A short name for a unit's site: the trade name part of the company name."""
    for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name[:20]


@dataclass
class _Unit:
    enterprise: object
    venue: str
    teams: list = field(default_factory=list)
    dormitories: list = field(default_factory=list)


def _roster_units(enterprise_ids) -> list[_Unit]:
    from sibao.enterprises.models import Enterprise
    from sibao.epidemic.models import StaffMember

    teams: dict[int, Counter] = {}
    dorms: dict[int, Counter] = {}
    for unit_id, team, dormitory in StaffMember.objects.filter(
        enterprise_id__in=enterprise_ids, is_active=True
    ).values_list("enterprise_id", "team", "dormitory"):
        teams.setdefault(unit_id, Counter())[team] += 1 if team else 0
        if dormitory:
            dorms.setdefault(unit_id, Counter())[dormitory] += 1
    units = []
    for enterprise in Enterprise.objects.filter(pk__in=list(teams)).order_by("pk"):
        units.append(
            _Unit(
                enterprise=enterprise,
                venue=venue_type_for(enterprise),
                teams=sorted(t for t in teams[enterprise.pk] if t),
                dormitories=sorted(dorms.get(enterprise.pk, {})),
            )
        )
    return units


def _zones(unit: _Unit) -> dict:
    from sibao.places import actions

    made = {}
    enterprise = unit.enterprise
    for name, (kind, grade) in WORK_ZONES.items():
        made[name] = actions.create_zone(
            enterprise, actor=None, name=name, kind=kind, risk_grade=grade
        )
    made[PUBLIC] = actions.create_zone(
        enterprise, actor=None, name=PUBLIC, kind=ZoneKind.PUBLIC, note="出入口、食堂等公共空间"
    )
    if unit.dormitories:
        made[LIVING] = actions.create_zone(
            enterprise, actor=None, name=LIVING, kind=ZoneKind.LIVING, note="宿舍"
        )
    return made


def _teams(unit: _Unit, zones: dict, bubble: bool) -> dict:
    from sibao.places import actions

    enterprise = unit.enterprise
    group = None
    if bubble and unit.teams:
        group = actions.create_bubble_group(
            enterprise, actor=None, name="闭环生产一组", note="同吃同住同工作，不与其他班组接触"
        )
    teams = {}
    for name in unit.teams:
        teams[name] = actions.create_team(
            enterprise, actor=None, name=name, bubble=group if name == unit.teams[0] else None
        )
        shift, zone, starts, ends = SHIFTS.get(name, DAY_SHIFT)
        actions.create_shift(
            enterprise,
            actor=None,
            team=teams[name],
            zone=zones[zone],
            name=shift,
            starts=starts,
            ends=ends,
        )
    return teams


def _rooms(unit: _Unit, teams: dict) -> int:
    """One room record per dormitory the roster names, housing the team most of its residents
    belong to (the zones check lists the residents of other teams)."""
    from sibao.epidemic.models import StaffMember
    from sibao.places import actions

    residents: dict[str, Counter] = {}
    for dormitory, team in (
        StaffMember.objects.filter(enterprise=unit.enterprise, is_active=True)
        .exclude(dormitory="")
        .values_list("dormitory", "team")
    ):
        residents.setdefault(dormitory, Counter())[team] += 1
    for dormitory in unit.dormitories:
        counts = residents.get(dormitory, Counter())
        main = counts.most_common(1)[0][0] if counts else ""
        actions.create_dormitory_room(
            unit.enterprise,
            actor=None,
            name=dormitory,
            building=dormitory,
            capacity=max(4, sum(counts.values())),
            team=teams.get(main),
        )
    return len(unit.dormitories)


def _tree(unit: _Unit, zones: dict, rules) -> tuple[int, int]:
    """The unit's spaces and the codes the rules ask for; returns (spaces, codes)."""
    from sibao.places import actions

    enterprise = unit.enterprise
    big = enterprise.employees >= 300
    site_name, children = TEMPLATES[unit.venue]
    children = list(children)
    if enterprise.has_canteen:
        kind, name = CANTEEN.get(unit.venue, (A, "职工食堂"))
        children.append(_s(kind, name, PUBLIC))
    if unit.dormitories:
        area = DORMITORY_AREA.get(unit.venue, "宿舍区")
        children.append(
            _s(
                A,
                area,
                LIVING,
                children=[
                    _s(B, name, LIVING, children=[_door(f"{name}入口", LIVING)])
                    for name in unit.dormitories
                ],
            )
        )
    counts = [0, 0]

    def add(template, parent):
        kind, name, zone, only_big, grandchildren = template
        if only_big and not big:
            return
        if kind == SpaceKind.DOOR and zone is None:
            zone = PUBLIC
        space = actions.create_space(
            enterprise,
            actor=None,
            kind=kind,
            name=name.format(short=_short(enterprise.name)),
            parent=parent,
            zone=zones.get(zone) if zone else None,
        )
        counts[0] += 1
        if rules.needs(unit.venue, kind):
            actions.issue_code(space, actor=None)
            counts[1] += 1
        for child in grandchildren:
            add(child, space)

    site = actions.create_space(
        enterprise,
        actor=None,
        kind=SpaceKind.SITE,
        name=site_name.format(short=_short(enterprise.name)),
        venue_type=unit.venue,
    )
    counts[0] += 1
    if rules.needs(unit.venue, SpaceKind.SITE):
        actions.issue_code(site, actor=None)
        counts[1] += 1
    for child in children:
        add(child, site)
    return counts[0], counts[1]


def _badges(unit: _Unit) -> int:
    """Badges for the roster's first workers on ordinary posts without a badge yet (people who
    have no smartphone, in the demo's story)."""
    from sibao.epidemic.models import StaffMember
    from sibao.places import actions

    staff = (
        StaffMember.objects.filter(enterprise=unit.enterprise, is_active=True)
        .filter(badges__isnull=True)
        .order_by("id")[:BADGES_PER_UNIT]
    )
    for member in staff:
        actions.issue_badge(member, actor=None)
    return len(staff)


def seed_places(enterprise_ids, home) -> dict:
    """Space trees, codes, zones, teams, shifts, dormitory rooms and badges for the units among
    ``enterprise_ids`` that have a roster; ``home`` (the demo enterprise accounts' unit) gets a
    bubble group too. Returns counts for the seed's report."""
    rules = coding_rules.current()
    totals = Counter()
    for unit in _roster_units(enterprise_ids):
        zones = _zones(unit)
        teams = _teams(unit, zones, bubble=unit.enterprise.pk == home.pk)
        spaces, codes = _tree(unit, zones, rules)
        totals["units"] += 1
        totals["spaces"] += spaces
        totals["codes"] += codes
        totals["zones"] += len(zones)
        totals["teams"] += len(teams)
        totals["rooms"] += _rooms(unit, teams)
        if unit.enterprise.pk == home.pk or unit.enterprise.employees >= 1000:
            totals["badges"] += _badges(unit)
    return dict(totals)


def reset_places(enterprise_ids) -> int:
    """Delete the scans of the demo units (the only places rows without a foreign key to the
    unit: spaces, codes, badges, zones and teams go with the units). Returns the rows deleted."""
    deleted, _ = Scan.objects.filter(enterprise_id__in=list(enterprise_ids)).delete()
    return deleted


# --- simulated scans (``sibao simulate``) --------------------------------------------------------


@dataclass
class Layout:
    """What the simulator needs of one unit: the payloads of its coded spaces by role."""

    unit_id: int
    gates: list = field(default_factory=list)  # (space id, payload) of coded doors on the site
    work: dict = field(default_factory=dict)  # zone name -> [(space id, payload)]
    other_work: list = field(default_factory=list)  # coded work spaces without a roster zone
    canteens: list = field(default_factory=list)
    dormitories: dict = field(default_factory=dict)  # building name -> (space id, payload)
    offices: list = field(default_factory=list)

    def work_for(self, zone: str) -> list:
        return self.work.get(zone) or self.other_work or [p for v in self.work.values() for p in v]

    @property
    def usable(self) -> bool:
        return bool(self.gates or self.work or self.other_work)


def unit_layouts(at) -> dict[int, Layout]:
    """unit id -> Layout of the units with place codes valid at ``at``: gates are coded doors
    right under a site, canteens coded spaces named 食堂/餐厅, dormitories coded doors (or the
    building itself) under a building whose name the roster's ``dormitory`` column uses, work
    spaces the other coded spaces, by the name of their zone."""
    codes = (
        PlaceCode.objects.filter(revoked_at__isnull=True, expires_on__gte=timezone.localdate(at))
        .filter(space__is_active=True)
        .values_list("pk", "space_id")
    )
    coded = {space_id: code_id for code_id, space_id in codes}
    if not coded:
        return {}
    from sibao.places.signing import PLACE, sign

    units = {row.enterprise_id for row in Space.objects.filter(pk__in=coded).only("enterprise_id")}
    spaces = {
        s.pk: s
        for s in Space.objects.filter(enterprise_id__in=units, is_active=True).select_related(
            "zone"
        )
    }
    with_coded_children = {s.parent_id for s in spaces.values() if s.pk in coded}
    layouts: dict[int, Layout] = {}
    for space in sorted(spaces.values(), key=lambda s: s.path):
        if space.pk not in coded:
            continue
        layout = layouts.setdefault(space.enterprise_id, Layout(space.enterprise_id))
        item = (space.pk, sign(PLACE, coded[space.pk]))
        parent = spaces.get(space.parent_id)
        zone = space.zone.name if space.zone else ""
        if "食堂" in space.name or "餐厅" in space.name:
            layout.canteens.append(item)
        elif zone == LIVING or (
            parent is not None
            and parent.kind == SpaceKind.BUILDING
            and parent.zone
            and parent.zone.name == LIVING
        ):
            building = (
                parent.name if parent is not None and space.kind == SpaceKind.DOOR else space.name
            )
            layout.dormitories.setdefault(building, item)
        elif space.kind == SpaceKind.DOOR and (parent is None or parent.parent_id is None):
            if zone in WORK_ZONES:
                layout.work.setdefault(zone, []).append(item)
            else:
                layout.gates.append(item)
        elif space.kind in (SpaceKind.SITE, SpaceKind.BUILDING) and space.pk in with_coded_children:
            continue  # a coded building with coded floors: people scan the floors
        elif zone in WORK_ZONES:
            layout.work.setdefault(zone, []).append(item)
            if zone == "办公区":
                layout.offices.append(item)
        else:
            layout.other_work.append(item)
    return {unit: layout for unit, layout in layouts.items() if layout.usable}


def _pick(key: str, salt: str, count: int) -> int:
    """A stable choice among ``count`` for a person (Python's ``hash`` of text changes per
    process)."""
    return zlib.crc32(f"{key}:{salt}".encode()) % count


class ScanPlan:
    """The gateway records of the roster members (and a few visitors) of the units in
    ``layouts`` between ``start`` and ``now``, in time order.

    ``people`` are (person key, ID number or None, badge payload or None, unit id, team, zone,
    dormitory); a person with a badge is read by it. Deterministic for the same inputs and seed.
    """

    ABSENT = 0.08  # share of people off on a given day
    CANTEEN = 0.75  # share of a shift that eats in the canteen (when the unit has one)
    VISITORS = 0.01  # visitors per roster member and day

    def __init__(self, layouts, people, *, start, now, seed, visitor_ids):
        self.layouts = layouts
        self.people = people
        self.start = start
        self.now = now
        self.rng = random.Random(seed * 7919 + 5)
        self.visitor_ids = visitor_ids
        self.records: list[tuple] = []

    def _emit(self, at, device, payload, direction, person) -> bool:
        if not (self.start <= at <= self.now):
            return False
        _key, id_number, badge, *_rest = person
        record = {
            "device": device,
            "event_id": f"{at.astimezone(LOCAL):%Y%m%d%H%M%S}{direction[0]}-{person[0][:20]}",
            "place_code": payload,
            "at": at.astimezone(LOCAL).isoformat(timespec="seconds"),
            "direction": direction,
        }
        if badge:
            record["badge"] = badge
        else:
            record["id_number"] = id_number
        self.records.append((at, direction == "out", record))
        return True

    def _stay(self, at, end, place, person, gate_lane=False):
        """An entry at ``place`` and its exit; a long stay is split by rest breaks so that every
        stay ends before the automatic check-out."""
        space_id, payload = place
        device = f"u{person[3]}-s{space_id}"
        if gate_lane:
            through = at + datetime.timedelta(seconds=self.rng.randint(40, 150))
            if self._emit(at, device, payload, "in", person):
                self._emit(through, device, payload, "out", person)
            return
        while at < end:
            part_end = min(end, at + datetime.timedelta(minutes=self.rng.randint(100, 180)))
            if self._emit(at, device, payload, "in", person):
                self._emit(part_end, device, payload, "out", person)
            at = part_end + datetime.timedelta(minutes=self.rng.randint(8, 15))

    def _day(self, person, day):
        rng = self.rng
        layout = self.layouts[person[3]]
        _name, shift_zone, starts, ends = SHIFTS.get(person[4], DAY_SHIFT)
        # people work in the zone the roster names, at their team's hours
        zone_name = person[5] if person[5] in WORK_ZONES else shift_zone
        begin = datetime.datetime.combine(day, datetime.time.fromisoformat(starts), tzinfo=LOCAL)
        finish = datetime.datetime.combine(day, datetime.time.fromisoformat(ends), tzinfo=LOCAL)
        if finish <= begin:
            finish += datetime.timedelta(days=1)
        work = layout.work_for(zone_name)
        place = work[_pick(person[0], "w", len(work))] if work else None
        gate = layout.gates[_pick(person[0], "g", len(layout.gates))] if layout.gates else None
        arrive = begin - datetime.timedelta(minutes=rng.randint(5, 25))
        if gate:
            self._stay(arrive, None, gate, person, gate_lane=True)
        at = arrive + datetime.timedelta(minutes=rng.randint(3, 6))
        # meals: noon and evening inside the shift, in the canteen when there is one
        meals = []
        for hour, minute in ((11, 30), (17, 45)):
            meal = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LOCAL)
            meal += datetime.timedelta(minutes=rng.randint(0, 40))
            if begin + datetime.timedelta(hours=1) < meal < finish - datetime.timedelta(hours=1):
                meals.append(meal)
        for meal in meals:
            if place:
                self._stay(at, meal, place, person)
            at = meal + datetime.timedelta(minutes=rng.randint(2, 5))
            if layout.canteens and rng.random() < self.CANTEEN:
                back = at + datetime.timedelta(minutes=rng.randint(20, 40))
                canteen = layout.canteens[_pick(person[0], "c", len(layout.canteens))]
                self._stay(at, back, canteen, person)
                at = back + datetime.timedelta(minutes=rng.randint(3, 8))
        if place:
            self._stay(at, finish, place, person)
        leave = finish + datetime.timedelta(minutes=rng.randint(1, 10))
        if gate:
            self._stay(leave, None, gate, person, gate_lane=True)
        dorm = layout.dormitories.get(person[6])
        if dorm:
            evening = leave + datetime.timedelta(minutes=rng.randint(10, 90))
            space_id, payload = dorm
            self._emit(evening, f"u{person[3]}-s{space_id}", payload, "in", person)

    def _visitors(self, day, count):
        """People on no roster visiting a unit's offices through a gate."""
        rng = self.rng
        units = sorted(u for u, layout in self.layouts.items() if layout.gates)
        for number in range(count):
            if not units or not self.visitor_ids:
                return
            layout = self.layouts[rng.choice(units)]
            id_number = self.visitor_ids[(day.toordinal() * 31 + number) % len(self.visitor_ids)]
            person = (f"v{id_number[-8:]}", id_number, None, layout.unit_id, "", "", "")
            arrive = datetime.datetime.combine(
                day, datetime.time(rng.randint(9, 15), rng.randrange(60)), tzinfo=LOCAL
            )
            gate = rng.choice(layout.gates)
            self._stay(arrive, None, gate, person, gate_lane=True)
            where = layout.offices or layout.work_for("办公区")
            at = arrive + datetime.timedelta(minutes=rng.randint(3, 8))
            leave = at + datetime.timedelta(minutes=rng.randint(30, 150))
            if where:
                self._stay(at, leave, rng.choice(where), person)
            self._stay(
                leave + datetime.timedelta(minutes=rng.randint(2, 6)),
                None,
                gate,
                person,
                gate_lane=True,
            )

    def build(self) -> list[dict]:
        day = self.start.astimezone(LOCAL).date() - datetime.timedelta(days=1)
        last = self.now.astimezone(LOCAL).date()
        members = [p for p in self.people if p[3] in self.layouts]
        while day <= last:
            for person in members:
                if self.rng.random() < self.ABSENT:
                    continue
                self._day(person, day)
            self._visitors(day, max(1, round(len(members) * self.VISITORS)))
            day += datetime.timedelta(days=1)
        # time order, an exit after the entry of the same moment
        self.records.sort(key=lambda item: (item[0], item[1]))
        return [record for _at, _out, record in self.records]


SCAN_SOURCE = ("scan-gw", "场所码闸机网关")
SCAN_BATCH = 5000


def _visitor_ids(count: int, seed: int) -> list[str]:
    """Valid ID numbers of people on no roster (from other provinces' counties)."""
    from sibao.core.personal import id_check_digit

    rng = random.Random(seed * 31 + 17)
    counties = ["110105", "310104", "320102", "330106", "420106", "440106", "510107", "610113"]
    ids = []
    for _ in range(count):
        born = datetime.date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28))
        body = f"{rng.choice(counties)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        ids.append(body + id_check_digit(body))
    return ids


def simulate_scans(*, start, now, seed) -> list[int]:
    """``sibao simulate``'s scans: the ScanPlan of the roster members of the units with codes,
    sent through ``ingest("scan", …)`` in batches in time order from the gateway data source.
    Returns [total, accepted, duplicates, rejected]."""
    from sibao.core.personal import decrypt
    from sibao.epidemic import actions
    from sibao.epidemic.ingest import ingest
    from sibao.epidemic.models import StaffMember
    from sibao.places.models import Badge
    from sibao.places.signing import BADGE, sign

    layouts = unit_layouts(now)
    counts = [0, 0, 0, 0]
    if not layouts:
        return counts
    badges = dict(
        Badge.objects.filter(revoked_at__isnull=True, enterprise_id__in=list(layouts))
        .values_list("staff_id", "pk")
        .order_by("pk")
    )
    people, seen = [], set()
    rows = (
        StaffMember.objects.filter(enterprise_id__in=list(layouts), is_active=True)
        .order_by("id")
        .values_list(
            "id", "person_key", "id_encrypted", "enterprise_id", "team", "zone", "dormitory"
        )
    )
    for pk, key, encrypted, unit, team, zone, dormitory in rows.iterator(2000):
        if key in seen:
            continue
        seen.add(key)
        badge = sign(BADGE, badges[pk]) if pk in badges else None
        people.append(
            (key, None if badge else decrypt(encrypted), badge, unit, team, zone, dormitory)
        )
    plan = ScanPlan(
        layouts,
        people,
        start=start,
        now=now,
        seed=seed,
        visitor_ids=_visitor_ids(max(10, len(people) // 20), seed),
    )
    records = plan.build()
    source = actions.register_data_source(*SCAN_SOURCE, actor=None)
    for first in range(0, len(records), SCAN_BATCH):
        batch = ingest("scan", records[first : first + SCAN_BATCH], source=source, actor=None)
        for i, value in enumerate((batch.total, batch.accepted, batch.duplicates, batch.rejected)):
            counts[i] += value
    return counts
