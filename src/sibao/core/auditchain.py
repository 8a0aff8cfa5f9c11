"""The tamper-evident audit trail (ORG-05, MLPS 2.0 level 3): a keyed hash chain over the audit
rows, sealed after the rows are committed and verified on demand.

Writers (``core.audit.record``, ``AuditLog.objects.bulk_create``) stay as they are: fast, and
free of any lock shared between them. The **sealer** (``seal``, run every minute by
``sibao seal-audit``) chains the rows afterwards: in one transaction per batch it locks the chain
head (``AuditChainHead``, one row, ``select_for_update``: sealers take turns on PostgreSQL; on
SQLite every transaction already takes the write lock at its start), reads unsealed rows in id
order, gives each the next ``seq`` (1, 2, 3 … no gaps) and

    digest = HMAC-SHA256(chain key, previous digest + canonical JSON of the row's content and seq)

and writes both through a plain queryset (the model's own ``update``/``save``/``delete`` keep
raising ``AppendOnlyError``). The chain order is ``seq``: a row committed late gets a later seq.
Each run that sealed something appends a ``seal`` checkpoint (seq, digest, authenticated by its own
HMAC) so that a truncated tail is seen; ``purge_audit`` writes a ``purge`` checkpoint (the last
purged row's seq and digest) before deleting, and verification starts from that anchor.

The chain key is derived from ``DATA_KEY`` with its own purpose label (``retention.derive_key``):
a database administrator without the application key cannot recompute the digests after editing
a row. ``actor_id`` is left out of the digest: deleting a user legitimately sets it to null (the
actor's name and roles, copied into the row, are covered).
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.core.models import AuditChainHead, AuditCheckpoint, AuditCheckpointKind, AuditLog

CHAIN_KEY_PURPOSE = b"sibao audit hash chain"
DEFAULT_BATCH = 5000
HEAD_PK = 1

# the row's content as chained (``id`` included, ``actor_id`` not: see the module docstring)
CONTENT_FIELDS = (
    "id",
    "at",
    "actor_name",
    "actor_roles",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "note",
    "client_address",
    "region_code",
    "enterprise_id",
    "rule_version",
)


def chain_key() -> bytes:
    from sibao.core.retention import derive_key

    return derive_key(CHAIN_KEY_PURPOSE)


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    return value


def canonical(values: dict, seq: int) -> bytes:
    """The row's content fields and its seq as compact JSON with sorted keys."""
    content = {name: _plain(values[name]) for name in CONTENT_FIELDS}
    content["seq"] = seq
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def row_digest(key: bytes, previous: str, values: dict, seq: int) -> str:
    return hmac.new(key, previous.encode() + canonical(values, seq), hashlib.sha256).hexdigest()


