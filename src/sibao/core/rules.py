"""The rule set (PLAT-05): every policy parameter, its default, unit and source in the seed.

Values live in ``RuleSetVersion`` rows; this catalogue says what parameters exist. A parameter
added to the catalogue later gets its default in a new version at the next migrate, so that a
version number always names one complete set of values.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Parameter:
    key: str
    default: object
    kind: str  # int | decimal | date | time | text
    unit: str
    source: str  # the seed's section, e.g. "D2 二(一)"
    label: str
    group: str
    minimum: float | None = None
    maximum: float | None = None
    # for text values: a function that returns the text or raises ValueError with the reason
    check: object = None

    def parse(self, raw) -> object:
        """The typed value of ``raw`` (a form or JSON value); ValueError with a Chinese message."""
        text = str(raw).strip()
        if text == "":
            raise ValueError(_("请填写参数值。"))
        try:
            if self.kind == "int":
                value = int(text)
            elif self.kind == "decimal":
                value = Decimal(text)
            elif self.kind == "date":
                return datetime.date.fromisoformat(text).isoformat()
            elif self.kind == "time":
                return datetime.time.fromisoformat(text).strftime("%H:%M")
            elif self.check is not None:
                return self.check(text)
            else:
                return text
        except (ValueError, InvalidOperation) as exc:
            if self.kind == "text":
                raise ValueError(str(exc)) from None
            kinds = {
                "int": _("整数"),
                "decimal": _("数字"),
                "date": _("日期（YYYY-MM-DD）"),
                "time": _("时间（HH:MM）"),
            }
            raise ValueError(_("参数值应为%(kind)s。") % {"kind": kinds[self.kind]}) from None
        if self.minimum is not None and value < self.minimum:
            raise ValueError(_("参数值不能小于 %(min)s。") % {"min": self.minimum})
        if self.maximum is not None and value > self.maximum:
            raise ValueError(_("参数值不能大于 %(max)s。") % {"max": self.maximum})
        return str(value) if isinstance(value, Decimal) else value


G_WHITELIST = _("白名单")
G_TESTING = _("核酸检测")
G_ARRIVAL = _("入豫人员")
G_INCIDENT = _("应急处置")
G_LOGISTICS = _("物流")
G_SUPPORT = _("政策助力")
G_DISPATCH = _("调度")
G_SECURITY = _("安全")
G_RETENTION = _("数据保留")
G_PLACES = _("场所码与流调")

_MAPPING_ITEM = re.compile(r"^[a-z_]+:[a-z_]+(,[a-z_]+)*$")


def check_mapping(text: str) -> str:
    """A "name:item,item;name:item" mapping (e.g. the place-code rules): the shape only; what the
    names mean is checked where they are read."""
    items = [item.strip() for item in text.replace("；", ";").split(";") if item.strip()]
    if not items or not all(_MAPPING_ITEM.match(item) for item in items):
        raise ValueError(_("格式应为“类型:空间类型,空间类型;类型:空间类型”。"))
    return ";".join(items)


def check_place_code_rules(text: str) -> str:
    """The place-code rules: the mapping's shape, then its names (``places.coding_rules``)."""
    from sibao.places.coding_rules import check_text

    return check_text(check_mapping(text))


