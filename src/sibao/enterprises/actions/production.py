"""Writes of production and operation status (MON-03).

- ``report_production``: a unit's admin reports the unit's status of a day (today, or a missed
  day within ``production_backfill_days``); reporting the same day again corrects that report,
  audited with what changed.
- ``import_production_reports``: an HQ office or a department enters the reports of the units of
  its jurisdiction from an .xlsx/.csv file, all rows or none, with every problem listed.
- ``record_production_export``: the audit row of a list export.

Both writes check every report with ``report_problems`` (a pure function of the values, the day
and the rule set) and save through ``_save``, which keeps each unit's ``is_current`` report (the
latest day) and writes one audit row per report. ``actor=None`` is the platform itself (the demo
seed, commands) and skips the permission checks.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.models import AuditLog
from sibao.enterprises.models import Enterprise, ProductionReport, ProductionState

__all__ = [
    "REPORT_FIELDS",
    "import_production_reports",
    "record_production_export",
    "report_problems",
    "report_production",
]

# What a report says; the rest (unit, scope keys, who, when) is set by the action.
REPORT_FIELDS = ("state", "capacity_percent", "staff_on_site", "raw_material_days", "note")
MAX_RAW_MATERIAL_DAYS = Decimal("99999.9")  # the column holds 6 digits, one of them a decimal
MAX_NOTE = 500


def _today(now=None) -> datetime.date:
    from sibao.enterprises.queries_production import province_today

    return province_today(now)


def report_problems(
    values: dict, *, reported_on: datetime.date, today: datetime.date, rules, roster_staff=None
) -> dict[str, list[str]]:
    """Every problem of one report, by field (empty: the report may be saved).

    ``values`` holds ``REPORT_FIELDS`` already typed (ints, a Decimal or None, text);
    ``roster_staff`` is the unit's active roster count, None when the unit keeps no roster.
    Staff on site above the roster is an error, not a warning: everyone who enters a
    whitelisted unit's site must be on its roster (two codes and one certificate are checked
    against it), so a higher figure means either a typing error or people the roster lacks."""
    problems: dict[str, list[str]] = {}

    def add(name, message):
        problems.setdefault(name, []).append(message)

    backfill = rules["production_backfill_days"]
    if reported_on > today:
        add("reported_on", _("报告日期不能晚于今天（%(today)s）。") % {"today": today.isoformat()})
    elif reported_on < today - datetime.timedelta(days=backfill):
        if backfill:
            add(
                "reported_on",
                _("只能补报最近 %(days)d 天的生产经营状况（%(earliest)s 及以后）。")
                % {
                    "days": backfill,
                    "earliest": (today - datetime.timedelta(days=backfill)).isoformat(),
                },
            )
        else:
            add("reported_on", _("只能填报当天的生产经营状况。"))

    state = values.get("state")
    if state not in ProductionState.values:
        add("state", _("请选择生产状态：正常生产、部分生产或停产。"))

    capacity = values.get("capacity_percent")
    if capacity is None:
        add("capacity_percent", _("请填写产能利用率。"))
    elif not 0 <= capacity <= 100:
        add("capacity_percent", _("产能利用率应在 0 到 100 之间。"))
    elif state == ProductionState.SUSPENDED and capacity != 0:
        add("capacity_percent", _("停产单位的产能利用率应为 0。"))
    elif state in (ProductionState.OPERATING, ProductionState.PARTIAL) and capacity == 0:
        add(
            "capacity_percent",
            _("产能利用率为 0 时，生产状态应为“停产”。"),
        )

    staff = values.get("staff_on_site")
    if staff is None:
        add("staff_on_site", _("请填写在岗人数。"))
    elif staff < 0:
        add("staff_on_site", _("在岗人数不能为负数。"))
    elif roster_staff is not None and staff > roster_staff:
        add(
            "staff_on_site",
            _(
                "在岗人数（%(staff)d）超过本单位花名册在岗人员（%(roster)d 人）。"
                "进入厂区的人员都应登记在花名册中，请核对人数或先更新花名册。"
            )
            % {"staff": staff, "roster": roster_staff},
        )

    raw = values.get("raw_material_days")
    if raw is not None:
        if raw < 0:
            add("raw_material_days", _("原材料可用天数不能为负数。"))
        elif raw > MAX_RAW_MATERIAL_DAYS:
            add("raw_material_days", _("原材料可用天数过大。"))

    if len(values.get("note") or "") > MAX_NOTE:
        add("note", _("情况说明不能超过 %(n)d 字。") % {"n": MAX_NOTE})
    return problems


def _clean(values: dict) -> dict:
    """The report's values as stored: the raw-material days to one decimal, the note trimmed."""
    raw = values.get("raw_material_days")
    return {
        "state": values.get("state"),
        "capacity_percent": values.get("capacity_percent"),
        "staff_on_site": values.get("staff_on_site"),
        "raw_material_days": None if raw is None else Decimal(raw).quantize(Decimal("0.1")),
        "note": (values.get("note") or "").strip(),
    }


