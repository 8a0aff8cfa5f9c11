"""Chain-linked guarantee and pairing (WL-08, WL-09): supply-chain links between units, their
bulk import, the inclusion proposals a whitelisted unit's partners get, and the pairing of
production, tourism and key-project units with transport and commerce units."""

import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, covers
from sibao.core import audit, tabular
from sibao.core.notifications import notify
from sibao.enterprises.actions.whitelist import _notify_unit, _unit_admins, propose_linked_units
from sibao.enterprises.models import (
    PARK_KINDS,
    Enterprise,
    InclusionProposal,
    Pairing,
    PairingStatus,
    SupplyLink,
    SupplyLinkKind,
    WhitelistEntry,
    WhitelistStatus,
    validate_credit_code,
)
from sibao.enterprises.models.whitelist import ProposalStatus

__all__ = [
    "PAIRING_PROPOSALS_PER_UNIT",
    "ImportResult",
    "add_supply_link",
    "confirm_pairing",
    "decline_pairing",
    "dismiss_proposal",
    "end_pairing",
    "find_partner",
    "import_supply_links",
    "invite_proposal",
    "propose_pairings",
    "remove_supply_link",
    "supply_link_template",
]


# --- supply links (WL-08) ----------------------------------------------------------------------


def find_partner(credit_code: str) -> Enterprise:
    """The active record of ``credit_code`` anywhere in the province (a partner may lie outside
    the actor's jurisdiction: a supplier in another city is still a supplier). An enterprise or
    project record is preferred to a park record of the same code."""
    code = (credit_code or "").strip().upper()
    if not code:
        raise ValidationError({"partner": _("请填写关联单位的统一社会信用代码。")})
    try:
        validate_credit_code(code)
    except ValidationError:
        raise ValidationError(
            {"partner": _("关联单位统一社会信用代码无效：%(code)s") % {"code": code}}
        ) from None
    records = list(Enterprise.objects.active().filter(credit_code=code).order_by("id"))
    if not records:
        raise ValidationError(
            {
                "partner": _("平台未登记统一社会信用代码为 %(code)s 的单位，请先登记该单位。")
                % {"code": code}
            }
        )
    records.sort(key=lambda e: e.kind in PARK_KINDS)
    return records[0]


def _check_link_owner(actor, enterprise, actions=("add",)):
    """The actor sees ``enterprise`` and may register (or manage) links of it; ``None`` is the
    platform itself (commands, the demo seed)."""
    if actor is None:
        return
    if not can(actor, Enterprise, "view", enterprise):
        raise PermissionDenied(_("您无权管理该单位的产业链关系。"))
    if not any(
        covers(
            actor, SupplyLink, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
        )
        for action in actions
    ):
        raise PermissionDenied(_("您无权管理该单位的产业链关系。"))


def _is_listed(enterprise_id) -> bool:
    return WhitelistEntry.objects.filter(
        enterprise_id=enterprise_id, status=WhitelistStatus.LISTED
    ).exists()