P = Parameter
PARAMETERS: tuple[Parameter, ...] = (
    P(
        "coverage_target_pct",
        70,
        "int",
        "%",
        "D1 二(一)",
        _("白名单产值（投资额）覆盖率目标"),
        G_WHITELIST,
        0,
        100,
    ),
    P(
        "first_batch_due",
        "2022-05-31",
        "date",
        "",
        "D1 二(二)",
        _("第一批名单公布期限"),
        G_WHITELIST,
    ),
    P("coverage_due", "2022-06-30", "date", "", "D1 二(二)", _("覆盖率达标期限"), G_WHITELIST),
    P("nat_interval_hours", 48, "int", "h", "D2 二(一)", _("常态化核酸检测间隔"), G_TESTING, 1),
    P(
        "nat_interval_hours_mobile_post",
        24,
        "int",
        "h",
        "D2 二(一)",
        _("流动性、接触性岗位核酸检测间隔"),
        G_TESTING,
        1,
    ),
    P(
        "nat_interval_hours_emergency",
        24,
        "int",
        "h",
        "D2 三(三)",
        _("应急状态（闭环）核酸检测间隔"),
        G_TESTING,
        1,
    ),
    P(
        "sampling_house_staff_threshold",
        1000,
        "int",
        _("人"),
        "D2 二(一)",
        _("鼓励自建核酸采样屋的用工规模"),
        G_TESTING,
        1,
    ),
    P(
        "sampling_house_subsidy_pct",
        50,
        "int",
        "%",
        "D2 二(一)",
        _("采样屋购置补贴比例"),
        G_SUPPORT,
        0,
        100,
    ),
    P(
        "sampling_house_province_share",
        7,
        "int",
        "",
        "D2 二(一)",
        _("采样屋补贴省级分担份数（省:市县）"),
        G_SUPPORT,
        0,
        10,
    ),
    P(
        "sampling_house_local_share",
        3,
        "int",
        "",
        "D2 二(一)",
        _("采样屋补贴市县分担份数（省:市县）"),
        G_SUPPORT,
        0,
        10,
    ),
    P(
        "sampling_house_due_urban",
        "2022-05-31",
        "date",
        "",
        "D2 二(一)",
        _("主城区采样屋布设期限"),
        G_TESTING,
    ),
    P(
        "sampling_house_due_county",
        "2022-06-30",
        "date",
        "",
        "D2 二(一)",
        _("县（市）采样屋布设期限"),
        G_TESTING,
    ),
    P(
        "arrival_nat_within_hours",
        24,
        "int",
        "h",
        "D2 二(四)",
        _("入豫人员落地核酸时限"),
        G_ARRIVAL,
        1,
    ),
    P(
        "arrival_isolation_days",
        7,
        "int",
        _("天"),
        "D2 二(四)",
        _("中高风险地区来豫人员集中隔离天数"),
        G_ARRIVAL,
        0,
    ),
    # arrivals (EPI-08): the public report page takes no account, so submissions are limited per
    # client address; generous, because mobile carriers put many phones behind one address
    P(
        "arrival_public_reports_per_hour",
        30,
        "int",
        _("次/小时"),
        "D2 二(三)（平台默认）",
        _("入豫报备页每个客户端地址每小时提交上限"),
        G_ARRIVAL,
        1,
    ),
    P("pooled_retest_hours", 6, "int", "h", "D2 三(七)", _("混检阳性单采复核时限"), G_INCIDENT, 1),
    P(
        "silent_period_tests_per_day",
        1,
        "int",
        _("次/天"),
        "D2 三(七)",
        _("静默期每日检测次数"),
        G_INCIDENT,
        1,
    ),
    P(
        "shutdown_max_days",
        3,
        "int",
        _("天"),
        "D1 四(三)",
        _("白名单企业停工停产最长天数"),
        G_INCIDENT,
        1,
    ),
    P(
        "emergency_advance_notice_hours",
        24,
        "int",
        "h",
        "D2 三(三)",
        _("转入闭环前提前通知时长"),
        G_INCIDENT,
        0,
    ),
    P(
        "checkpoint_nat_valid_hours",
        48,
        "int",
        "h",
        "D2 三(五)",
        _("司乘人员核酸阴性证明有效期"),
        G_LOGISTICS,
        1,
    ),
    P(
        "workorder_sign_working_days",
        1,
        "int",
        _("工作日"),
        "D1 八(二)",
        _("工单签收时限"),
        G_DISPATCH,
        1,
    ),
    P(
        "workorder_reply_working_days",
        5,
        "int",
        _("工作日"),
        "D1 八(二)",
        _("一般工单办理时限"),
        G_DISPATCH,
        1,
    ),
    P(
        "login_max_failures",
        5,
        "int",
        _("次"),
        "GB/T 22239-2019",
        _("连续登录失败锁定阈值"),
        G_SECURITY,
        1,
        20,
    ),
    P(
        "login_lockout_minutes",
        15,
        "int",
        "min",
        "GB/T 22239-2019",
        _("登录锁定时长"),
        G_SECURITY,
        1,
    ),
    P(
        "password_min_length",
        12,
        "int",
        _("字符"),
        "GB/T 22239-2019",
        _("密码最小长度"),
        G_SECURITY,
        8,
        128,
    ),
    P("session_idle_minutes", 30, "int", "min", "GB/T 22239-2019", _("空闲超时"), G_SECURITY, 1),
    P(
        "session_absolute_hours",
        12,
        "int",
        "h",
        "GB/T 22239-2019",
        _("会话最长时长"),
        G_SECURITY,
        1,
        12,
    ),
    P(
        "audit_retention_days",
        184,
        "int",
        _("天"),
        "GB/T 22239-2019",
        _("审计日志保存期"),
        G_RETENTION,
        184,
    ),
    # Epidemic information (issue: EPI-*). Where the seed asks for "a certain proportion" or
    # "enough" without a figure, the default is the platform's and says so in its source.
    P(
        "sentinel_alert_due_hours",
        24,
        "int",
        "h",
        "D2 二(五)（平台默认）",
        _("电子哨预警处置时限"),
        G_TESTING,
        1,
    ),
    # compliance (EPI-04, EPI-10): how far back an arrival report counts for an itinerary
    # change from outside Henan (a report filed a few days before the trip is that trip's report)
    P(
        "sentinel_arrival_lookback_days",
        3,
        "int",
        _("天"),
        "D2 二(三)、二(五)（平台默认）",
        _("省外来豫未报备核查回溯天数"),
        G_ARRIVAL,
        0,
    ),
    P(
        "daily_report_deadline",
        "10:00",
        "time",
        "",
        "D2 二(六)（平台默认）",
        _("健康日报填报截止时间（次日）"),
        G_TESTING,
    ),
    P(
        "quiet_period_days",
        3,
        "int",
        _("天"),
        "D1 七(二)（平台默认）",
        _("新进入人员静置期"),
        G_TESTING,
        0,
    ),
    # roster (EPI-17): D2 二(六) asks for 应接尽接 without saying what "fully vaccinated" is
    P(
        "vaccine_full_doses",
        2,
        "int",
        _("剂"),
        "D2 二(六)（平台默认）",
        _("全程接种所需剂次"),
        G_TESTING,
        1,
    ),
    P(
        "staff_per_patrol_post",
        200,
        "int",
        _("人"),
        "D2 二(七)（平台默认）",
        _("每设一个流动哨对应员工数"),
        G_INCIDENT,
        1,
    ),
    P(
        "staff_per_observation_room",
        100,
        "int",
        _("人"),
        "D2 二(七)；D1 七(三)（平台默认）",
        _("每设一间临时留观点对应员工数"),
        G_INCIDENT,
        1,
    ),
    P(
        "stockpile_days",
        7,
        "int",
        _("天"),
        "D2 二(七)（平台默认）",
        _("防疫物资储备天数"),
        G_INCIDENT,
        1,
    ),
    P(
        "drill_interval_days",
        90,
        "int",
        _("天"),
        "D2 二(七)（平台默认）",
        _("应急演练最长间隔"),
        G_INCIDENT,
        1,
    ),
    # per staff member and day of the stockpile (D2 二(七) names the seven kinds, not the amounts)
    *(
        P(
            f"stock_norm_{kind}",
            default,
            "decimal",
            unit,
            "D2 二(七)（平台默认）",
            label,
            G_INCIDENT,
            0,
        )
        for kind, default, unit, label in (
            ("masks", "2", _("只/人·天"), _("口罩储备定额")),
            ("protective_suits", "0.05", _("套/人·天"), _("防护服储备定额")),
            ("gloves", "1", _("副/人·天"), _("乳胶手套储备定额")),
            ("disinfectant_litres", "0.05", _("升/人·天"), _("消毒液储备定额")),
            ("sanitizer_bottles", "0.02", _("瓶/人·天"), _("免洗手消毒液储备定额")),
            ("thermometers", "0.002", _("台/人·天"), _("测温设备储备定额")),
            ("antigen_kits", "0.3", _("人份/人·天"), _("抗原检测试剂储备定额")),
        )
    ),
    P(
        "shutdown_expiry_warning_hours",
        12,
        "int",
        "h",
        "D1 四(三)（平台默认）",
        _("停产期限届满前提醒时间"),
        G_INCIDENT,
        1,
        72,
    ),
    P(
        "nat_price_pooled_yuan",
        "3.5",
        "decimal",
        _("元/人次"),
        "D1 六(二)（平台默认）",
        _("混采核酸检测单价"),
        G_SUPPORT,
        0,
    ),
    P(
        "nat_price_single_yuan",
        "16",
        "decimal",
        _("元/人次"),
        "D1 六(二)（平台默认）",
        _("单采核酸检测单价"),
        G_SUPPORT,
        0,
    ),
    P(
        "prevention_cost_subsidy_pct",
        30,
        "int",
        "%",
        "D1 六(二)（平台默认：由市、县政府按规定确定）",
        _("防疫费用补助比例"),
        G_SUPPORT,
        0,
        100,
    ),
    P(
        "follow_up_due_days",
        10,
        "int",
        _("天"),
        "D1 六(一)（平台默认）",
        _("应享未享跟进时限"),
        G_SUPPORT,
        1,
    ),
    P(
        "place_code_rules",
        # D2 二(二): every door and independent enclosed space of every venue type (一门一码，
        # 应设尽设), plus each type's own areas, workshops, buildings, units and floors
        "industrial:door,enclosed,area,workshop;construction:door,enclosed,area,workshop;"
        "market:door,enclosed,area;mall:door,enclosed;park:door,enclosed,building,floor;"
        "station:door,enclosed,floor,area;hotel:door,enclosed,floor,area;"
        "scenic:door,enclosed,floor,area",
        "text",
        "",
        "D2 二(二)",
        _("场所码赋码规则（场所类型:需赋码的空间类型）"),
        G_PLACES,
        check=check_place_code_rules,
    ),
    P(
        "place_code_valid_days",
        365,
        "int",
        _("天"),
        "D2 二(二)（平台默认）",
        _("场所码有效期"),
        G_PLACES,
        1,
    ),
    P(
        "auto_checkout_hours",
        4,
        "int",
        "h",
        "D2 二(二)（平台默认）",
        _("未登记离开时自动离开时长"),
        G_PLACES,
        1,
        24,
    ),
    P(
        "tracing_window_minutes",
        30,
        "int",
        "min",
        "D2 二(四)（平台默认）",
        _("密接判定时间窗口（前后）"),
        G_PLACES,
        0,
        720,
    ),
    P(
        "tracing_lookback_days",
        14,
        "int",
        _("天"),
        "D2 二(四)（平台默认）",
        _("流调默认追溯天数"),
        G_PLACES,
        1,
        21,
    ),
    P(
        "scan_identity_days",
        30,
        "int",
        _("天"),
        "PIPL（平台默认）",
        _("扫码页记住本机身份天数"),
        G_PLACES,
        0,
        90,
    ),
    P("scan_retention_days", 21, "int", _("天"), "PIPL", _("扫码记录保存期"), G_RETENTION, 1),
    P(
        "test_result_retention_days",
        21,
        "int",
        _("天"),
        "PIPL",
        _("核酸结果保存期"),
        G_RETENTION,
        1,
    ),
)
BY_KEY = {p.key: p for p in PARAMETERS}


