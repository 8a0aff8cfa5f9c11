"""PLAT-03 (PIPL arts. 45, 47): a person's rights over their data, exercised through the health
office: the export of everything held about the person and the deletion on request.

Both act on the rows inside the officer's rights scope (``queries_rights``). Audit rows carry
counts per table only, never the ID number (not even masked) nor the person key.
"""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import allowing_grants, can
from sibao.core import audit
from sibao.core.audit import _plain
from sibao.core.personal import decrypt, normalise_id_number, person_key
from sibao.epidemic import queries_rights as q
from sibao.epidemic.models import PersonStatus, StaffMember

__all__ = ["MEASURE_LABELS", "erase_person", "export_person", "find_person"]

MEASURE_LABELS = {
    "sentinel_alert": gettext_lazy("有未处置的电子哨点预警"),
    "incident": gettext_lazy("涉及处置中的应急事件"),
    "silent_period": gettext_lazy("处于静默期"),
    "tracing_contact": gettext_lazy("处于密接（次密接）管控期"),
    "arrival": gettext_lazy("来（返）豫报备尚在管理期内"),
    "trip_sample": gettext_lazy("即采即走采样结果未出"),
}
# Fields never written to an export: the key links the person across tables, ciphertext is
# replaced by the decrypted (or masked) value.
# Lists of person keys name other people too: never exported.
_HIDDEN = {
    "person_key",
    "via_person_key",
    "id_encrypted",
    "phone_encrypted",
    "dedupe_key",
    "occupant_keys",
    "contact_keys",
}


def _check(actor) -> None:
    if not can(actor, StaffMember, q.RIGHTS):
        raise PermissionDenied(_("您无权办理个人信息权利请求。"))


def find_person(actor, id_number: str) -> str:
    """The person key of a full ID number (ValidationError when the number is not valid)."""
    _check(actor)
    return person_key(normalise_id_number(id_number))


def _region_of(actor) -> str | None:
    grants = allowing_grants(actor, StaffMember._meta.label_lower, q.RIGHTS)
    return grants[0].region_id if grants else None


def _row(obj, clear: bool) -> dict:
    data = {}
    for field in obj._meta.concrete_fields:
        name = field.attname
        if name in _HIDDEN:
            continue
        data[name] = _plain(getattr(obj, name))
    if clear:
        for cipher, label in (("id_encrypted", "id_number"), ("phone_encrypted", "phone")):
            value = getattr(obj, cipher, None)
            if value:
                data[label] = decrypt(value)
    return data


def export_person(actor, key: str) -> dict:
    """Everything held about the person in the officer's scope, as JSON-ready data; ID numbers
    and phones in clear when the officer may unmask roster data (the read is audited as an
    unmask), masked otherwise."""
    _check(actor)
    if not q.holds_any(actor, key):
        raise PermissionDenied(_("您的管辖范围内没有该人员的信息。"))
    clear = can(actor, StaffMember, "unmask")
    tables, counts = {}, {}
    for name, model, _field in q.TABLES:
        rows = [_row(obj, clear) for obj in q.held_rows(actor, model, key).order_by("pk")]
        tables[name] = rows
        counts[name] = len(rows)
    for name, _label, model, field, _date in q.LISTS:
        rows = [_row(obj, clear) for obj in q.listing_rows(actor, model, field, key)]
        tables[name] = rows
        counts[name] = len(rows)
    status = PersonStatus.objects.filter(person_key=key).first()
    tables["status"] = [_row(status, clear)] if status else []
    counts["status"] = len(tables["status"])
    audit.record(
        "person.export.unmask" if clear else "person.export",
        actor=actor,
        changes={"counts": counts},
        region_code=_region_of(actor),
    )
    return {"exported_at": timezone.now().isoformat(), "unmasked": clear, "tables": tables}


def _anonymise(person) -> None:
    """A roster or driver row without the person: no name, ID or phone, a fresh random key."""
    person.person_key = f"erased-{uuid.uuid4().hex}"
    person.id_encrypted = ""
    person.id_masked = ""
    person.name = _("（已删除）")
    person.phone_encrypted = ""
    person.phone_masked = ""
    person.is_active = False
    if hasattr(person, "last_negative_at"):
        person.last_negative_at = None
    if hasattr(person, "on_whitelist"):
        person.on_whitelist = False
    person.save()


def erase_person(actor, key: str, *, now=None) -> dict:
    """Delete the person's event rows and anonymise their roster rows (and the references other
    rows keep), in one transaction, when no control measure is active; ``{table: count}``.

    Deleted: arrival reports, NAT results, health-code, itinerary and drug-purchase events,
    closed sentinel alerts, scans, tracing contacts, checkpoint samples, outbox messages;
    anonymised: roster and driver rows (name, ID, phone cleared, a fresh random key, inactive),
    closed incidents and finished silent periods (the person key and staff link cleared), other
    contacts' "met whom"; the person is taken out of the occupant lists of checks and trips and the
    contact lists of silent periods. The status row goes when no row of the person is left
    anywhere.
    """
    _check(actor)
    if not q.holds_any(actor, key):
        raise PermissionDenied(_("您的管辖范围内没有该人员的信息。"))
    measures = q.active_measures(key, now=now)
    if measures:
        raise ValidationError(
            _("该人员仍处于管控措施中，不能删除其个人信息：%(measures)s。")
            % {"measures": "；".join(str(MEASURE_LABELS[m]) for m in measures)}
        )
    counts = {}
    with transaction.atomic():
        for name, model, _field in q.TABLES:
            rows = q.held_rows(actor, model, key)
            if name in ("roster", "drivers"):
                counts[name] = 0
                for person in rows.select_for_update():
                    _anonymise(person)
                    counts[name] += 1
            elif name in ("incidents", "silent_periods"):
                counts[name] = rows.update(person_key="", staff=None)
            else:
                counts[name] = rows.delete()[0] if rows.exists() else 0
        for name, _label, model, field, _date in q.LISTS:
            counts[name] = 0
            for row in q.listing_rows(actor, model, field, key):
                remaining = [k for k in getattr(row, field) if k != key]
                model._default_manager.filter(pk=row.pk).update(**{field: remaining})
                counts[name] += 1
        from sibao.places.models import TracingContact

        counts["tracing_contacts_via"] = TracingContact.objects.filter(
            q.rights_scope(actor, TracingContact), via_person_key=key
        ).update(via_person_key="")
        left = any(
            model._default_manager.filter(person_key=key).exists() for _n, model, _f in q.TABLES
        )
        counts["status"] = 0 if left else PersonStatus.objects.filter(person_key=key).delete()[0]
        audit.record(
            "person.erase",
            actor=actor,
            changes={"counts": counts},
            note=_("应本人请求删除个人信息"),
            region_code=_region_of(actor),
        )
    return counts
