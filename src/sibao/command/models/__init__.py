from sibao.command.models.emergency import (
    CitySupplyAssignment,
    EmergencySwitch,
    LoopMode,
    LoopPlan,
    LoopReport,
    LoopStatus,
    RegionState,
    RegionStatus,
)
from sibao.command.models.escalation import (
    AgendaItem,
    Consultation,
    ConsultationTask,
    Escalation,
    Problem,
)
from sibao.command.models.incidents import Incident, IncidentStep, SilentPeriod, StepKind
from sibao.command.models.oversight import (
    InspectionPurpose,
    InspectionRequest,
    ProtectedInspection,
    Restriction,
    RewardPenalty,
    ShutdownRequest,
)

__all__ = [
    "AgendaItem",
    "CitySupplyAssignment",
    "Consultation",
    "ConsultationTask",
    "EmergencySwitch",
    "Escalation",
    "Incident",
    "IncidentStep",
    "InspectionPurpose",
    "InspectionRequest",
    "LoopMode",
    "LoopPlan",
    "LoopReport",
    "LoopStatus",
    "Problem",
    "ProtectedInspection",
    "RegionState",
    "RegionStatus",
    "Restriction",
    "RewardPenalty",
    "ShutdownRequest",
    "SilentPeriod",
    "StepKind",
]
