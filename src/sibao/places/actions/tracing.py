"""EPI-07: running a contact-tracing job. Tracing reads the scan log, which is sensitive: only the
health office (``add`` on ``places.tracingjob``) or the platform itself (a positive result's
follow-up) runs it, every run states its reason and case, and is audited (without ID numbers).
The job keeps its contacts (``TracingContact``), and each contact's ``PersonStatus`` is marked
close or secondary contact (EPI-12 code protection reads it)."""

import datetime
import re
from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can
from sibao.core import audit, rules
from sibao.core.bulk import part_statements, part_values
from sibao.core.masking import mask_id_number
from sibao.core.personal import normalise_id_number, person_key
from sibao.places.models import TracingContact, TracingJob, Widen
from sibao.places.tracing import trace

__all__ = [
    "run_trace",
    "mark_contacts",
    "case_inputs",
    "record_tracing_export",
    "write_contacts",
]

PROVINCE = "41"
MAX_CASES = 500
_KEY = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_RANK = {"": 0, TracingContact.Level.SECONDARY: 1, TracingContact.Level.CLOSE: 2}


def case_inputs(case_id_numbers=None, case_keys=None) -> tuple[list[str], list[str]]:
    """(person keys, labels) of the cases given as ID numbers (validated; the label is the masked
    number) or as person keys (the label is the roster's masked number when there is one, else a
    short key). ValidationError with the offending line in Chinese."""
    from sibao.epidemic.models import StaffMember

    keys, labels, errors = [], [], []
    today = timezone.localdate()
    for line, raw in enumerate(case_id_numbers or [], start=1):
        text = str(raw or "").strip()
        if not text:
            continue
        try:
            number = normalise_id_number(text, today)
        except ValidationError as exc:
            errors.append(
                _("第 %(line)s 个身份证号码：%(reason)s")
                % {
                    "line": line,
                    "reason": " ".join(exc.messages),
                }
            )
            continue
        key = person_key(number, today)
        if key not in keys:
            keys.append(key)
            labels.append(mask_id_number(number))
    if errors:
        raise ValidationError({"case_id_numbers": errors})
    given = []
    for line, raw in enumerate(case_keys or [], start=1):
        text = str(raw or "").strip()
        if not text:
            continue
        if not _KEY.match(text):
            errors.append(_("第 %(line)s 个人员标识格式无效。") % {"line": line})
            continue
        if text not in keys and text not in given:
            given.append(text)
    if errors:
        raise ValidationError({"case_keys": errors})
    if given:
        masked = {}
        for key, label in (
            StaffMember.objects.filter(person_key__in=given)
            .order_by("-is_active", "pk")
            .values_list("person_key", "id_masked")
        ):
            masked.setdefault(key, label)  # the first row: active first
        for key in given:
            keys.append(key)
            labels.append(masked.get(key) or _("人员%(key)s") % {"key": key[:8]})
    if not keys:
        raise ValidationError({"case_id_numbers": [_("请至少填写一名病例的身份证号码。")]})
    if len(keys) > MAX_CASES:
        raise ValidationError(
            {"case_id_numbers": [_("一次最多追踪 %(n)s 名病例。") % {"n": MAX_CASES}]}
        )
    return keys, labels


def _requester_region(actor, alert) -> str:
    """The jurisdiction the job belongs to: the requester's broadest grant allowing tracing; for
    the platform, the region of the alert that opened it (else the province)."""
    if actor is None:
        return (getattr(alert, "region_code", "") or PROVINCE) if alert else PROVINCE
    regions = sorted(
        (g.region_id for g in allowing_grants(actor, "places.tracingjob", "add")),
        key=lambda code: (len(code), code),
    )
    return regions[0] if regions else (actor.region_id or PROVINCE)


