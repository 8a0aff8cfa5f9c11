"""Writes of the intake area (DEM-01): a whitelisted unit's demand is filed (by the unit's admin,
its liaison cadre, or the office of its region for a hotline call), with attachments; cadres and
offices import demands collected on visits in bulk (all rows or none); the office of the region
takes each one in — accept, reject with a reason code, merge into another open demand — and the
filer's side may withdraw it before dispatch.

Who may do what (accounts.roles, ``workorders.demand``):

- ``add``: an ``enterprise_admin`` or ``liaison_cadre`` grant naming the unit files for it; an
  ``hq_office`` grant covering the unit's region (``accept``) files on its behalf, channel
  "hotline" (12345 转办);
- ``import``: cadres for the units they are assigned to, offices for their region;
- ``accept`` (accept, reject, merge): the office whose grant covers the demand's region;
- ``change`` (withdraw): the unit's admin or cadre, while no order has been dispatched.

Every state change goes through ``actions.base.transition`` (lock, version check, history, audit).
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import allowing_grants, can, covers
from sibao.accounts.roles import Role
from sibao.command import recipients
from sibao.core import audit, tabular
from sibao.core.notifications import notify
from sibao.enterprises.models import Enterprise
from sibao.regions.models import RegionLevel
from sibao.workorders.actions.base import next_number, now_or, stored, transition
from sibao.workorders.models import (
    Attachment,
    Demand,
    DemandCategory,
    DemandChannel,
    DemandStatus,
    RejectReason,
    Urgency,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "IMPORT_HEADERS",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "ImportResult",
    "accept_demand",
    "file_demand",
    "import_demands",
    "may_file",
    "may_withdraw",
    "record_demand_export",
    "merge_demand",
    "reject_demand",
    "withdraw_demand",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# extension -> the first bytes a real file of that type starts with
ALLOWED_EXTENSIONS = {
    "pdf": (b"%PDF",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
IMPORT_HEADERS = [
    "企业统一社会信用代码",
    "类别",
    "标题",
    "问题描述",
    "紧急程度",
    "联系人",
    "联系电话",
    "走访日期",
]


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _url(demand) -> str:
    return reverse("workorders:demand_detail", args=[demand.pk])


# --- recipients ---


def _county_office(region_code: str) -> list:
    """The office users of the unit's county (its nearest level with an office)."""
    for level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):
        users = recipients.region_officials(region_code, [Role.HQ_OFFICE], levels=[level])
        if users:
            return users
    return []


def _unit_side(enterprise) -> list:
    return recipients.units_people([enterprise])[enterprise.pk]


def _tell_unit(demand, title: str, body: str = "") -> None:
    notify(_unit_side(demand.enterprise), title, body=body, url=_url(demand))


# --- permissions ---


def _unit_grants(actor, enterprise, action: str) -> list:
    """The actor's grants naming the unit (its admin, its cadre) that allow ``action``."""
    return [
        g
        for g in allowing_grants(actor, Demand._meta.label_lower, action)
        if g.enterprise_id == enterprise.pk
    ]


def _filing_channel(actor, enterprise, channel: str) -> str:
    """The channel the filer may use, or PermissionDenied: the unit's admin files online, its
    cadre on its behalf (channel "cadre" unless stated), the office of the region by hotline."""
    if actor is None:
        return channel
    grants = _unit_grants(actor, enterprise, "add")
    if any(g.role == Role.ENTERPRISE_ADMIN for g in grants):
        return channel
    if grants:  # a liaison cadre assigned to the unit
        return DemandChannel.CADRE if channel == DemandChannel.ONLINE else channel
    if covers(actor, Demand, "accept", region_code=enterprise.region_id):
        return DemandChannel.HOTLINE
    raise PermissionDenied(
        _("只有本单位管理员、包保该单位的干部或属地指挥部办公室（热线转办）可以为该单位提交诉求。")
    )


def may_file(actor, enterprise) -> bool:
    try:
        _filing_channel(actor, enterprise, DemandChannel.ONLINE)
    except PermissionDenied:
        return False
    return True


def may_withdraw(actor, demand) -> bool:
    """The filer's side (the unit's admin or cadre) before any order was dispatched."""
    if demand.status not in (DemandStatus.SUBMITTED, DemandStatus.ACCEPTED):
        return False
    if demand.orders.exists():
        return False
    return actor is None or can(actor, Demand, "change", obj=demand)


def _check_office(actor, demand, message: str) -> None:
    if actor is not None and not can(actor, Demand, "accept", obj=demand):
        raise PermissionDenied(message)


# --- validation ---


def _text(value) -> str:
    return (value or "").strip()