@transaction.atomic
def add_supply_link(enterprise, partner, *, kind: str, products: str = "", actor) -> SupplyLink:
    """WL-08: register ``partner`` (an ``Enterprise`` or a credit code) as ``enterprise``'s
    supplier, customer or logistics provider. If either side is already whitelisted, the other
    side is proposed to its department at once (as on admission)."""
    _check_link_owner(actor, enterprise)
    if enterprise.merged_into_id:
        raise ValidationError(_("该记录已合并，请操作保留的记录。"))
    if kind not in SupplyLinkKind.values:
        raise ValidationError({"kind": _("请选择关系：供应商、客户或物流服务商。")})
    if not isinstance(partner, Enterprise):
        partner = find_partner(partner)
    elif partner.merged_into_id:
        raise ValidationError({"partner": _("关联单位的记录已合并，请使用保留的记录。")})
    if partner.pk == enterprise.pk or partner.credit_code == enterprise.credit_code:
        raise ValidationError({"partner": _("不能把本单位登记为自己的关联单位。")})
    if SupplyLink.objects.filter(enterprise=enterprise, partner=partner, kind=kind).exists():
        raise ValidationError(
            {
                "partner": _("%(partner)s 已登记为本单位的%(kind)s，无需重复登记。")
                % {"partner": partner.name, "kind": SupplyLinkKind(kind).label}
            }
        )
    link = SupplyLink.objects.create(
        enterprise=enterprise,
        partner=partner,
        kind=kind,
        products=(products or "").strip()[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
        region_code=enterprise.region_id,
        partner_region_code=partner.region_id,
    )
    audit.record(
        "supply_link.add",
        actor=actor,
        obj=link,
        changes={"partner": partner.credit_code, "kind": kind, "products": link.products},
    )
    for side in (enterprise.pk, partner.pk):
        if _is_listed(side):
            transaction.on_commit(lambda side=side: propose_linked_units(side))
    return link


@transaction.atomic
def remove_supply_link(link, *, actor, reason: str = "") -> None:
    """WL-08: delete a link registered by mistake or no longer true. Only the owning side (the
    unit that registered it, or its jurisdiction) may remove it; proposals made from the link go
    with it."""
    _check_link_owner(actor, link.enterprise, actions=("add", "change"))
    audit.record(
        "supply_link.remove",
        actor=actor,
        obj=link,
        changes={
            "partner": link.partner.credit_code,
            "kind": link.kind,
            "products": link.products,
        },
        note=(reason or "").strip(),
    )
    link.delete()


# --- import --------------------------------------------------------------------------------------

# The headers are a file format, not UI text: Chinese whatever the interface language, so that a
# file filled in under one language imports under the other.
IMPORT_COLUMNS = {
    "unit": "单位统一社会信用代码",
    "partner": "关联单位统一社会信用代码",
    "kind": "关系",
    "products": "产品或服务",
}
# Header spellings accepted besides the template's own (exports from other systems).
HEADER_ALIASES = {
    "unit": {"单位统一社会信用代码", "单位信用代码", "本单位统一社会信用代码", "unit"},
    "partner": {
        "关联单位统一社会信用代码",
        "关联单位信用代码",
        "合作单位统一社会信用代码",
        "partner",
    },
    "kind": {"关系", "关系类型", "relation", "kind"},
    "products": {"产品或服务", "产品", "主要产品", "products"},
}
KIND_WORDS = {"供应商": "supplier", "客户": "customer", "物流服务商": "logistics"}


@dataclass
class ImportResult:
    """What an import did: ``created`` links, or the row errors (then nothing was written)."""

    rows: int = 0
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _kind_from_label(value: str) -> str | None:
    text = (value or "").strip()
    return KIND_WORDS.get(text) or (text if text in SupplyLinkKind.values else None)


def _read_rows(upload, filename: str) -> list[list[str]]:
    name = filename or getattr(upload, "name", "") or ""
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    rows, _encoding = tabular.raw_rows(data, name)
    return [[tabular.cell(value) for value in row] for row in rows]


def _column_positions(header: list[str]) -> dict[str, int]:
    positions = {}
    for index, title in enumerate(header):
        for key, names in HEADER_ALIASES.items():
            if title.strip() in names:
                positions.setdefault(key, index)
    missing = [IMPORT_COLUMNS[k] for k in ("unit", "partner", "kind") if k not in positions]
    if missing:
        raise ValidationError(
            _("表头缺少列：%(columns)s。请使用下载的模板。") % {"columns": "、".join(missing)}
        )
    return positions


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc) or _("无权操作。")


