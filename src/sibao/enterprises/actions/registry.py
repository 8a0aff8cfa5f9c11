"""The registry (WL-01, WL-02): registering, editing, importing and merging units, and the audit
row of an export. Parks and bonded zones are units too (``kind``); members point at them
(``park``)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.accounts.models import RoleGrant, User
from sibao.core import audit
from sibao.enterprises.actions.facts import _choose_current
from sibao.enterprises.models import (
    PARK_KINDS,
    Enterprise,
    EnterpriseFact,
    InclusionProposal,
    Pairing,
    Responsibility,
    SelfAssessment,
    SpotCheck,
    SupplyLink,
    WhitelistApplication,
    WhitelistChange,
    WhitelistEntry,
)
from sibao.regions.models import IndustryDomain, Region, RegionLevel

__all__ = [
    "OWN_UNIT_FIELDS",
    "REGISTRY_FIELDS",
    "ImportRefused",
    "create_enterprise",
    "import_enterprises",
    "merge_enterprises",
    "record_export",
    "registry_jurisdiction",
    "update_enterprise",
]

# Everything a registry form or the API may set on a unit.
REGISTRY_FIELDS = (
    "credit_code",
    "name",
    "kind",
    "region",
    "address",
    "industry",
    "sub_type",
    "is_city_operation",
    "output_value",
    "investment",
    "employees",
    "has_dormitory",
    "has_canteen",
    "park",
    "contact_name",
    "contact_phone",
)
# What an enterprise's own admin may keep up to date: its site and people, never what decides
# scope, whitelist criteria or coverage (credit code, region, industry, kind, output, investment).
OWN_UNIT_FIELDS = frozenset(
    {"address", "contact_name", "contact_phone", "employees", "has_dormitory", "has_canteen"}
)
SCOPE_FIELDS = frozenset({"region", "industry"})
CENT = Decimal("0.01")


class ImportRefused(ValidationError):
    """A file refused as a whole: ``row_errors`` lists every problem (row, column, value,
    message); a problem with the file itself (columns, format) has no row."""

    def __init__(self, message, row_errors=(), rows: int = 0):
        super().__init__(message)
        self.row_errors = list(row_errors)
        self.rows = rows


# --- helpers -------------------------------------------------------------------------------------


def _resolve(fields: dict) -> dict:
    """Accept model instances or primary keys for the foreign keys (forms give instances, the
    API and the importer may give codes)."""
    values = dict(fields)
    if isinstance(values.get("region"), str):
        values["region"] = Region.objects.filter(pk=values["region"]).first()
        if values["region"] is None:
            raise ValidationError({"region": _("区划代码不存在。")})
    if isinstance(values.get("industry"), str):
        values["industry"] = IndustryDomain.objects.filter(pk=values["industry"]).first()
        if values["industry"] is None:
            raise ValidationError({"industry": _("行业领域不存在。")})
    park = values.get("park")
    if park is not None and not isinstance(park, Enterprise):
        values["park"] = Enterprise.objects.filter(pk=park).first()
        if values["park"] is None:
            raise ValidationError({"park": _("所属园区不存在或不在您的管辖范围内。")})
    if isinstance(values.get("credit_code"), str):
        values["credit_code"] = values["credit_code"].strip().upper()
    for name in ("output_value", "investment"):
        # to the column's two decimals, so that 20000 and 20000.00 are no change in the audit
        if values.get(name) is not None:
            try:
                values[name] = Decimal(str(values[name])).quantize(CENT, rounding=ROUND_HALF_UP)
            except InvalidOperation:
                raise ValidationError({name: _("不是有效的数字。")}) from None
    return values


def _check_region_and_industry(actor, action: str, region, industry) -> None:
    """A unit is registered in a county (区县级) inside the actor's jurisdiction and, for a
    department, in one of its industries."""
    if region is None:
        raise ValidationError({"region": _("请选择所在区划。")})
    if industry is None:
        raise ValidationError({"industry": _("请选择行业领域。")})
    if region.level != RegionLevel.COUNTY:
        raise ValidationError({"region": _("单位须登记在县级区划（县、市、区或功能区）。")})
    if not covers(actor, Enterprise, action, region_code=region.code):
        raise ValidationError({"region": _("所选区划不在您的管辖范围内。")})
    if not covers(actor, Enterprise, action, region_code=region.code, industry=industry.code):
        raise ValidationError({"industry": _("您无权登记或修改该行业领域的单位。")})


def _check_park(actor, enterprise) -> None:
    if enterprise.park is None:
        return
    visible = (
        Enterprise.objects.visible_to(actor, "view")
        .active()
        .filter(pk=enterprise.park.pk, kind__in=PARK_KINDS)
        .exists()
    )
    if not visible:
        raise ValidationError({"park": _("所属园区不存在或不在您的管辖范围内。")})


def _check_not_registered(enterprise) -> None:
    """One active record per credit code and kind: a second registration would split the
    unit's history (a real duplicate is merged instead)."""
    clash = (
        Enterprise.objects.active()
        .filter(credit_code=enterprise.credit_code, kind=enterprise.kind)
        .exclude(pk=enterprise.pk)
        .exists()
    )
    if clash:
        raise ValidationError(
            {
                "credit_code": _(
                    "统一社会信用代码 %(code)s 已有一条在用的“%(kind)s”记录，不能重复登记；"
                    "如需修改请编辑原记录，重复记录请合并。"
                )
                % {"code": enterprise.credit_code, "kind": enterprise.get_kind_display()}
            }
        )