def _clean_fields(*, category, title, description, urgency, channel, contact_name, contact_phone):
    title, description = _text(title), _text(description)
    contact_name, contact_phone = _text(contact_name), _text(contact_phone)
    errors = {}
    if category not in DemandCategory.values:
        errors["category"] = _("请选择诉求类别。")
    if not title:
        errors["title"] = _("请填写诉求标题。")
    elif len(title) > 120:
        errors["title"] = _("标题不能超过 120 个字。")
    if not description:
        errors["description"] = _("请描述遇到的问题和希望得到的帮助。")
    elif len(description) > 5000:
        errors["description"] = _("问题描述不能超过 5000 个字。")
    if urgency not in Urgency.values:
        errors["urgency"] = _("紧急程度应为一般、紧急或特急。")
    if channel not in DemandChannel.values:
        errors["channel"] = _("来源渠道无效。")
    if len(contact_name) > 64:
        errors["contact_name"] = _("联系人不能超过 64 个字。")
    if contact_phone and not PHONE.match(contact_phone):
        errors["contact_phone"] = _("联系电话格式不正确。")
    if errors:
        raise ValidationError(errors)
    return {
        "category": category,
        "title": title,
        "description": description,
        "urgency": urgency,
        "channel": channel,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
    }


def _file_problem(upload) -> str:
    name = getattr(upload, "name", "") or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        return _(
            "“%(name)s”的类型不支持，只能上传 PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）文件。"
        ) % {"name": name}
    if upload.size > MAX_FILE_BYTES:
        return _("“%(name)s”超过 10 MB，请压缩后再上传。") % {"name": name}
    if upload.size == 0:
        return _("“%(name)s”是空文件。") % {"name": name}
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in ALLOWED_EXTENSIONS[extension]):
        return _("“%(name)s”的内容与扩展名不符，请上传真实的 %(ext)s 文件。") % {
            "name": name,
            "ext": extension.upper(),
        }
    return ""


def _check_files(files) -> list:
    files = [f for f in (files or ()) if f]
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _("附件最多 %(n)d 个。") % {"n": MAX_FILES}})
    problems = [p for p in (_file_problem(f) for f in files) if p]
    if problems:
        raise ValidationError({"files": problems})
    return files


def _check_unit(enterprise) -> None:
    if enterprise is None:
        raise ValidationError({"enterprise": _("请选择提出诉求的单位。")})
    if enterprise.merged_into_id:
        raise ValidationError({"enterprise": _("该单位记录已合并，请为合并后的单位提交诉求。")})


def _terms(title: str, description: str) -> str:
    """Words for the similar-demand search, when the common area's tokenizer is installed."""
    try:
        from sibao.workorders.similarity import tokens
    except ImportError:
        return ""
    return " ".join(tokens(f"{title} {description}"))


# --- filing ---


def _create(enterprise, *, actor, values, files, now) -> Demand:
    """The demand row (numbered; a clash on the number is retried once) and its attachments."""
    fields = dict(
        enterprise=enterprise,
        submitted_at=now,
        submitted_by=_user(actor),
        region_code=enterprise.region_id,
        industry_code=enterprise.industry_id or "",
        terms=_terms(values["title"], values["description"]),
        **values,
    )
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                demand = Demand.objects.create(number=next_number(Demand, "SQ"), **fields)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    for upload in files:
        Attachment.objects.create(
            demand=demand,
            file=upload,
            name=PurePath(upload.name).name[:200],
            size=upload.size,
            uploaded_at=now,
            uploaded_by=_user(actor),
            region_code=demand.region_code,
        )
    audit.record(
        "demand.file",
        actor=actor,
        obj=demand,
        changes={
            **audit.snapshot(demand, ["number", "category", "urgency", "channel", "title"]),
            "attachments": len(files),
        },
    )
    return demand


def _tell_office_new(demands) -> None:
    for demand in demands:
        notify(
            _county_office(demand.region_code),
            stored(
                "新的企业诉求待受理：%(number)s %(unit)s · %(title)s",
                number=demand.number,
                unit=demand.enterprise.name,
                title=demand.title[:60],
            ),
            body=demand.description[:500],
            url=_url(demand),
        )


