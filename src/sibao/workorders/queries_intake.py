"""Reads of the intake area (DEM-01): the user's demands, the office's intake queue, merge
targets, what the user may do on one demand, the import template and the list export rows."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from sibao.accounts.access import can
from sibao.workorders.actions import intake as actions
from sibao.workorders.models import Demand, DemandCategory, DemandStatus, Urgency
from sibao.workorders.models.demands import OPEN_STATUSES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def demands_for(user, action: str = "view"):
    return Demand.objects.visible_to(user, action).select_related("enterprise", "merged_into")


def intake_queue(user):
    """Submitted demands the user may take in, oldest first."""
    return (
        demands_for(user, "accept")
        .filter(status=DemandStatus.SUBMITTED)
        .order_by("submitted_at", "id")
    )


def merge_targets(user, demand):
    """Open demands of the same region the user may take in, other than ``demand`` itself."""
    return (
        demands_for(user, "accept")
        .filter(region_code=demand.region_code, status__in=OPEN_STATUSES)
        .exclude(pk=demand.pk)
        .order_by("-submitted_at")
    )


def allowed_actions(user, demand) -> dict:
    """Which intake actions the page offers ``user`` on ``demand``."""
    office = demand.status == DemandStatus.SUBMITTED and can(user, Demand, "accept", obj=demand)
    mergeable = demand.status in (DemandStatus.SUBMITTED, DemandStatus.ACCEPTED) and can(
        user, Demand, "accept", obj=demand
    )
    return {
        "accept": office,
        "reject": office,
        "merge": mergeable,
        "withdraw": actions.may_withdraw(user, demand),
    }


# --- files ---


def _to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The import template: the header row (text-formatted code and phone columns) and an
    instructions sheet with the allowed categories and urgencies."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("走访诉求")
    sheet.append(actions.IMPORT_HEADERS)
    optional = {"紧急程度", "联系人", "联系电话"}
    for index, header in enumerate(actions.IMPORT_HEADERS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if header not in optional:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        sheet.column_dimensions[cell.column_letter].width = max(14, len(header) * 3)
        if header in ("企业统一社会信用代码", "联系电话"):
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    lines = [
        (_("填写说明"), ""),
        ("", _("每行一条走访收集的诉求。全部行通过校验才会导入；任何一行有错，都不会导入。")),
        ("", _("黄色表头为必填列。请勿修改、删除或增加列。")),
        ("企业统一社会信用代码", _("18 位代码；单位须已登记，并在您包保或管辖的范围内。")),
        ("类别", "、".join(str(label) for _v, label in DemandCategory.choices)),
        ("紧急程度", _("一般、紧急或特急，留空视为一般。")),
        ("走访日期", _("YYYY-MM-DD，不能晚于今天。")),
    ]
    for line in lines:
        notes.append(list(line))
    notes["A1"].font = Font(bold=True)
    return _to_bytes(workbook)


def export_header() -> list[str]:
    return [
        _("编号"),
        _("单位"),
        _("统一社会信用代码"),
        _("区划代码"),
        _("类别"),
        _("紧急程度"),
        _("标题"),
        _("问题描述"),
        _("来源渠道"),
        _("状态"),
        _("提交时间"),
        _("受理时间"),
        _("联系人"),
        _("联系电话"),
    ]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_rows(queryset):
    for d in queryset.iterator(chunk_size=500):
        yield [
            d.number,
            d.enterprise.name,
            d.enterprise.credit_code,
            d.region_code,
            str(DemandCategory(d.category).label),
            str(Urgency(d.urgency).label),
            d.title,
            d.description,
            d.get_channel_display(),
            d.get_status_display(),
            _when(d.submitted_at),
            _when(d.accepted_at),
            d.contact_name,
            d.contact_phone,
        ]
