"""POL-03 reads: the uptake funnel and the redemption rates per policy and per region, the
"应享未享" lists and follow-up tasks.

The funnel counts the *eligible* matches (result ``eligible``) that reached each step — notified,
applied, granted, declined, paid, received — by their timestamps (a 免申即享 enterprise is granted
without applying). The redemption rate is received ÷ eligible by count, and Σ granted amount of
the received ÷ Σ expected amount (``policy.benefit_amount``) over the eligible by amount; a
policy without an expected amount has no rate by amount. "possibly" matches are counted apart
(``possible``): they are not eligible until their missing facts are known.

Every figure is computed over the rows the user may see (``visible_to``) in one grouped query.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, Case, Count, DecimalField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import allowing_grants, prefix_range, scope_filter
from sibao.policies.models import FollowUpTask, MatchResult, Policy, PolicyMatch, UptakeStatus
from sibao.regions.models import Region

__all__ = [
    "Funnel",
    "follow_ups",
    "handleable",
    "match_scope",
    "funnel_for",
    "rates_by_policy",
    "rates_by_region",
    "region_path",
    "unredeemed_matches",
]

ELIGIBLE = Q(result=MatchResult.ELIGIBLE)
MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")
CENT = Decimal("0.01")


def _sum(expression, condition):
    return Coalesce(Sum(expression, filter=condition), ZERO, output_field=MONEY)


# keys prefixed "x_" in queries: an annotation may not share a field's name (granted_amount)
_AGGREGATES = {
    "eligible": Count("pk", filter=ELIGIBLE),
    "possible": Count("pk", filter=Q(result=MatchResult.POSSIBLE)),
    "notified": Count("pk", filter=ELIGIBLE & Q(notified_at__isnull=False)),
    "applied": Count("pk", filter=ELIGIBLE & Q(applied_at__isnull=False)),
    "granted": Count("pk", filter=ELIGIBLE & Q(granted_at__isnull=False)),
    "declined": Count("pk", filter=ELIGIBLE & Q(uptake=UptakeStatus.DECLINED)),
    "paid": Count("pk", filter=ELIGIBLE & Q(paid_at__isnull=False)),
    "received": Count("pk", filter=ELIGIBLE & Q(uptake=UptakeStatus.RECEIVED)),
    "expected_amount": _sum("policy__benefit_amount", ELIGIBLE),
    # eligible rows of policies with an expected amount: the base of the rate by amount
    "with_amount": Count("pk", filter=ELIGIBLE & Q(policy__benefit_amount__isnull=False)),
    "granted_amount": _sum("granted_amount", ELIGIBLE & Q(granted_at__isnull=False)),
    "paid_amount": _sum("granted_amount", ELIGIBLE & Q(paid_at__isnull=False)),
    "received_amount": _sum("granted_amount", ELIGIBLE & Q(uptake=UptakeStatus.RECEIVED)),
    # the numerator of the rate by amount: only policies that state an expected amount
    "received_rated": _sum(
        "granted_amount",
        ELIGIBLE & Q(uptake=UptakeStatus.RECEIVED, policy__benefit_amount__isnull=False),
    ),
}
AGGREGATES = {f"x_{k}": v for k, v in _AGGREGATES.items()}
COUNT_KEYS = (
    "eligible",
    "possible",
    "notified",
    "applied",
    "granted",
    "declined",
    "paid",
    "received",
)
AMOUNT_KEYS = (
    "expected_amount",
    "granted_amount",
    "paid_amount",
    "received_amount",
    "received_rated",
)


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Funnel:
    """The funnel of one policy or one region (counts, amounts in 万元, rates in %)."""

    label: str = ""
    key: str = ""
    eligible: int = 0
    possible: int = 0
    notified: int = 0
    applied: int = 0
    granted: int = 0
    declined: int = 0
    paid: int = 0
    received: int = 0
    with_amount: int = 0
    expected_amount: Decimal = CENT * 0
    granted_amount: Decimal = CENT * 0
    paid_amount: Decimal = CENT * 0
    received_amount: Decimal = CENT * 0
    received_rated: Decimal = CENT * 0
    extra: dict = field(default_factory=dict)

    def add(self, row: dict) -> None:
        row = {k[2:] if k.startswith("x_") else k: v for k, v in row.items()}
        for key in (*COUNT_KEYS, "with_amount"):
            setattr(self, key, getattr(self, key) + (row.get(key) or 0))
        for key in AMOUNT_KEYS:
            value = Decimal(row.get(key) or ZERO)
            setattr(self, key, (getattr(self, key) + value).quantize(CENT))

    @property
    def unredeemed(self) -> int:
        """应享未享: eligible and not (yet) received."""
        return self.eligible - self.received

    @property
    def rate_by_count(self) -> Decimal | None:
        return _ratio(self.received, self.eligible)

    @property
    def rate_by_amount(self) -> Decimal | None:
        if not self.with_amount:
            return None
        return _ratio(self.received_rated, self.expected_amount)

    def as_dict(self) -> dict:
        data = {k: getattr(self, k) for k in COUNT_KEYS}
        data.update({k: str(getattr(self, k)) for k in AMOUNT_KEYS})
        data["unredeemed"] = self.unredeemed
        data["rate_by_count"] = None if self.rate_by_count is None else str(self.rate_by_count)
        data["rate_by_amount"] = None if self.rate_by_amount is None else str(self.rate_by_amount)
        return {"key": self.key, "label": self.label, **data, **self.extra}


def match_scope(user, action: str = "view") -> Q:
    """The matches ``user`` may ``action``: the model's scope (``visible_to``: region, and for a
    department its industries), and also, for a department grant, every match of a policy its
    own department line issued within the grant's region — the issuing department (finance,
    human resources …) grants its policy's benefits whatever the enterprise's industry."""
    q = scope_filter(user, PolicyMatch, action)
    for grant in allowing_grants(user, PolicyMatch._meta.label_lower, action):
        if grant.department_id and not grant.enterprise_id:
            q |= prefix_range("region_code", grant.region_id) & Q(
                policy__department__kind=grant.department.kind
            )
    return q


def handleable(user, action: str = "view"):
    """``PolicyMatch`` rows in ``match_scope``."""
    return PolicyMatch.objects.filter(match_scope(user, action))


def _visible(user, region_code: str | None = None):
    rows = handleable(user, "view")
    if region_code:
        rows = rows.filter(prefix_range("region_code", region_code))
    return rows


def funnel_for(user, policy, region_code: str | None = None) -> Funnel:
    """One policy's funnel over the rows ``user`` sees (in ``region_code`` when given)."""
    row = _visible(user, region_code).filter(policy=policy).aggregate(**AGGREGATES)
    funnel = Funnel(label=policy.title, key=str(policy.pk))
    funnel.add(row)
    return funnel