@transaction.atomic
def file_demand(
    enterprise,
    *,
    actor,
    category,
    title,
    description,
    urgency="normal",
    channel="online",
    contact_name="",
    contact_phone="",
    files=(),
    now=None,
) -> Demand:
    """DEM-01: a unit's demand, numbered ``SQ<yyyymmdd>-<n>``, with up to 5 attachments (PDF,
    JPG, PNG, DOCX, XLSX; 10 MB each); the office of the unit's county is told."""
    now = now_or(now)
    _check_unit(enterprise)
    channel = _filing_channel(actor, enterprise, channel)
    values = _clean_fields(
        category=category,
        title=title,
        description=description,
        urgency=urgency,
        channel=channel,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    files = _check_files(files)
    demand = _create(enterprise, actor=actor, values=values, files=files, now=now)
    _tell_office_new([demand])
    return demand


# --- intake decisions ---


@transaction.atomic
def accept_demand(demand, *, actor, note="", version=None, now=None) -> Demand:
    """DEM-01/02: the office of the region takes the demand in (then dispatches it)."""
    now = now_or(now)
    _check_office(actor, demand, _("只有属地指挥部办公室可以受理诉求。"))
    demand = transition(
        demand,
        "accept",
        actor=actor,
        version=version,
        note=_text(note),
        now=now,
        fields={"accepted_at": now},
    )
    _tell_unit(demand, stored("诉求已受理：%(number)s %(title)s", **_names(demand)), _text(note))
    return demand


def _names(demand) -> dict:
    return {"number": demand.number, "title": demand.title[:60]}


@transaction.atomic
def reject_demand(demand, *, actor, reason, note, version=None, now=None) -> Demand:
    """DEM-01: not taken in, with a reason code and an explanation the unit reads."""
    now = now_or(now)
    _check_office(actor, demand, _("只有属地指挥部办公室可以作出不予受理决定。"))
    note = _text(note)
    errors = {}
    if reason not in RejectReason.values:
        errors["reason"] = _("请选择不予受理的原因。")
    if not note:
        errors["note"] = _("请向企业说明不予受理的具体理由。")
    if errors:
        raise ValidationError(errors)
    label = RejectReason(reason).label
    demand = transition(
        demand,
        "reject",
        actor=actor,
        version=version,
        note=f"{stored(label)}：{note}",
        now=now,
        fields={"reject_reason": reason},
    )
    _tell_unit(
        demand,
        stored("诉求不予受理：%(number)s %(title)s", **_names(demand)),
        f"{stored(label)}：{note}",
    )
    return demand


@transaction.atomic
def merge_demand(demand, *, into, actor, note="", version=None, now=None) -> Demand:
    """DEM-01: a duplicate is merged into another open demand of the same region; it points at
    it and the unit is told where it is handled."""
    now = now_or(now)
    _check_office(actor, demand, _("只有属地指挥部办公室可以合并诉求。"))
    if into is None:
        raise ValidationError({"into": _("请选择合并到的诉求。")})
    if into.pk == demand.pk:
        raise ValidationError({"into": _("不能合并到诉求本身。")})
    into = Demand.objects.select_related("enterprise").get(pk=into.pk)  # its state now
    if actor is not None and not can(actor, Demand, "accept", obj=into):
        raise ValidationError({"into": _("合并到的诉求不在您的受理范围内。")})
    if not into.is_open:
        raise ValidationError({"into": _("只能合并到尚未办结的诉求。")})
    if into.region_code != demand.region_code:
        raise ValidationError({"into": _("只能合并到同一地区的诉求。")})
    text = stored("合并至 %(number)s", number=into.number)
    note = _text(note)
    demand = transition(
        demand,
        "merge",
        actor=actor,
        version=version,
        note=f"{text}：{note}" if note else text,
        now=now,
        fields={"merged_into": into},
    )
    _tell_unit(
        demand,
        stored(
            "诉求已合并办理：%(number)s 并入 %(into)s",
            number=demand.number,
            into=into.number,
        ),
        note,
    )
    return demand


@transaction.atomic
def withdraw_demand(demand, *, actor, note="", version=None, now=None) -> Demand:
    """DEM-01: the unit (or its cadre) withdraws its demand before any order is dispatched; the
    office is told."""
    now = now_or(now)
    if actor is not None and not can(actor, Demand, "change", obj=demand):
        raise PermissionDenied(_("只有提出诉求的单位或其包保干部可以撤回诉求。"))
    if demand.orders.exists():
        raise ValidationError(_("诉求已派单办理，不能撤回；如问题已解决，请在办结后评价。"))
    demand = transition(demand, "withdraw", actor=actor, version=version, note=_text(note), now=now)
    notify(
        _county_office(demand.region_code),
        stored("企业撤回诉求：%(number)s %(title)s", **_names(demand)),
        body=_text(note),
        url=_url(demand),
    )
    return demand


# --- bulk import (visits) ---


@dataclass
class ImportResult:
    """What an import did: the demands created, or the row errors (then nothing was written).
    An error is ``{"row", "column", "value", "message"}``; ``row`` None for the whole file."""

    rows: int = 0
    created: list = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_CATEGORY_WORDS = {str(label): value for value, label in DemandCategory.choices}
_URGENCY_WORDS = {str(label): value for value, label in Urgency.choices}
_FIELD_HEADERS = {
    "category": "类别",
    "title": "标题",
    "description": "问题描述",
    "urgency": "紧急程度",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


def _choice(text: str, words: dict) -> str:
    """A choice written as its Chinese label or its code."""
    text = text.strip()
    return words.get(text, text)


def _visit_date(text: str, today) -> tuple:
    if not text:
        return None, _("请填写走访日期。")
    try:
        day = datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None, _("走访日期应为 YYYY-MM-DD 格式。")
    if day > today:
        return None, _("走访日期不能晚于今天。")
    return day, ""


def _import_row(actor, record, units, today):
    """(enterprise, values, errors) of one row; errors as (column, value, message)."""
    errors = []
    code = record["企业统一社会信用代码"].strip().upper()
    enterprise = units.get(code)
    if not code:
        errors.append(("企业统一社会信用代码", code, _("请填写企业统一社会信用代码。")))
    elif enterprise is None or (
        actor is not None
        and not covers(
            actor,
            Demand,
            "import",
            region_code=enterprise.region_id,
            enterprise_id=enterprise.pk,
        )
    ):
        errors.append(("企业统一社会信用代码", code, _("单位未登记，或不在您包保、管辖的范围内。")))
    day, problem = _visit_date(record["走访日期"], today)
    if problem:
        errors.append(("走访日期", record["走访日期"], problem))
    values = None
    try:
        values = _clean_fields(
            category=_choice(record["类别"], _CATEGORY_WORDS),
            title=record["标题"],
            description=record["问题描述"],
            urgency=_choice(record["紧急程度"] or "一般", _URGENCY_WORDS),
            channel=DemandChannel.VISIT,
            contact_name=record["联系人"],
            contact_phone=record["联系电话"],
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            header = _FIELD_HEADERS.get(name, name)
            errors.extend((header, record.get(header, ""), m) for m in messages)
    if values is not None and day is not None:
        values["description"] += "\n" + stored("（走访收集，走访日期：%(day)s）", day=day)
    return enterprise, values, errors


def import_demands(data: bytes, filename: str, *, actor, now=None) -> ImportResult:
    """DEM-01: demands collected on visits (channel "visit") from the downloadable template,
    all rows or none; a cadre imports for the units assigned to it, an office for its region.
    Any wrong row refuses the whole file with every problem listed."""
    now = now_or(now)
    if actor is not None and not can(actor, Demand, "import"):
        raise PermissionDenied(_("只有包保干部和指挥部办公室可以批量导入走访收集的诉求。"))
    try:
        table = tabular.read_table(data, filename, IMPORT_HEADERS)
    except tabular.Refused as exc:
        return ImportResult(errors=[_error(None, "", "", exc.messages[0])])
    result = ImportResult(rows=len(table.rows))
    if not table.rows:
        result.errors.append(_error(None, "", "", _("文件中没有数据行。")))
        return result
    codes = {r["企业统一社会信用代码"].strip().upper() for _n, r in table.rows}
    units = {e.credit_code: e for e in Enterprise.objects.active().filter(credit_code__in=codes)}
    today = timezone.localdate(now)
    good = []
    for number, record in table.rows:
        enterprise, values, errors = _import_row(actor, record, units, today)
        result.errors.extend(_error(number, *e) for e in errors)
        if not errors:
            good.append((enterprise, values))
    if result.errors:
        return result
    with transaction.atomic():
        result.created = [
            _create(enterprise, actor=actor, values=values, files=(), now=now)
            for enterprise, values in good
        ]
        audit.record(
            "demand.import",
            actor=actor,
            changes={"rows": result.rows, "created": len(result.created)},
            note=filename,
            region_code=getattr(_user(actor), "region_id", "") or "",
        )
    _tell_office_new(result.created)
    return result


def _error(row, column, value, message) -> dict:
    return {"row": row, "column": column, "value": value, "message": str(message)}


def record_demand_export(*, actor, rows: int, filters: str = "") -> None:
    """An export of the demand list is audited (who took which list)."""
    if actor is not None and not can(actor, Demand, "export"):
        raise PermissionDenied(_("您的角色无权导出诉求清单。"))
    audit.record(
        "demand.export",
        actor=actor,
        changes={"rows": rows, "filters": filters},
        region_code=getattr(_user(actor), "region_id", "") or "",
    )
