"""Reads behind the tracing pages (EPI-07): a job's contacts ordered by unit and team, with the
identity from the rosters (name and masked numbers of the roster row of the unit where the contact
happened, else of any roster; people off every roster by a short key), the place as the space's
full path, whom they met, and the per-unit counts. Each helper reads in a fixed number of queries
whatever the page size."""

from collections import defaultdict

from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.core.personal import decrypt
from sibao.enterprises.models import Enterprise
from sibao.epidemic.models import StaffMember
from sibao.places.models import Space, TracingContact

__all__ = ["contacts_queryset", "decorate", "unit_summary", "export_rows", "short_key"]


def short_key(key: str) -> str:
    return _("人员%(key)s") % {"key": key[:8]}


def contacts_queryset(job):
    """The job's contacts with the team of their roster row in the unit where the contact
    happened (blank when they are not on that unit's roster or on no team), ordered by unit,
    team (the blank last), level and time."""
    team = StaffMember.objects.filter(
        person_key=OuterRef("person_key"), enterprise_id=OuterRef("enterprise_id")
    ).order_by("-is_active", "pk")
    return (
        TracingContact.objects.filter(job=job)
        .annotate(team=Coalesce(Subquery(team.values("team")[:1]), Value("")))
        # people on no team of the unit's roster come after the unit's teams
        .annotate(no_team=Case(When(team="", then=Value(1)), default=Value(0)))
        .order_by("enterprise_id", "no_team", "team", "level", "overlap_from", "pk")
    )


def _rosters(keys) -> dict:
    """Roster rows by person key, active rows and older rows first."""
    found = defaultdict(list)
    for staff in StaffMember.objects.filter(person_key__in=set(keys)).order_by("-is_active", "pk"):
        found[staff.person_key].append(staff)
    return found


def _roster_row(rosters, person_key, enterprise_id):
    rows = rosters.get(person_key, [])
    for staff in rows:
        if staff.enterprise_id == enterprise_id:
            return staff
    return rows[0] if rows else None


def _space_paths(space_ids) -> dict[int, str]:
    """The full path of each space: "一号厂区 / 一号楼 / 冲压车间"."""
    spaces = dict(Space.objects.filter(pk__in=set(space_ids)).values_list("pk", "path"))
    ancestors = {int(part) for path in spaces.values() for part in path.split("/") if part}
    names = dict(Space.objects.filter(pk__in=ancestors).values_list("pk", "name"))
    return {
        pk: " / ".join(names.get(int(part), "?") for part in path.split("/") if part)
        for pk, path in spaces.items()
    }


def decorate(contacts, job) -> list:
    """Attach to each contact: ``staff`` (the roster row or None), ``label`` (name and masked ID,
    or a short key), ``unit_name``, ``place`` (space path), ``via_label``, ``overlap_minutes``."""
    contacts = list(contacts)
    via_keys = {c.via_person_key for c in contacts}
    rosters = _rosters({c.person_key for c in contacts} | via_keys)
    paths = _space_paths(c.space_id for c in contacts)
    units = dict(
        Enterprise.objects.filter(pk__in={c.enterprise_id for c in contacts}).values_list(
            "pk", "name"
        )
    )
    cases = dict(zip(job.case_keys, job.case_labels, strict=False))
    for contact in contacts:
        staff = _roster_row(rosters, contact.person_key, contact.enterprise_id)
        contact.staff = staff
        contact.on_unit_roster = staff is not None and staff.enterprise_id == contact.enterprise_id
        contact.label = (
            f"{staff.name}（{staff.id_masked}）" if staff else short_key(contact.person_key)
        )
        contact.unit_name = units.get(contact.enterprise_id, f"#{contact.enterprise_id}")
        contact.place = paths.get(contact.space_id, f"#{contact.space_id}")
        if contact.via_person_key in cases:
            contact.via_label = _("病例 %(label)s") % {"label": cases[contact.via_person_key]}
        else:
            via = _roster_row(rosters, contact.via_person_key, contact.enterprise_id)
            contact.via_label = (
                _("密接 %(name)s") % {"name": via.name}
                if via
                else _("密接 %(key)s") % {"key": short_key(contact.via_person_key)}
            )
        contact.overlap_minutes = round(contact.overlap_seconds / 60)
    return contacts


def unit_summary(job) -> list[dict]:
    """Close and secondary contacts per unit (the unit where the contact happened), most first."""
    rows = (
        TracingContact.objects.filter(job=job)
        .values("enterprise_id")
        .annotate(
            close=Count("pk", filter=Q(level=TracingContact.Level.CLOSE)),
            secondary=Count("pk", filter=Q(level=TracingContact.Level.SECONDARY)),
            total=Count("pk"),
        )
        .order_by("-total", "enterprise_id")
    )
    rows = list(rows)
    names = dict(
        Enterprise.objects.filter(pk__in={r["enterprise_id"] for r in rows}).values_list(
            "pk", "name"
        )
    )
    for row in rows:
        row["name"] = names.get(row["enterprise_id"], f"#{row['enterprise_id']}")
    return rows


EXPORT_HEADER = [  # lazy: translated when written
    gettext_lazy("判定"),
    gettext_lazy("单位"),
    gettext_lazy("班组"),
    gettext_lazy("姓名"),
    gettext_lazy("身份证号码"),
    gettext_lazy("手机号码"),
    gettext_lazy("接触场所"),
    gettext_lazy("场所码编号"),
    gettext_lazy("区划代码"),
    gettext_lazy("接触对象"),
    gettext_lazy("接触开始"),
    gettext_lazy("接触结束"),
    gettext_lazy("累计接触时长（分钟）"),
    gettext_lazy("接触次数"),
    gettext_lazy("人员标识"),
]


def export_rows(job, clear_ids: set[int], chunk_size: int = 1000):
    """The export's rows, unit by unit and team by team; ID number and phone in clear for the
    contacts whose ids are in ``clear_ids`` (decrypted from the roster row), masked otherwise.
    Yields (cells, whether in clear); reads in chunks so memory stays flat for large jobs."""
    from django.utils import timezone

    levels = dict(TracingContact.Level.choices)
    queryset = contacts_queryset(job)
    total = queryset.count()
    for start in range(0, total, chunk_size):
        for c in decorate(queryset[start : start + chunk_size], job):
            staff = c.staff
            clear = c.pk in clear_ids and staff is not None
            if staff is None:
                id_text = phone = ""
            elif clear:
                id_text, phone = decrypt(staff.id_encrypted), decrypt(staff.phone_encrypted)
            else:
                id_text, phone = staff.id_masked, staff.phone_masked
            cells = [
                str(levels.get(c.level, c.level)),
                c.unit_name,
                c.team or ("" if c.on_unit_roster else _("非本单位在册人员")),
                staff.name if staff else "",
                id_text,
                phone,
                c.place,
                c.place_code_id,
                c.region_code,
                c.via_label,
                timezone.localtime(c.overlap_from).strftime("%Y-%m-%d %H:%M:%S"),
                timezone.localtime(c.overlap_to).strftime("%Y-%m-%d %H:%M:%S"),
                round(c.overlap_seconds / 60, 1),
                c.contacts,
                c.person_key[:16],
            ]
            yield cells, clear
