"""What the unit-level rules monitor: the whitelisted units (D1 一(三)3 "对白名单企业（项目）…实行
全程监测预警"), read from their whitelist entries, which carry the unit's region code and industry
(the scope keys every warning copies)."""

import datetime

from django.db.models import Subquery
from django.utils import timezone

from sibao.enterprises.models import WhitelistEntry, WhitelistStatus

UNIT_FIELDS = ("enterprise_id", "enterprise__name", "region_code", "industry_id")


def listed_entries(units=None, *, listed_before=None):
    """Entries of the units on the list now (merged records excluded); ``units``: only these
    enterprise ids; ``listed_before``: only units listed before that moment (a grace period)."""
    entries = WhitelistEntry.objects.filter(
        status=WhitelistStatus.LISTED, enterprise__merged_into__isnull=True
    )
    if listed_before is not None:
        entries = entries.filter(listed_at__lt=listed_before)
    if units is not None:
        entries = entries.filter(enterprise_id__in=sorted(units))
    return entries


def listed_ids(units=None):
    """A subquery of the listed units' ids (for ``enterprise_id__in=``)."""
    return Subquery(listed_entries(units).values("enterprise_id"))


def narrowed(queryset, units, field="enterprise_id"):
    """``queryset`` narrowed to ``units`` when given (the event hooks check one unit)."""
    if units is None:
        return queryset
    return queryset.filter(**{f"{field}__in": sorted(units)})


def province_today(now) -> datetime.date:
    return timezone.localdate(now, timezone.get_default_timezone())


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


def unit_subject(enterprise_id) -> str:
    return f"unit:{enterprise_id}"


def local_text(value) -> str:
    """A moment as the province reads it (``YYYY-MM-DD HH:MM``, Asia/Shanghai)."""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None
