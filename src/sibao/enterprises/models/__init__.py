"""The enterprises app's models: the registry, facts, the whitelist lifecycle, chain links and
pairings, spot checks and the four-party responsibility lists."""

from sibao.enterprises.models.chain import Pairing, PairingStatus, SupplyLink, SupplyLinkKind
from sibao.enterprises.models.checks import (
    Responsibility,
    ResponsibilityParty,
    SpotCheck,
    SpotCheckResult,
)
from sibao.enterprises.models.criteria import (
    ChecklistItem,
    CriteriaSet,
    CriteriaStatus,
    Criterion,
    SelfAssessment,
)
from sibao.enterprises.models.production import ProductionReport, ProductionState
from sibao.enterprises.models.registry import (
    PARK_KINDS,
    Enterprise,
    EnterpriseFact,
    EnterpriseKind,
    FactSource,
    validate_credit_code,
)
from sibao.enterprises.models.whitelist import (
    ApplicationStatus,
    InclusionProposal,
    ServiceTier,
    WhitelistApplication,
    WhitelistBatch,
    WhitelistChange,
    WhitelistChangeKind,
    WhitelistEntry,
    WhitelistStatus,
)

__all__ = [
    "PARK_KINDS",
    "ApplicationStatus",
    "ChecklistItem",
    "CriteriaSet",
    "CriteriaStatus",
    "Criterion",
    "Enterprise",
    "EnterpriseFact",
    "EnterpriseKind",
    "FactSource",
    "InclusionProposal",
    "Pairing",
    "PairingStatus",
    "ProductionReport",
    "ProductionState",
    "Responsibility",
    "ResponsibilityParty",
    "SelfAssessment",
    "ServiceTier",
    "SpotCheck",
    "SpotCheckResult",
    "SupplyLink",
    "SupplyLinkKind",
    "WhitelistApplication",
    "WhitelistBatch",
    "WhitelistChange",
    "WhitelistChangeKind",
    "WhitelistEntry",
    "WhitelistStatus",
    "validate_credit_code",
]
