"""Writes of the units area: daily reports and their reminders (EPI-11), preparedness and drills
(EPI-14), sampling houses and their subsidy (EPI-15), goods lots (EPI-16).

``actor=None`` is the platform itself (commands, the demo seed) and skips the permission check.
"""

import datetime
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.accounts.roles import Role
from sibao.core import audit
from sibao.core import rules as rule_set
from sibao.core.i18n import stored as _stored
from sibao.core.models import AuditLog
from sibao.core.notifications import notify
from sibao.enterprises.models import Enterprise
from sibao.epidemic import queries_units
from sibao.epidemic.models import DailyReport, Drill, GoodsLot, Preparedness, SamplingHouse
from sibao.epidemic.readiness import PREPAREDNESS_FIELDS
from sibao.regions.models import Region

__all__ = [
    "file_daily_report",
    "mark_subsidy_paid",
    "record_drill",
    "record_goods_lot",
    "record_sampling_house",
    "record_sampling_house_deployment",
    "send_daily_report_reminders",
    "update_preparedness",
]

REMINDER_ACTION = "daily_report.remind"


def _check_unit(actor, enterprise, model, action: str, message: str) -> None:
    """``actor`` sees ``enterprise`` and some grant lets it ``action`` a row of ``model`` about
    that unit (a unit admin: its own unit only); ``None`` is the platform itself."""
    if actor is None:
        return
    if not can(actor, Enterprise, "view", enterprise) or not covers(
        actor, model, action, region_code=enterprise.region_id, enterprise_id=enterprise.pk
    ):
        raise PermissionDenied(message)


def _check_row(actor, row, action: str, message: str) -> None:
    if actor is None:
        return
    if not can(actor, type(row), action, row):
        raise PermissionDenied(message)


def _today(now=None) -> datetime.date:
    return queries_units.province_today(now)