class RuleSet:
    """The values of one version, read as ``rules["nat_interval_hours"]``."""

    def __init__(self, version: int, values: dict):
        self.version = version
        self._values = values

    def __getitem__(self, key: str):
        parameter = BY_KEY[key]  # an unknown key is a programming error: fail loudly
        value = self._values.get(key, parameter.default)
        return Decimal(value) if parameter.kind == "decimal" else value

    def items(self):
        return [(p, self[p.key]) for p in PARAMETERS]


def defaults() -> dict:
    return {p.key: p.default for p in PARAMETERS}


def current() -> RuleSet:
    """The newest version (one indexed query); version 0 means the catalogue defaults."""
    from sibao.core.models import RuleSetVersion

    latest = RuleSetVersion.objects.order_by("-number").only("number", "values").first()
    if latest is None:
        return RuleSet(0, defaults())
    return RuleSet(latest.number, latest.values)


def at_version(number: int) -> RuleSet:
    from sibao.core.models import RuleSetVersion

    if number == 0:
        return RuleSet(0, defaults())
    row = RuleSetVersion.objects.get(number=number)
    return RuleSet(row.number, row.values)


@transaction.atomic
def ensure_complete(*, reason: str = "") -> int:
    """Write a version that contains every catalogued parameter, if the newest one lacks any.

    Runs after migrate; returns the current version number.
    """
    from sibao.core.models import RuleSetVersion

    latest = RuleSetVersion.objects.select_for_update().order_by("-number").first()
    values = dict(latest.values) if latest else {}
    missing = {k: v for k, v in defaults().items() if k not in values}
    if latest is not None and not missing:
        return latest.number
    values.update(missing)
    number = (latest.number if latest else 0) + 1
    RuleSetVersion.objects.create(
        number=number,
        values=values,
        reason=reason
        or ("初始规则集" if latest is None else "新增参数：" + "、".join(sorted(missing))),
    )
    return number
