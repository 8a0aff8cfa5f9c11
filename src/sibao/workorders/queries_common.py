"""Reads of the common area shared by its pages and API (DEM-04)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.enterprises.models import Enterprise
from sibao.workorders import similarity
from sibao.workorders.models import ClusterRun, Demand


@dataclass
class SimilarRow:
    """One similar demand as a user may see it: another unit's name is shown only to those who
    may view that unit's demand."""

    number: str
    title: str
    unit: str
    score: float
    status: str
    url: str


def latest_run():
    return ClusterRun.objects.order_by("-at", "-id").first()


def similar_rows(user, pairs) -> list[SimilarRow]:
    ids = [d.pk for d, _score in pairs]
    visible = set(Demand.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for demand, score in pairs:
        seen = demand.pk in visible
        rows.append(
            SimilarRow(
                number=demand.number,
                title=demand.title if seen else "",
                unit=demand.enterprise.name if seen else _("其他企业"),
                score=score,
                status=demand.get_status_display(),
                url=reverse("workorders:demand_detail", args=[demand.pk]) if seen else "",
            )
        )
    return rows


def similar_to_demand(user, demand) -> list[SimilarRow]:
    pairs = similarity.similar_open_demands(
        f"{demand.title} {demand.description}",
        region_code=demand.region_code,
        category=demand.category,
        exclude_id=demand.pk,
    )
    return similar_rows(user, pairs)


def filing_region(user, enterprise_id) -> str:
    """Where a demand being typed will be filed: the chosen unit's region (one the user may
    see), else the unit of the user's own enterprise grant, else the user's narrowest grant."""
    units = Enterprise.objects.visible_to(user)
    if str(enterprise_id or "").isdigit():
        region = units.filter(pk=int(enterprise_id)).values_list("region_id", flat=True).first()
        if region:
            return region
    grants = user.active_grants()
    for grant in grants:
        if grant.enterprise_id:
            unit = units.filter(pk=grant.enterprise_id).values_list("region_id", flat=True)
            return unit.first() or ""
    return max((g.region_id for g in grants), key=len, default="")


def demands_by_numbers(user, numbers) -> tuple[list, list]:
    """The demands the user may see with these numbers, and the numbers not found."""
    found = {
        d.number: d
        for d in Demand.objects.visible_to(user)
        .filter(number__in=numbers)
        .select_related("enterprise")
    }
    return [found[n] for n in numbers if n in found], [n for n in numbers if n not in found]
