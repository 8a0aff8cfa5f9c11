from sibao.logistics.models.fleet import Driver, Vehicle, VehicleKind, VehicleRelation
from sibao.logistics.models.lastmile import (
    ClosureStatus,
    DeliveryPlan,
    ReceivingPoint,
    RoadClosureRequest,
    RoadKind,
    StationKind,
    SupplyStation,
)
from sibao.logistics.models.passes import (
    Check,
    Checkpoint,
    CheckpointKind,
    CheckResult,
    PassStatus,
    VehiclePass,
)
from sibao.logistics.models.trips import SampleResult, Trip, TripSample, TripStatus

__all__ = [
    "Check",
    "CheckResult",
    "Checkpoint",
    "CheckpointKind",
    "ClosureStatus",
    "DeliveryPlan",
    "Driver",
    "PassStatus",
    "ReceivingPoint",
    "RoadClosureRequest",
    "RoadKind",
    "SampleResult",
    "StationKind",
    "SupplyStation",
    "Trip",
    "TripSample",
    "TripStatus",
    "Vehicle",
    "VehicleKind",
    "VehicleRelation",
    "VehiclePass",
]
