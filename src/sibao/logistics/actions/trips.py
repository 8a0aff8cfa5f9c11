"""Writes of the trips area (LOG-04): closed-loop point-to-point freight, "即采即走即追".

- ``start_trip``: the vehicle's company (or a unit for its own vehicle) starts a trip on an
  approved pass inside its validity; the occupants are given as ID numbers and kept as person keys
  only (none given: the pass's drivers). One trip en route per pass.
- ``arrive``: the destination unit or the company records the arrival; a trip whose samples are
  all negative (or that has none) is then closed (闭环).
- ``take_samples``: a checkpoint officer records the samples taken at a check (即采) and lets the
  truck go (即走); the samples join the pass's trip en route, if any.
- ``on_test_results``: NAT results matched to pending samples by person key and sample time (the
  tube code when the laboratory's sample number is the tube); a negative closes the sample, a
  positive is recorded and alerts once (即追): the destination unit's admins and liaison cadres,
  and the HQ offices of the regions of the checkpoints the trip passed. ``chase_results`` is the
  epidemic app's listener of stored NAT batches (registered in ``LogisticsConfig.ready``).

``actor=None`` is the platform itself (the NAT feed, commands, the demo seed) and skips the
permission checks. Every action takes ``now=None`` (default ``timezone.now()``).
"""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sibao.accounts.access import can, covers
from sibao.accounts.roles import Role
from sibao.command import recipients
from sibao.command.actions.escalation import headquarters_for
from sibao.core import audit
from sibao.core.i18n import stored
from sibao.core.notifications import notify
from sibao.core.personal import person_key
from sibao.logistics.models import (
    Check,
    PassStatus,
    SampleResult,
    Trip,
    TripSample,
    TripStatus,
    VehiclePass,
)

__all__ = [
    "SAMPLE_MATCH_WINDOW",
    "arrive",
    "chase_results",
    "on_test_results",
    "record_trips_export",
    "start_trip",
    "take_samples",
    "trip_checkpoints",
]

# How far a laboratory's sample time may lie from the time the checkpoint recorded the sample and
# still be the same sample: clocks of a roadside app and a laboratory system differ, and the lab
# may log the time the tube was registered. Not a policy (the result deadline is the rule
# ``trip_sample_result_hours``).
SAMPLE_MATCH_WINDOW = datetime.timedelta(hours=3)
MAX_TUBE_CODE = 40


def _now(now):
    return now or timezone.now()


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- trips ---------------------------------------------------------------------------------------


def _occupant_keys(occupants, today) -> list[str]:
    """ID numbers typed by the company → person keys (in order, without repeats); a bad number
    is named by its position, never echoed."""
    keys = []
    for index, value in enumerate(occupants, start=1):
        if not str(value or "").strip():
            continue
        try:
            key = person_key(value, today)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "occupants": _("第 %(n)s 位随车人员：%(reason)s")
                    % {"n": index, "reason": exc.messages[0]}
                }
            ) from None
        if key not in keys:
            keys.append(key)
    return keys


def _check_may_start(actor, vehicle_pass) -> None:
    if actor is None:
        return
    owners = {vehicle_pass.vehicle.owner_id, vehicle_pass.company_id}
    if not any(
        covers(
            actor,
            Trip,
            "add",
            region_code=vehicle_pass.origin_region_code,
            enterprise_id=owner,
        )
        for owner in owners
    ):
        raise PermissionDenied(_("只有车辆所属企业可以登记该通行证的运输行程。"))


def _check_pass_valid(vehicle_pass, now) -> None:
    if vehicle_pass.status != PassStatus.APPROVED:
        raise ValidationError(
            _("通行证状态为“%(status)s”，只有已核发的通行证可以登记行程。")
            % {"status": vehicle_pass.get_status_display()}
        )
    if not vehicle_pass.valid_from <= now <= vehicle_pass.valid_until:
        raise ValidationError(
            _("通行证有效期为 %(start)s 至 %(end)s，当前不在有效期内。")
            % {"start": _when(vehicle_pass.valid_from), "end": _when(vehicle_pass.valid_until)}
        )
    if not vehicle_pass.vehicle.is_active:
        raise ValidationError(_("该车辆已停用，不能登记行程。"))