def _common_prefix(codes) -> str:
    codes = list(codes)
    if not codes:
        return ""
    prefix = min(codes)
    last = max(codes)
    n = 0
    while n < len(prefix) and n < len(last) and prefix[n] == last[n]:
        n += 1
    return prefix[:n]


def _rescope(enterprise) -> None:
    """Rows copy their unit's region code (and industry) so that scoping is one indexed
    predicate; when the unit moves, or rows are moved onto it, the copies follow."""
    region, industry = enterprise.region_id, enterprise.industry_id
    for model in (EnterpriseFact, Responsibility, SelfAssessment):
        model.objects.filter(enterprise=enterprise).update(region_code=region)
    for model in (WhitelistApplication, WhitelistEntry, WhitelistChange, SpotCheck):
        model.objects.filter(enterprise=enterprise).update(region_code=region, industry=industry)
    InclusionProposal.objects.filter(enterprise=enterprise).update(
        region_code=region, industry=industry
    )
    SupplyLink.objects.filter(enterprise=enterprise).update(region_code=region)
    SupplyLink.objects.filter(partner=enterprise).update(partner_region_code=region)
    Pairing.objects.filter(unit=enterprise).update(region_code=region)
    Pairing.objects.filter(partner=enterprise).update(partner_region_code=region)


# --- create and update ---------------------------------------------------------------------------


def registry_jurisdiction(actor, enterprise) -> bool:
    """Whether ``actor`` may change ``enterprise`` as an official of its jurisdiction (and
    industry), rather than only as the unit's own admin."""
    return covers(
        actor,
        Enterprise,
        "change",
        region_code=enterprise.region_id,
        industry=enterprise.industry_id,
    )


@transaction.atomic
def create_enterprise(*, actor, **fields) -> Enterprise:
    """WL-01/WL-02: register a unit (enterprise, project, park or bonded zone) in a county of the
    actor's jurisdiction; refused if an active record of the same credit code and kind exists."""
    if not can(actor, Enterprise, "add"):
        raise PermissionDenied(_("您的角色无权登记企业（项目）。"))
    unknown = set(fields) - set(REGISTRY_FIELDS)
    if unknown:
        raise ValidationError(_("不能设置的字段：%(fields)s") % {"fields": ", ".join(unknown)})
    values = _resolve(fields)
    _check_region_and_industry(actor, "add", values.get("region"), values.get("industry"))
    enterprise = Enterprise(**values)
    _check_park(actor, enterprise)
    enterprise.full_clean()
    _check_not_registered(enterprise)
    enterprise.save()
    audit.record(
        "enterprise.create",
        actor=actor,
        obj=enterprise,
        changes={k: [None, v] for k, v in audit.snapshot(enterprise, REGISTRY_FIELDS).items()},
    )
    # policies: re-match on fact change
    from sibao.policies.matching import facts_changed

    facts_changed([enterprise.pk])
    return enterprise


