"""Reads over rosters (EPI-01, EPI-03, EPI-12, EPI-17): a person's 两码一证 and certificate,
overdue counts for the unit panel, the code-protection list and the vaccination aggregate.

Windows and "overdue" are the compliance area's (``epidemic.compliance``): one rule, used here.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.core import rules
from sibao.enterprises.models import WhitelistStatus
from sibao.epidemic import compliance
from sibao.epidemic.models import PersonStatus, PostClass, StaffMember
from sibao.regions.models import Region

# --- 两码一证 and the certificate (EPI-03) ---------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """A person's 两码一证 as the staff page shows it."""

    status: PersonStatus | None
    last_negative_at: datetime.datetime | None
    window_hours: int
    is_valid: bool
    valid_until: datetime.datetime | None


def certificate(staff: StaffMember, ruleset=None, now=None, scope=None) -> Certificate:
    """The person's current status (one query by person key) and whether their certificate is
    valid now, by the compliance area's window (post class, emergency or closed loop)."""
    ruleset = ruleset or rules.current()
    now = now or timezone.now()
    scope = compliance.emergency_scope() if scope is None else scope
    return Certificate(
        status=PersonStatus.objects.filter(person_key=staff.person_key).first(),
        last_negative_at=staff.last_negative_at,
        window_hours=compliance.window_for(staff, ruleset, scope),
        is_valid=compliance.certificate_valid(staff, now, ruleset, scope),
        valid_until=compliance.deadline_for(staff, ruleset, scope),
    )


def overdue_q(ruleset=None, now=None) -> Q:
    """Active staff without a negative sample within their window (the compliance area's rule;
    an index range scan on ``staff_overdue_*``, never a scan of test history)."""
    return compliance.overdue_q(
        now or timezone.now(), ruleset or rules.current(), compliance.emergency_scope()
    )


def overdue_flag(ruleset=None, now=None):
    """``overdue_q`` as a column, for marking the rows of a list in the same query."""
    return ExpressionWrapper(overdue_q(ruleset, now), output_field=BooleanField())


def unit_panel(queryset, ruleset=None, now=None) -> dict:
    """Counts for a unit's roster panel in one query: active staff by post class and category,
    overdue, in the quiet period."""
    ruleset = ruleset or rules.current()
    today = timezone.localdate()
    active = Q(is_active=True)
    return queryset.aggregate(
        total=Count("pk", filter=active),
        ordinary=Count("pk", filter=active & Q(post_class=PostClass.ORDINARY)),
        mobile=Count("pk", filter=active & Q(post_class=PostClass.MOBILE)),
        logistics=Count("pk", filter=active & ~Q(category="employee")),
        overdue=Count("pk", filter=overdue_q(ruleset, now)),
        quiet=Count("pk", filter=active & Q(quiet_until__gte=today)),
        inactive=Count("pk", filter=Q(is_active=False)),
    )


def quiet_until(joined_on, ruleset=None, today=None):
    """EPI-16: a new entrant's quiet period ends ``quiet_period_days`` after they joined; an
    entrant whose period has already run out gets none."""
    if joined_on is None:
        return None
    ruleset = ruleset or rules.current()
    today = today or timezone.localdate()
    until = joined_on + datetime.timedelta(days=ruleset["quiet_period_days"])
    return until if until >= today else None


# --- code protection (EPI-12) ----------------------------------------------------------------------


def protection_reason(last_result: str | None, contact_level: str | None) -> tuple[bool, str]:
    """D2 三(二): staff of a whitelisted unit are exempt from red and yellow codes, except
    positives, close contacts and secondary contacts. (protected, reason)."""
    if last_result == "positive":
        return False, _("核酸检测阳性，不予赋码保护")
    if contact_level == "close":
        return False, _("密接，不予赋码保护")
    if contact_level == "secondary":
        return False, _("次密接，不予赋码保护")
    return True, _("白名单单位在册人员，免予赋红黄码")


def _listed() -> Q:
    """Staff of a listed unit, or of a member of a listed park or bonded zone (the park's entry
    covers its members, WL-02)."""
    return Q(enterprise__whitelist_entry__status=WhitelistStatus.LISTED) | Q(
        enterprise__park__whitelist_entry__status=WhitelistStatus.LISTED
    )


