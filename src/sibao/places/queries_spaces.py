"""EPI-05 reads: a unit's space tree with the code status of each space, the coverage check of a
unit (active spaces that need a code under the rule set and have no valid one) and the same
figures for every unit of a region in a few grouped queries.

A code is valid on a day when it is not revoked and ``expires_on`` is that day or later
(contracts: the row decides, not the payload). The venue type of a space is its site's; in SQL it
is found with a subquery on the unit's roots whose path starts the space's path.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.places import coding_rules
from sibao.places.models import PlaceCode, Space, SpaceKind

# the order of the kinds among siblings in the tree (sites first, rooms last)
KIND_ORDER = {kind: n for n, kind in enumerate(SpaceKind.values)}

VALID, EXPIRED, NEEDED, NONE = "valid", "expired", "needed", "none"
STATUS_LABELS = {
    VALID: _("有效"),
    EXPIRED: _("已过期"),
    NEEDED: _("需赋码"),
    NONE: _("无需赋码"),
}


def valid_code_q(today, prefix: str = "") -> Q:
    """Codes valid on ``today``: not revoked, not expired."""
    return Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}expires_on__gte": today})


@dataclass
class Node:
    """One space of a tree as the pages show it."""

    space: Space
    depth: int
    path_name: str
    code: PlaceCode | None  # the unrevoked code, valid or expired
    status: str
    needs_code: bool
    venue_type: str
    children: int = 0

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass
class Coverage:
    needed: int = 0
    covered: int = 0
    gaps: list = field(default_factory=list)  # the spaces that need a code and lack one
    unknown: tuple = ()

    @property
    def missing(self) -> int:
        return len(self.gaps)

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def percent(self) -> int:
        return 100 if not self.needed else int(self.covered * 100 / self.needed)


def _spaces(unit, user):
    queryset = Space.objects.visible_to(user, "view") if user is not None else Space.objects
    return queryset.filter(enterprise_id=unit.pk).select_related("zone")


def _codes(unit, user):
    queryset = PlaceCode.objects.visible_to(user, "view") if user is not None else PlaceCode.objects
    return queryset.filter(enterprise_id=unit.pk, revoked_at__isnull=True)


def path_names(spaces) -> dict:
    """space id -> "一号厂区 / 一号楼 / 三车间" for spaces of one tree (all ancestors present)."""
    names = {s.pk: s.name for s in spaces}
    return {
        s.pk: " / ".join(names.get(int(i), "?") for i in s.path.strip("/").split("/"))
        for s in spaces
    }


def unit_tree(unit, *, user=None, now=None, rules=None, include_inactive=True) -> list[Node]:
    """The unit's spaces in tree order (sites first, siblings by kind then name), each with its
    depth, full path name, code and code status. ``user``: read through ``visible_to``."""
    today = timezone.localdate(now) if now else timezone.localdate()
    rules = rules or coding_rules.current()
    spaces = list(_spaces(unit, user))
    codes = {c.space_id: c for c in _codes(unit, user)}
    names = path_names(spaces)
    sites = {s.pk: s.venue_type for s in spaces if not s.parent_id}
    children: dict = {}
    for space in spaces:
        children.setdefault(space.parent_id, []).append(space)
    for siblings in children.values():
        siblings.sort(key=lambda s: (KIND_ORDER.get(s.kind, 99), s.name, s.pk))
    nodes: list[Node] = []

    def visit(space, depth):
        if not include_inactive and not space.is_active:
            return
        code = codes.get(space.pk)
        venue = coding_rules.venue_of(space, sites)
        needs = coding_rules.needs_code(space, rules, sites)
        if code is not None and code.expires_on >= today:
            status = VALID
        elif code is not None:
            status = EXPIRED
        else:
            status = NEEDED if needs else NONE
        nodes.append(
            Node(
                space=space,
                depth=depth,
                path_name=names[space.pk],
                code=code,
                status=status,
                needs_code=needs,
                venue_type=venue,
                children=len(children.get(space.pk, [])),
            )
        )
        for child in children.get(space.pk, []):
            visit(child, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    return nodes


def coverage_of(nodes: list[Node], rules=None) -> Coverage:
    """The coverage check over a unit's tree: needed = active spaces that need a code, gaps =
    those without a valid one (none at all, or only an expired one)."""
    result = Coverage(unknown=(rules or coding_rules.current()).unknown)
    for node in nodes:
        if not node.needs_code:
            continue
        result.needed += 1
        if node.status == VALID:
            result.covered += 1
        else:
            result.gaps.append(node.space)
    return result


def unit_coverage(unit, *, user=None, now=None, rules=None) -> Coverage:
    rules = rules or coding_rules.current()
    return coverage_of(unit_tree(unit, user=user, now=now, rules=rules), rules)


def _site_venue():
    """The venue type of the site at the root of the outer space's tree."""
    roots = Space.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), parent__isnull=True
    ).filter(StartsWith(OuterRef("path"), F("path")))
    return Subquery(roots.values("venue_type")[:1])


