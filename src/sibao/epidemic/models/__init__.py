"""The epidemic-information models: rosters and per-person status, feed events, arrivals and
coding, sentinel alerts and reminders, and what units file (reports, preparedness, sampling
houses, goods)."""

from sibao.epidemic.models.arrivals import (
    ARRIVAL_WORKFLOW,
    ArrivalReport,
    ArrivalStatus,
    CodingDecision,
    RiskArea,
    RiskLevel,
)
from sibao.epidemic.models.events import (
    DrugClass,
    DrugPurchase,
    FeedBatch,
    FeedKind,
    HealthCodeChange,
    ItineraryChange,
    TestResult,
)
from sibao.epidemic.models.roster import (
    DataSource,
    PersonStatus,
    PostClass,
    StaffCategory,
    StaffMember,
)
from sibao.epidemic.models.sentinel import (
    AlertKind,
    AlertStatus,
    SentinelAlert,
)
from sibao.epidemic.models.units import DailyReport, Drill, GoodsLot, Preparedness, SamplingHouse

__all__ = [
    "ARRIVAL_WORKFLOW",
    "AlertKind",
    "AlertStatus",
    "ArrivalReport",
    "ArrivalStatus",
    "CodingDecision",
    "DailyReport",
    "DataSource",
    "Drill",
    "DrugClass",
    "DrugPurchase",
    "FeedBatch",
    "FeedKind",
    "GoodsLot",
    "HealthCodeChange",
    "ItineraryChange",
    "PersonStatus",
    "PostClass",
    "Preparedness",
    "RiskArea",
    "RiskLevel",
    "SamplingHouse",
    "SentinelAlert",
    "StaffCategory",
    "StaffMember",
    "TestResult",
]
