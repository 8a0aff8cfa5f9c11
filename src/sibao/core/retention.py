"""Retention of personal event data and of the audit trail (PLAT-03).

``purge_events`` deletes personal event rows older than their rule-set retention period;
``purge_audit`` deletes audit rows older than ``audit_retention_days`` (never less than 184 days,
MLPS 2.0). Both delete in batches of id ranges, each batch its own transaction, so that no single
statement locks or logs a whole table; both are idempotent (a second run finds nothing left) and
have a dry run that only counts.

Per-table decisions (what is personal, which clock, which parameter):

- ``epidemic.TestResult`` by ``sampled_at``, ``test_result_retention_days``;
- ``epidemic.HealthCodeChange`` / ``epidemic.ItineraryChange`` by ``changed_at``,
  ``health_code_retention_days`` / ``itinerary_retention_days``;
- ``epidemic.DrugPurchase`` by ``purchased_at``, ``drug_purchase_retention_days``;
- ``logistics.TripSample`` (one occupant's sample, keyed by person) by ``sampled_at``, with the
  NAT results' period: the feed matches pending samples only to results it still keeps;
- ``epidemic.SentinelAlert`` only when closed, by ``closed_at``, ``closed_alert_retention_days``:
  an open alert is still work to do and is never purged.

``PersonStatus`` (and the roster's ``last_negative_at`` read from it) is maintained at ingestion
and never recomputed from history, so purging old events leaves the current state as it is; the
status keeps the time of the last test even after the result row itself has gone.

Audit rows are append-only (``AppendOnlyError`` from ``AuditLog.delete`` and the queryset's
``delete``). ``purge_audit`` is the one place that deletes them: it calls the queryset's
``_raw_delete`` (no signals, no collector, no override) on id ranges whose rows are all older
than the retention period, which itself can never be set below 184 days. It seals the hash chain
first, deletes only the chain's old prefix (seq order) and anchors the rest with a ``purge``
checkpoint (``core.auditchain``).
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.core import audit, rules

__all__ = [
    "EVENT_TABLES",
    "PURPOSE_TABLES",
    "Table",
    "purge_audit",
    "purge_events",
    "purpose_ended",
    "sign_report",
    "verify_tombstone",
]

DEFAULT_BATCH = 5000


@dataclass(frozen=True)
class Table:
    label: str  # app_label.ModelName
    clock: str  # the field compared with the cut-off
    parameter: str  # the rule-set parameter holding the retention period in days
    extra: tuple = ()  # further (lookup, value) filters

    def model(self):
        from django.apps import apps

        return apps.get_model(self.label)


EVENT_TABLES = (
    Table("epidemic.TestResult", "sampled_at", "test_result_retention_days"),
    Table("epidemic.HealthCodeChange", "changed_at", "health_code_retention_days"),
    Table("epidemic.ItineraryChange", "changed_at", "itinerary_retention_days"),
    Table("epidemic.DrugPurchase", "purchased_at", "drug_purchase_retention_days"),
    Table("logistics.TripSample", "sampled_at", "test_result_retention_days"),
    Table(
        "epidemic.SentinelAlert",
        "closed_at",
        "closed_alert_retention_days",
        (("status", "closed"),),
    ),
)


def _check_platform(actor):
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("只有平台可以清理到期数据。"))


def _batched_delete(queryset, batch_size: int, *, dry_run: bool, raw: bool = False) -> int:
    """Delete the rows of ``queryset`` in id ranges of ``batch_size``, each range in its own
    transaction; return how many rows went (or would go, on a dry run)."""
    if dry_run:
        return queryset.count()
    ids = queryset.order_by("pk").values_list("pk", flat=True)
    label = queryset.model._meta.label
    using = router.db_for_write(queryset.model)
    removed = 0
    start = ids.first()
    while start is not None:
        # one id range per transaction; the next range starts at the next matching id, so gaps
        # (rows kept, ids never used) cost no empty batches
        end = start + batch_size
        with transaction.atomic(using=using):
            batch = queryset.filter(pk__gte=start, pk__lt=end)
            if raw:
                removed += batch._raw_delete(using)
            else:
                removed += batch.delete()[1].get(label, 0)
        start = ids.filter(pk__gte=end).first()
    return removed


def purge_events(
    *, actor=None, now=None, dry_run: bool = False, batch_size: int = DEFAULT_BATCH
) -> dict:
    """Delete every table's rows older than its retention period; ``{label: count}`` (with the
    cut-offs). The platform's own job (``actor`` None: the command); audited unless a dry run."""
    _check_platform(actor)
    now = now or timezone.now()
    ruleset = rules.current()
    counts, cutoffs = {}, {}
    for table in EVENT_TABLES:
        cutoff = now - datetime.timedelta(days=ruleset[table.parameter])
        queryset = table.model().objects.filter(
            **{f"{table.clock}__lt": cutoff}, **dict(table.extra)
        )
        counts[table.label] = _batched_delete(queryset, batch_size, dry_run=dry_run)
        cutoffs[table.label] = cutoff.isoformat()
    result = {"removed": counts, "before": cutoffs, "dry_run": dry_run}
    if not dry_run:
        audit.record(
            "retention.events.purge", actor=actor, changes=result, rule_version=ruleset.version
        )
    return result