def import_supply_links(upload, *, actor, filename: str = "") -> ImportResult:
    """WL-08: links from an .xlsx or .csv file (UTF-8 or GBK), one per row: unit credit code,
    partner credit code, relation (供应商/客户/物流服务商), products. Every row is checked; if any
    row is wrong, nothing is imported and the result lists each wrong row."""
    rows = [row for row in _read_rows(upload, filename) if any(cell for cell in row)]
    if not rows:
        raise ValidationError(_("文件是空的。"))
    positions = _column_positions(rows[0])
    result = ImportResult(rows=len(rows) - 1)
    if result.rows == 0:
        raise ValidationError(_("文件中没有数据行。"))

    def cell(row, key):
        index = positions.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    visible = (
        Enterprise.objects.visible_to(actor, "view") if actor is not None else Enterprise.objects
    ).active()
    with transaction.atomic():
        for number, row in enumerate(rows[1:], start=2):
            unit_code = cell(row, "unit").upper()
            try:
                if not unit_code:
                    raise ValidationError(_("缺少单位统一社会信用代码。"))
                try:
                    validate_credit_code(unit_code)
                except ValidationError:
                    raise ValidationError(
                        _("单位统一社会信用代码无效：%(code)s") % {"code": unit_code}
                    ) from None
                unit = visible.filter(credit_code=unit_code).order_by("id").first()
                if unit is None:
                    raise ValidationError(
                        _("单位 %(code)s 未登记或不在您的辖区内。") % {"code": unit_code}
                    )
                kind = _kind_from_label(cell(row, "kind"))
                if kind is None:
                    raise ValidationError(
                        _("关系“%(value)s”无效，应为供应商、客户或物流服务商。")
                        % {"value": cell(row, "kind")}
                    )
                add_supply_link(
                    unit,
                    cell(row, "partner"),
                    kind=kind,
                    products=cell(row, "products"),
                    actor=actor,
                )
                result.created += 1
            except (ValidationError, PermissionDenied) as exc:
                result.errors.append((number, _message(exc)))
        if result.errors:
            # all rows or none: a half-imported file is worse than none
            transaction.set_rollback(True)
            result.created = 0
        else:
            audit.record(
                "supply_link.import",
                actor=actor,
                changes={"rows": result.rows, "created": result.created},
                note=filename or getattr(upload, "name", ""),
                region_code=actor.region_id if getattr(actor, "region_id", None) else "",
            )
    return result