@transaction.atomic
def update_enterprise(enterprise, *, actor, **changes) -> Enterprise:
    """WL-01: change a unit's registry data; the audit row keeps the before/after of every changed
    field. An enterprise's own admin may change only ``OWN_UNIT_FIELDS``; moving a unit to another
    county or industry needs the actor's jurisdiction over the new one too."""
    if not can(actor, Enterprise, "change", obj=enterprise):
        raise PermissionDenied(_("您无权修改该单位。"))
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if enterprise.merged_into_id:
        raise ValidationError(_("该记录已合并到其他记录，不能再修改。"))
    unknown = set(changes) - set(REGISTRY_FIELDS)
    if unknown:
        raise ValidationError(_("不能设置的字段：%(fields)s") % {"fields": ", ".join(unknown)})
    values = _resolve(changes)
    before = audit.snapshot(enterprise, REGISTRY_FIELDS)
    for name, value in values.items():
        setattr(enterprise, name, value)
    after = audit.snapshot(enterprise, REGISTRY_FIELDS)
    changed = audit.diff(before, after)
    if not changed:
        return enterprise
    jurisdiction = covers(
        actor, Enterprise, "change", region_code=before["region"], industry=before["industry"]
    )
    if not jurisdiction and set(changed) - OWN_UNIT_FIELDS:
        raise PermissionDenied(
            _("企业只能修改本单位的地址、联系人、联系电话、从业人数和宿舍、食堂情况。")
        )
    if set(changed) & SCOPE_FIELDS:
        _check_region_and_industry(actor, "change", enterprise.region, enterprise.industry)
    if "park" in changed:
        _check_park(actor, enterprise)
    enterprise.full_clean()
    if {"credit_code", "kind"} & set(changed):
        _check_not_registered(enterprise)
    enterprise.save(update_fields=[*changed, "updated_at"])
    if set(changed) & SCOPE_FIELDS:
        _rescope(enterprise)
    audit.record("enterprise.update", actor=actor, obj=enterprise, changes=changed)
    # policies: re-match on fact change
    from sibao.policies.matching import MATCHED_FIELDS, facts_changed

    if set(changed) & MATCHED_FIELDS:
        facts_changed([enterprise.pk])
    return enterprise


# --- merge ---------------------------------------------------------------------------------------


def _move_facts(survivor, duplicate) -> int:
    """Facts are unique per (enterprise, key, source): on a clash the newer value stays; then the
    current value of every touched key is chosen again by the facts rule."""
    theirs = {(f.key, f.source): f for f in EnterpriseFact.objects.filter(enterprise=survivor)}
    keys = set()
    for fact in EnterpriseFact.objects.filter(enterprise=duplicate):
        keys.add(fact.key)
        existing = theirs.get((fact.key, fact.source))
        if existing is not None:
            if (fact.as_of, fact.recorded_at) > (existing.as_of, existing.recorded_at):
                existing.delete()
            else:
                fact.delete()
                continue
        fact.enterprise = survivor
        fact.is_current = False
        fact.save(update_fields=["enterprise", "is_current"])
    for key in keys:
        _choose_current(survivor, key)
    return len(keys)


