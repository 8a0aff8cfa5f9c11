"""EPI-06: reads of a unit's scan log — who the people are (masked, from the unit's roster), what
the places are called, and who is present now (open stays per place code).

The scan rows carry only the person key; names and masked ID numbers come from the roster of the
unit (``epidemic.StaffMember``), in one query per page. A person not on that roster (a visitor,
a driver) shows as such, never with anything more than the key's first characters.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from sibao.core import rules
from sibao.places.actions.scans import checkout_delta
from sibao.places.models import PlaceCode, Space


@dataclass
class Person:
    key: str
    name: str = ""
    id_masked: str = ""
    team: str = ""
    on_roster: bool = False

    @property
    def short_key(self) -> str:
        return self.key[:8]


def people(enterprise_id: int, keys) -> dict[str, Person]:
    """person key -> Person (masked, from the unit's roster; off-roster people too)."""
    from sibao.epidemic.models import StaffMember

    keys = sorted(set(keys))
    found = {key: Person(key) for key in keys}
    rows = StaffMember.objects.filter(enterprise_id=enterprise_id, person_key__in=keys).values_list(
        "person_key", "name", "id_masked", "team"
    )
    for key, name, id_masked, team in rows:
        found[key] = Person(key, name, id_masked, team, True)
    return found


def roster_keys(enterprise_id: int, text: str) -> list[str]:
    """Person keys of the unit's roster rows matching a name (part) or the last four characters
    of an ID number."""
    from django.db.models import Q

    from sibao.epidemic.models import StaffMember

    text = text.strip()
    if not text:
        return []
    q = Q(name__icontains=text)
    if len(text) == 4:
        q |= Q(id_masked__endswith=text.upper())
    return list(
        StaffMember.objects.filter(Q(enterprise_id=enterprise_id) & q).values_list(
            "person_key", flat=True
        )[:500]
    )


def space_paths(space_ids) -> dict[int, str]:
    """space id -> "一号厂区 ／ 装配车间" (its path from the site down)."""
    spaces = {s.pk: s for s in Space.objects.filter(pk__in=set(space_ids)).only("pk", "path")}
    ancestor_ids = {
        int(part) for space in spaces.values() for part in space.path.split("/") if part
    }
    names = dict(Space.objects.filter(pk__in=ancestor_ids).values_list("pk", "name"))
    return {
        pk: " ／ ".join(names.get(int(part), "?") for part in space.path.split("/") if part)
        for pk, space in spaces.items()
    }


def unit_codes(unit):
    """The unit's place codes that can still be scanned (not revoked), by space path."""
    codes = list(
        PlaceCode.objects.filter(enterprise=unit, revoked_at__isnull=True).select_related("space")
    )
    paths = space_paths(code.space_id for code in codes)
    for code in codes:
        code.label = paths.get(code.space_id, code.space.name)
    return sorted(codes, key=lambda code: code.label)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return start, start + datetime.timedelta(days=1)


@dataclass
class Presence:
    code: PlaceCode
    label: str
    present: int = 0


@dataclass
class UnitPresence:
    now: datetime.datetime
    rows: list[Presence] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.present for row in self.rows)


def presence(unit, scans, now=None) -> UnitPresence:
    """Who is at each of the unit's place codes now: open stays counted per code (one grouped
    query on the last ``auto_checkout_hours`` of the unit's scans). ``scans`` is the caller's
    scoped scan queryset. Codes revoked since an entry still show while people are there."""
    now = now or timezone.now()
    counts = dict(
        present_filter(scans.filter(enterprise_id=unit.pk), now)
        .order_by()
        .values("place_code_id")
        .annotate(n=Count("pk"))
        .values_list("place_code_id", "n")
    )
    codes = {code.pk: code for code in unit_codes(unit)}
    missing = set(counts) - set(codes)
    if missing:
        extra = list(PlaceCode.objects.filter(pk__in=missing).select_related("space"))
        paths = space_paths(code.space_id for code in extra)
        for code in extra:
            code.label = paths.get(code.space_id, code.space.name)
            codes[code.pk] = code
    rows = [Presence(code, code.label, counts.get(pk, 0)) for pk, code in codes.items()]
    rows.sort(key=lambda row: (-row.present, row.label))
    return UnitPresence(now, rows)


def present_filter(queryset, now=None):
    """The rows of ``queryset`` whose stay is going on at ``now``."""
    now = now or timezone.now()
    return queryset.filter(
        entered_at__gt=now - checkout_delta(), entered_at__lte=now, left_at__isnull=True
    )


def stay_ends(rows) -> None:
    """Set ``stay_end`` and ``auto_end`` (no exit recorded) on scan rows for display."""
    delta = checkout_delta(rules.current())
    now = timezone.now()
    for row in rows:
        row.stay_end = row.left_at or row.entered_at + delta
        row.auto_end = row.left_at is None
        row.is_present = row.left_at is None and row.entered_at + delta > now