def _may_report(actor, unit, action: str) -> bool:
    return covers(
        actor,
        ProductionReport,
        action,
        region_code=unit.region_id,
        industry=unit.industry_id,
        enterprise_id=unit.pk,
    )


# --- saving -------------------------------------------------------------------------------------


def _save(entries, *, actor, source: str) -> tuple[list, list]:
    """Save ``entries`` — ``(unit, reported_on, values)``, already checked, at most one per unit
    and day — as new reports or corrections of that day's report, keep each unit's current
    report, and audit every report. Returns ``(created, corrected)``. Runs inside the caller's
    transaction; the units' rows are locked first, so two writers of one unit take turns."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    unit_ids = sorted({unit.pk for unit, _day, _values in entries})
    list(Enterprise.objects.select_for_update().filter(pk__in=unit_ids).values_list("pk"))
    days = {(unit.pk, day) for unit, day, _values in entries}
    existing = {
        (r.enterprise_id, r.reported_on): r
        for r in ProductionReport.objects.filter(
            enterprise_id__in=unit_ids, reported_on__in={day for _u, day in days}
        )
        if (r.enterprise_id, r.reported_on) in days
    }
    current = {
        r.enterprise_id: r
        for r in ProductionReport.objects.filter(enterprise_id__in=unit_ids, is_current=True)
    }

    created, corrected, audits = [], [], []
    for unit, day, values in entries:
        values = _clean(values)
        report = existing.get((unit.pk, day))
        if report is None:
            created.append(
                ProductionReport(
                    enterprise=unit,
                    reported_on=day,
                    reported_by=user,
                    region_code=unit.region_id,
                    industry_id=unit.industry_id,
                    **values,
                )
            )
            continue
        before = audit.snapshot(report, REPORT_FIELDS)
        for name, value in values.items():
            setattr(report, name, value)
        changes = audit.diff(before, audit.snapshot(report, REPORT_FIELDS))
        if not changes:
            continue  # the same figures again: nothing to correct
        report.reported_by = user
        corrected.append(report)
        audits.append(
            audit.entry(
                "production.correct",
                actor=actor,
                obj=report,
                changes=changes,
                note=_("更正 %(day)s 的生产经营状况（%(source)s）。")
                % {"day": day.isoformat(), "source": source},
            )
        )

    # the current report of a unit is its latest day: a new later day takes the flag over
    newest: dict[int, ProductionReport] = {}
    for report in created:
        held = newest.get(report.enterprise_id)
        if held is None or report.reported_on > held.reported_on:
            newest[report.enterprise_id] = report
    retired = []
    for unit_id, report in newest.items():
        old = current.get(unit_id)
        if old is None or report.reported_on > old.reported_on:
            report.is_current = True
            if old is not None:
                retired.append(old.pk)
    if retired:  # before the inserts: one current report per unit is a constraint
        ProductionReport.objects.filter(pk__in=retired).update(is_current=False)
    if corrected:
        # reported_at is auto_now, which bulk_update does not touch: save each correction
        for report in corrected:
            report.save(update_fields=[*REPORT_FIELDS, "reported_by", "reported_at"])
    if created:
        # PostgreSQL and SQLite (3.35+) return the new ids, which the audit rows name
        ProductionReport.objects.bulk_create(created, batch_size=500)
        for report in created:
            audits.append(
                audit.entry(
                    "production.report",
                    actor=actor,
                    obj=report,
                    changes={
                        name: [None, value]
                        for name, value in audit.snapshot(report, REPORT_FIELDS).items()
                    },
                    note=_("填报 %(day)s 的生产经营状况（%(source)s）。")
                    % {"day": report.reported_on.isoformat(), "source": source},
                )
            )
    AuditLog.objects.bulk_create(audits, batch_size=500)
    return created, corrected


# --- one report -----------------------------------------------------------------------------------


@transaction.atomic
def report_production(
    enterprise,
    *,
    actor,
    state: str,
    capacity_percent: int,
    staff_on_site: int,
    raw_material_days=None,
    note: str = "",
    reported_on: datetime.date | None = None,
    now=None,
) -> ProductionReport:
    """MON-03: the unit's production and operation status of ``reported_on`` (default today).

    Only an account that may ``add`` reports for this unit (its own admin) reports; a second
    report of the same day corrects the first (audited ``production.correct`` with the changed
    fields). Any problem (see ``report_problems``) raises ``ValidationError`` by field and saves
    nothing."""
    if actor is not None:
        if not can(actor, ProductionReport, "add"):
            raise PermissionDenied(_("您的角色无权填报生产经营状况。"))
        if not _may_report(actor, enterprise, "add"):
            raise PermissionDenied(_("只能填报本单位的生产经营状况。"))
    if enterprise.merged_into_id:
        raise ValidationError(_("该记录已合并到其他单位，请为现用记录填报。"))
    from sibao.enterprises.queries_production import roster_counts

    today = _today(now)
    day = reported_on or today
    values = {
        "state": state,
        "capacity_percent": capacity_percent,
        "staff_on_site": staff_on_site,
        "raw_material_days": None if raw_material_days is None else Decimal(raw_material_days),
        "note": note or "",
    }
    problems = report_problems(
        values,
        reported_on=day,
        today=today,
        rules=rule_set.current(),
        roster_staff=roster_counts([enterprise.pk]).get(enterprise.pk),
    )
    if problems:
        raise ValidationError(problems)
    created, corrected = _save([(enterprise, day, values)], actor=actor, source=_("单位填报"))
    if created or corrected:
        return (created or corrected)[0]
    return ProductionReport.objects.get(enterprise=enterprise, reported_on=day)


# --- a file of reports ----------------------------------------------------------------------------


@transaction.atomic
def import_production_reports(data: bytes, filename: str, *, actor, now=None) -> dict:
    """MON-03: the reports of an .xlsx or .csv file, entered by an HQ office or a department on
    behalf of the units of its jurisdiction — all rows or none. Any problem (the columns, a unit
    unknown or outside the actor's jurisdiction, a value, a unit and day twice in the file)
    refuses the whole file with every problem listed (``ImportRefused``) and writes nothing.
    A row for a day the unit has already reported corrects that report. Returns the counts."""
    from sibao.enterprises import imports_production as files
    from sibao.enterprises.actions.registry import ImportRefused

    if actor is not None and not can(actor, ProductionReport, "import"):
        raise PermissionDenied(_("您的角色无权代填生产经营状况。"))
    table = files.read_table(data, filename)
    entries, errors = files.validate_rows(table, actor=actor, today=_today(now))
    if errors:
        raise ImportRefused(
            _("文件中有 %(errors)d 处错误，未导入任何记录。请修改后重新上传整个文件。")
            % {"errors": len(errors)},
            errors,
            rows=len(table.rows),
        )
    if not entries:
        raise ImportRefused(_("文件中没有数据行。"))
    created, corrected = _save(
        entries, actor=actor, source=_("文件“%(name)s”代填") % {"name": filename}
    )
    unchanged = len(entries) - len(created) - len(corrected)
    regions = sorted({unit.region_id for unit, _day, _values in entries})
    audit.record(
        "production.import",
        actor=actor,
        changes={"created": [0, len(created)], "corrected": [0, len(corrected)]},
        note=_("文件“%(name)s”，%(rows)d 行，全部导入。")
        % {"name": filename, "rows": len(entries)},
        region_code=_common_prefix(regions),
    )
    return {"created": len(created), "corrected": len(corrected), "unchanged": unchanged}


def _common_prefix(codes: list[str]) -> str:
    if not codes:
        return "41"
    first, last = codes[0], codes[-1]
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n] or "41"


@transaction.atomic
def record_production_export(*, actor, rows: int, filters: str) -> None:
    """MON-03: the audit row of a status-list export (who took how many rows, which filters)."""
    if not can(actor, ProductionReport, "export"):
        raise PermissionDenied(_("您的角色无权导出生产经营状况。"))
    regions = sorted(g.region_id for g in actor.active_grants())
    audit.record(
        "production.export",
        actor=actor,
        changes={"rows": [0, rows]},
        note=_("导出生产经营状况，筛选条件：%(filters)s") % {"filters": filters or "—"},
        region_code=_common_prefix(regions),
    )
