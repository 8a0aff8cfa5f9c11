"""PLAT-03 (PIPL arts. 45, 47): what the platform holds about one person, for the health office's
export and deletion on request.

A person is found by the person key (HMAC of the ID number); every table that carries it is read
through ``visible_to`` with the ``"rights"`` action of the roster model, so the officer sees and
erases only rows inside the region of a grant that allows personal-data rights: the table's own
scope keys (``Model.scope``) are matched against those grants. ``PersonStatus`` (the current
"两码一证") has no region: it is shown when the person has some row in scope.
"""

import datetime

from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sibao.accounts.access import NOTHING, _grant_q, allowing_grants
from sibao.command.models import Incident, SilentPeriod
from sibao.core import rules
from sibao.core.models import OutboxMessage
from sibao.epidemic.models import (
    AlertStatus,
    ArrivalReport,
    DrugPurchase,
    HealthCodeChange,
    ItineraryChange,
    PersonStatus,
    SentinelAlert,
    StaffMember,
    TestResult,
)
from sibao.logistics.models import Check, Driver, SampleResult, Trip, TripSample
from sibao.places.models import Scan, TracingContact

RIGHTS = "rights"

# (key, model, date field): the tables carrying a person key, as the page lists them. Roster and
# arrival rows keep ciphertext and masked values as well (the export decrypts them).
TABLES = (
    ("roster", StaffMember, "created_at"),
    ("arrivals", ArrivalReport, "reported_at"),
    ("nat_results", TestResult, "sampled_at"),
    ("health_codes", HealthCodeChange, "changed_at"),
    ("itineraries", ItineraryChange, "changed_at"),
    ("drug_purchases", DrugPurchase, "purchased_at"),
    ("sentinel_alerts", SentinelAlert, "raised_at"),
    ("scans", Scan, "entered_at"),
    ("tracing_contacts", TracingContact, "overlap_from"),
    ("incidents", Incident, "opened_at"),
    ("silent_periods", SilentPeriod, "starts_on"),
    ("drivers", Driver, "created_at"),
    ("trip_samples", TripSample, "sampled_at"),
    ("outbox", OutboxMessage, "created_at"),
)

# (key, label, model, list field, date field): rows that name the person in a list of person keys
# among others (the occupants of a checked vehicle or of a trip, the contacts returning with a
# person from a silent period). Erasure takes the person out of the list; the row stays.
LISTS = (
    ("checks_as_occupant", _("核验记录（随车人员）"), Check, "occupant_keys", "at"),
    ("trips_as_occupant", _("行程（随车人员）"), Trip, "occupant_keys", "departed_at"),
    (
        "silent_periods_as_contact",
        _("静默期（一同返岗）"),
        SilentPeriod,
        "contact_keys",
        "starts_on",
    ),
)


def rights_scope(user, model) -> Q:
    """The rows of ``model`` inside the grants of ``user`` that allow personal-data rights."""
    q = NOTHING
    for grant in allowing_grants(user, StaffMember._meta.label_lower, RIGHTS):
        q |= _grant_q(grant, model.scope)
    return q


def held_rows(user, model, key: str):
    """The person's rows of ``model`` the user may act on (rights scope and the model's reads)."""
    return model._default_manager.filter(rights_scope(user, model), person_key=key)


def listing_rows(user, model, field: str, key: str) -> list:
    """The rows of ``model`` in the user's rights scope whose list ``field`` names the person.

    A text match on the stored list narrows the rows on every database (a person key is 64 hex
    characters, never part of another); membership is then checked exactly."""
    rows = model._default_manager.filter(rights_scope(user, model), **{f"{field}__icontains": key})
    return [row for row in rows.order_by("pk") if key in (getattr(row, field) or [])]


def holdings(user, key: str) -> list[dict]:
    """Per table: label, count and date range of the person's rows in the officer's scope."""
    result = []
    for name, model, field in TABLES:
        row = held_rows(user, model, key).aggregate(
            count=Count("pk"), first=Min(field), last=Max(field)
        )
        result.append(
            {
                "table": name,
                "label": str(model._meta.verbose_name),
                "count": row["count"],
                "first": _day(row["first"]),
                "last": _day(row["last"]),
            }
        )
    for name, label, model, field, date_field in LISTS:
        dates = [getattr(row, date_field) for row in listing_rows(user, model, field, key)]
        result.append(
            {
                "table": name,
                "label": str(label),
                "count": len(dates),
                "first": _day(min(dates)) if dates else None,
                "last": _day(max(dates)) if dates else None,
            }
        )
    return result


def holds_any(user, key: str) -> bool:
    return any(held_rows(user, model, key).exists() for _name, model, _field in TABLES) or any(
        listing_rows(user, model, field, key) for _n, _l, model, field, _d in LISTS
    )


def person_status(user, key: str):
    """The current status row, only when the person is in the officer's scope at all."""
    if not holds_any(user, key):
        return None
    return PersonStatus.objects.filter(person_key=key).first()


def active_measures(key: str, now=None) -> list[str]:
    """The control measures the person is under, platform-wide (a measure in another region also
    blocks deletion there; only the kinds are returned, never the other region's rows):

    - an open electronic-sentinel alert about the person;
    - an incident naming the person that is still being handled (open or confirmed);
    - a silent period (静默期) the person has not yet returned from;
    - a close or secondary contact determination (tracing contact or the status row) within the
      isolation period (rule ``arrival_isolation_days``, D2 二(四));
    - an arrival report not closed whose expected arrival lies within that period;
    - a checkpoint sample (即采即走) taken within that period whose result has not arrived.
    """
    now = now or timezone.now()
    since = now - datetime.timedelta(days=rules.current()["arrival_isolation_days"])
    found = []
    if SentinelAlert.objects.filter(person_key=key, status=AlertStatus.OPEN).exists():
        found.append("sentinel_alert")
    if Incident.objects.filter(
        person_key=key, status__in=[Incident.Status.OPEN, Incident.Status.CONFIRMED]
    ).exists():
        found.append("incident")
    if SilentPeriod.objects.filter(person_key=key, returned_at__isnull=True).exists():
        found.append("silent_period")
    contact = TracingContact.objects.filter(person_key=key, overlap_to__gte=since).exists()
    contact = (
        contact
        or PersonStatus.objects.filter(person_key=key, contact_at__gte=since)
        .exclude(contact_level="")
        .exists()
    )
    if contact:
        found.append("tracing_contact")
    if (
        ArrivalReport.objects.filter(person_key=key, expected_arrival__gte=since.date())
        .exclude(status="closed")
        .exists()
    ):
        found.append("arrival")
    if TripSample.objects.filter(
        person_key=key, result=SampleResult.PENDING, sampled_at__gte=since
    ).exists():
        found.append("trip_sample")
    return found


def _day(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value