def supply_link_template() -> bytes:
    """The import template (.xlsx): the header row, one example row and a sheet explaining the
    columns; the relation column offers the three values."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "产业链关系"
    sheet.append([IMPORT_COLUMNS[k] for k in ("unit", "partner", "kind", "products")])
    for column, width in zip("ABCD", (28, 28, 14, 36), strict=True):
        sheet.column_dimensions[column].width = width
    choices = DataValidation(type="list", formula1=f'"{",".join(KIND_WORDS)}"', allow_blank=False)
    sheet.add_data_validation(choices)
    choices.add("C2:C5000")
    notes = book.create_sheet(str(_("填写说明")))
    for line in (
        _("每行一条关系：本单位（须在您的辖区内）与关联单位（全省已登记的任何单位）。"),
        _("关系填写：供应商、客户或物流服务商（关联单位是本单位的……）。"),
        _("任何一行有误时整份文件不导入，请按错误提示逐行修改后重新上传。"),
        _("CSV 文件可用 UTF-8 或 GBK 编码。"),
    ):
        notes.append([str(line)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- inclusion proposals (WL-08) -----------------------------------------------------------------


def _check_proposal(actor, proposal):
    if actor is not None and not can(actor, InclusionProposal, "change", obj=proposal):
        raise PermissionDenied(_("您无权处理该链式推荐。"))


@transaction.atomic
def invite_proposal(proposal, *, actor, note: str = "") -> InclusionProposal:
    """WL-08: the department invites a proposed unit to apply for the whitelist; the unit's
    admins are told."""
    _check_proposal(actor, proposal)
    proposal = InclusionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationError(_("该推荐已处理。"))
    proposal.status = ProposalStatus.INVITED
    proposal.note = (note or "").strip()
    proposal.handled_at = timezone.now()
    proposal.handled_by = actor
    proposal.save(update_fields=["status", "note", "handled_at", "handled_by"])
    audit.record(
        "inclusion_proposal.invite",
        actor=actor,
        obj=proposal,
        changes={"status": [ProposalStatus.OPEN, ProposalStatus.INVITED]},
        note=proposal.note,
    )
    because_of = proposal.because_of
    body = _(
        "贵单位与白名单单位“%(unit)s”存在产业链关系（%(kind)s），行业主管部门邀请贵单位申报"
        "“四保”白名单。%(note)s"
    ) % {"unit": because_of.name, "kind": proposal.link.get_kind_display(), "note": proposal.note}
    _notify_unit(
        proposal.enterprise,
        _("邀请申报白名单（链式保障）"),
        body.strip(),
        reverse("enterprises:enterprise_detail", args=[proposal.enterprise_id]),
    )
    return proposal


@transaction.atomic
def dismiss_proposal(proposal, *, actor, note: str) -> InclusionProposal:
    """WL-08: the department decides not to include a proposed unit, saying why."""
    _check_proposal(actor, proposal)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写不予纳入的理由。")})
    proposal = InclusionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationError(_("该推荐已处理。"))
    proposal.status = ProposalStatus.DISMISSED
    proposal.note = note
    proposal.handled_at = timezone.now()
    proposal.handled_by = actor
    proposal.save(update_fields=["status", "note", "handled_at", "handled_by"])
    audit.record(
        "inclusion_proposal.dismiss",
        actor=actor,
        obj=proposal,
        changes={"status": [ProposalStatus.OPEN, ProposalStatus.DISMISSED]},
        note=note,
    )
    return proposal


# --- pairing (WL-09) -----------------------------------------------------------------------------

# Industries whose whitelisted units get partners, and the partners' industries (D1 四(二)).
PAIRED_INDUSTRIES = ("industry", "culture_tourism", "key_project")
PARTNER_INDUSTRIES = ("transport", "commerce")
# Not a policy parameter of the seed: a reviewable number of suggestions per unit per run.
PAIRING_PROPOSALS_PER_UNIT = 3
LODGING_WORDS = ("住宿", "酒店", "宾馆", "餐饮", "饭店", "食堂")
LOGISTICS_WORDS = ("物流", "货运", "运输", "仓储", "快递", "冷链", "供应链")


def _partner_service(partner) -> str:
    """What the partner offers, read from its industry and sub-type."""
    text = f"{partner.sub_type}{partner.name}"
    if partner.industry_id == "commerce":
        if any(word in text for word in LODGING_WORDS):
            return "lodging"
        return "commerce"
    if any(word in text for word in LOGISTICS_WORDS):
        return "logistics"
    return "transport"


# How well a service complements a unit's industry: lower is better.
COMPLEMENT = {
    "industry": {"logistics": 0, "transport": 1, "lodging": 2, "commerce": 2},
    "key_project": {"logistics": 0, "lodging": 1, "transport": 1, "commerce": 2},
    "culture_tourism": {"lodging": 0, "transport": 1, "commerce": 1, "logistics": 2},
}
SERVICE_REASON = {
    "logistics": gettext_lazy("物流运输单位可承担原材料与产品运输"),
    "transport": gettext_lazy("交通运输单位可保障人员和物资运输"),
    "lodging": gettext_lazy("住宿餐饮单位可保障员工（游客）食宿"),
    "commerce": gettext_lazy("商贸流通单位可保障生产生活物资供应"),
}


def _pairing_reason(unit, partner, service, listed) -> str:
    if partner.region_id == unit.region_id:
        where = _("同在%(county)s") % {"county": partner.region.name}
    else:
        where = _("同在%(city)s（%(county)s）") % {
            "city": unit.region.parent.name if unit.region.parent_id else "",
            "county": partner.region.name,
        }
    status = _("对方已列入白名单") if listed else _("对方尚未列入白名单")
    return "；".join([where, str(SERVICE_REASON[service]), status])[:255]


def _check_pairing_staff(actor, region_code):
    if actor is not None and not covers(actor, Pairing, "add", region_code=region_code):
        raise PermissionDenied(_("您无权在该区划推荐结对合作。"))


@transaction.atomic
def propose_pairings(region, *, actor) -> list[Pairing]:
    """WL-09: for every listed industrial, tourism or key-project unit in ``region`` (that the
    actor sees) without a confirmed pairing, propose transport and commerce (incl. lodging and
    catering) units of the same county first, then of the same city: complementary services
    first, whitelisted partners before others. At most a few open proposals per unit; a pair
    that exists in any state is never proposed again."""
    _check_pairing_staff(actor, region.code)
    visible = (
        Enterprise.objects.visible_to(actor, "view") if actor is not None else Enterprise.objects
    )
    units = list(
        visible.active()
        .filter(
            region__code__startswith=region.code,
            industry_id__in=PAIRED_INDUSTRIES,
            whitelist_entry__status=WhitelistStatus.LISTED,
        )
        .exclude(pairings__status=PairingStatus.CONFIRMED)
        .select_related("region__parent")
        .order_by("region_id", "id")
        .distinct()
    )
    if not units:
        return []
    cities = {unit.region_id[:4] for unit in units}
    city_q = Q()
    for city in cities:
        city_q |= Q(region__code__startswith=city)
    candidates = list(
        Enterprise.objects.active()
        .filter(city_q, industry_id__in=PARTNER_INDUSTRIES)
        .exclude(kind__in=PARK_KINDS)
        .select_related("region")
        .order_by("id")
    )
    listed = set(
        WhitelistEntry.objects.filter(
            status=WhitelistStatus.LISTED, enterprise__in=[c.pk for c in candidates]
        ).values_list("enterprise_id", flat=True)
    )
    existing: dict[int, set[int]] = {}
    open_count: dict[int, int] = {}
    for unit_id, partner_id, status in Pairing.objects.filter(unit__in=units).values_list(
        "unit_id", "partner_id", "status"
    ):
        existing.setdefault(unit_id, set()).add(partner_id)
        if status == PairingStatus.PROPOSED:
            open_count[unit_id] = open_count.get(unit_id, 0) + 1

    created = []
    for unit in units:
        room = PAIRING_PROPOSALS_PER_UNIT - open_count.get(unit.pk, 0)
        if room <= 0:
            continue
        taken = existing.get(unit.pk, set())
        ranked = []
        for partner in candidates:
            if partner.pk == unit.pk or partner.pk in taken:
                continue
            if partner.region_id[:4] != unit.region_id[:4]:
                continue
            service = _partner_service(partner)
            ranked.append(
                (
                    partner.region_id != unit.region_id,  # same county first
                    COMPLEMENT[unit.industry_id][service],
                    partner.pk not in listed,  # whitelisted partners first
                    partner.pk,
                    partner,
                    service,
                )
            )
        ranked.sort(key=lambda item: item[:4])
        for *_key, partner, service in ranked[:room]:
            pairing = Pairing.objects.create(
                unit=unit,
                partner=partner,
                reason=_pairing_reason(unit, partner, service, partner.pk in listed),
                region_code=unit.region_id,
                partner_region_code=partner.region_id,
            )
            created.append(pairing)
            audit.record("pairing.propose", actor=actor, obj=pairing, note=pairing.reason)
    if created:
        transaction.on_commit(lambda: _notify_proposed(created))
    audit.record(
        "pairing.propose_run",
        actor=actor,
        changes={"units": len(units), "proposed": len(created)},
        region_code=region.code,
    )
    return created


def _notify_proposed(pairings):
    url = reverse("enterprises:pairing_list")
    for pairing in pairings:
        for side, other in ((pairing.unit, pairing.partner), (pairing.partner, pairing.unit)):
            notify(
                _unit_admins(side),
                _("平台为贵单位推荐了结对合作单位"),
                body=_("推荐与“%(other)s”结对合作：%(reason)s，请确认或谢绝。")
                % {"other": other.name, "reason": pairing.reason},
                url=url,
            )


def _sides(actor, pairing) -> list[str]:
    """The sides of ``pairing`` whose admin ``actor`` is ("unit", "partner")."""
    sides = []
    if actor is None:
        return sides
    for side, enterprise_id, region_code in (
        ("unit", pairing.unit_id, pairing.region_code),
        ("partner", pairing.partner_id, pairing.partner_region_code),
    ):
        if covers(actor, Pairing, "confirm", region_code=region_code, enterprise_id=enterprise_id):
            sides.append(side)
    return sides


def _locked(pairing, actor):
    if actor is not None and not can(actor, Pairing, "view", obj=pairing):
        raise PermissionDenied(_("您无权处理该结对合作。"))
    return Pairing.objects.select_for_update().get(pk=pairing.pk)


@transaction.atomic
def confirm_pairing(pairing, *, actor) -> Pairing:
    """WL-09: the admin of one side confirms for that side (a pairing is the two units' own
    agreement, so nobody confirms on their behalf); once both sides have, it is confirmed."""
    pairing = _locked(pairing, actor)
    sides = _sides(actor, pairing)
    if not sides:
        raise PermissionDenied(_("只有结对双方单位的防疫专班可以确认结对。"))
    if pairing.status != PairingStatus.PROPOSED:
        raise ValidationError(
            _("该结对已%(status)s，不能再确认。") % {"status": pairing.get_status_display()}
        )
    now = timezone.now()
    fields = []
    for side in sides:
        if getattr(pairing, f"{side}_confirmed_at") is None:
            setattr(pairing, f"{side}_confirmed_at", now)
            fields.append(f"{side}_confirmed_at")
    if not fields:
        raise ValidationError(_("贵单位已确认，等待对方确认。"))
    if pairing.unit_confirmed_at and pairing.partner_confirmed_at:
        pairing.status = PairingStatus.CONFIRMED
        fields.append("status")
    pairing.save(update_fields=fields)
    audit.record("pairing.confirm", actor=actor, obj=pairing, changes={"sides": sides})
    if pairing.status == PairingStatus.CONFIRMED:
        url = reverse("enterprises:pairing_list")
        for side, other in ((pairing.unit, pairing.partner), (pairing.partner, pairing.unit)):
            _notify_unit(
                side,
                _("结对合作已达成"),
                _("贵单位与“%(other)s”的结对合作已经双方确认。") % {"other": other.name},
                url,
            )
    return pairing


def _may_manage(actor, pairing) -> bool:
    """Department staff and the HQ office in either side's jurisdiction (who propose pairings)
    may withdraw or end one, as may the admins of either side."""
    if actor is None:
        return True
    return bool(_sides(actor, pairing)) or any(
        covers(actor, Pairing, "add", region_code=code)
        for code in (pairing.region_code, pairing.partner_region_code)
    )


@transaction.atomic
def decline_pairing(pairing, *, actor, reason: str = "") -> Pairing:
    """WL-09: either side declines a proposed pairing (or the proposing office withdraws it);
    the pair is not proposed again."""
    pairing = _locked(pairing, actor)
    if not _may_manage(actor, pairing):
        raise PermissionDenied(_("您无权谢绝该结对。"))
    if pairing.status != PairingStatus.PROPOSED:
        raise ValidationError(_("只能谢绝待确认的结对推荐。"))
    pairing.status = PairingStatus.DECLINED
    pairing.save(update_fields=["status"])
    audit.record(
        "pairing.decline",
        actor=actor,
        obj=pairing,
        changes={"status": [PairingStatus.PROPOSED, PairingStatus.DECLINED]},
        note=(reason or "").strip(),
    )
    return pairing


@transaction.atomic
def end_pairing(pairing, *, actor, reason: str) -> Pairing:
    """WL-09: end a confirmed pairing (either side, or the jurisdiction), with the reason."""
    pairing = _locked(pairing, actor)
    if not _may_manage(actor, pairing):
        raise PermissionDenied(_("您无权结束该结对。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写结束结对的原因。")})
    if pairing.status != PairingStatus.CONFIRMED:
        raise ValidationError(_("只能结束已确认的结对。"))
    pairing.status = PairingStatus.ENDED
    pairing.save(update_fields=["status"])
    audit.record(
        "pairing.end",
        actor=actor,
        obj=pairing,
        changes={"status": [PairingStatus.CONFIRMED, PairingStatus.ENDED]},
        note=reason.strip(),
    )
    return pairing