@transaction.atomic
def start_trip(vehicle_pass, *, actor, route="", occupants=(), now=None) -> Trip:
    """LOG-04: a trip from the pass's origin by ``route`` to its destination unit, departing now.
    ``occupants``: ID numbers of the people aboard (kept as person keys only); none given → the
    pass's drivers."""
    now = _now(now)
    _check_may_start(actor, vehicle_pass)
    vehicle_pass = (
        VehiclePass.objects.select_for_update().select_related("vehicle").get(pk=vehicle_pass.pk)
    )
    _check_pass_valid(vehicle_pass, now)
    route = (route or "").strip()
    if len(route) > Trip._meta.get_field("route").max_length:
        raise ValidationError({"route": _("途经道路过长（最多 200 字）。")})
    keys = _occupant_keys(occupants, timezone.localdate(now))
    if not keys:
        keys = list(vehicle_pass.drivers.values_list("person_key", flat=True).order_by("id"))
    if not keys:
        raise ValidationError({"occupants": _("请登记随车人员（驾驶员、押运员）的身份证号码。")})
    if vehicle_pass.trips.filter(status=TripStatus.EN_ROUTE).exists():
        raise ValidationError(_("该通行证已有在途行程，请先登记到达。"))
    trip = Trip.objects.create(
        vehicle_pass=vehicle_pass,
        vehicle=vehicle_pass.vehicle,
        destination_unit_id=vehicle_pass.served_unit_id,
        origin=vehicle_pass.origin,
        route=route,
        destination=vehicle_pass.destination,
        departed_at=now,
        occupant_keys=keys,
        created_by=_user(actor),
        region_code=vehicle_pass.destination_region_code,
        origin_region_code=vehicle_pass.origin_region_code,
    )
    audit.record(
        "logistics.trip.start",
        actor=actor,
        obj=trip,
        changes={"pass": vehicle_pass.number, "occupants": len(keys), "route": route},
        enterprise_id=trip.destination_unit_id,
    )
    notify(
        recipients.unit_admins(trip.destination_unit),
        stored(gettext_noop("闭环运输：车辆 %(plate)s 已出发"), plate=trip.vehicle.plate),
        body=stored(
            gettext_noop(
                "车辆 %(plate)s 于 %(when)s 从%(origin)s出发前往本单位（%(destination)s），请做好无接触接收准备。"
            ),
            plate=trip.vehicle.plate,
            when=_when(now),
            origin=trip.origin,
            destination=trip.destination,
        ),
        url=reverse("logistics:trip_detail", args=[trip.pk]),
    )
    return trip


def _close_if_done(trip) -> bool:
    """An arrived trip whose samples all came back negative is closed (闭环)."""
    if trip.status != TripStatus.ARRIVED:
        return False
    if trip.samples.exclude(result=SampleResult.NEGATIVE).exists():
        return False
    trip.status = TripStatus.CLOSED
    trip.save(update_fields=["status"])
    return True


@transaction.atomic
def arrive(trip, *, actor, now=None) -> Trip:
    """LOG-04: the destination unit or the company records the arrival."""
    now = _now(now)
    if actor is not None and not can(actor, Trip, "change", trip):
        raise PermissionDenied(_("只有目的地单位或车辆所属企业可以登记到达。"))
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if trip.status != TripStatus.EN_ROUTE:
        raise ValidationError(_("该行程已登记到达。"))
    if now < trip.departed_at:
        raise ValidationError(_("到达时间不能早于出发时间。"))
    trip.arrived_at = now
    trip.status = TripStatus.ARRIVED
    trip.save(update_fields=["arrived_at", "status"])
    closed = _close_if_done(trip)
    audit.record(
        "logistics.trip.arrive",
        actor=actor,
        obj=trip,
        changes={"status": trip.status, "closed": closed},
        enterprise_id=trip.destination_unit_id,
    )
    return trip


# --- samples -------------------------------------------------------------------------------------