def protection_queryset(user, action: str = "view"):
    """EPI-12: the active staff of whitelisted units that ``user`` may ``action``, each with the
    person's last result and contact level and ``is_protected`` (filterable in the database)."""
    statuses = PersonStatus.objects.filter(person_key=OuterRef("person_key"))
    excluded = statuses.filter(
        Q(last_result="positive") | Q(contact_level__in=["close", "secondary"])
    )
    return (
        StaffMember.objects.visible_to(user, action)
        .filter(_listed(), is_active=True, enterprise__merged_into__isnull=True)
        .annotate(
            status_result=Subquery(statuses.values("last_result")[:1]),
            status_contact=Subquery(statuses.values("contact_level")[:1]),
            is_protected=ExpressionWrapper(~Exists(excluded), output_field=BooleanField()),
        )
        .order_by("region_code", "enterprise_id", "pk")
    )


def with_clear_flag(queryset, user):
    """Mark each row the reader may see in clear (the unmask permission reaches it); for a
    reader without unmask anywhere, no row."""
    from sibao.accounts.access import can

    if not can(user, StaffMember, "unmask"):
        return queryset.annotate(clear=Value(False, output_field=BooleanField()))
    reachable = StaffMember.objects.visible_to(user, "unmask").filter(pk=OuterRef("pk"))
    return queryset.annotate(clear=Exists(reachable))


# --- vaccination (EPI-17) ----------------------------------------------------------------------------

GROUPS = ("enterprise", "county", "city")


@dataclass
class VaccinationRow:
    key: str
    name: str
    staff: int
    vaccinated: int
    fully: int
    unknown: int

    @property
    def vaccinated_pct(self) -> float | None:
        return round(100 * self.vaccinated / self.staff, 1) if self.staff else None

    @property
    def fully_pct(self) -> float | None:
        return round(100 * self.fully / self.staff, 1) if self.staff else None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "staff": self.staff,
            "vaccinated": self.vaccinated,
            "fully_vaccinated": self.fully,
            "unknown": self.unknown,
            "vaccinated_pct": self.vaccinated_pct,
            "fully_vaccinated_pct": self.fully_pct,
        }


def vaccination(queryset, by: str = "county", ruleset=None) -> tuple[VaccinationRow, list]:
    """EPI-17 (应接尽接): active staff, vaccinated (at least one dose) and fully vaccinated (the
    rule set's ``vaccine_full_doses``), in total and per unit, county or city; staff whose
    doses are unknown count in the staff total, not as vaccinated. One grouped query."""
    ruleset = ruleset or rules.current()
    full = ruleset["vaccine_full_doses"]
    active = queryset.filter(is_active=True).order_by()
    measures = {
        "staff": Count("pk"),
        "vaccinated": Count("pk", filter=Q(vaccine_doses__gte=1)),
        "fully": Count("pk", filter=Q(vaccine_doses__gte=full)),
        "unknown": Count("pk", filter=Q(vaccine_doses__isnull=True)),
    }
    if by == "enterprise":
        grouped = active.values("enterprise_id", "enterprise__name").annotate(**measures)
        rows = [
            VaccinationRow(
                str(r["enterprise_id"]),
                r["enterprise__name"],
                r["staff"],
                r["vaccinated"],
                r["fully"],
                r["unknown"],
            )
            for r in grouped.order_by("enterprise__name")
        ]
    else:
        length = 4 if by == "city" else 6
        grouped = (
            active.annotate(group=Substr("region_code", 1, length))
            .values("group")
            .annotate(**measures)
        )
        data = list(grouped.order_by("group"))
        names = dict(
            Region.objects.filter(code__in=[r["group"] for r in data]).values_list("code", "name")
        )
        rows = [
            VaccinationRow(
                r["group"],
                names.get(r["group"], r["group"]),
                r["staff"],
                r["vaccinated"],
                r["fully"],
                r["unknown"],
            )
            for r in data
        ]
    total = VaccinationRow(
        "",
        _("合计"),
        sum(r.staff for r in rows),
        sum(r.vaccinated for r in rows),
        sum(r.fully for r in rows),
        sum(r.unknown for r in rows),
    )
    return total, rows
