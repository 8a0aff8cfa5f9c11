"""Multi-model reads of the enterprises app (architecture: ``queries.py``).

Whitelist coverage (WL-07): per industry and region, the scale value of the whitelisted units
(their own entry listed, or a member of a listed park) over the scale value of all units, and
the fewest candidates that would close the gap to the rule set's target.

The scale value is the output value of an enterprise and the investment of a project (WL-01).
Parks and bonded zones add nothing of their own: their members carry the value (WL-02). Merged
records are history, not units.

These functions do not scope by user: callers check first that the region and industry are
within the caller's grants (``covers``), so every unit counted is one the caller may see.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import LessThan
from django.http import Http404
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, covers
from sibao.enterprises.actions.whitelist import MET, NOT_MET, evaluate, published_criteria_for
from sibao.enterprises.models import (
    Enterprise,
    EnterpriseKind,
    WhitelistEntry,
    WhitelistStatus,
)

__all__ = [
    "Candidate",
    "CandidateList",
    "CoverageRow",
    "coverage",
    "coverage_candidates",
    "coverage_scope",
    "jurisdiction_regions",
    "jurisdiction_industries",
    "scale_value",
]

MONEY = DecimalField(max_digits=16, decimal_places=2)
CENT = Decimal("0.01")
# the kinds that carry a scale value of their own (parks and bonded zones do not)
VALUE_KINDS = (EnterpriseKind.ENTERPRISE, EnterpriseKind.PROJECT)


def scale_value():
    """The coverage measure in SQL: investment for projects, output value otherwise, 0 if unknown."""
    return Coalesce(
        Case(
            When(kind=EnterpriseKind.PROJECT, then=F("investment")),
            default=F("output_value"),
            output_field=MONEY,
        ),
        Value(Decimal("0")),
        output_field=MONEY,
    )


def _listed(path: str) -> Exists:
    return Exists(
        WhitelistEntry.objects.filter(enterprise_id=OuterRef(path), status=WhitelistStatus.LISTED)
    )


def is_whitelisted() -> Q:
    """A unit counts as whitelisted when its own entry is listed or its park's is (WL-02)."""
    return Q(_listed("pk")) | Q(_listed("park_id"))


def units(industry, region_code: str):
    """The active units of ``industry`` under ``region_code`` that carry a scale value."""
    return Enterprise.objects.active().filter(
        industry=industry, kind__in=VALUE_KINDS, region__code__startswith=region_code
    )


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


@dataclass
class CoverageRow:
    """One region's coverage of one industry; ``target_pct`` comes from the rule set."""

    region: object
    total: Decimal
    covered: Decimal
    units: int
    covered_units: int
    target_pct: Decimal
    is_self: bool = False

    @property
    def ratio_pct(self) -> Decimal | None:
        """Covered / total in percent (one decimal), None where the region has no value."""
        if not self.total:
            return None
        return (self.covered * 100 / self.total).quantize(Decimal("0.1"))

    @property
    def target_value(self) -> Decimal:
        return (self.total * self.target_pct / 100).quantize(CENT)

    @property
    def gap(self) -> Decimal:
        """The scale value still to be whitelisted to reach the target (0 when reached)."""
        return max(Decimal("0.00"), (self.total * self.target_pct / 100 - self.covered)).quantize(
            CENT
        )

    @property
    def is_below_target(self) -> bool:
        # compared exactly, not on the rounded ratio: 69.96 % is below a 70 % target
        return bool(self.total) and self.covered * 100 < self.total * self.target_pct

    def as_dict(self) -> dict:
        return {
            "region": self.region.code,
            "region_name": self.region.name,
            "is_self": self.is_self,
            "units": self.units,
            "covered_units": self.covered_units,
            "total_value": self.total,
            "covered_value": self.covered,
            "ratio_pct": self.ratio_pct,
            "target_pct": self.target_pct,
            "gap_value": self.gap,
            "is_below_target": self.is_below_target,
        }


def coverage(industry, region, rules) -> list[CoverageRow]:
    """WL-07: the region itself, then one row per child region (a province's cities, a city's
    counties), each with total and whitelisted scale value of ``industry``, ratio, target, gap.

    One aggregate query grouped by the region-code prefix of the finest child level; the few
    group rows are then added up per child (child codes need not share a length: 济源 419001
    sits beside the four-digit cities).
    """
    target = Decimal(str(rules["coverage_target_pct"]))
    children = list(region.children.order_by("code"))
    width = max((len(child.code) for child in children), default=len(region.code))
    value = scale_value()
    listed = is_whitelisted()
    groups = (
        units(industry, region.code)
        .annotate(prefix=Substr("region_id", 1, width))
        .values("prefix")
        .annotate(
            total=Sum(value),
            covered=Sum(value, filter=listed),
            count=Count("pk"),
            covered_count=Count("pk", filter=listed),
        )
        .order_by()
    )
    own = CoverageRow(region, Decimal("0"), Decimal("0"), 0, 0, target, is_self=True)
    rows = {
        child.code: CoverageRow(child, Decimal("0"), Decimal("0"), 0, 0, target)
        for child in children
    }
    for group in groups:
        total, covered = _money(group["total"]), _money(group["covered"])
        targets = [own] + [row for code, row in rows.items() if group["prefix"].startswith(code)]
        for row in targets:
            row.total += total
            row.covered += covered
            row.units += group["count"]
            row.covered_units += group["covered_count"]
    return [own, *rows.values()]


