"""POL-02 / POL-04 writes of the matching area: re-matching a policy on request, the daily run,
and the bulk import of departmental data as sourced enterprise facts.

The matching engine itself is ``policies.matching``; these actions add the permission check,
the push of the newly eligible pairs (``uptake.push``) and the audit row.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can, covers
from sibao.core import audit, tabular
from sibao.enterprises.actions.facts import _choose_current
from sibao.enterprises.actions.registry import ImportRefused
from sibao.enterprises.facts import CATALOGUE, column_for
from sibao.enterprises.imports import RowError
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource
from sibao.policies import matching
from sibao.policies.models import PolicyMatch
from sibao.regions.models import DepartmentKind

__all__ = [
    "FACT_HEADERS",
    "FACT_SHEET",
    "fact_import_sources",
    "import_facts",
    "record_matching_export",
    "rematch_policy",
    "run_daily_matching",
]

# --- matching ------------------------------------------------------------------------------------


@transaction.atomic
def rematch_policy(policy, *, actor) -> dict:
    """Match one published policy again now (the department's "重新匹配"), and push the pairs
    that became eligible. Returns the counts of ``matching.match_policy`` plus ``pushed``."""
    from sibao.policies.actions import uptake
    from sibao.policies.actions.catalogue import may_write_policy

    if not may_write_policy(actor, "publish", policy.department):
        raise PermissionDenied(_("您无权对该政策重新匹配。"))
    if not matching.is_active(policy):
        raise ValidationError(_("只有已发布且在有效期内的政策可以匹配。"))
    counts = matching.match_policy(policy)
    counts["pushed"] = uptake.push(policy, actor=actor)
    audit.record(
        "policy.rematch",
        actor=actor,
        obj=policy,
        changes={k: [None, v] for k, v in counts.items()},
    )
    return counts


def run_daily_matching(*, full: bool = False) -> dict:
    """The platform's daily pass (command ``sibao match-policies``, task ``match_all_task``):
    every active policy matched in bulk, expired ones lose their untouched rows, and every
    active policy's rows not yet pushed are pushed. ``full``: see ``matching.match_all``."""
    from sibao.policies.actions import uptake

    with transaction.atomic():
        totals = matching.match_all(full=full)
        pushed = 0
        for policy in matching.active_policies():
            pushed += uptake.push(policy, actor=None)
        totals["pushed"] = pushed
        audit.record(
            "policy.match_all",
            changes={k: [None, v] for k, v in totals.items()},
            region_code="41",
        )
    return totals


def record_matching_export(*, actor, policy, rows: int, tab: str, filters: dict) -> None:
    """The audit row of a "政策找企" export (who took how many enterprises of which list)."""
    if not can(actor, PolicyMatch, "export"):
        raise PermissionDenied(_("您的角色无权导出匹配名单。"))
    audit.record(
        "policy.match_export",
        actor=actor,
        obj=policy,
        changes={"rows": [0, rows], "tab": tab, "filters": filters},
        note=_("导出 %(rows)d 家企业") % {"rows": rows},
    )


# --- bulk import of departmental facts (POL-04) --------------------------------------------------

FACT_SHEET = "企业数据"
FACT_HEADERS = ["统一社会信用代码", "企业名称", "属性", "取值", "数据日期"]
H_CODE, H_NAME, H_KEY, H_VALUE, H_DATE = FACT_HEADERS
DEPARTMENTAL_SOURCES = [
    FactSource.TAX,
    FactSource.MARKET_REGULATION,
    FactSource.STATISTICS,
    FactSource.SOCIAL_INSURANCE,
    FactSource.INDUSTRY_DEPARTMENT,
]
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0"}
DATE_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def fact_import_sources(actor) -> list[str]:
    """The sources ``actor`` may import facts as: chosen by the importer's department. An
    industry department's data is "行业主管部门"; the government data office (行政审批和政务信息
    管理) and a headquarters office without a department relay the shared data of tax, market
    regulation, statistics and social insurance, so they choose among all departmental sources.
    An enterprise's own admin imports nothing (it declares facts one by one)."""
    if actor is None:
        return list(DEPARTMENTAL_SOURCES)
    sources = set()
    for grant in allowing_grants(actor, EnterpriseFact._meta.label_lower, "add"):
        if grant.enterprise_id:
            continue
        if grant.department_id is None:
            sources |= set(DEPARTMENTAL_SOURCES)
        elif grant.department.kind == DepartmentKind.ADMIN_APPROVAL:
            sources |= set(DEPARTMENTAL_SOURCES)
        else:
            sources.add(FactSource.INDUSTRY_DEPARTMENT)
    return [s for s in DEPARTMENTAL_SOURCES if s in sources]


def _fact_attributes() -> dict:
    """Key and label (as typed in a file) -> attribute, for the sourced attributes."""
    found = {}
    for attribute in CATALOGUE:
        if attribute.column:
            continue
        found[attribute.key] = attribute
        found[str(attribute.label)] = attribute
    return found


def _parse_value(attribute, text: str):
    if attribute.kind == "number":
        value = Decimal(text.replace(",", "").replace("，", ""))
        if not value.is_finite():
            raise InvalidOperation
        if abs(value) >= Decimal(10) ** 14:
            raise ValueError
        return value
    if attribute.kind == "bool":
        lowered = text.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ValueError
    if attribute.kind == "choice" and attribute.choices:
        if text in attribute.choices:
            return text
        by_label = {str(label): key for key, label in attribute.choices.items()}
        if text in by_label:
            return by_label[text]
        raise ValueError
    if len(text) > 255:
        raise ValueError
    return text


def _parse_date(text: str) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        pass
    found = DATE_PATTERN.match(text)
    if not found:
        raise ValueError
    return datetime.date(*(int(g) for g in found.groups()))


def _choices_text(attribute) -> str:
    if attribute.kind == "bool":
        return _("是、否")
    if attribute.kind == "choice" and attribute.choices:
        return "、".join(str(label) for label in attribute.choices.values())
    if attribute.kind == "number":
        return _("数字（%(unit)s）") % {"unit": attribute.unit} if attribute.unit else _("数字")
    return _("文本")


def _validate_fact_rows(table, *, actor, today):
    attributes = _fact_attributes()
    codes = sorted({r[H_CODE].strip().upper() for _n, r in table.rows if r[H_CODE].strip()})
    units = {}
    for start in range(0, len(codes), 500):
        for unit in Enterprise.objects.active().filter(credit_code__in=codes[start : start + 500]):
            units.setdefault(unit.credit_code, []).append(unit)
    allowed: dict[tuple, bool] = {}
    valid, errors, seen = [], [], {}
    for number, record in table.rows:
        row_errors = []

        def error(header, message, record=record, number=number, row_errors=row_errors):
            row_errors.append(RowError(number, header, record.get(header, ""), message))

        code = record[H_CODE].strip().upper()
        key_text = record[H_KEY].strip()
        value_text = record[H_VALUE].strip()
        unit = attribute = value = as_of = None
        if not code:
            error(H_CODE, _("必填。"))
        else:
            found = units.get(code, [])
            if not found:
                error(H_CODE, _("该信用代码未在企业名录中登记（或已合并）。"))
            elif len(found) > 1:
                error(H_CODE, _("该信用代码对应多个在用单位，请先合并重复记录。"))
            else:
                unit = found[0]
                scope = (unit.region_id, unit.pk)
                if scope not in allowed:
                    allowed[scope] = actor is None or covers(
                        actor,
                        EnterpriseFact,
                        "add",
                        region_code=unit.region_id,
                        enterprise_id=unit.pk,
                    )
                if not allowed[scope]:
                    error(H_CODE, _("该单位不在您的管辖范围内。"))
                    unit = None
        if not key_text:
            error(H_KEY, _("必填。"))
        else:
            attribute = attributes.get(key_text)
            if attribute is None:
                error(
                    H_KEY,
                    _("未知的属性，可填：%(names)s。")
                    % {"names": "、".join(str(a.label) for a in CATALOGUE if not a.column)},
                )
        if not value_text:
            error(H_VALUE, _("必填。"))
        elif attribute is not None:
            try:
                value = _parse_value(attribute, value_text)
            except (ValueError, InvalidOperation):
                error(
                    H_VALUE,
                    _("“%(label)s”的取值无效，应为：%(allowed)s。")
                    % {"label": attribute.label, "allowed": _choices_text(attribute)},
                )
        try:
            as_of = _parse_date(record[H_DATE].strip()) or today
        except ValueError:
            error(H_DATE, _("日期格式应为 2022-03-31。"))
        else:
            if as_of > today:
                error(H_DATE, _("数据日期不能晚于今天。"))
        if unit is not None and attribute is not None:
            pair = (unit.pk, attribute.key)
            if pair in seen:
                error(H_KEY, _("与第 %(row)d 行重复（同一单位的同一属性）。") % {"row": seen[pair]})
            else:
                seen[pair] = number
        if row_errors:
            errors.extend(row_errors)
        else:
            valid.append((unit, attribute, value, as_of))
    return valid, errors


@transaction.atomic
def import_facts(data: bytes, filename: str, *, actor, source: str | None = None) -> dict:
    """POL-04: import departmental data (.xlsx or .csv, one fact a row) as sourced facts, all
    rows or none. The source is the importer's department's (``fact_import_sources``); any
    problem — columns, an unknown unit or attribute, a bad value or date, a unit outside the
    actor's jurisdiction, the same fact twice — refuses the whole file with every problem listed
    (``ImportRefused``). The current value of every touched attribute is chosen again
    (authoritative over declared, then newest) and the touched units are re-matched."""
    if actor is not None and not can(actor, EnterpriseFact, "add"):
        raise PermissionDenied(_("您的角色无权导入企业数据。"))
    sources = fact_import_sources(actor)
    if not sources:
        raise PermissionDenied(_("企业只能逐项登记自报数据，不能批量导入部门数据。"))
    source = source or (sources[0] if len(sources) == 1 else "")
    if source not in sources:
        raise ValidationError(
            {
                "source": _("请选择数据来源，可选：%(sources)s。")
                % {"sources": "、".join(str(FactSource(s).label) for s in sources)}
            }
        )
    try:
        table = tabular.read_table(data, filename, FACT_HEADERS, FACT_SHEET)
    except tabular.Refused as exc:
        message = exc.messages[0]
        raise ImportRefused(message, [RowError(None, "", "", message)]) from None
    today = timezone.localdate()
    valid, errors = _validate_fact_rows(table, actor=actor, today=today)
    if errors:
        raise ImportRefused(
            _("文件中有 %(errors)d 处错误，未导入任何数据。请修改后重新上传整个文件。")
            % {"errors": len(errors)},
            errors,
            rows=len(table.rows),
        )
    if not valid:
        raise ImportRefused(_("文件中没有数据行。"))
    recorded_by = actor if actor is not None and actor.is_authenticated else None
    existing = set(
        EnterpriseFact.objects.filter(
            enterprise_id__in={u.pk for u, *_rest in valid}, source=source
        ).values_list("enterprise_id", "key")
    )
    created = 0
    for unit, attribute, value, as_of in valid:
        column = column_for(attribute.key)
        EnterpriseFact.objects.update_or_create(
            enterprise=unit,
            key=attribute.key,
            source=source,
            defaults={
                "number_value": None,
                "text_value": None,
                "bool_value": None,
                column: value,
                "as_of": as_of,
                "recorded_by": recorded_by,
                "region_code": unit.region_id,
            },
        )
        created += (unit.pk, attribute.key) not in existing
    for unit, attribute, *_rest in valid:
        _choose_current(unit, attribute.key)
    unit_ids = sorted({u.pk for u, *_rest in valid})
    pushed = matching.facts_changed(unit_ids)
    result = {
        "rows": len(valid),
        "enterprises": len(unit_ids),
        "created": created,
        "updated": len(valid) - created,
        "pushed": pushed,
        "source": source,
    }
    regions = [u.region_id for u, *_rest in valid]
    audit.record(
        "enterprise.fact_import",
        actor=actor,
        changes={k: [None, v] for k, v in result.items()},
        note=_("文件“%(name)s”，%(rows)d 行，来源：%(source)s，全部导入。")
        % {"name": filename, "rows": len(valid), "source": FactSource(source).label},
        region_code=_common_prefix(regions) or "41",
    )
    return result


def _common_prefix(codes) -> str:
    codes = list(codes)
    if not codes:
        return ""
    low, high = min(codes), max(codes)
    n = 0
    while n < min(len(low), len(high)) and low[n] == high[n]:
        n += 1
    return low[:n]


def fact_template_xlsx() -> bytes:
    """The import template: the header row and a sheet of the attributes and their values."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = FACT_SHEET
    sheet.append(FACT_HEADERS)
    for index, header in enumerate(FACT_HEADERS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 24
        if header == H_CODE:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 70
    notes.append([_("填写说明"), ""])
    notes.append(
        ["", _("每行一项数据。整个文件全部通过校验才会导入；任何一行有错，都不会导入任何数据。")]
    )
    notes.append([H_CODE, _("18 位统一社会信用代码，须已在企业名录中登记。")])
    notes.append([H_NAME, _("可不填，仅便于核对。")])
    notes.append([H_DATE, _("数据所属日期，例如 2022-03-31；不填为导入当天。")])
    notes.append(["", ""])
    notes.append([_("属性（填名称或代码）"), _("取值")])
    for attribute in CATALOGUE:
        if not attribute.column:
            notes.append([f"{attribute.label}（{attribute.key}）", _choices_text(attribute)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