def needed_q(rules) -> Q:
    """Spaces (annotated with ``site_venue``) that need a code under ``rules``."""
    q = Q(pk__in=[])
    for venue, kinds in rules.kinds.items():
        if kinds:
            q |= Q(site_venue=venue, kind__in=sorted(kinds))
    return q


def gap_spaces(spaces, *, rules=None, now=None):
    """The spaces of ``spaces`` that are active, need a code under ``rules`` and have no valid
    one: the coverage check in SQL (one subquery for the site's venue type, one for the code)."""
    rules = rules or coding_rules.current()
    today = timezone.localdate(now) if now else timezone.localdate()
    valid = PlaceCode.objects.filter(valid_code_q(today), space_id=OuterRef("pk"))
    return (
        spaces.filter(is_active=True)
        .annotate(site_venue=_site_venue())
        .filter(needed_q(rules))
        .filter(~Exists(valid))
    )


def space_stats(spaces, *, by: str = "enterprise_id", rules=None, now=None) -> dict:
    """Per value of ``by`` (``enterprise_id`` or ``region_code``): {"spaces": active spaces,
    "needed": spaces that need a code, "missing": those without a valid one}, over ``spaces``
    (a scoped queryset), in two grouped queries."""
    rules = rules or coding_rules.current()
    today = timezone.localdate(now) if now else timezone.localdate()
    active = spaces.filter(is_active=True).order_by()
    stats: dict = {}
    for row in active.values(by).annotate(n=Count("pk")):
        stats[row[by]] = {"spaces": row["n"], "needed": 0, "missing": 0}
    valid = PlaceCode.objects.filter(valid_code_q(today), space_id=OuterRef("pk"))
    needing = (
        active.annotate(site_venue=_site_venue())
        .filter(needed_q(rules))
        .annotate(has_code=Exists(valid))
        .values(by)
        .annotate(needed=Count("pk"), missing=Count("pk", filter=Q(has_code=False)))
    )
    for row in needing:
        entry = stats.setdefault(row[by], {"spaces": 0, "needed": 0, "missing": 0})
        entry["needed"], entry["missing"] = row["needed"], row["missing"]
    return stats


def units_with_state(units, spaces, *, rules=None, now=None):
    """``units`` annotated with ``has_tree`` (an active space) and ``has_gaps`` (a space that
    needs a code and lacks one), both over ``spaces`` (a scoped queryset of spaces)."""
    unit_spaces = spaces.filter(enterprise_id=OuterRef("pk"))
    return units.annotate(
        has_tree=Exists(unit_spaces.filter(is_active=True)),
        has_gaps=Exists(gap_spaces(unit_spaces, rules=rules, now=now)),
    )


def space_choices(nodes: list[Node], *, exclude_path: str | None = None) -> list[tuple]:
    """(id, indented path name) of active spaces, for parent pickers; ``exclude_path`` drops a
    subtree (a space cannot move under itself)."""
    return [
        (n.space.pk, "　" * n.depth + n.space.name)
        for n in nodes
        if n.space.is_active and not (exclude_path and n.space.path.startswith(exclude_path))
    ]
