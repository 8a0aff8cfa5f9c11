"""The board's whitelist panel and its map indicators (MON-01): whitelisted units of the region
and by service tier, applications waiting for review, and per industry the units whitelisted,
the units not yet whitelisted (the candidates coverage counts) and the coverage against the rule
set's target (WL-07).

Counts go through ``visible_to``, so each equals the list it links to for the same user: a
department official (a grant narrowed to its industries) sees its industries only. Coverage is
the whitelist area's measure (``enterprises.queries``: scale value of the units listed, their
own entry or their park's, over all units of the industry) computed for every industry at once
in one grouped query instead of one ``coverage()`` call per industry; ``CoverageRow`` gives the
ratio and the target comparison, so the board and the coverage page agree to the decimal.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, prefix_range
from sibao.dashboard.panels import Figure, Indicator, Panel
from sibao.dashboard.panels.grouping import per_child
from sibao.enterprises.actions import review_queue
from sibao.enterprises.models import (
    ApplicationStatus,
    Enterprise,
    ServiceTier,
    WhitelistApplication,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.enterprises.queries import VALUE_KINDS, CoverageRow, is_whitelisted, scale_value

__all__ = ["COVERAGE", "WHITELISTED", "whitelist"]

LISTED = WhitelistStatus.LISTED
CENT = Decimal("0.01")
ZERO = Decimal("0")


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _units(user, region_code: str):
    """The units coverage counts (active enterprises and projects) under ``region_code`` that
    ``user`` may see."""
    return (
        Enterprise.objects.visible_to(user, "view")
        .active()
        .filter(prefix_range("region_id", region_code), kind__in=VALUE_KINDS)
    )


def _coverage_sums(queryset):
    """The aggregates of ``CoverageRow`` over ``queryset`` (grouped by the caller's ``values``)."""
    value, listed = scale_value(), is_whitelisted()
    return queryset.annotate(
        total=Sum(value),
        covered=Sum(value, filter=listed),
        units=Count("pk"),
        covered_units=Count("pk", filter=listed),
    ).order_by()


def _money(value) -> Decimal:
    # as ``enterprises.queries.coverage`` rounds its sums, so that both show the same ratio
    return Decimal(value or 0).quantize(CENT)


def _coverage_row(region, group: dict, target: Decimal) -> CoverageRow:
    return CoverageRow(
        region,
        _money(group["total"]),
        _money(group["covered"]),
        group["units"],
        group["covered_units"],
        target,
    )


def _pending_applications(ctx):
    """Applications waiting for review under the board's region, with the list that shows them:
    the reviewer's queue for those who review, else the scoped list of submitted ones."""
    user, code = ctx.user, ctx.region.code
    if can(user, WhitelistApplication, "review"):
        queryset = review_queue(user)
        url = _url("enterprises:application_queue", region=code)
    elif can(user, WhitelistApplication, "view"):
        queryset = WhitelistApplication.objects.visible_to(user, "view").filter(
            status=ApplicationStatus.SUBMITTED
        )
        url = _url("enterprises:application_list", region=code, status=ApplicationStatus.SUBMITTED)
    else:
        return None
    count = queryset.filter(prefix_range("region_code", code)).count()
    return Figure(
        _("待审核申报"),
        count,
        url,
        key="applications",
        unit=_("件"),
        tone="warning" if count else "",
    )


def whitelist(ctx) -> Panel | None:
    """Whitelisted units and coverage by industry (MON-01, WL-05 … WL-07)."""
    user, region = ctx.user, ctx.region
    if not can(user, WhitelistEntry, "view"):
        return None
    code = region.code
    target = Decimal(str(ctx.rules["coverage_target_pct"]))
    entries = (
        WhitelistEntry.objects.visible_to(user, "view")
        .filter(prefix_range("region_code", code), status=LISTED)
        .values("industry", "industry__name", "industry__sort_order", "tier")
        .annotate(n=Count("pk"))
        .order_by()
    )
    industries, listed, tiers = {}, {}, dict.fromkeys(ServiceTier.values, 0)
    for group in entries:
        industries[group["industry"]] = (group["industry__sort_order"], group["industry__name"])
        listed[group["industry"]] = listed.get(group["industry"], 0) + group["n"]
        tiers[group["tier"]] += group["n"]
    coverage = {}
    has_coverage = can(user, Enterprise, "view")
    if has_coverage:
        sums = _coverage_sums(
            _units(user, code).values("industry", "industry__name", "industry__sort_order")
        )
        for group in sums:
            industries[group["industry"]] = (group["industry__sort_order"], group["industry__name"])
            coverage[group["industry"]] = _coverage_row(region, group, target)

    total = sum(listed.values())
    listed_url = _url("enterprises:whitelist_list", region=code, status=LISTED)
    figures = [Figure(_("白名单单位"), total, listed_url, key="listed", unit=_("家"))]
    for tier, label in ServiceTier.choices:
        figures.append(
            Figure(
                _("%(tier)s保障") % {"tier": label},
                tiers[tier],
                _url("enterprises:whitelist_list", region=code, status=LISTED, tier=tier),
                key=f"tier_{tier}",
                unit=_("家"),
            )
        )
    pending = _pending_applications(ctx)
    if pending is not None:
        figures.append(pending)
    if has_coverage:
        overall = CoverageRow(
            region,
            sum((row.total for row in coverage.values()), ZERO),
            sum((row.covered for row in coverage.values()), ZERO),
            sum(row.units for row in coverage.values()),
            sum(row.covered_units for row in coverage.values()),
            target,
        )
        figures.append(_coverage_figure(overall))

    rows = []
    for industry, (_order, name) in sorted(industries.items(), key=lambda item: item[1]):
        row = [
            Figure(
                _("白名单单位"),
                listed.get(industry, 0),
                _url("enterprises:whitelist_list", region=code, industry=industry, status=LISTED),
                key="listed",
                unit=_("家"),
            )
        ]
        if has_coverage:
            # an industry with listed parks only has no units of its own: 0 of 0
            found = coverage.get(industry) or CoverageRow(region, ZERO, ZERO, 0, 0, target)
            candidates = found.units - found.covered_units
            row.append(
                Figure(
                    _("未纳入单位"),
                    candidates,
                    _url(
                        "enterprises:enterprise_list",
                        region=code,
                        industry=industry,
                        whitelist="candidate",
                    ),
                    key="candidates",
                    unit=_("家"),
                    hint=_("本身和所在园区都未纳入白名单的企业和项目：提高覆盖率的候选单位"),
                )
            )
            row.append(_coverage_figure(found))
        rows.append((name, row))

    columns = [_("白名单单位")]
    if has_coverage:
        columns += [_("未纳入单位"), _("覆盖率")]
    return Panel(
        key="whitelist",
        title=_("白名单与覆盖率"),
        figures=figures,
        columns=columns,
        rows=rows,
        more_url=_url("enterprises:coverage", region=code),
        more_label=_("覆盖率分析"),
        width=6,
    )


def _coverage_figure(row: CoverageRow) -> Figure:
    """A ratio, not a count of rows: no list stands behind it, so it links nowhere (the panel's
    "覆盖率分析" opens the coverage page with the ratio of every industry and child region)."""
    ratio = row.ratio_pct
    return Figure(
        _("覆盖率"),
        ratio,
        key="coverage",
        unit="%",
        tone="" if ratio is None else ("danger" if row.is_below_target else "success"),
        hint=_("白名单单位产值（项目为投资额）占全部单位的比例，目标 %(target)s%%")
        % {"target": row.target_pct},
    )


# --- map indicators ------------------------------------------------------------------------------


def whitelisted_values(ctx, children) -> dict | None:
    """Listed whitelist entries per child region (the whitelist list of that child)."""
    if not can(ctx.user, WhitelistEntry, "view"):
        return None
    entries = WhitelistEntry.objects.visible_to(ctx.user, "view").filter(status=LISTED)
    counts = per_child(entries, ctx.region, children, n=Count("pk"))
    return {code: c["n"] for code, c in counts.items()}


def whitelisted_url(ctx, code: str) -> str:
    return _url("enterprises:whitelist_list", region=code, status=LISTED)


def coverage_values(ctx, children) -> dict | None:
    """Coverage over all the industries the user sees, per child region, in percent (one
    decimal); a child whose units report no scale value has none."""
    if not can(ctx.user, Enterprise, "view"):
        return None
    value, listed = scale_value(), is_whitelisted()
    # an enterprise keeps its county code in ``region_id``: named as the grouping expects
    units = _units(ctx.user, ctx.region.code).annotate(region_code=F("region_id"))
    sums = per_child(
        units, ctx.region, children, total=Sum(value), covered=Sum(value, filter=listed)
    )
    target = Decimal(str(ctx.rules["coverage_target_pct"]))
    values = {}
    for code, c in sums.items():
        row = CoverageRow(None, _money(c["total"]), _money(c["covered"]), 0, 0, target)
        if row.ratio_pct is not None:
            values[code] = row.ratio_pct
    return values


def coverage_url(ctx, code: str) -> str:
    return _url("enterprises:coverage", region=code)


WHITELISTED = Indicator(
    key="whitelisted",
    label=gettext_lazy("白名单单位"),
    values=whitelisted_values,
    url=whitelisted_url,
    unit=gettext_lazy("家"),
)
COVERAGE = Indicator(
    key="coverage",
    label=gettext_lazy("白名单覆盖率（全行业）"),
    values=coverage_values,
    url=coverage_url,
    unit="%",
)
