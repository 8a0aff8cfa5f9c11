"""Reads of the trips area (LOG-04): sample states (pending, overdue past
``trip_sample_result_hours``, positive), a trip's positive flag, and the people aboard shown
masked (a driver of the vehicle's company by name and masked ID; anyone else by a short key)."""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.core import rules
from sibao.core.masking import mask_name
from sibao.logistics.models import Driver, SampleResult, TripSample

OVERDUE = "overdue"
SAMPLE_STATE_LABELS = [
    (SampleResult.PENDING, gettext_lazy("待出结果")),
    (OVERDUE, gettext_lazy("超时未出结果")),
    (SampleResult.POSITIVE, gettext_lazy("阳性")),
    (SampleResult.NEGATIVE, gettext_lazy("阴性")),
]


def result_deadline(now=None) -> datetime.datetime:
    """Samples taken before this instant without a result are overdue."""
    now = now or timezone.now()
    return now - datetime.timedelta(hours=rules.current()["trip_sample_result_hours"])


def overdue_q(now=None, prefix: str = "") -> Q:
    return Q(**{f"{prefix}result": SampleResult.PENDING}) & Q(
        **{f"{prefix}sampled_at__lt": result_deadline(now)}
    )


def sample_state(sample, deadline) -> str:
    """ "pending", "overdue", "negative" or "positive" of one sample (for badges)."""
    if sample.result == SampleResult.PENDING and sample.sampled_at < deadline:
        return OVERDUE
    return sample.result


def filter_state(queryset, state: str, now=None):
    """Samples in one state; "pending" means still within the deadline."""
    if state == OVERDUE:
        return queryset.filter(overdue_q(now))
    if state == SampleResult.PENDING:
        return queryset.filter(result=SampleResult.PENDING, sampled_at__gte=result_deadline(now))
    if state in (SampleResult.NEGATIVE, SampleResult.POSITIVE):
        return queryset.filter(result=state)
    return queryset


def with_flags(trips):
    """Trips annotated with ``has_positive`` and ``has_pending`` (one subquery each)."""
    samples = TripSample.objects.filter(trip=OuterRef("pk"))
    return trips.annotate(
        has_positive=Exists(samples.filter(result=SampleResult.POSITIVE)),
        has_pending=Exists(samples.filter(result=SampleResult.PENDING)),
    )


def people_labels(keys, owner_id) -> dict[str, str]:
    """Person key → a masked label: a registered driver of the vehicle's company as
    "张** 410***********1234", anyone else as "人员 1a2b3c4d"."""
    drivers = {
        d.person_key: f"{mask_name(d.name)} {d.id_masked}"
        for d in Driver.objects.filter(owner_id=owner_id, person_key__in=list(keys))
    }
    return {key: drivers.get(key) or _("人员 %(key)s") % {"key": key[:8]} for key in keys}