def _clean_samples(samples) -> list[tuple[str, str]]:
    clean, seen = [], set()
    for index, item in enumerate(samples or (), start=1):
        try:
            key, tube = item
        except (TypeError, ValueError):
            raise ValidationError(_("第 %(n)s 份采样记录格式有误。") % {"n": index}) from None
        key, tube = str(key or "").strip(), str(tube or "").strip()
        if not key:
            raise ValidationError(_("第 %(n)s 份采样缺少人员标识。") % {"n": index})
        if len(tube) > MAX_TUBE_CODE:
            raise ValidationError(_("第 %(n)s 份采样的采样管编码过长。") % {"n": index})
        if key in seen:
            raise ValidationError(_("同一人员在一次核验中只能采样一次。"))
        seen.add(key)
        clean.append((key, tube))
    if not clean:
        raise ValidationError(_("请至少登记一份采样。"))
    return clean


def open_trip_of(vehicle_pass):
    """The pass's trip en route, if any."""
    if vehicle_pass is None:
        return None
    return (
        vehicle_pass.trips.filter(status=TripStatus.EN_ROUTE)
        .order_by("-departed_at", "-id")
        .first()
    )


@transaction.atomic
def take_samples(check, *, actor, samples, now=None) -> list[TripSample]:
    """LOG-04 即采即走: the samples a checkpoint officer took at ``check`` — ``samples`` is a list
    of ``(person_key, tube_code)`` — linked to the pass's trip en route, if any. A person already
    sampled at this check keeps their sample (an offline resend adds nothing)."""
    now = _now(now)
    if actor is not None and not covers(actor, TripSample, "add", region_code=check.region_code):
        raise PermissionDenied(_("只有该检查站所在地区的执勤人员可以登记采样。"))
    clean = _clean_samples(samples)
    check = (
        Check.objects.select_for_update(of=("self",))
        .select_related("vehicle_pass")
        .get(pk=check.pk)
    )
    trip = open_trip_of(check.vehicle_pass)
    if trip is not None:
        unit_id = trip.destination_unit_id
    else:
        unit_id = check.vehicle_pass.served_unit_id if check.vehicle_pass else None
    existing = {s.person_key: s for s in check.samples.all()}
    created = []
    for key, tube in clean:
        if key in existing:
            continue
        created.append(
            TripSample.objects.create(
                trip=trip,
                checkpoint_check=check,
                person_key=key,
                tube_code=tube,
                sampled_at=now,
                region_code=check.region_code,
                enterprise_id=unit_id,
            )
        )
    if not check.sampled:
        check.sampled = True
        check.save(update_fields=["sampled"])
    if created:
        audit.record(
            "logistics.trip.sample",
            actor=actor,
            obj=check,
            changes={"samples": len(created), "trip": trip.pk if trip else None},
            region_code=check.region_code,
            enterprise_id=unit_id,
        )
    by_person = {**existing, **{s.person_key: s for s in created}}
    return [by_person[key] for key, _tube in clean]


# --- results (即追) --------------------------------------------------------------------------------


def _match(row, candidates):
    """The pending sample ``row`` (a NAT result) is about: the one whose tube code is the
    laboratory's sample number, else the nearest in time within ``SAMPLE_MATCH_WINDOW``."""
    for sample in candidates:
        if sample.tube_code and sample.tube_code == row.sample_no:
            return sample
    near = [s for s in candidates if abs(s.sampled_at - row.sampled_at) <= SAMPLE_MATCH_WINDOW]
    return min(near, key=lambda s: abs(s.sampled_at - row.sampled_at), default=None)


def on_test_results(rows, *, now=None) -> list[TripSample]:
    """LOG-04 即追: record the results of ``rows`` (stored NAT results: ``person_key``,
    ``sampled_at``, ``sample_no``, ``result``) on the pending samples they match; a positive
    alerts once. Returns the samples that got a result."""
    rows = [row for row in rows if row.result in (SampleResult.NEGATIVE, SampleResult.POSITIVE)]
    if not rows:
        return []
    now = _now(now)
    with transaction.atomic():
        pending = defaultdict(list)
        for sample in (
            TripSample.objects.select_for_update()
            .filter(person_key__in={row.person_key for row in rows}, result=SampleResult.PENDING)
            .order_by("sampled_at", "id")
        ):
            pending[sample.person_key].append(sample)
        done = []
        # positives first: a person with a negative and a positive for one sample time is positive
        for row in sorted(rows, key=lambda r: r.result != SampleResult.POSITIVE):
            sample = _match(row, pending.get(row.person_key, []))
            if sample is None:
                continue
            pending[row.person_key].remove(sample)
            _record_result(sample, row, now)
            done.append(sample)
    return done


