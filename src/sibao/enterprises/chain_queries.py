"""Multi-model reads of the chain area (WL-08, WL-09, WL-10, ORG-06). Every scoped model is read
through ``visible_to``; a partner outside the user's jurisdiction is shown only through a link
the user may see (a link is visible from either side)."""

from dataclasses import dataclass, field

from django.db.models import Q

from sibao.enterprises.models import (
    Enterprise,
    InclusionProposal,
    Pairing,
    Responsibility,
    ResponsibilityParty,
    SupplyLink,
    SupplyLinkKind,
    WhitelistStatus,
)
from sibao.enterprises.models.whitelist import ProposalStatus

# A partner that supplies the unit: the unit registered it as supplier or logistics provider,
# or the partner registered the unit as its customer.
SUPPLYING_KINDS = (SupplyLinkKind.SUPPLIER, SupplyLinkKind.LOGISTICS)


@dataclass
class ExposedUnit:
    """A whitelisted unit with the suppliers it has inside the controlled regions."""

    enterprise: Enterprise
    suppliers: list = field(default_factory=list)  # (partner Enterprise, kind label, products)


def units_with_suppliers_in(user, region_codes) -> list[ExposedUnit]:
    """WL-08 (emergency): the whitelisted units in ``user``'s scope whose suppliers or logistics
    providers are located in one of ``region_codes`` (county codes; a city code covers its
    counties), each with those suppliers. The command module passes the regions in emergency."""
    codes = [c for c in dict.fromkeys(region_codes or []) if c]
    if not codes:
        return []
    in_regions_partner = Q()
    in_regions_owner = Q()
    for code in codes:
        in_regions_partner |= Q(partner_region_code__startswith=code)
        in_regions_owner |= Q(region_code__startswith=code)
    units = Enterprise.objects.visible_to(user, "view").filter(
        whitelist_entry__status=WhitelistStatus.LISTED
    )
    links = (
        SupplyLink.objects.visible_to(user, "view")
        .filter(
            (Q(enterprise__in=units, kind__in=SUPPLYING_KINDS) & in_regions_partner)
            | (Q(partner__in=units, kind=SupplyLinkKind.CUSTOMER) & in_regions_owner)
        )
        .select_related("enterprise__region", "partner__region", "enterprise__industry")
        .select_related("partner__industry")
    )
    exposed: dict[int, ExposedUnit] = {}
    for link in links:
        if link.kind == SupplyLinkKind.CUSTOMER:  # matched through the second branch above
            unit, supplier, kind = link.partner, link.enterprise, SupplyLinkKind.SUPPLIER
        else:
            unit, supplier, kind = link.enterprise, link.partner, link.kind
        row = exposed.setdefault(unit.pk, ExposedUnit(unit))
        row.suppliers.append((supplier, SupplyLinkKind(kind).label, link.products))
    return sorted(exposed.values(), key=lambda r: (r.enterprise.region_id, r.enterprise.name))


@dataclass
class ChainPanel:
    upstream: list  # links where the unit registered the partner
    downstream: list  # links where another unit registered this one
    proposals: list
    pairings: list


def chain_panel(user, enterprise) -> ChainPanel:
    """The chain panel of one unit: its links both ways, the open proposals it is part of and
    its pairings, each as far as the user may see them."""
    links = list(
        SupplyLink.objects.visible_to(user, "view")
        .filter(Q(enterprise=enterprise) | Q(partner=enterprise))
        .select_related("enterprise__region", "partner__region")
    )
    proposals = list(
        InclusionProposal.objects.visible_to(user, "view")
        .filter(Q(enterprise=enterprise) | Q(because_of=enterprise), status=ProposalStatus.OPEN)
        .select_related("enterprise", "because_of", "link")
    )
    pairings = list(
        Pairing.objects.visible_to(user, "view")
        .filter(Q(unit=enterprise) | Q(partner=enterprise))
        .select_related("unit", "partner")
    )
    return ChainPanel(
        upstream=[link for link in links if link.enterprise_id == enterprise.pk],
        downstream=[link for link in links if link.enterprise_id != enterprise.pk],
        proposals=proposals,
        pairings=pairings,
    )


def responsibility_rows(user, enterprise) -> list[tuple[str, str, Responsibility | None]]:
    """ORG-06: the four parties in order, each with its row or None when not yet named."""
    rows = {
        r.party: r
        for r in Responsibility.objects.visible_to(user, "view").filter(enterprise=enterprise)
    }
    return [(party.value, party.label, rows.get(party.value)) for party in ResponsibilityParty]