def mark_contacts(levels: dict[str, str], at: datetime.datetime) -> int:
    """Mark each person's ``PersonStatus.contact_level`` (creating the row when missing): close
    outranks secondary, a level is never lowered; ``contact_at`` is the time of the latest
    judgement at the level kept. One upsert statement. Returns the number of people."""
    if not levels:
        return 0
    table = "epidemic_personstatus"
    conflict = (
        "ON CONFLICT (person_key) DO UPDATE SET "
        f"contact_level = CASE WHEN {table}.contact_level = 'close' "
        "OR excluded.contact_level = 'close' THEN 'close' ELSE 'secondary' END, "
        f"contact_at = CASE WHEN {table}.contact_level = 'close' "
        "AND excluded.contact_level <> 'close' THEN "
        f"{table}.contact_at WHEN {table}.contact_at IS NULL "
        f"OR excluded.contact_at > {table}.contact_at THEN excluded.contact_at "
        f"ELSE {table}.contact_at END, "
        "updated_at = excluded.updated_at"
    )
    columns = (
        "person_key, health_code, itinerary, last_result, contact_level, contact_at, updated_at"
    )
    keys = sorted(levels)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                "SELECT k, '', '', '', l, %s, %s "
                "FROM unnest(%s::varchar[], %s::varchar[]) AS u(k, l) "
                f"{conflict}",
                [at, timezone.now(), keys, [levels[k] for k in keys]],
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            stamp, now = adapt(at), adapt(timezone.now())
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, '', '', '', %s, %s, %s) {conflict}",
                [(k, levels[k], stamp, now) for k in keys],
            )
    return len(keys)


_CONTACT_COLUMNS = (
    ("person_key", "varchar"),
    ("level", "varchar"),
    ("via_person_key", "varchar"),
    ("place_code_id", "bigint"),
    ("space_id", "bigint"),
    ("enterprise_id", "bigint"),
    ("region_code", "varchar"),
    ("overlap_from", "timestamptz"),
    ("overlap_to", "timestamptz"),
    ("overlap_seconds", "integer"),
    ("contacts", "integer"),
)
_FIELDS = tuple(name for name, _type in _CONTACT_COLUMNS)
_CONTACT_NAMES = ", ".join(_FIELDS)
_MAX_SECONDS = 2**31 - 1  # the column's range


def _insert_contacts(rows: str) -> str:
    return (
        f"INSERT INTO {TracingContact._meta.db_table} (job_id, {_CONTACT_NAMES}) "
        f"SELECT %(job)s, {_CONTACT_NAMES} FROM {rows}"
    )


_CONTACT_STATEMENTS = part_statements(_CONTACT_COLUMNS, _insert_contacts)


def write_contacts(job, contacts) -> list:
    """Store a job's contacts; returns what was stored, one row per contact with the
    ``TracingContact`` fields the API answers with. PostgreSQL: one ``INSERT … SELECT`` of one
    parameter per column (``core.bulk``; building model instances and a ``bulk_create``
    statement costs more than the database spends storing them); SQLite: ``bulk_create``."""
    contacts = [
        c if c.overlap_seconds <= _MAX_SECONDS else replace(c, overlap_seconds=_MAX_SECONDS)
        for c in contacts
    ]
    if connection.vendor != "postgresql":
        return TracingContact.objects.bulk_create(
            [
                TracingContact(job_id=job.pk, **{name: getattr(c, name) for name in _FIELDS})
                for c in contacts
            ],
            batch_size=2000,
        )
    if contacts:
        as_text, params = part_values(
            _CONTACT_COLUMNS, [tuple(getattr(c, name) for name in _FIELDS) for c in contacts]
        )
        with connection.cursor() as cursor:
            cursor.execute(_CONTACT_STATEMENTS[as_text], {"job": job.pk, **params})
    return contacts


def _parse_widen(widen) -> str:
    widen = widen or Widen.CODE
    if widen not in Widen.values:
        raise ValidationError({"widen": [_("判定范围无效。")]})
    return widen