def _record_result(sample, row, now) -> None:
    sample.result = row.result
    sample.result_at = now
    fields = ["result", "result_at"]
    if row.result == SampleResult.POSITIVE and sample.alerted_at is None:
        sample.alerted_at = now
        fields.append("alerted_at")
    sample.save(update_fields=fields)
    audit.record(
        "logistics.trip.result",
        obj=sample,
        changes={"result": row.result, "trip": sample.trip_id},
        note=f"{row.lab} {row.sample_no}" if getattr(row, "lab", "") else row.sample_no,
    )
    if sample.trip_id:
        if row.result == SampleResult.NEGATIVE:
            _close_if_done(sample.trip)
    if "alerted_at" in fields:
        _alert_positive(sample)


def trip_checkpoints(trip) -> list:
    """The checks of the trip's pass at checkpoints between departure and arrival (or now), in
    time order, with their checkpoints."""
    checks = Check.objects.filter(vehicle_pass_id=trip.vehicle_pass_id, at__gte=trip.departed_at)
    if trip.arrived_at:
        checks = checks.filter(at__lte=trip.arrived_at)
    return list(checks.select_related("checkpoint", "officer").order_by("at", "id"))


def _hq_offices(region_codes) -> list:
    """The office users of the HQ serving each region (its own, or its city's for a functional
    zone)."""
    users = {}
    for code in sorted(region_codes):
        hq = headquarters_for(code)
        if hq is None:
            continue
        for user in recipients.region_officials(
            hq.region_id, [Role.HQ_OFFICE], levels=[hq.region.level]
        ):
            users.setdefault(user.pk, user)
    return [users[pk] for pk in sorted(users)]


def _alert_positive(sample) -> None:
    """One message about a positive sample to the destination unit's admins and liaison cadres
    and to the HQ offices of the regions of the checkpoints the trip passed."""
    check = Check.objects.select_related("checkpoint", "vehicle_pass__served_unit").get(
        pk=sample.checkpoint_check_id
    )
    trip = sample.trip
    unit = trip.destination_unit if trip else getattr(check.vehicle_pass, "served_unit", None)
    regions = {check.region_code}
    if trip is not None:
        regions |= {c.region_code for c in trip_checkpoints(trip)}
    people = recipients.units_people([unit])[unit.pk] if unit is not None else []
    plate = trip.vehicle.plate if trip else check.plate
    if trip is not None:
        url = reverse("logistics:trip_detail", args=[trip.pk])
    else:
        url = reverse("logistics:trip_sample_list") + "?status=positive"
    notify(
        people + _hq_offices(regions),
        stored(gettext_noop("闭环运输阳性预警：车辆 %(plate)s"), plate=plate),
        body=stored(
            gettext_noop(
                "%(when)s 在%(checkpoint)s即采即走的随车人员核酸检测结果为阳性。车辆前往"
                "%(unit)s（%(destination)s）。请立即落实人员管控、货物消杀和流调。"
            ),
            when=_when(sample.sampled_at),
            checkpoint=check.checkpoint.name,
            unit=unit.name if unit else "—",
            destination=trip.destination if trip else "—",
        ),
        url=url,
    )
    audit.record(
        "logistics.trip.positive_alert",
        obj=sample,
        changes={"trip": sample.trip_id, "regions": sorted(regions)},
        enterprise_id=unit.pk if unit else None,
    )


def chase_results(batch) -> list[TripSample]:
    """The epidemic app's listener of stored NAT batches (``sentinel.add_test_result_listener``):
    the results of ``batch`` for people with a pending sample go to ``on_test_results``. Most
    batches concern nobody with a pending sample and cost one small query."""
    from sibao.epidemic.models import TestResult

    keys = set(
        TripSample.objects.filter(result=SampleResult.PENDING).values_list("person_key", flat=True)
    )
    if not keys:
        return []
    rows = list(TestResult.objects.filter(batch_id=batch.pk, person_key__in=keys).order_by("id"))
    return on_test_results(rows)


def record_trips_export(*, actor, what: str, rows: int, filters: str = "") -> None:
    """An export of trips or samples is an audited read."""
    audit.record(
        "logistics.trip.export", actor=actor, changes={"what": what, "rows": rows}, note=filters
    )
