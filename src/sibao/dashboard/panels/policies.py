"""The board's policy-redemption panel (MON-01): how far the region's eligible matches got.

The funnel is the uptake module's (``policies.queries_uptake``: eligible matches by the step
they reached, the redemption rate received ÷ eligible), over the matches the user may see (the
model's scope plus the issuing department's line). Each count links to the match list of all
policies (``policies:uptake_matches``) filtered by region, result and step.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, prefix_range
from sibao.dashboard.panels import Figure, Indicator, Panel
from sibao.policies import queries_uptake
from sibao.policies.models import MatchResult, PolicyMatch


def matches_url(code: str, **params) -> str:
    return f"{reverse('policies:uptake_matches')}?{urlencode({'region': code, **params})}"


def _step_url(code: str, step: str) -> str:
    return matches_url(code, result=MatchResult.ELIGIBLE, step=step)


def policies(ctx) -> Panel | None:
    """Eligible matches, applied, granted, paid (and the amount paid), not yet received, and the
    redemption rate by count: one aggregate query."""
    if not can(ctx.user, PolicyMatch, "view"):
        return None
    code = ctx.region.code
    row = (
        queries_uptake.handleable(ctx.user)
        .filter(prefix_range("region_code", code))
        .aggregate(**queries_uptake.AGGREGATES)
    )
    funnel = queries_uptake.Funnel()
    funnel.add(row)
    return Panel(
        key="policies",
        title=_("惠企政策兑现"),
        figures=[
            Figure(
                _("符合条件"),
                funnel.eligible,
                matches_url(code, result=MatchResult.ELIGIBLE),
                key="eligible",
                unit=_("户次"),
                hint=_("符合政策条件的企业（一家企业符合多项政策时分别计）"),
            ),
            Figure(_("已申请"), funnel.applied, _step_url(code, "applied"), key="applied"),
            Figure(_("已批准"), funnel.granted, _step_url(code, "granted"), key="granted"),
            Figure(_("已拨付"), funnel.paid, _step_url(code, "paid"), key="paid"),
            Figure(_("拨付金额"), funnel.paid_amount, key="paid_amount", unit=_("万元")),
            Figure(
                _("应享未享"),
                funnel.unredeemed,
                matches_url(code, unredeemed="true"),
                key="unredeemed",
                tone="warning" if funnel.unredeemed else "",
            ),
            Figure(
                _("兑现率"),
                funnel.rate_by_count,
                key="redemption_rate",
                unit="%",
                hint=_("企业确认到账 ÷ 符合条件（按户次）"),
            ),
        ],
        more_url=f"{reverse('policies:uptake_regions')}?{urlencode({'region': code})}",
        more_label=_("分地区兑现率"),
    )


def redemption_values(ctx, children) -> dict:
    """The redemption rate by count per child: the uptake module's per-region funnels (one
    grouped query)."""
    if not can(ctx.user, PolicyMatch, "view"):
        return {}
    codes = {getattr(child, "code", child) for child in children}
    if not codes:
        return {}
    return {
        funnel.key: None if funnel.rate_by_count is None else float(funnel.rate_by_count)
        for funnel in queries_uptake.rates_by_region(ctx.user, ctx.region)
        if funnel.key in codes
    }


REDEMPTION_RATE = Indicator(
    key="redemption_rate",
    label=gettext_lazy("政策兑现率"),
    values=redemption_values,
    unit="%",
)