@transaction.atomic
def run_trace(
    *,
    actor,
    case_keys=None,
    case_id_numbers=None,
    period_from=None,
    period_to=None,
    window_minutes=None,
    widen=Widen.CODE,
    include_secondary=True,
    reason,
    case_ref,
    alert=None,
    now=None,
) -> TracingJob:
    """Trace the cases' close (and secondary) contacts and keep the result as a job.

    ``actor`` None is the platform itself. The cases come as ID numbers or person keys; the period
    defaults to the last ``tracing_lookback_days`` and the window to ``tracing_window_minutes``
    (rule set)."""
    if actor is not None and not can(actor, TracingJob, "add"):
        raise PermissionDenied(_("只有卫健（疫情防控）部门可以开展流调。"))
    ruleset = rules.current()
    now = now or timezone.now()
    errors = {}
    reason = (reason or "").strip()
    case_ref = (case_ref or "").strip()
    if not reason:
        errors["reason"] = [_("请填写流调事由。")]
    if not case_ref:
        errors["case_ref"] = [_("请填写病例（事件）编号。")]
    elif len(case_ref) > 64:
        errors["case_ref"] = [_("病例（事件）编号不能超过 64 个字符。")]
    try:
        keys, labels = case_inputs(case_id_numbers, case_keys)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        keys, labels = [], []
    period_to = period_to or now
    period_from = period_from or period_to - datetime.timedelta(
        days=ruleset["tracing_lookback_days"]
    )
    if period_from > period_to:
        errors["period_from"] = [_("起始时间不能晚于截止时间。")]
    elif period_to - period_from > datetime.timedelta(days=ruleset["scan_retention_days"]):
        errors["period_from"] = [
            _("追溯期间不能超过扫码记录保存期（%(n)s 天）。")
            % {"n": ruleset["scan_retention_days"]}
        ]
    if window_minutes is None or window_minutes == "":
        window_minutes = ruleset["tracing_window_minutes"]
    try:
        window_minutes = int(window_minutes)
        if not 0 <= window_minutes <= 720:
            raise ValueError
    except (TypeError, ValueError):
        errors["window_minutes"] = [_("时间窗口应为 0 至 720 分钟。")]
    try:
        widen = _parse_widen(widen)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    result = trace(
        keys,
        period_from,
        period_to,
        window_minutes=window_minutes,
        widen=widen,
        include_secondary=bool(include_secondary),
    )
    job = TracingJob.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        case_ref=case_ref,
        case_keys=keys,
        case_labels=labels,
        period_from=period_from,
        period_to=period_to,
        window_minutes=window_minutes,
        widen=widen,
        include_secondary=bool(include_secondary),
        close_count=len(result.close),
        secondary_count=len(result.secondary),
        took_ms=result.took_ms,
        region_code=_requester_region(actor, alert),
        alert=alert,
    )
    job.written_contacts = write_contacts(job, result.contacts)
    marked = mark_contacts({c.person_key: c.level for c in result.contacts}, now)
    audit.record(
        "places.trace",
        actor=actor,
        obj=job,
        changes={
            "reason": [None, reason],
            "case_ref": [None, case_ref],
            "cases": [None, len(keys)],
            "close": [None, job.close_count],
            "secondary": [None, job.secondary_count],
            "period": [None, [period_from.isoformat(), period_to.isoformat()]],
            "window_minutes": [None, window_minutes],
            "widen": [None, widen],
        },
        note=_("流调：%(ref)s；密接 %(close)s 人，次密接 %(secondary)s 人，标记 %(marked)s 人")
        % {
            "ref": case_ref,
            "close": job.close_count,
            "secondary": job.secondary_count,
            "marked": marked,
        },
        rule_version=ruleset.version,
    )
    return job


def record_tracing_export(job, *, actor, rows: int, clear_rows: int) -> None:
    """The audit row of a job's export for the health authority: how many contacts, how many of
    them with ID number and phone in clear (an unmasked read: ``.unmask``)."""
    if not can(actor, TracingJob, "export", job):
        raise PermissionDenied(_("您的角色无权导出流调名单。"))
    audit.record(
        "places.trace.export.unmask" if clear_rows else "places.trace.export",
        actor=actor,
        obj=job,
        changes={"rows": [0, rows], "clear_rows": [0, clear_rows]},
        note=_("导出流调名单：%(ref)s，%(rows)s 人，其中明文 %(clear)s 人")
        % {"ref": job.case_ref, "rows": rows, "clear": clear_rows},
    )