def _audit_purge_boundary(cutoff):
    """(seq, digest) of the last row of the longest sealed prefix of the chain whose rows are all
    older than ``cutoff``, or None. Purging only a prefix keeps the rest of the chain whole; an
    old row sealed after a young one (written late) waits for a later purge."""
    from sibao.core.models import AuditLog

    sealed = AuditLog.objects.filter(seq__isnull=False)
    young = sealed.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    if young is not None:
        sealed = sealed.filter(seq__lt=young)
    return sealed.order_by("-seq").values_list("seq", "digest").first()


def _audit_purge_count(cutoff) -> int:
    """What a purge would delete now: the old prefix of the sealed chain, and when the whole
    chain is old, the old prefix (in id order) of the rows the purge would seal first."""
    from sibao.core.models import AuditLog

    sealed = AuditLog.objects.filter(seq__isnull=False)
    young = sealed.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    if young is not None:
        return sealed.filter(seq__lt=young).count()
    unsealed = AuditLog.objects.filter(seq__isnull=True)
    young_id = unsealed.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    if young_id is not None:
        unsealed = unsealed.filter(id__lt=young_id)
    return sealed.count() + unsealed.count()


def purge_audit(
    *, actor=None, now=None, dry_run: bool = False, batch_size: int = DEFAULT_BATCH
) -> dict:
    """Delete audit rows older than ``audit_retention_days`` (at least 184 days: the parameter's
    minimum, checked again here). Audited by a new row, which is itself young.

    The hash chain (``core.auditchain``) stays verifiable: the chain is sealed first, only the
    old prefix of the chain (in seq order) is deleted, and before deleting a ``purge`` checkpoint
    records the last purged row's seq and digest, the anchor verification starts from."""
    from sibao.core import auditchain
    from sibao.core.models import AuditCheckpointKind, AuditLog

    _check_platform(actor)
    now = now or timezone.now()
    ruleset = rules.current()
    days = max(
        int(ruleset["audit_retention_days"]), int(rules.BY_KEY["audit_retention_days"].minimum)
    )
    cutoff = now - datetime.timedelta(days=days)
    anchor_seq = None
    if dry_run:
        removed = _audit_purge_count(cutoff)
    else:
        auditchain.seal()
        removed = 0
        boundary = _audit_purge_boundary(cutoff)
        if boundary is not None:
            anchor_seq, digest = boundary
            auditchain.write_checkpoint(AuditCheckpointKind.PURGE, anchor_seq, digest)
            queryset = AuditLog.objects.filter(seq__isnull=False, seq__lte=anchor_seq)
            removed = _batched_delete(queryset, batch_size, dry_run=False, raw=True)
    result = {
        "removed": removed,
        "before": cutoff.isoformat(),
        "days": days,
        "dry_run": dry_run,
        "anchor_seq": anchor_seq,
    }
    if not dry_run:
        audit.record(
            "retention.audit.purge", actor=actor, changes=result, rule_version=ruleset.version
        )
    return result


