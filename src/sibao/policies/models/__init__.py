from sibao.policies.models.catalogue import (
    ApplicationRoute,
    Policy,
    PolicyCategory,
    PolicyCondition,
    PolicyStatus,
)
from sibao.policies.models.matching import (
    MatchInput,
    MatchResult,
    MatchState,
    PolicyMatch,
    UptakeStatus,
)
from sibao.policies.models.reserve import DraftStatus, PolicyDraft
from sibao.policies.models.subsidies import FollowUpTask, SubsidyCalculation

__all__ = [
    "ApplicationRoute",
    "DraftStatus",
    "FollowUpTask",
    "MatchInput",
    "MatchResult",
    "MatchState",
    "Policy",
    "PolicyCategory",
    "PolicyCondition",
    "PolicyDraft",
    "PolicyMatch",
    "PolicyStatus",
    "SubsidyCalculation",
    "UptakeStatus",
]