@dataclass
class Candidate:
    """A non-whitelisted unit that would help close a region's gap, and whether it meets the
    published criteria of its industry already (``criteria``: met / undetermined / not_met /
    none, as the automatic check 达标即入 would find)."""

    enterprise: Enterprise
    value: Decimal
    cumulative: Decimal
    criteria: str = "none"
    qualified_tier: str = ""


@dataclass
class CandidateList:
    row: CoverageRow
    candidates: list[Candidate] = field(default_factory=list)
    closes_gap: bool = False  # the listed candidates together reach the target
    truncated: bool = False  # more candidates would be needed than the list shows


def coverage_candidates(industry, region, rules, *, limit: int = 30, row=None) -> CandidateList:
    """WL-07: the fewest additions that bring ``region`` to the target: non-whitelisted active
    units of the industry there, largest scale value first, cut where the running sum reaches
    the gap. Taking the largest first is optimal for the count: no k units sum to more than the
    k largest. ``limit`` caps the list shown, not the computation; ``row`` is the region's own
    coverage row when the caller has it already.
    """
    row = row or coverage(industry, region, rules)[0]
    result = CandidateList(row=row)
    if not row.is_below_target:
        return result
    gap = row.gap
    running = Window(
        Sum("value"),
        order_by=[F("value").desc(), F("pk").asc()],
        frame=RowRange(start=None, end=0),
    )
    ranked = (
        units(industry, region.code)
        .exclude(is_whitelisted())
        .annotate(value=scale_value())
        .filter(value__gt=0)
        .annotate(cumulative=running)
        # keep a unit while the ones before it have not yet closed the gap
        .filter(LessThan(F("cumulative") - F("value"), gap))
        .select_related("region")
        .order_by("-value", "pk")
    )
    found = list(ranked[: limit + 1])
    result.truncated = len(found) > limit
    found = found[:limit]
    result.candidates = [Candidate(e, _money(e.value), _money(e.cumulative)) for e in found]
    result.closes_gap = (
        bool(found) and not result.truncated and (result.candidates[-1].cumulative >= gap)
    )
    _mark_criteria(result.candidates)
    return result


def _mark_criteria(candidates: list[Candidate]) -> None:
    """Whether each candidate meets its industry's published criteria already, by the same
    evaluation the application check runs; the criteria set is looked up once per county."""
    sets, loaded = {}, {}
    for candidate in candidates:
        enterprise = candidate.enterprise
        key = (enterprise.industry_id, enterprise.region_id)
        if key not in sets:
            criteria_set = published_criteria_for(enterprise)
            if criteria_set is not None:
                # one criteria set serves many counties: read its criteria once
                criteria_set = loaded.setdefault(criteria_set.pk, criteria_set)
                prefetch_related_objects([criteria_set], "criteria")
            sets[key] = criteria_set
        criteria_set = sets[key]
        if criteria_set is None:
            continue
        evaluation = evaluate(enterprise, criteria_set)
        candidate.qualified_tier = evaluation["qualified_tier"]
        tiers = set(evaluation["tiers"].values())
        if evaluation["qualified_tier"]:
            candidate.criteria = MET
        elif tiers and tiers == {NOT_MET}:
            candidate.criteria = NOT_MET
        else:
            candidate.criteria = "undetermined"


# --- the caller's jurisdiction, for region and industry pickers ---------------------------------


def jurisdiction_regions(user, model, action: str) -> list:
    """The regions of the user's jurisdiction grants that allow ``action`` on ``model``,
    broadest first. Grants restricted to one enterprise reach no region-wide figures."""
    grants = [
        g for g in allowing_grants(user, model._meta.label_lower, action) if not g.enterprise_id
    ]
    regions = {g.region_id: g.region for g in grants}
    return sorted(regions.values(), key=lambda r: (len(r.code), r.code))


def jurisdiction_industries(user, model, action: str, region_code: str) -> list:
    """The industries the user may ``action`` on ``model`` in ``region_code``."""
    from sibao.regions.models import IndustryDomain

    return [
        industry
        for industry in IndustryDomain.objects.all()
        if covers(user, model, action, region_code=region_code, industry=industry.code)
    ]


def coverage_scope(user, industry_code: str | None = None, region_code: str | None = None):
    """The region and industry a coverage request asks for, checked against the user's grants:
    ``(region, industry, industries the user may pick)``. Defaults: the user's broadest region
    and first industry. Outside the user's scope: 404, as for a missing region; a user whose
    grants reach single enterprises only: 403 (coverage is a regional figure)."""
    from sibao.regions.models import Region

    regions = jurisdiction_regions(user, WhitelistEntry, "view")
    if not regions:
        raise PermissionDenied(_("覆盖率是按辖区统计的数据，您的角色无权查看。"))
    if region_code:
        region = Region.objects.filter(pk=region_code).first()
        if region is None:
            raise Http404
    else:
        region = regions[0]
    industries = jurisdiction_industries(user, WhitelistEntry, "view", region.code)
    if not industries:
        raise Http404
    if industry_code:
        industry = next((i for i in industries if i.code == industry_code), None)
        if industry is None:
            raise Http404
    else:
        industry = industries[0]
    return region, industry, industries