def rates_by_policy(user, *, region_code: str | None = None, policies=None) -> list[Funnel]:
    """One funnel per policy that has matches the user sees (``policies``: a queryset to
    narrow to), most eligible first; plus the total as the last entry's ``extra["total"]``."""
    rows = _visible(user, region_code)
    if policies is not None:
        rows = rows.filter(policy__in=policies)
    grouped = {
        r["policy_id"]: r for r in rows.order_by().values("policy_id").annotate(**AGGREGATES)
    }
    found = Policy.objects.filter(pk__in=list(grouped)).select_related("department")
    funnels = []
    for policy in found:
        funnel = Funnel(label=policy.title, key=str(policy.pk), extra={"policy": policy})
        funnel.add(grouped[policy.pk])
        funnels.append(funnel)
    funnels.sort(key=lambda f: (-f.eligible, f.label))
    return funnels


def total_of(funnels, label="") -> Funnel:
    total = Funnel(label=label or str(_("合计")), key="total")
    for f in funnels:
        total.add({k: getattr(f, k) for k in (*COUNT_KEYS, "with_amount", *AMOUNT_KEYS)})
    return total


def rates_by_region(user, region: Region, *, policy=None) -> list[Funnel]:
    """The funnels of ``region``'s children (province → cities, city → counties), over all
    policies or one; rows registered at ``region`` itself make a "本级" line. A county has no
    children: its one line is itself."""
    rows = _visible(user, region.code)
    if policy is not None:
        rows = rows.filter(policy=policy)
    grouped = list(rows.order_by().values("region_code").annotate(**AGGREGATES))
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if not children:
        children = [region]
    funnels = {c.code: Funnel(label=c.name, key=c.code, extra={"region": c}) for c in children}
    own = Funnel(label=str(_("本级")), key=region.code, extra={"region": region, "own": True})
    for row in grouped:
        code = row["region_code"]
        target = next((f for c, f in funnels.items() if code.startswith(c)), None)
        (target or own).add(row)
    result = list(funnels.values())
    if own.eligible or own.possible:
        result.append(own)
    return result


def region_path(region: Region) -> list[Region]:
    """The region and its ancestors, province first (breadcrumbs of the region drill-down)."""
    path = []
    node = region
    while node is not None:
        path.append(node)
        node = node.parent
    return list(reversed(path))


def unredeemed_matches(user, policy, region_code: str | None = None):
    """应享未享: the eligible matches of ``policy`` the user sees whose benefit is not received,
    in ``region_code`` when given, with their enterprise."""
    rows = _visible(user, region_code).filter(policy=policy, result=MatchResult.ELIGIBLE)
    return (
        rows.exclude(uptake=UptakeStatus.RECEIVED)
        .select_related("enterprise", "enterprise__region")
        .order_by("region_code", "enterprise__name")
    )


def follow_ups(user, *, status: str | None = None, overdue: bool = False):
    """The follow-up tasks the user sees, annotated ``overdue`` (open past its deadline)."""
    today = timezone.localdate()
    tasks = (
        FollowUpTask.objects.visible_to(user, "view")
        .select_related("policy", "department")
        .annotate(
            overdue=Case(
                When(status=FollowUpTask.Status.OPEN, due_on__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    if status:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.filter(overdue=True)
    return tasks