# --- the end of the epidemic-control purpose of a region (PLAT-03, PIPL art. 47) ---

# (table, clock for --before, region field): every table holding personal event data by region
PURPOSE_TABLES = (
    ("places.Scan", "entered_at"),
    ("epidemic.TestResult", "sampled_at"),
    ("epidemic.HealthCodeChange", "changed_at"),
    ("epidemic.ItineraryChange", "changed_at"),
    ("epidemic.DrugPurchase", "purchased_at"),
    ("epidemic.ArrivalReport", "reported_at"),
    ("epidemic.SentinelAlert", "raised_at"),
    ("places.TracingContact", "overlap_from"),
    ("logistics.TripSample", "sampled_at"),
)
TOMBSTONE_KIND = "sibao.purpose-ended.v1"


def derive_key(purpose: bytes) -> bytes:
    """A key for one purpose (its label), derived from ``DATA_KEY``: HMAC-SHA256 of the label.
    Tombstones and the audit hash chain each sign with their own."""
    from django.conf import settings

    return hmac.new(settings.DATA_KEY.encode(), purpose, hashlib.sha256).digest()


def _tombstone_key() -> bytes:
    return derive_key(b"sibao purpose-ended tombstones")


def _canonical(report: dict) -> bytes:
    return json.dumps(report, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign_report(report: dict) -> dict:
    """The signed tombstone: the report and its HMAC-SHA256 (key derived from ``DATA_KEY``)."""
    signature = hmac.new(_tombstone_key(), _canonical(report), hashlib.sha256).hexdigest()
    return {"report": report, "algorithm": "HMAC-SHA256", "signature": signature}


def verify_tombstone(document: dict) -> bool:
    """Whether ``document`` (a parsed tombstone file) is unchanged since it was signed."""
    try:
        report, signature = document["report"], document["signature"]
    except (KeyError, TypeError):
        return False
    if not isinstance(report, dict) or not isinstance(signature, str):
        return False
    expected = hmac.new(_tombstone_key(), _canonical(report), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def purpose_ended(
    region_code: str,
    *,
    before=None,
    operator: str,
    out_dir=None,
    actor=None,
    now=None,
    batch_size: int = DEFAULT_BATCH,
) -> tuple[dict, Path]:
    """Remove the personal event data of ``region_code`` and below (everything, or what is older
    than ``before``), write a signed tombstone report to ``out_dir`` and audit its path.

    Rows are deleted in batches; tracing jobs of the region keep their counts but lose the case
    person keys and labels. Returns the report and the tombstone's path."""
    from django.apps import apps
    from django.conf import settings

    from sibao.regions.models import Region

    _check_platform(actor)
    if not Region.objects.filter(code=region_code).exists():
        raise ValueError(f"unknown region: {region_code}")
    now = now or timezone.now()
    counts = {}
    for label, clock in PURPOSE_TABLES:
        model = apps.get_model(label)
        queryset = model.objects.filter(region_code__startswith=region_code)
        if before is not None:
            queryset = queryset.filter(**{f"{clock}__lt": before})
        counts[label] = _batched_delete(queryset, batch_size, dry_run=False)
    jobs = apps.get_model("places.TracingJob").objects.filter(region_code__startswith=region_code)
    if before is not None:
        jobs = jobs.filter(period_to__lt=before)
    with transaction.atomic():
        counts["places.TracingJob (case keys cleared)"] = jobs.exclude(case_keys=[]).update(
            case_keys=[], case_labels=[]
        )
    report = {
        "kind": TOMBSTONE_KIND,
        "region": region_code,
        "before": before.isoformat() if before is not None else None,
        "removed": counts,
        "at": now.isoformat(),
        "by": operator,
    }
    directory = Path(out_dir) if out_dir else Path(settings.VAR_DIR) / "tombstones"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"purpose-ended-{region_code}-{now:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(sign_report(report), ensure_ascii=False, indent=2) + "\n")
    audit.record(
        "retention.purpose_ended",
        actor=actor,
        changes={"removed": counts, "before": report["before"], "tombstone": str(path)},
        note=f"{operator}: {path}",
        region_code=region_code,
    )
    return report, path