def _move_whitelist(survivor, duplicate) -> str:
    """The survivor keeps its own entry if it has one (the duplicate's changes join its
    history); otherwise the duplicate's entry moves over. Returns a note for the audit row."""
    theirs = WhitelistEntry.objects.filter(enterprise=duplicate).first()
    ours = WhitelistEntry.objects.filter(enterprise=survivor).first()
    if theirs is None:
        WhitelistChange.objects.filter(enterprise=duplicate).update(enterprise=survivor)
        return ""
    if ours is None:
        theirs.enterprise = survivor
        theirs.save(update_fields=["enterprise"])
        WhitelistChange.objects.filter(enterprise=duplicate).update(enterprise=survivor)
        return _("白名单记录随合并转入保留记录。")
    WhitelistChange.objects.filter(Q(enterprise=duplicate) | Q(entry=theirs)).update(
        enterprise=survivor, entry=ours
    )
    note = _(
        "保留记录已有白名单记录（%(ours)s），重复记录的白名单记录（%(theirs)s）未转入，"
        "其变更历史并入保留记录。"
    ) % {
        "ours": f"{ours.get_status_display()}·{ours.get_tier_display()}",
        "theirs": f"{theirs.get_status_display()}·{theirs.get_tier_display()}",
    }
    theirs.delete()
    return note


def _move_two_party(model, survivor, duplicate, sides: tuple, same: tuple = ()) -> tuple:
    """Move a two-party row (supply link, pairing) from the duplicate to the survivor, skipping
    one that would link the survivor to itself or repeat a row it already has; a skipped row
    stays with the duplicate as its history. Returns (moved, skipped)."""
    moved = skipped = 0
    for side, far in (sides, sides[::-1]):
        for row in model.objects.filter(**{side: duplicate}):
            far_id = getattr(row, f"{far}_id")
            clash = model.objects.filter(
                **{side: survivor, f"{far}_id": far_id}, **{f: getattr(row, f) for f in same}
            ).exists()
            if far_id == survivor.pk or clash:
                skipped += 1
                continue
            setattr(row, side, survivor)
            row.save(update_fields=[side])
            moved += 1
    return moved, skipped


@transaction.atomic
def merge_enterprises(survivor, duplicate, *, actor, reason: str) -> Enterprise:
    """WL-01: merge a unit registered twice. Every row of the duplicate moves to the survivor
    (facts, applications, whitelist entry and changes, supply links, pairings, proposals, spot
    checks, responsibilities, self-assessments, role grants, accounts, park members); the
    duplicate stays as history pointing at the survivor (``merged_into``)."""
    for unit in (survivor, duplicate):
        if not can(actor, Enterprise, "merge", obj=unit):
            raise PermissionDenied(_("您无权合并该单位的记录。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明合并理由。")})
    locked = {
        e.pk: e
        for e in Enterprise.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])
    }
    survivor, duplicate = locked[survivor.pk], locked.get(duplicate.pk, duplicate)
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("不能把记录合并到它自己。"))
    if survivor.credit_code != duplicate.credit_code:
        raise ValidationError(_("只能合并统一社会信用代码相同的记录。"))
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(_("已合并的记录不能再参与合并。"))
    members = Enterprise.objects.filter(park=duplicate)
    if members.exists() and not survivor.is_park:
        raise ValidationError(_("重复记录有成员单位，保留记录须为园区或保税区。"))

    counts = {"facts": _move_facts(survivor, duplicate)}
    counts["applications"] = WhitelistApplication.objects.filter(enterprise=duplicate).update(
        enterprise=survivor
    )
    whitelist_note = _move_whitelist(survivor, duplicate)
    counts["supply_links"], counts["supply_links_skipped"] = _move_two_party(
        SupplyLink, survivor, duplicate, ("enterprise", "partner"), same=("kind",)
    )
    counts["pairings"], counts["pairings_skipped"] = _move_two_party(
        Pairing, survivor, duplicate, ("unit", "partner")
    )
    for proposal in InclusionProposal.objects.filter(enterprise=duplicate):
        if InclusionProposal.objects.filter(enterprise=survivor, link=proposal.link_id).exists():
            continue  # the survivor was already proposed for the same link
        proposal.enterprise = survivor
        proposal.save(update_fields=["enterprise"])
    InclusionProposal.objects.filter(because_of=duplicate).update(because_of=survivor)
    counts["spot_checks"] = SpotCheck.objects.filter(enterprise=duplicate).update(
        enterprise=survivor
    )
    # one row per party: the survivor's own named persons stay; the duplicate's fill the gaps
    counts["responsibilities"] = (
        Responsibility.objects.filter(enterprise=duplicate)
        .exclude(party__in=survivor.responsibilities.values("party"))
        .update(enterprise=survivor)
    )
    counts["self_assessments"] = SelfAssessment.objects.filter(enterprise=duplicate).update(
        enterprise=survivor
    )
    counts["role_grants"] = RoleGrant.objects.filter(enterprise=duplicate).update(
        enterprise=survivor
    )
    User.objects.filter(enterprise=duplicate).update(enterprise=survivor)
    counts["park_members"] = members.update(park=survivor)
    _rescope(survivor)

    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    note = reason + (f"\n{whitelist_note}" if whitelist_note else "")
    audit.record(
        "enterprise.merge",
        actor=actor,
        obj=survivor,
        changes={"merged": [None, duplicate.pk], **{k: [0, v] for k, v in counts.items()}},
        note=note,
    )
    audit.record(
        "enterprise.merged_into",
        actor=actor,
        obj=duplicate,
        changes={"merged_into": [None, survivor.pk]},
        note=note,
    )
    # policies: re-match on fact change
    from sibao.policies.matching import facts_changed

    facts_changed([survivor.pk, duplicate.pk])
    return survivor


