"""EPI-14: the readiness score (常态常备) of a unit, 0–100, with its breakdown.

The score is a pure function of a unit's facts and the rule set (architecture §4): the facts
are its active staff count, its preparedness row and its last drill; the rule set gives the
per-staff norms (``staff_per_patrol_post``, ``staff_per_observation_room``,
``stock_norm_<kind>`` × ``stockpile_days``, ``drill_interval_days``). Each item is met or not
(no partial credit), so a score is always the sum of the weights of the met items and can be
checked by hand.

Weights say how much each item matters to the score; they are the platform's judgement of the
seed's D2 二(七) list, not policy numbers from the seed (those are all in the rule set):

================================  ======  =====================================================
item                              weight  met when
================================  ======  =====================================================
``task_force``                        15  the task force has a named leader (班子成员专职负责)
``prevention_plan``                    5  a prevention plan (疫情防控方案) exists
``contingency_plan``                   5  a contingency plan (应急处置预案) exists
``patrol_posts``                      10  posts ≥ staff ÷ ``staff_per_patrol_post`` (rounded up)
``observation_rooms``                 10  rooms ≥ staff ÷ ``staff_per_observation_room`` (up)
``stock_<kind>`` (seven kinds)     5 each  stock ≥ staff × ``stock_norm_<kind>`` ×
                                          ``stockpile_days`` (rounded up)
``drill``                             20  a drill or stress test within ``drill_interval_days``
================================  ======  =====================================================

The weights add up to 100 (checked at import). The staff count is the unit's active roster
(``StaffMember`` rows); a unit without a roster yet counts its registered ``employees``.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sibao.core import rules as rule_set

# (key of the stockpile field on Preparedness, label); the rule-set norm is stock_norm_<key>
STOCK_KINDS = (
    ("masks", _("口罩")),
    ("protective_suits", _("防护服")),
    ("gloves", _("乳胶手套")),
    ("disinfectant_litres", _("消毒液")),
    ("sanitizer_bottles", _("免洗手消毒液")),
    ("thermometers", _("测温设备")),
    ("antigen_kits", _("抗原检测试剂")),
)

WEIGHTS = {
    "task_force": 15,
    "prevention_plan": 5,
    "contingency_plan": 5,
    "patrol_posts": 10,
    "observation_rooms": 10,
    **{f"stock_{kind}": 5 for kind, _label in STOCK_KINDS},
    "drill": 20,
}
assert sum(WEIGHTS.values()) == 100, "readiness weights must add up to 100"

LABELS = {
    "task_force": _("防疫专班及负责人"),
    "prevention_plan": _("疫情防控方案"),
    "contingency_plan": _("应急处置预案"),
    "patrol_posts": _("流动哨"),
    "observation_rooms": _("临时留观点（观察宿舍）"),
    **{f"stock_{kind}": format_lazy(_("储备：{kind}"), kind=label) for kind, label in STOCK_KINDS},
    "drill": _("应急演练（压力测试）"),
}

PREPAREDNESS_FIELDS = (
    "task_force_leader",
    "task_force_members",
    "has_prevention_plan",
    "has_contingency_plan",
    "plan_updated_on",
    "patrol_posts",
    "observation_rooms",
    *(kind for kind, _label in STOCK_KINDS),
)


@dataclass(frozen=True)
class Item:
    """One line of the breakdown: what the norm requires, what the unit has, and whether it
    meets it. ``required`` and ``actual`` are numbers, or text for the yes/no items."""

    key: str
    weight: int
    required: object
    actual: object
    met: bool

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def points(self) -> int:
        return self.weight if self.met else 0


@dataclass(frozen=True)
class Readiness:
    score: int
    items: list[Item]
    staff: int
    rule_version: int
    last_drill_on: datetime.date | None = None
    has_record: bool = True
    weakest: list[Item] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "staff": self.staff,
            "rule_version": self.rule_version,
            "last_drill_on": self.last_drill_on,
            "items": [
                {
                    "key": i.key,
                    "label": str(i.label),
                    "weight": i.weight,
                    "required": i.required,
                    "actual": i.actual,
                    "met": i.met,
                    "points": i.points,
                }
                for i in self.items
            ],
        }


def _per_staff(staff: int, staff_per_unit: int) -> int:
    """One post (room) per ``staff_per_unit`` staff or part of it; none for no staff."""
    return math.ceil(staff / staff_per_unit) if staff > 0 else 0


def _stock_required(staff: int, norm: Decimal, days: int) -> int:
    return math.ceil(Decimal(staff) * Decimal(norm) * days)


def evaluate(
    *, staff: int, values: dict | None, last_drill_on, today: datetime.date, rules
) -> Readiness:
    """The score of a unit with ``staff`` active staff, preparedness ``values`` (the
    ``PREPAREDNESS_FIELDS`` of its row; ``None`` when it has filed none) and its last drill,
    judged on ``today`` against ``rules``. Pure: no database access."""
    has_record = values is not None
    values = values or {}
    leader = (values.get("task_force_leader") or "").strip()
    items = [
        Item("task_force", WEIGHTS["task_force"], _("明确负责人"), leader or "—", bool(leader)),
        Item(
            "prevention_plan",
            WEIGHTS["prevention_plan"],
            _("已制定"),
            _("已制定") if values.get("has_prevention_plan") else _("未制定"),
            bool(values.get("has_prevention_plan")),
        ),
        Item(
            "contingency_plan",
            WEIGHTS["contingency_plan"],
            _("已制定"),
            _("已制定") if values.get("has_contingency_plan") else _("未制定"),
            bool(values.get("has_contingency_plan")),
        ),
    ]
    for key, divisor_key in (
        ("patrol_posts", "staff_per_patrol_post"),
        ("observation_rooms", "staff_per_observation_room"),
    ):
        required = _per_staff(staff, int(rules[divisor_key]))
        actual = int(values.get(key) or 0)
        items.append(Item(key, WEIGHTS[key], required, actual, actual >= required))
    days = int(rules["stockpile_days"])
    for kind, _label in STOCK_KINDS:
        required = _stock_required(staff, rules[f"stock_norm_{kind}"], days)
        actual = int(values.get(kind) or 0)
        items.append(
            Item(f"stock_{kind}", WEIGHTS[f"stock_{kind}"], required, actual, actual >= required)
        )
    interval = int(rules["drill_interval_days"])
    drill_met = last_drill_on is not None and (today - last_drill_on).days <= interval
    items.append(
        Item(
            "drill",
            WEIGHTS["drill"],
            _("%(days)s 天内") % {"days": interval},
            last_drill_on.isoformat() if last_drill_on else "—",
            drill_met,
        )
    )
    missing = sorted(
        (i for i in items if not i.met), key=lambda i: (-i.weight, list(WEIGHTS).index(i.key))
    )
    return Readiness(
        score=sum(i.points for i in items),
        items=items,
        staff=staff,
        rule_version=rules.version,
        last_drill_on=last_drill_on,
        has_record=has_record,
        weakest=missing[:3],
    )


# --- reading the facts ---------------------------------------------------------------------------


def staff_count(enterprise) -> int:
    """Active roster rows, else the registered number of employees (a unit without a roster)."""
    from sibao.epidemic.models import StaffMember

    count = StaffMember.objects.filter(enterprise=enterprise, is_active=True).count()
    return count or int(enterprise.employees or 0)


def _facts(path: str):
    """Subqueries for the roster count and the last drill of the unit at ``OuterRef(path)``."""
    from sibao.epidemic.models import Drill, StaffMember

    roster = (
        StaffMember.objects.filter(enterprise=OuterRef(path), is_active=True)
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_drill = (
        Drill.objects.filter(enterprise=OuterRef(path))
        .order_by()
        .values("enterprise")
        .annotate(last=Max("held_on"))
        .values("last")
    )
    return {
        "roster_staff": Coalesce(Subquery(roster, output_field=IntegerField()), Value(0)),
        "last_drill_on": Subquery(last_drill),
    }


def with_row_facts(rows):
    """Annotate a queryset of ``Preparedness`` rows like ``with_readiness_facts`` (one query)."""
    return rows.select_related("enterprise").annotate(**_facts("enterprise_id"))


def for_row(row, *, today, rules) -> Readiness:
    """The score of the unit of a ``Preparedness`` row read through ``with_row_facts``."""
    return evaluate(
        staff=row.roster_staff or int(row.enterprise.employees or 0),
        values=preparedness_values(row),
        last_drill_on=row.last_drill_on,
        today=today,
        rules=rules,
    )


def with_readiness_facts(units):
    """Annotate a queryset of enterprises with what the score needs in one query:
    ``roster_staff`` (active roster rows; 0 means "use ``employees``") and ``last_drill_on``; the
    preparedness row comes with ``select_related("preparedness")``."""
    return units.select_related("preparedness", "region").annotate(**_facts("pk"))


def preparedness_values(preparedness) -> dict | None:
    if preparedness is None:
        return None
    return {name: getattr(preparedness, name) for name in PREPAREDNESS_FIELDS}


def _preparedness_of(unit):
    from sibao.epidemic.models import Preparedness

    try:
        return unit.preparedness
    except Preparedness.DoesNotExist:
        return None


def for_annotated(unit, *, today, rules) -> Readiness:
    """The score of a unit read through ``with_readiness_facts`` (no further queries)."""
    staff = unit.roster_staff or int(unit.employees or 0)
    return evaluate(
        staff=staff,
        values=preparedness_values(_preparedness_of(unit)),
        last_drill_on=unit.last_drill_on,
        today=today,
        rules=rules,
    )


def for_unit(enterprise, *, today=None, rules=None) -> Readiness:
    """The score of one unit as of ``today`` (default: today in the province's time zone)."""
    from django.utils import timezone

    from sibao.epidemic.models import Drill, Preparedness

    rules = rules or rule_set.current()
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    preparedness = Preparedness.objects.filter(enterprise=enterprise).first()
    last = Drill.objects.filter(enterprise=enterprise, held_on__lte=today).aggregate(
        last=Max("held_on")
    )["last"]
    return evaluate(
        staff=staff_count(enterprise),
        values=preparedness_values(preparedness),
        last_drill_on=last,
        today=today,
        rules=rules,
    )


def ranked(units, *, today, rules) -> list[tuple[object, Readiness]]:
    """``(unit, readiness)`` for every unit of an annotated queryset, weakest first."""
    rows = [(unit, for_annotated(unit, today=today, rules=rules)) for unit in units]
    rows.sort(key=lambda row: (row[1].score, row[0].name))
    return rows


__all__ = [
    "LABELS",
    "PREPAREDNESS_FIELDS",
    "STOCK_KINDS",
    "WEIGHTS",
    "Item",
    "Readiness",
    "evaluate",
    "for_annotated",
    "for_row",
    "for_unit",
    "preparedness_values",
    "ranked",
    "staff_count",
    "with_readiness_facts",
    "with_row_facts",
]
