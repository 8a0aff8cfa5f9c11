"""EPI-05: which spaces need a place code, by the venue type of their site (rule-set data).

The seed (D2 二(二) 场所码全覆盖) says:

    所有出入口、独立封闭空间一门一码，应设尽设。工业企业、建筑工地所有生产经营、施工、生活区域一区一码，
    工作车间一车间一码；农批农贸市场一区一码；商超一门一码；大型园区一楼一码、一单元一码；交通场站、
    宾馆酒店、旅游景区及其内部独立封闭空间一门一码、一层一码、一区一码。

So every venue type codes its doors (出入口) and independent enclosed spaces (独立封闭空间); on top
of that industrial enterprises and construction sites code their areas and workshops, markets
their areas, large parks their buildings and units (floors), stations, hotels and scenic spots
their floors and areas. The rule set's ``place_code_rules`` holds this as text,
``venue:kind,kind;venue:kind`` (venue types from ``VenueType``, space kinds from ``SpaceKind``),
so that the health authority can change it without a release; ``check_text`` is the rule
editor's check (unknown names are refused with their names), ``parse`` the reader (unknown
names are reported, not fatal, so that a stored text never breaks a page).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from sibao.places.models import SpaceKind, VenueType

__all__ = ["CodeRules", "parse", "check_text", "current", "needs_code", "venue_of"]


@dataclass(frozen=True)
class CodeRules:
    """The parsed rules: venue type -> the space kinds that need a code there."""

    kinds: dict = field(default_factory=dict)
    # Chinese messages about names in the text that mean nothing (ignored when reading)
    unknown: tuple = ()
    text: str = ""

    def kinds_for(self, venue_type: str) -> frozenset:
        return self.kinds.get(venue_type, frozenset())

    def needs(self, venue_type: str, kind: str) -> bool:
        return kind in self.kinds_for(venue_type)

    def labels(self) -> list[tuple[str, list[str]]]:
        """(venue type label, [kind labels]) in the order of ``VenueType``, for the pages."""
        kind_labels = dict(SpaceKind.choices)
        return [
            (label, [str(kind_labels[k]) for k in SpaceKind.values if k in self.kinds_for(v)])
            for v, label in VenueType.choices
        ]


def parse(text: str) -> CodeRules:
    """Read the rule text; unknown venue types and space kinds are left out and reported."""
    kinds: dict[str, set] = {}
    unknown: list[str] = []
    venue_names, kind_names = set(VenueType.values), set(SpaceKind.values)
    for item in str(text or "").replace("；", ";").split(";"):
        item = item.strip()
        if not item:
            continue
        venue, sep, rest = item.partition(":")
        venue = venue.strip()
        if not sep:
            unknown.append(_("无法识别的规则项：%(item)s") % {"item": item})
            continue
        if venue not in venue_names:
            unknown.append(_("未知的场所类型：%(name)s") % {"name": venue})
            continue
        for kind in rest.replace("，", ",").split(","):
            kind = kind.strip()
            if not kind:
                continue
            if kind not in kind_names:
                unknown.append(
                    _("未知的空间类型：%(name)s（%(venue)s）") % {"name": kind, "venue": venue}
                )
                continue
            kinds.setdefault(venue, set()).add(kind)
    return CodeRules(
        kinds={v: frozenset(k) for v, k in kinds.items()}, unknown=tuple(unknown), text=text
    )


def check_text(text: str) -> str:
    """The rule editor's check: the text, or ValueError naming every unknown name (Chinese)."""
    rules = parse(text)
    if rules.unknown:
        venues = "、".join(VenueType.values)
        kinds = "、".join(SpaceKind.values)
        raise ValueError(
            "；".join(rules.unknown)
            + "。"
            + _("场所类型可用：%(venues)s；空间类型可用：%(kinds)s。")
            % {"venues": venues, "kinds": kinds}
        )
    return text


def current(ruleset=None) -> CodeRules:
    """The rules of the rule set in force (or of ``ruleset``)."""
    from sibao.core import rules

    ruleset = ruleset or rules.current()
    return parse(ruleset["place_code_rules"])


def venue_of(space, sites: dict | None = None) -> str:
    """The venue type of a space: its site's (the root of its tree, the first id of its path).
    ``sites`` maps site ids to venue types, to avoid a query per space."""
    if not space.parent_id:
        return space.venue_type
    root_id = int(space.path.split("/", 1)[0])
    if sites is not None and root_id in sites:
        return sites[root_id]
    from sibao.places.models import Space

    return Space.objects.filter(pk=root_id).values_list("venue_type", flat=True).first() or ""


def needs_code(space, rules: CodeRules, sites: dict | None = None) -> bool:
    """Whether an active space needs a place code under ``rules`` (by its site's venue type)."""
    return bool(space.is_active) and rules.needs(venue_of(space, sites), space.kind)