# --- import and export ---------------------------------------------------------------------------


@transaction.atomic
def import_enterprises(data: bytes, filename: str, *, actor) -> list[Enterprise]:
    """WL-01: register the units of an .xlsx or .csv file, all rows or none. Any problem — the
    columns, a row's values, a duplicate inside the file or in the registry, a region or industry
    outside the actor's scope — refuses the whole file with every problem listed
    (``ImportRefused``) and writes nothing."""
    from sibao.enterprises import imports

    if not can(actor, Enterprise, "add"):
        raise PermissionDenied(_("您的角色无权登记企业（项目）。"))
    table = imports.read_table(data, filename)
    units, errors = imports.validate_rows(table, actor=actor)
    if errors:
        raise ImportRefused(
            _("文件中有 %(errors)d 处错误，未导入任何记录。请修改后重新上传整个文件。")
            % {"errors": len(errors)},
            errors,
            rows=len(table.rows),
        )
    if not units:
        raise ImportRefused(_("文件中没有数据行。"))
    created = Enterprise.objects.bulk_create(units, batch_size=500)
    by_kind = {}
    for unit in created:
        by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
    audit.record(
        "enterprise.import",
        actor=actor,
        changes={
            "created": [0, len(created)],
            **{f"created_{k}": [0, v] for k, v in sorted(by_kind.items())},
        },
        note=_("文件“%(name)s”，%(rows)d 行，全部导入。")
        % {"name": filename, "rows": len(table.rows)},
        region_code=_common_prefix(u.region_id for u in created) or "41",
    )
    # policies: re-match on fact change
    from sibao.policies.matching import facts_changed

    facts_changed([u.pk for u in created])
    return created


@transaction.atomic
def record_export(*, actor, rows: int, filters: dict, file_format: str) -> None:
    """WL-01: the audit row of a registry export (who took how many rows, with which filters)."""
    if not can(actor, Enterprise, "export"):
        raise PermissionDenied(_("您的角色无权导出企业名录。"))
    grants_regions = [g.region_id for g in actor.active_grants()]
    audit.record(
        "enterprise.export",
        actor=actor,
        changes={"rows": [0, rows]},
        note=_("导出 %(format)s，筛选条件：%(filters)s")
        % {
            "format": file_format,
            "filters": ", ".join(f"{k}={v}" for k, v in sorted(filters.items()) if v) or "—",
        },
        region_code=_common_prefix(grants_regions) or "41",
    )
