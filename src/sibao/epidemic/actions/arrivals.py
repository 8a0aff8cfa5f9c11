"""Arrival reports and differentiated coding (EPI-08, EPI-09), and the risk-area list the coding
reads. Reports come from the public page (no account), the 豫事办 feed (``source="feed"``,
called by ``epidemic.ingest``) and units registering an arrival after the fact; every report is
coded at once by ``epidemic.coding.decide`` through the workflow transition ``code``."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.accounts.roles import Role
from sibao.core import audit, rules
from sibao.core.i18n import stored as _stored
from sibao.core.notifications import notify
from sibao.core.personal import decrypt, protect_id_number, protect_phone
from sibao.epidemic import coding
from sibao.epidemic.models import (
    AlertKind,
    AlertStatus,
    ArrivalReport,
    ArrivalStatus,
    CodingDecision,
    RiskArea,
    RiskLevel,
    SentinelAlert,
)
from sibao.epidemic.queries_arrivals import risk_counties_on

__all__ = [
    "add_risk_area",
    "change_risk_area",
    "close_arrival",
    "close_unreported_arrival_alerts",
    "end_risk_area",
    "mark_arrived",
    "register_arrival",
    "register_supplementary",
    "reveal_arrival_personal_data",
    "verify_arrival",
]

SOURCES = ("public", "feed", "unit")
PURPOSES = ("visit", "return", "other")
EN_ROUTE = ("", *coding.EN_ROUTE_CONTROL)
# report numbers: no 0/O or 1/I, so that one read out over the phone is not misheard
_REPORT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _decision_label(decision: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(CodingDecision(decision).label)


# --- risk areas ---------------------------------------------------------------------------------


def _check_risk_area_permission(actor, action: str) -> None:
    # the list is one province-wide table (areas lie outside Henan too): the role decides
    if actor is not None and not can(actor, RiskArea, action):
        raise PermissionDenied(_("只有卫健（疫情防控）部门可以维护风险区域。"))


def _risk_area_values(*, region_code, region_name, name, level, valid_from, valid_to) -> dict:
    errors = {}
    region_code = (region_code or "").strip()
    region_name, name = (region_name or "").strip(), (name or "").strip()
    if not coding.is_county_code(region_code):
        errors["region_code"] = _("请填写 6 位县级区划代码（如 310115；末两位不为 00）。")
    if not region_name:
        errors["region_name"] = _("请填写所在县（市、区）名称。")
    if not name:
        errors["name"] = _("请填写风险区域名称。")
    if level not in RiskLevel.values:
        errors["level"] = _("请选择风险等级。")
    if valid_from is None:
        errors["valid_from"] = _("请填写起始日期。")
    elif valid_to is not None and valid_to <= valid_from:
        errors["valid_to"] = _("解除日期应晚于起始日期。")
    if errors:
        raise ValidationError(errors)
    return {
        "region_code": region_code,
        "region_name": region_name[:128],
        "name": name[:200],
        "level": level,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _audit_region(actor) -> str:
    # a risk area may lie in any province: the audit row is filed under the declaring office
    if actor is None:
        return ""
    return getattr(actor, "region_id", "") or ""


@transaction.atomic
def add_risk_area(
    *, actor, region_code, region_name, name, level, valid_from, valid_to=None
) -> RiskArea:
    """EPI-09: the health office declares a medium/high-risk or static-management area; arrivals
    from its county are coded by it from ``valid_from`` until the day before ``valid_to``."""
    _check_risk_area_permission(actor, "add")
    values = _risk_area_values(
        region_code=region_code,
        region_name=region_name,
        name=name,
        level=level,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    authenticated = actor is not None and actor.is_authenticated
    area = RiskArea.objects.create(declared_by=actor if authenticated else None, **values)
    audit.record(
        "risk_area.add",
        actor=actor,
        obj=area,
        changes=audit.snapshot(area, values),
        region_code=_audit_region(actor),
    )
    return area


@transaction.atomic
def change_risk_area(
    area, *, actor, region_code, region_name, name, level, valid_from, valid_to=None
) -> RiskArea:
    """Correct a declared risk area (its county, name, level or dates). Reports already coded
    keep their decision: it records the risk counties it was made from."""
    _check_risk_area_permission(actor, "change")
    values = _risk_area_values(
        region_code=region_code,
        region_name=region_name,
        name=name,
        level=level,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    area = RiskArea.objects.select_for_update().get(pk=area.pk)
    before = audit.snapshot(area, values)
    for key, value in values.items():
        setattr(area, key, value)
    area.save(update_fields=list(values))
    audit.record(
        "risk_area.change",
        actor=actor,
        obj=area,
        changes=audit.diff(before, audit.snapshot(area, values)),
        region_code=_audit_region(actor),
    )
    return area


@transaction.atomic
def end_risk_area(area, *, actor, ended_on: datetime.date | None = None) -> RiskArea:
    """Lift a risk area (解除): from ``ended_on`` (today by default) it no longer counts."""
    _check_risk_area_permission(actor, "change")
    area = RiskArea.objects.select_for_update().get(pk=area.pk)
    ended_on = ended_on or timezone.localdate()
    if area.valid_to is not None and area.valid_to <= ended_on:
        raise ValidationError(_("该风险区域已于 %(date)s 解除。") % {"date": area.valid_to})
    if ended_on <= area.valid_from:
        raise ValidationError(_("解除日期应晚于起始日期。"))
    before = area.valid_to
    area.valid_to = ended_on
    area.save(update_fields=["valid_to"])
    audit.record(
        "risk_area.end",
        actor=actor,
        obj=area,
        changes={"valid_to": [before.isoformat() if before else None, ended_on.isoformat()]},
        region_code=_audit_region(actor),
    )
    return area


# --- arrival reports ----------------------------------------------------------------------------


def _check_unit(actor, enterprise, message: str) -> None:
    """A unit registers arrivals to itself; the health office to units in its jurisdiction.
    ``None`` is the platform itself (the public page, feeds, the simulator)."""
    if actor is None:
        return
    if not covers(
        actor,
        ArrivalReport,
        "change",
        region_code=enterprise.region_id,
        enterprise_id=enterprise.pk,
    ):
        raise PermissionDenied(message)


def _check_report(actor, report, action: str, message: str) -> None:
    if actor is not None and not can(actor, ArrivalReport, action, report):
        raise PermissionDenied(message)


def _new_report_no(today: datetime.date) -> str:
    for _attempt in range(5):
        tail = "".join(secrets.choice(_REPORT_ALPHABET) for _ in range(8))
        number = f"YB{today:%Y%m%d}{tail}"
        if not ArrivalReport.objects.filter(report_no=number).exists():
            return number
    raise RuntimeError("could not draw a free report number")


def _unit_admins(enterprise):
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.ENTERPRISE_ADMIN,
        grants__enterprise=enterprise,
    ).distinct()


def _code(report, *, actor) -> coding.Decision:
    """Apply D2 二(四) with the current rule set and the risk counties of the arrival date."""
    ruleset = rules.current()
    decision = coding.decide(
        {
            "origin_region": report.origin_region,
            "expected_arrival": report.expected_arrival,
            "en_route_status": report.en_route_status,
            "travel_history": report.travel_history,
            "has_symptoms": report.has_symptoms,
            "last_test_on": report.last_test_on,
        },
        ruleset,
        risk_counties_on(report.expected_arrival),
    )
    report.decision = decision.decision
    report.decision_inputs = decision.as_record()
    report.rule_version = decision.rule_version
    report.test_due_at = decision.test_due_at
    report.isolation_until = decision.isolation_until
    report.workflow.apply(
        report,
        "code",
        actor=actor,
        note=_decision_label(decision.decision),
        extra_fields=[
            "decision",
            "decision_inputs",
            "rule_version",
            "test_due_at",
            "isolation_until",
        ],
    )
    return decision


@transaction.atomic
def register_arrival(
    enterprise,
    *,
    actor=None,
    source: str = "public",
    report_no: str | None = None,
    id_number,
    name,
    phone,
    origin_region,
    origin_name: str = "",
    travel_history: str = "",
    expected_arrival,
    purpose: str = "visit",
    has_symptoms: bool = False,
    en_route_status: str = "",
    last_test_on=None,
    is_supplementary: bool = False,
) -> ArrivalReport:
    """EPI-08: a visitor or returnee reports to the destination unit before arrival (or the
    豫事办 feed brings the report, or the unit registers it afterwards); EPI-09: the report is
    coded at once and the unit's admins are told. Bad input raises ``ValidationError`` keyed by
    field and stores nothing. The ID number and phone are kept only protected (person key,
    encrypted value, masked display); the audit row carries neither."""
    today = timezone.localdate()
    errors = {}
    if enterprise is None or getattr(enterprise, "merged_into_id", None) is not None:
        errors["enterprise"] = _("请选择目的地单位（未找到该单位）。")
    else:
        _check_unit(actor, enterprise, _("您无权为该单位登记来（返）豫人员。"))
    protected = {}
    for key, protect, value in (
        ("id_number", protect_id_number, id_number),
        ("phone", protect_phone, phone),
    ):
        try:
            protected.update(protect(value))
        except ValidationError as exc:
            errors[key] = exc.messages
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写姓名。")
    elif len(name) > 64:
        errors["name"] = _("姓名过长。")
    origin_region = (origin_region or "").strip()
    if not coding.is_county_code(origin_region):
        errors["origin_region"] = _(
            "出发地应为 6 位县级区划代码（如上海市浦东新区 310115；末两位不为 00）。"
        )
    if expected_arrival is None:
        errors["expected_arrival"] = _("请填写预计到达日期。")
    elif source == "public" and not is_supplementary and expected_arrival < today:
        errors["expected_arrival"] = _(
            "预计到达日期不能早于今天；已经到达的，请联系目的地单位补录。"
        )
    if last_test_on is not None and last_test_on > today:
        errors["last_test_on"] = _("最近核酸检测日期不能晚于今天。")
    if purpose not in PURPOSES:
        errors["purpose"] = _("请选择事由。")
    if en_route_status not in EN_ROUTE:
        errors["en_route_status"] = _("请选择途中判定情况。")
    if source not in SOURCES:
        errors["source"] = _("报备渠道无效。")
    report_no = (report_no or "").strip()
    if report_no and (
        len(report_no) > 64 or ArrivalReport.objects.filter(report_no=report_no).exists()
    ):
        errors["report_no"] = _("报备编号已存在或过长。")
    if errors:
        raise ValidationError(errors)

    report = ArrivalReport.objects.create(
        enterprise=enterprise,
        name=name,
        origin_region=origin_region,
        origin_name=(origin_name or "").strip()[:128],
        travel_history=(travel_history or "").strip()[:2000],
        expected_arrival=expected_arrival,
        purpose=purpose,
        has_symptoms=bool(has_symptoms),
        en_route_status=en_route_status,
        last_test_on=last_test_on,
        source=source,
        report_no=report_no or _new_report_no(today),
        is_supplementary=bool(is_supplementary),
        region_code=enterprise.region_id,
        **protected,
    )
    decision = _code(report, actor=actor)
    audit.record(
        "arrival.register",
        actor=actor,
        obj=report,
        changes={
            "report_no": report.report_no,
            "source": source,
            "is_supplementary": report.is_supplementary,
            "origin_region": origin_region,
            "expected_arrival": expected_arrival.isoformat(),
            "decision": decision.decision,
        },
        rule_version=decision.rule_version,
    )
    title = _stored("新的来（返）豫报备：%(name)s，%(decision)s") % {
        "name": name,
        "decision": _decision_label(decision.decision),
    }
    body = _stored("报备编号 %(no)s，预计 %(date)s 到达，出发地 %(origin)s。") % {
        "no": report.report_no,
        "date": expected_arrival.isoformat(),
        "origin": report.origin_name or origin_region,
    }
    url = reverse("epidemic:arrival_detail", args=[report.pk])
    transaction.on_commit(lambda: notify(_unit_admins(enterprise), title, body=body, url=url))
    return report


@transaction.atomic
def verify_arrival(report, *, actor, note: str) -> ArrivalReport:
    """EPI-08: the unit (or the health office) has checked the person's travel history, health,
    protection and NAT (D2 二(三)) and says what it found."""
    _check_report(actor, report, "change", _("您无权核查该报备。"))
    report = ArrivalReport.objects.select_for_update().get(pk=report.pk)
    note = (note or "").strip()
    if report.status == ArrivalStatus.CLOSED:
        raise ValidationError(_("该报备已结束，不能再核查。"))
    if not note:
        raise ValidationError({"note": _("请填写核查情况（旅居史、健康状况、核酸检测等）。")})
    authenticated = actor is not None and actor.is_authenticated
    report.verified_at = timezone.now()
    report.verified_by = actor if authenticated else None
    report.verification_note = note
    report.save(update_fields=["verified_at", "verified_by", "verification_note"])
    audit.record("arrival.verify", actor=actor, obj=report, note=note)
    return report


@transaction.atomic
def mark_arrived(report, *, actor, arrived_at: datetime.datetime | None = None) -> ArrivalReport:
    """The person has arrived: the deadlines of the decision now run from the actual arrival
    (NAT within the hours, isolation for the days, both as recorded with the decision)."""
    _check_report(actor, report, "change", _("您无权登记该人员到达。"))
    report = ArrivalReport.objects.select_for_update().get(pk=report.pk)
    arrived_at = arrived_at or timezone.now()
    parameters = (report.decision_inputs or {}).get("parameters", {})
    fields = []
    if "arrival_nat_within_hours" in parameters:
        report.test_due_at = arrived_at + datetime.timedelta(
            hours=parameters["arrival_nat_within_hours"]
        )
        fields.append("test_due_at")
    if "arrival_isolation_days" in parameters:
        report.isolation_until = timezone.localtime(arrived_at).date() + datetime.timedelta(
            days=parameters["arrival_isolation_days"]
        )
        fields.append("isolation_until")
    report.workflow.apply(report, "arrive", actor=actor, extra_fields=fields)
    audit.record(
        "arrival.arrive",
        actor=actor,
        obj=report,
        changes={"arrived_at": arrived_at.isoformat()},
        rule_version=report.rule_version,
    )
    return report


@transaction.atomic
def close_arrival(report, *, actor, note: str = "") -> ArrivalReport:
    """End the follow-up of an arrival (isolation over, tested, left, or never came)."""
    _check_report(actor, report, "change", _("您无权结束该报备。"))
    report = ArrivalReport.objects.select_for_update().get(pk=report.pk)
    note = (note or "").strip()
    report.workflow.apply(report, "close", actor=actor, note=note)
    audit.record("arrival.close", actor=actor, obj=report, note=note)
    return report


def close_unreported_arrival_alerts(report, *, actor) -> int:
    """Hook: an arrival now reported closes the person's open "省外来（返）豫未报备" alerts with
    the outcome 已补录, through the compliance area's ``close_alert`` action. Returns how many
    were closed (none while that action does not exist)."""
    from sibao.epidemic import actions as epidemic_actions

    close_alert = getattr(epidemic_actions, "close_alert", None)
    if close_alert is None:
        return 0
    outcome = _stored("已补录（报备编号 %(no)s）") % {"no": report.report_no}
    alerts = SentinelAlert.objects.filter(
        kind=AlertKind.UNREPORTED_ARRIVAL,
        status=AlertStatus.OPEN,
        person_key=report.person_key,
    )
    closed = 0
    for alert in alerts:
        # the unit closes the alerts it sees; one raised elsewhere (e.g. before the person was on
        # any roster) is closed by the platform, the report being the proof
        who = actor if actor is not None and can(actor, SentinelAlert, "change", alert) else None
        close_alert(alert, actor=who, outcome=outcome)
        closed += 1
    return closed


@transaction.atomic
def register_supplementary(enterprise, *, actor, **fields) -> ArrivalReport:
    """EPI-08: the unit registers, after the fact, an arrival the feeds saw without a report
    (补录, D2 二(三) "对未提前报备的人员要监督完成补录并进行核查"). The report is coded like any
    other; a person already here is marked arrived at once, so the deadlines run from now; the
    person's open unreported-arrival alerts are closed with the outcome 已补录."""
    fields.pop("source", None)
    fields.pop("is_supplementary", None)
    report = register_arrival(
        enterprise, actor=actor, source="unit", is_supplementary=True, **fields
    )
    if report.expected_arrival <= timezone.localdate():
        report = mark_arrived(report, actor=actor)
    close_unreported_arrival_alerts(report, actor=actor)
    return report


def reveal_arrival_personal_data(report, *, actor, field: str) -> str:
    """The ID number or phone of a report in the clear, for one who may unmask it (the health
    office); every read writes an audit row naming the field, never the value."""
    if field not in ("id_number", "phone"):
        raise ValidationError(_("只能查看身份证号码或手机号码。"))
    if actor is None or not can(actor, ArrivalReport, "unmask", report):
        raise PermissionDenied(_("无权查看完整个人信息。"))
    audit.record("arrival.unmask", actor=actor, obj=report, note=field)
    return decrypt(report.id_encrypted if field == "id_number" else report.phone_encrypted)