def _count(errors: dict, name: str, value, label: str, maximum: int = 2_147_483_647) -> int:
    """A non-negative whole number that fits its column; an error under ``name`` otherwise."""
    try:
        number = int(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        errors[name] = _("%(label)s应为整数。") % {"label": label}
        return 0
    if number < 0:
        errors[name] = _("%(label)s不能为负数。") % {"label": label}
    elif number > maximum:
        errors[name] = _("%(label)s过大。") % {"label": label}
    return number


def _unit_admins(enterprise):
    from sibao.accounts.models import User

    return User.objects.filter(
        is_active=True,
        grants__is_active=True,
        grants__role=Role.ENTERPRISE_ADMIN,
        grants__enterprise=enterprise,
    ).distinct()


# --- daily reports (EPI-11) ----------------------------------------------------------------------


@transaction.atomic
def file_daily_report(
    enterprise,
    *,
    actor,
    report_date,
    staff_on_site,
    symptomatic=0,
    sent_to_clinic=0,
    tests_done=0,
    note: str = "",
    is_zero_report: bool = False,
    now=None,
) -> DailyReport:
    """EPI-11: a unit's health report for one day (D2 二(六) "零报告""日报告").

    One report per unit and day: filing again for the same day corrects that report (audited
    with what changed), until the day's deadline (``daily_report_deadline``, the next morning)
    has passed. A zero report (零报告) says nothing happened: nobody with symptoms, nobody sent
    to a clinic. Days in the future are refused; a report with symptomatic staff needs a note.
    Only the unit's own admin files (the roles table gives ``add`` to unit admins only).
    """
    _check_unit(actor, enterprise, DailyReport, "add", _("您只能为本单位填报健康日报。"))
    errors = {}
    today = _today(now)
    if report_date is None:
        errors["report_date"] = _("请填写报告日期。")
    elif report_date > today:
        errors["report_date"] = _("不能填报未来日期的健康日报。")
    staff_on_site = _count(errors, "staff_on_site", staff_on_site, _("在岗人数"))
    symptomatic = _count(errors, "symptomatic", symptomatic, _("有症状人数"))
    sent_to_clinic = _count(errors, "sent_to_clinic", sent_to_clinic, _("就医人数"))
    tests_done = _count(errors, "tests_done", tests_done, _("核酸检测人数"))
    note = (note or "").strip()
    if is_zero_report:
        if symptomatic > 0:
            errors["symptomatic"] = _("有症状人员时不能提交零报告，请填报日报告并说明情况。")
        if sent_to_clinic > 0:
            errors["sent_to_clinic"] = _("有就医人员时不能提交零报告，请填报日报告并说明情况。")
    if "symptomatic" not in errors and symptomatic > staff_on_site:
        errors["symptomatic"] = _("有症状人数不能超过在岗人数。")
    if "sent_to_clinic" not in errors and sent_to_clinic > symptomatic:
        errors["sent_to_clinic"] = _("就医人数不能超过有症状人数。")
    if symptomatic > 0 and not note:
        errors["note"] = _("有症状人员时，请说明情况（症状、处置、是否已就医）。")
    if errors:
        raise ValidationError(errors)
    values = {
        "staff_on_site": staff_on_site,
        "symptomatic": symptomatic,
        "sent_to_clinic": sent_to_clinic,
        "tests_done": tests_done,
        "is_zero_report": bool(is_zero_report),
        "note": note,
    }
    filer = actor if actor is not None and actor.is_authenticated else None
    report = (
        DailyReport.objects.select_for_update()
        .filter(enterprise=enterprise, report_date=report_date)
        .first()
    )
    if report is None:
        report = DailyReport.objects.create(
            enterprise=enterprise,
            report_date=report_date,
            filed_by=filer,
            region_code=enterprise.region_id,
            **values,
        )
        audit.record(
            "daily_report.file",
            actor=actor,
            obj=report,
            changes=audit.snapshot(report, values),
            note=report_date.isoformat(),
        )
        return report
    if queries_units.deadline_passed(report_date, now=now):
        raise ValidationError({"report_date": _("该日健康日报已过填报截止时间，不能再更正。")})
    before = audit.snapshot(report, values)
    for key, value in values.items():
        setattr(report, key, value)
    report.filed_by = filer
    report.save(update_fields=[*values, "filed_by"])
    audit.record(
        "daily_report.correct",
        actor=actor,
        obj=report,
        changes=audit.diff(before, audit.snapshot(report, values)),
        note=report_date.isoformat(),
    )
    return report


def send_daily_report_reminders(report_date, *, now=None) -> dict:
    """EPI-11: remind the admins of every listed unit that missed ``report_date``'s report,
    once its deadline has passed. Idempotent per unit and date: the audit row written with each
    reminder is its record, so a rerun (or a second scheduler) reminds nobody twice. Runs as
    the platform (no actor). Returns ``{"missing", "reminded", "skipped"}``."""
    missing = list(queries_units.missing_reports(report_date, now=now).order_by("pk"))
    reminded = skipped = 0
    for unit in missing:
        if _remind_unit(unit, report_date):
            reminded += 1
        else:
            skipped += 1
    return {"missing": len(missing), "reminded": reminded, "skipped": skipped}


@transaction.atomic
def _remind_unit(unit, report_date) -> bool:
    # the unit's row lock serialises concurrent runs on PostgreSQL: the second one then sees
    # the first one's audit row and skips
    Enterprise.objects.select_for_update().filter(pk=unit.pk).first()
    stamp = report_date.isoformat()
    if AuditLog.objects.filter(
        object_type=Enterprise._meta.label_lower,
        object_id=str(unit.pk),
        action=REMINDER_ACTION,
        note=stamp,
    ).exists():
        return False
    if DailyReport.objects.filter(enterprise=unit, report_date=report_date).exists():
        return False
    audit.record(REMINDER_ACTION, actor=None, obj=unit, note=stamp)
    title = _stored("健康日报未按时填报") + f"（{stamp}）"
    body = _stored("贵单位尚未填报该日员工健康日报（零报告、日报告），请尽快补报。")
    url = reverse("epidemic:daily_report_unit", args=[unit.pk])
    admins = _unit_admins(unit)
    transaction.on_commit(lambda: notify(admins, title, body=body, url=url))
    return True


# --- preparedness and drills (EPI-14) ------------------------------------------------------------


@transaction.atomic
def update_preparedness(enterprise, *, actor, **fields) -> Preparedness:
    """EPI-14: set a unit's standing preparedness (常态常备, D2 二(七)): the task force and its
    leader, the plans, patrol posts, observation rooms and the seven stockpile kinds. Fields not
    given keep their values; the row is created on first use. The unit's admin keeps its own."""
    _check_unit(actor, enterprise, Preparedness, "change", _("您无权修改该单位的常态常备情况。"))
    unknown = sorted(set(fields) - set(PREPAREDNESS_FIELDS))
    if unknown:
        raise ValidationError({"__all__": _("未知字段：%(f)s") % {"f": "、".join(unknown)}})
    errors = {}
    clean = {}
    for name, value in fields.items():
        if name == "task_force_leader":
            clean[name] = (value or "").strip()[:64]
        elif name in ("has_prevention_plan", "has_contingency_plan"):
            clean[name] = bool(value)
        elif name == "plan_updated_on":
            if value and value > _today():
                errors[name] = _("预案更新日期不能晚于今天。")
            clean[name] = value or None
        else:
            model_field = Preparedness._meta.get_field(name)
            small = model_field.get_internal_type() == "PositiveSmallIntegerField"
            clean[name] = _count(
                errors,
                name,
                value,
                str(model_field.verbose_name),
                32_767 if small else 2_147_483_647,
            )
    if errors:
        raise ValidationError(errors)
    row = Preparedness.objects.select_for_update().filter(enterprise=enterprise).first()
    merged = {**(audit.snapshot(row, PREPAREDNESS_FIELDS) if row else {}), **clean}
    if merged.get("task_force_members") and not merged.get("task_force_leader"):
        raise ValidationError({"task_force_leader": _("已设专班时，请填写负责人（班子成员）。")})
    if row is None:
        row = Preparedness.objects.create(enterprise=enterprise, region_code=enterprise.region_id)
    before = audit.snapshot(row, clean)
    for name, value in clean.items():
        setattr(row, name, value)
    row.save(update_fields=[*clean, "updated_at"])
    audit.record(
        "preparedness.update",
        actor=actor,
        obj=row,
        changes=audit.diff(before, audit.snapshot(row, clean)),
    )
    return row


@transaction.atomic
def record_drill(
    enterprise, *, actor, held_on, kind: str = "drill", participants=0, findings: str = ""
) -> Drill:
    """EPI-14: an emergency drill (应急演练) or stress test (压力测试) a unit held (D2 二(七)
    "定期开展应急演练"); the readiness score counts the latest within ``drill_interval_days``."""
    _check_unit(actor, enterprise, Drill, "add", _("您无权为该单位登记演练。"))
    errors = {}
    if kind not in dict(Drill._meta.get_field("kind").choices):
        errors["kind"] = _("请选择类型。")
    if held_on is None:
        errors["held_on"] = _("请填写日期。")
    elif held_on > _today():
        errors["held_on"] = _("演练日期不能晚于今天。")
    participants = _count(errors, "participants", participants, _("参加人数"))
    if errors:
        raise ValidationError(errors)
    drill = Drill.objects.create(
        enterprise=enterprise,
        held_on=held_on,
        kind=kind,
        participants=participants,
        findings=(findings or "").strip(),
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        region_code=enterprise.region_id,
    )
    audit.record(
        "drill.record",
        actor=actor,
        obj=drill,
        changes={"held_on": held_on.isoformat(), "kind": kind, "participants": participants},
    )
    return drill


# --- sampling houses (EPI-15) --------------------------------------------------------------------


def _money(errors, name, value) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors[name] = _("请填写金额。")
        return None
    if not amount.is_finite() or amount <= 0:
        errors[name] = _("金额应大于 0。")
        return None
    if amount != amount.quantize(queries_units.CENT):
        errors[name] = _("金额最多精确到分。")
        return None
    if amount >= Decimal("1e10"):
        errors[name] = _("金额过大。")
        return None
    return amount


@transaction.atomic
def record_sampling_house(
    enterprise, *, actor, site: str, purchased_on, price, deployed_on=None
) -> SamplingHouse:
    """EPI-15: a NAT sampling house the unit bought (D2 二(一)). The subsidy is computed from the
    rule set in force — ``sampling_house_subsidy_pct`` of the price, split province : city/county
    as ``sampling_house_province_share`` : ``sampling_house_local_share``, to the cent, the two
    shares adding up to the total — and the rule-set version is stored with it."""
    _check_unit(actor, enterprise, SamplingHouse, "add", _("您只能为本单位登记核酸采样屋。"))
    errors = {}
    site = (site or "").strip()
    if not site:
        errors["site"] = _("请填写设置地点。")
    today = _today()
    if purchased_on is None:
        errors["purchased_on"] = _("请填写购置日期。")
    elif purchased_on > today:
        errors["purchased_on"] = _("购置日期不能晚于今天。")
    if deployed_on is not None:
        if deployed_on > today:
            errors["deployed_on"] = _("投入使用日期不能晚于今天。")
        elif purchased_on is not None and deployed_on < purchased_on:
            errors["deployed_on"] = _("投入使用日期不能早于购置日期。")
    amount = _money(errors, "price", price)
    if errors:
        raise ValidationError(errors)
    rules = rule_set.current()
    try:
        total, province, local = queries_units.sampling_house_subsidy(amount, rules)
    except ValueError:
        raise ValidationError(
            {"price": _("规则集中采样屋补贴分担比例无效，请联系省指挥部办公室。")}
        ) from None
    house = SamplingHouse.objects.create(
        enterprise=enterprise,
        site=site[:200],
        purchased_on=purchased_on,
        price=amount,
        deployed_on=deployed_on,
        subsidy_total=total,
        subsidy_province=province,
        subsidy_local=local,
        rule_version=rules.version,
        region_code=enterprise.region_id,
    )
    audit.record(
        "sampling_house.record",
        actor=actor,
        obj=house,
        changes={
            "price": str(amount),
            "subsidy_total": str(total),
            "subsidy_province": str(province),
            "subsidy_local": str(local),
            "deployed_on": deployed_on.isoformat() if deployed_on else None,
        },
        rule_version=rules.version,
    )
    return house


@transaction.atomic
def record_sampling_house_deployment(house, *, actor, deployed_on) -> SamplingHouse:
    """EPI-15: the unit records the day its sampling house went into use (布设), which the
    deployment deadline is judged by. A date once recorded is not changed again."""
    _check_row(actor, house, "add", _("您只能为本单位登记采样屋投入使用。"))
    house = SamplingHouse.objects.select_for_update().get(pk=house.pk)
    if house.deployed_on is not None:
        raise ValidationError({"deployed_on": _("该采样屋已登记投入使用。")})
    if deployed_on is None:
        raise ValidationError({"deployed_on": _("请填写投入使用日期。")})
    if deployed_on > _today():
        raise ValidationError({"deployed_on": _("投入使用日期不能晚于今天。")})
    if deployed_on < house.purchased_on:
        raise ValidationError({"deployed_on": _("投入使用日期不能早于购置日期。")})
    house.deployed_on = deployed_on
    house.save(update_fields=["deployed_on"])
    audit.record(
        "sampling_house.deploy",
        actor=actor,
        obj=house,
        changes={"deployed_on": [None, deployed_on.isoformat()]},
    )
    return house


@transaction.atomic
def mark_subsidy_paid(house, *, actor, paid_on=None) -> SamplingHouse:
    """EPI-15: the HQ office records that a sampling house's subsidy was paid out."""
    _check_row(actor, house, "change", _("只有指挥部办公室可以登记采样屋补贴拨付。"))
    house = SamplingHouse.objects.select_for_update().get(pk=house.pk)
    paid_on = paid_on or _today()
    if house.subsidy_paid_on is not None:
        raise ValidationError({"paid_on": _("该采样屋补贴已登记拨付。")})
    if paid_on > _today():
        raise ValidationError({"paid_on": _("拨付日期不能晚于今天。")})
    if paid_on < house.purchased_on:
        raise ValidationError({"paid_on": _("拨付日期不能早于购置日期。")})
    house.subsidy_paid_on = paid_on
    house.save(update_fields=["subsidy_paid_on"])
    audit.record(
        "sampling_house.subsidy_paid",
        actor=actor,
        obj=house,
        changes={
            "subsidy_paid_on": [None, paid_on.isoformat()],
            "amount": str(house.subsidy_total),
        },
        rule_version=house.rule_version,
    )
    return house


# --- goods traceability (EPI-16) -----------------------------------------------------------------


def _lot_code(moved_at) -> str:
    """``GL`` + the day + 10 random base-32 characters: not guessable, unique in practice; the
    loop below makes it certain."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    token = "".join(secrets.choice(alphabet) for _i in range(10))
    day = timezone.localtime(moved_at, timezone.get_default_timezone()).strftime("%Y%m%d")
    return f"GL{day}{token}"


@transaction.atomic
def record_goods_lot(
    enterprise,
    *,
    actor,
    direction: str,
    description: str,
    quantity: str = "",
    origin: str = "",
    origin_region: str = "",
    disinfected: bool = False,
    moved_at,
    handled_by: str = "",
    now=None,
) -> GoodsLot:
    """EPI-16: a lot of goods entering or leaving the unit (物料二维码追溯, D1 七(二)), with a
    unique trace code that its QR label carries. ``origin_region`` is the county the goods came
    from (or go to): lots from a county with a risk area that day are highlighted."""
    _check_unit(actor, enterprise, GoodsLot, "add", _("您只能为本单位登记物料。"))
    errors = {}
    if direction not in ("in", "out"):
        errors["direction"] = _("请选择进入或出去。")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请填写物料名称。")
    origin_region = (origin_region or "").strip()
    region = None
    if origin_region:
        # goods come from all over the country; the region table knows Henan only, so a code
        # outside the province is checked for its shape (six digits, GB/T 2260) alone
        region = Region.objects.filter(code=origin_region).first()
        if not (len(origin_region) == 6 and origin_region.isdigit()):
            errors["origin_region"] = _("请填写 6 位县级区划代码。")
        elif region is None and origin_region.startswith("41"):
            errors["origin_region"] = _("区划代码不存在。")
    if moved_at is None:
        errors["moved_at"] = _("请填写时间。")
    elif timezone.is_naive(moved_at):
        errors["moved_at"] = _("时间缺少时区。")
    elif moved_at > (now or timezone.now()) + datetime.timedelta(minutes=5):
        errors["moved_at"] = _("时间不能晚于现在。")
    if errors:
        raise ValidationError(errors)
    code = _lot_code(moved_at)
    while GoodsLot.objects.filter(code=code).exists():
        code = _lot_code(moved_at)
    lot = GoodsLot.objects.create(
        enterprise=enterprise,
        code=code,
        direction=direction,
        description=description[:200],
        quantity=(quantity or "").strip()[:64],
        origin=((origin or "").strip() or (region.full_name if region else ""))[:200],
        origin_region=origin_region,
        disinfected=bool(disinfected),
        moved_at=moved_at,
        handled_by=(handled_by or "").strip()[:64],
        region_code=enterprise.region_id,
    )
    audit.record(
        "goods_lot.record",
        actor=actor,
        obj=lot,
        changes={"direction": direction, "origin_region": origin_region, "code": code},
    )
    return lot
