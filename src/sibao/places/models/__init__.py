from sibao.places.models.scans import ExitKind, Scan, ScanSource
from sibao.places.models.spaces import Badge, PlaceCode, Space, SpaceKind, VenueType
from sibao.places.models.tracing import TracingContact, TracingJob, Widen
from sibao.places.models.zones import BubbleGroup, DormitoryRoom, Shift, Team, Zone, ZoneKind

__all__ = [
    "Badge",
    "BubbleGroup",
    "DormitoryRoom",
    "ExitKind",
    "PlaceCode",
    "Scan",
    "ScanSource",
    "Shift",
    "Space",
    "SpaceKind",
    "Team",
    "TracingContact",
    "TracingJob",
    "VenueType",
    "Widen",
    "Zone",
    "ZoneKind",
]
