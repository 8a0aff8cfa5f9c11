"""Staff rosters (EPI-01) with the new entrants' quiet period (EPI-16): adding, editing,
deactivating and importing staff, the audited unmasked read of an ID number, and the audit row
of a code-protection export (EPI-12).

Personal data never leaves these functions in clear except through ``reveal_staff_id`` and the
unmasked export, both audited: audit rows carry the masked values only.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.core import audit, rules
from sibao.core.personal import decrypt, protect_id_number, protect_phone
from sibao.enterprises.actions import ImportRefused
from sibao.epidemic.models import PostClass, StaffCategory, StaffMember

__all__ = [
    "STAFF_FIELDS",
    "RosterImportRefused",
    "add_staff",
    "deactivate_staff",
    "import_roster",
    "reactivate_staff",
    "record_protection_export",
    "reveal_staff_id",
    "update_staff",
]

# What a form or the API may change on a roster row (the ID number is the person: not changeable).
STAFF_FIELDS = (
    "name",
    "phone",
    "category",
    "post_class",
    "team",
    "zone",
    "dormitory",
    "joined_on",
    "vaccine_doses",
)
# The fields an audit row compares, masked values only.
AUDITED = (
    "name",
    "id_masked",
    "phone_masked",
    "category",
    "post_class",
    "team",
    "zone",
    "dormitory",
    "joined_on",
    "quiet_until",
    "vaccine_doses",
    "is_active",
)


class RosterImportRefused(ImportRefused):
    """A roster file refused as a whole; ``row_errors`` list every problem with masked values."""


def _check_unit(actor, enterprise, action: str) -> None:
    """Only a unit's own admin (or a grant covering its region) manages its roster; a merged
    duplicate record keeps no roster of its own."""
    if actor is not None and not covers(
        actor, StaffMember, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(_("您无权管理该单位的员工花名册。"))
    if enterprise.merged_into_id:
        raise ValidationError(_("该单位记录已合并，请在保留记录上管理花名册。"))


def _check_object(actor, staff, action: str) -> None:
    if actor is not None and not can(actor, StaffMember, action, obj=staff):
        raise PermissionDenied(_("您无权修改该人员的信息。"))


def _choice(value, choices, field: str, message: str):
    if value in choices.values:
        return choices(value)
    raise ValidationError({field: message})


def _quiet_until(joined_on, ruleset):
    from sibao.epidemic.queries_roster import quiet_until

    return quiet_until(joined_on, ruleset)


def _sync(rows) -> None:
    """Copy each person's last negative sample onto the new roster rows, so that a person who
    was tested before joining is not listed as overdue (owned by the feeds area)."""
    from sibao.epidemic.status import sync_staff_status

    sync_staff_status(rows)


def _set_phone(staff, value) -> bool:
    """Protect a new phone number (or clear it); whether it differs from the stored one."""
    values = {"phone_encrypted": "", "phone_masked": ""}
    if value:
        try:
            values = protect_phone(value)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    old = decrypt(staff.phone_encrypted) if staff.phone_encrypted else ""
    new = decrypt(values["phone_encrypted"]) if values["phone_encrypted"] else ""
    if old == new:
        return False
    staff.phone_encrypted = values["phone_encrypted"]
    staff.phone_masked = values["phone_masked"]
    return True


def _doses(value):
    from sibao.epidemic.imports_roster import MAX_DOSES

    if value in (None, ""):
        return None
    try:
        doses = int(value)
    except (TypeError, ValueError):
        doses = -1
    if not 0 <= doses <= MAX_DOSES:
        raise ValidationError(
            {"vaccine_doses": _("疫苗接种剂次须为 0 到 %(n)d 的整数。") % {"n": MAX_DOSES}}
        )
    return doses


def _snapshot(staff) -> dict:
    return audit.snapshot(staff, AUDITED)


@transaction.atomic
def add_staff(
    enterprise,
    *,
    actor,
    id_number,
    name,
    phone="",
    category=StaffCategory.EMPLOYEE,
    post_class=PostClass.ORDINARY,
    team="",
    zone="",
    dormitory="",
    joined_on=None,
    vaccine_doses=None,
) -> StaffMember:
    """EPI-01: put one person on a unit's roster. The ID number is validated (checksum and birth
    date; region codes leniently, so functional-zone codes pass) and kept as the person key plus
    the encrypted value; a new entrant gets the quiet period of the rule set (EPI-16)."""
    _check_unit(actor, enterprise, "add")
    try:
        identity = protect_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    phone_values = {"phone_encrypted": "", "phone_masked": ""}
    if phone:
        try:
            phone_values = protect_phone(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    existing = StaffMember.objects.filter(
        enterprise=enterprise, person_key=identity["person_key"]
    ).first()
    if existing is not None:
        raise ValidationError(
            {
                "id_number": _("该人员已在本单位花名册中，不能重复登记。")
                if existing.is_active
                else _("该人员已在本单位花名册中（已停用），请恢复其在岗状态。")
            }
        )
    ruleset = rules.current()
    staff = StaffMember(
        enterprise=enterprise,
        region_code=enterprise.region_id,
        name=(name or "").strip(),
        category=_choice(category, StaffCategory, "category", _("人员类别无效。")),
        post_class=_choice(post_class, PostClass, "post_class", _("岗位类别无效。")),
        team=(team or "").strip(),
        zone=(zone or "").strip(),
        dormitory=(dormitory or "").strip(),
        joined_on=joined_on,
        quiet_until=_quiet_until(joined_on, ruleset),
        vaccine_doses=_doses(vaccine_doses),
        **identity,
        **phone_values,
    )
    staff.full_clean(exclude=["enterprise"], validate_unique=False)
    staff.save()
    _sync([staff])
    audit.record(
        "staff.create",
        actor=actor,
        obj=staff,
        changes={k: [None, v] for k, v in _snapshot(staff).items()},
        rule_version=ruleset.version if staff.quiet_until else None,
    )
    return staff


@transaction.atomic
def update_staff(staff, *, actor, **changes) -> StaffMember:
    """EPI-01: change a person's roster data. The ID number cannot change (a wrong one is
    deactivated and the person added again); a new phone is protected again; a changed entry
    date recomputes the quiet period."""
    _check_object(actor, staff, "change")
    if "id_number" in changes or "person_key" in changes:
        raise ValidationError(
            {"id_number": _("身份证号码不能修改；登记错误的请停用该记录后重新登记。")}
        )
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise ValidationError(
            _("不能设置的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    ruleset = rules.current()
    before = _snapshot(staff)
    joined_before = staff.joined_on
    phone_changed = False
    for name, value in changes.items():
        if name == "phone":
            phone_changed = _set_phone(staff, value)
            continue
        if name == "category":
            value = _choice(value, StaffCategory, "category", _("人员类别无效。"))
        elif name == "post_class":
            value = _choice(value, PostClass, "post_class", _("岗位类别无效。"))
        elif name == "vaccine_doses":
            value = _doses(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(staff, name, value)
    if "joined_on" in changes and staff.joined_on != joined_before:
        staff.quiet_until = _quiet_until(staff.joined_on, ruleset)
    after = _snapshot(staff)
    changed = audit.diff(before, after)
    if not changed and not phone_changed:
        return staff
    staff.full_clean(exclude=["enterprise"], validate_unique=False)
    fields = set(changed)
    if phone_changed:
        # a new number with the same masked form still changes: say so without showing it
        fields |= {"phone_encrypted", "phone_masked"}
        changed.setdefault("phone_masked", [before["phone_masked"], after["phone_masked"]])
    staff.save(update_fields=sorted({*fields, "updated_at"}))
    audit.record(
        "staff.update",
        actor=actor,
        obj=staff,
        changes=changed,
        rule_version=ruleset.version if "quiet_until" in changed else None,
    )
    return staff


@transaction.atomic
def deactivate_staff(staff, *, actor, reason: str = "") -> StaffMember:
    """EPI-01: take a person off duty (left the unit, long leave); the row stays as history and
    drops out of the overdue lists and aggregates."""
    _check_object(actor, staff, "change")
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    if not staff.is_active:
        return staff
    staff.is_active = False
    staff.save(update_fields=["is_active", "updated_at"])
    audit.record(
        "staff.deactivate",
        actor=actor,
        obj=staff,
        changes={"is_active": [True, False]},
        note=(reason or "").strip(),
    )
    return staff


@transaction.atomic
def reactivate_staff(staff, *, actor) -> StaffMember:
    """EPI-01: put a deactivated person back on duty."""
    _check_object(actor, staff, "change")
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    if staff.is_active:
        return staff
    staff.is_active = True
    staff.save(update_fields=["is_active", "updated_at"])
    _sync([staff])
    audit.record("staff.reactivate", actor=actor, obj=staff, changes={"is_active": [False, True]})
    return staff


@transaction.atomic
def import_roster(data: bytes, filename: str, enterprise, *, actor) -> list[StaffMember]:
    """EPI-01: put the people of an .xlsx or .csv file on a unit's roster, all rows or none.
    Any problem — the file's columns, a row's ID number (checksum, birth date), phone, classes,
    dates, a person twice in the file or already on the roster — refuses the whole file with
    every problem listed (``RosterImportRefused``, values masked) and writes nothing. One audit
    row with the counts."""
    from sibao.epidemic import imports_roster as files

    _check_unit(actor, enterprise, "add")
    try:
        table = files.read_table(data, filename)
    except files.Refused as exc:
        message = exc.messages[0]
        raise RosterImportRefused(message, [files.RowError(None, "", "", message)]) from None
    existing = dict(
        StaffMember.objects.filter(enterprise=enterprise).values_list("person_key", "is_active")
    )
    good, errors = files.validate_rows(table, existing)
    if errors:
        raise RosterImportRefused(
            _("文件中有 %(errors)d 处错误，未导入任何人员。请修改后重新上传整个文件。")
            % {"errors": len(errors)},
            errors,
            rows=len(table.rows),
        )
    if not good:
        message = _("文件中没有数据行。")
        raise RosterImportRefused(message, [files.RowError(None, "", "", message)])
    ruleset = rules.current()
    rows = []
    for item in good:
        values = dict(item.values)
        phone = values.pop("phone")
        rows.append(
            StaffMember(
                enterprise=enterprise,
                region_code=enterprise.region_id,
                quiet_until=_quiet_until(values["joined_on"], ruleset),
                **protect_id_number(item.id_number),
                **(protect_phone(phone) if phone else {}),
                **values,
            )
        )
    created = StaffMember.objects.bulk_create(rows, batch_size=500)
    if created and created[0].pk is None:
        # backends without RETURNING ids: read them back for the status copy
        created = list(
            StaffMember.objects.filter(
                enterprise=enterprise, person_key__in=[r.person_key for r in rows]
            )
        )
    _sync(created)
    counts = {"created": [0, len(created)]}
    for field, choices in (("category", StaffCategory), ("post_class", PostClass)):
        for value in choices.values:
            n = sum(1 for r in created if getattr(r, field) == value)
            if n:
                counts[f"{field}_{value}"] = [0, n]
    quiet = sum(1 for r in created if r.quiet_until)
    if quiet:
        counts["quiet_period"] = [0, quiet]
    audit.record(
        "staff.import",
        actor=actor,
        obj=enterprise,
        changes=counts,
        note=_("文件“%(name)s”，%(rows)d 行，全部导入。")
        % {"name": filename, "rows": len(table.rows)},
        rule_version=ruleset.version,
    )
    return created


def reveal_staff_id(staff, *, actor) -> str:
    """EPI-01, PLAT-03: a person's ID number in clear, for a role that may unmask it (the
    health office); every such read writes an audit row."""
    if not can(actor, StaffMember, "unmask", obj=staff):
        raise PermissionDenied(_("无权查看完整身份证号码。"))
    audit.record("staff.unmask", actor=actor, obj=staff, note="id_number")
    return decrypt(staff.id_encrypted)


@transaction.atomic
def record_protection_export(
    *, actor, rows: int, clear_rows: int, file_format: str, filters: dict
) -> None:
    """EPI-12: the audit row of a code-protection list export: who took how many rows, how many
    of them with ID numbers in clear (``.unmask``), with which filters."""
    if not can(actor, StaffMember, "export"):
        raise PermissionDenied(_("您的角色无权导出赋码保护名单。"))
    regions = sorted(g.region_id for g in actor.active_grants())
    audit.record(
        "staff.protection_export.unmask" if clear_rows else "staff.protection_export",
        actor=actor,
        changes={"rows": [0, rows], "clear_rows": [0, clear_rows]},
        note=_("导出 %(format)s，筛选条件：%(filters)s")
        % {
            "format": file_format,
            "filters": ", ".join(f"{k}={v}" for k, v in sorted(filters.items()) if v) or "—",
        },
        region_code=_common_prefix(regions) or "41",
    )


def _common_prefix(codes) -> str:
    codes = list(codes)
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]
