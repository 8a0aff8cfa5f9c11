"""EPI-06: scans from gateways and turnstiles through the feeds' one entry point
(``epidemic.ingest.ingest(kind="scan", …)``, ``POST /api/feeds/scan/``)."""

from sibao.epidemic.ingest import register_store
from sibao.epidemic.models import FeedKind


def store_scans(batch, record, clean) -> int:
    raise NotImplementedError


def register() -> None:
    register_store(FeedKind.SCAN, store_scans)