def checkpoint_mac(key: bytes, kind: str, seq: int, digest: str, at) -> str:
    body = json.dumps(
        {"kind": kind, "seq": seq, "digest": digest, "at": _plain(at)},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return hmac.new(key, b"checkpoint:" + body, hashlib.sha256).hexdigest()


def _plain_rows():
    """Audit rows through a plain queryset: the sealer's private update path (the model's own
    queryset refuses updates)."""
    return models.QuerySet(AuditLog)


def _lock_head() -> AuditChainHead:
    """The chain head, locked until the end of the caller's transaction. Made if missing (a new
    or flushed database), from the last sealed row if there is one."""
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is None:
        last = AuditLog.objects.filter(seq__isnull=False).order_by("-seq").first()
        AuditChainHead.objects.get_or_create(
            pk=HEAD_PK,
            defaults={"seq": last.seq if last else 0, "digest": last.digest if last else ""},
        )
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
    return head


def write_checkpoint(kind: str, seq: int, digest: str, key: bytes | None = None):
    at = timezone.now().replace(microsecond=0)
    key = key or chain_key()
    return AuditCheckpoint.objects.create(
        kind=kind, seq=seq, digest=digest, at=at, mac=checkpoint_mac(key, kind, seq, digest, at)
    )


@dataclass
class SealResult:
    sealed: int
    seq: int
    digest: str
    checkpoint: AuditCheckpoint | None = None


def seal(*, batch_size: int = DEFAULT_BATCH) -> SealResult:
    """Chain every committed unsealed row, ``batch_size`` rows per transaction; append a ``seal``
    checkpoint when anything was sealed. Idempotent: a second run finds nothing to seal."""
    key = chain_key()
    sealed = 0
    checkpoint = None
    while True:
        with transaction.atomic():
            head = _lock_head()
            rows = list(
                AuditLog.objects.filter(seq__isnull=True)
                .order_by("id")
                .values(*CONTENT_FIELDS)[:batch_size]
            )
            if rows:
                seq, digest = head.seq, head.digest
                updates = []
                for values in rows:
                    seq += 1
                    digest = row_digest(key, digest, values, seq)
                    updates.append(AuditLog(id=values["id"], seq=seq, digest=digest))
                _plain_rows().bulk_update(updates, ["seq", "digest"], batch_size=500)
                head.seq, head.digest, head.sealed_at = seq, digest, timezone.now()
                head.save(update_fields=["seq", "digest", "sealed_at"])
                sealed += len(rows)
            if len(rows) < batch_size:
                if sealed:
                    checkpoint = write_checkpoint(
                        AuditCheckpointKind.SEAL, head.seq, head.digest, key
                    )
                return SealResult(sealed, head.seq, head.digest, checkpoint)


# --- verification ---

PROBLEM_EDITED = "edited"
PROBLEM_DELETED = "deleted"
PROBLEM_TRUNCATED = "truncated"
PROBLEM_ANCHOR = "anchor"
PROBLEM_CHECKPOINT = "checkpoint"


@dataclass
class Problem:
    kind: str
    seq: int | None
    id: int | None = None
    detail: str = ""

    def text(self) -> str:
        """One line for the command's output (English, like the other maintenance commands)."""
        where = f"seq {self.seq}" + (f" (id {self.id})" if self.id is not None else "")
        what = {
            PROBLEM_EDITED: "edited row: digest mismatch at",
            PROBLEM_DELETED: "deleted row: gap in the chain at",
            PROBLEM_TRUNCATED: "truncated tail: the latest checkpoint is beyond the last row,",
            PROBLEM_ANCHOR: "broken anchor: purge checkpoint does not hold at",
            PROBLEM_CHECKPOINT: "altered checkpoint at",
        }[self.kind]
        return f"{what} {where}" + (f": {self.detail}" if self.detail else "")

    def message(self) -> str:
        """The same in the platform's language, for the audit page."""
        values = {"seq": self.seq, "id": self.id if self.id is not None else "-"}
        return {
            PROBLEM_EDITED: _("第 %(seq)s 号记录（编号 %(id)s）的内容与链摘要不符：记录被改动。"),
            PROBLEM_DELETED: _("链序号 %(seq)s 缺失（其后记录编号 %(id)s）：记录被删除。"),
            PROBLEM_TRUNCATED: _("最新检查点在链序号 %(seq)s，链尾记录缺失：审计日志被截断。"),
            PROBLEM_ANCHOR: _("链序号 %(seq)s 处的清理锚点校验失败。"),
            PROBLEM_CHECKPOINT: _("链序号 %(seq)s 处的检查点被改动。"),
        }[self.kind] % values


@dataclass
class VerifyReport:
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    unsealed: int = 0
    anchor_seq: int | None = None
    latest_checkpoint_seq: int | None = None
    problem: Problem | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        span = f"seq {self.first_seq}..{self.last_seq}" if self.first_seq is not None else "no rows"
        anchor = f", anchor seq {self.anchor_seq}" if self.anchor_seq is not None else ""
        state = "OK" if self.ok else f"FAILED: {self.problem.text()}"
        return (
            f"audit chain {state}; {self.checked} sealed rows checked ({span}{anchor}), "
            f"{self.unsealed} unsealed"
        )

    def as_changes(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "unsealed": self.unsealed,
            "problem": self.problem.kind if self.problem else None,
            "problem_seq": self.problem.seq if self.problem else None,
            "problem_id": self.problem.id if self.problem else None,
        }


def _mac_holds(key: bytes, checkpoint: AuditCheckpoint) -> bool:
    expected = checkpoint_mac(
        key, checkpoint.kind, checkpoint.seq, checkpoint.digest, checkpoint.at
    )
    return hmac.compare_digest(expected, checkpoint.mac)


def verify(*, chunk: int = DEFAULT_BATCH) -> VerifyReport:
    """Walk the chain in seq order from the latest purge anchor (or seq 1), ``chunk`` rows per
    query, recomputing every digest; stop at the first problem. Then check that the chain reaches
    the latest checkpoint. Unsealed rows are counted, not a problem."""
    key = chain_key()
    report = VerifyReport(unsealed=AuditLog.objects.filter(seq__isnull=True).count())
    anchor = (
        AuditCheckpoint.objects.filter(kind=AuditCheckpointKind.PURGE).order_by("-seq", "-id")
    ).first()
    previous, last = "", 0
    if anchor is not None:
        report.anchor_seq = anchor.seq
        if not _mac_holds(key, anchor):
            report.problem = Problem(PROBLEM_ANCHOR, anchor.seq, detail="checkpoint altered")
            return report
        kept = AuditLog.objects.filter(seq=anchor.seq).values_list("id", "digest").first()
        if kept is not None and kept[1] != anchor.digest:
            report.problem = Problem(PROBLEM_ANCHOR, anchor.seq, kept[0], "row differs")
            return report
        previous, last = anchor.digest, anchor.seq
    while report.problem is None:
        rows = list(
            AuditLog.objects.filter(seq__gt=last)
            .order_by("seq")
            .values("seq", "digest", *CONTENT_FIELDS)[:chunk]
        )
        for values in rows:
            expected = last + 1
            if values["seq"] != expected:
                report.problem = Problem(PROBLEM_DELETED, expected, values["id"])
                break
            if not hmac.compare_digest(
                row_digest(key, previous, values, expected), values["digest"]
            ):
                report.problem = Problem(PROBLEM_EDITED, expected, values["id"])
                break
            if report.first_seq is None:
                report.first_seq = expected
            previous, last = values["digest"], expected
            report.checked += 1
        if len(rows) < chunk:
            break
    report.last_seq = last or None
    if report.problem is not None:
        return report
    latest = AuditCheckpoint.objects.order_by("-seq", "-id").first()
    if latest is not None:
        report.latest_checkpoint_seq = latest.seq
        if not _mac_holds(key, latest):
            report.problem = Problem(PROBLEM_CHECKPOINT, latest.seq)
        elif latest.seq > last:
            report.problem = Problem(PROBLEM_TRUNCATED, last + 1, detail=f"checkpoint {latest.seq}")
        elif latest.kind == AuditCheckpointKind.SEAL:
            row = AuditLog.objects.filter(seq=latest.seq).values_list("id", "digest").first()
            if row is not None and row[1] != latest.digest:
                report.problem = Problem(PROBLEM_CHECKPOINT, latest.seq, row[0])
    return report


def chain_status() -> dict:
    """What the audit page shows the auditor: sealed up to seq N at time T, how many rows wait to
    be sealed, the latest checkpoint and purge anchor."""
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    return {
        "sealed_seq": head.seq if head else 0,
        "sealed_at": head.sealed_at if head else None,
        "unsealed": AuditLog.objects.filter(seq__isnull=True).count(),
        "latest_checkpoint": AuditCheckpoint.objects.order_by("-id").first(),
        "anchor": AuditCheckpoint.objects.filter(kind=AuditCheckpointKind.PURGE)
        .order_by("-seq", "-id")
        .first(),
    }


def verify_chain(*, actor) -> VerifyReport:
    """The auditor's verification (ORG-05): runs ``verify`` and records it as ``audit.verify``.
    ``actor`` None is the platform (the command)."""
    from sibao.accounts.access import can
    from sibao.core import audit

    if actor is not None and not can(actor, AuditLog, "verify"):
        raise PermissionDenied(_("只有安全审计员可以校验审计链。"))
    report = verify()
    audit.record(
        "audit.verify",
        actor=actor,
        changes=report.as_changes(),
        note=report.summary()[:1000],
        region_code=(getattr(actor, "region_id", None) or "41") if actor is not None else "41",
    )
    return report
