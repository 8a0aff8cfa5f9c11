"""The rule set (PLAT-05): every policy parameter, its default, unit and source in the seed.

Values live in ``RuleSetVersion`` rows; this catalogue says what parameters exist. A parameter
added to the catalogue later gets its default in a new version at the next migrate, so that a
version number always names one complete set of values.
"""

import datetime
import json
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
G_MONITOR = _("运行监测")

_MAPPING_ITEM = re.compile(r"^[a-z_]+:[a-z_]+(,[a-z_]+)*$")


def check_mapping(text: str) -> str:
    """A "name:item,item;name:item" mapping (e.g. the place-code rules): the shape only; what the
    names mean is checked where they are read."""
    items = [item.strip() for item in text.replace("；", ";").split(";") if item.strip()]
    if not items or not all(_MAPPING_ITEM.match(item) for item in items):
        raise ValueError(_("格式应为“类型:空间类型,空间类型;类型:空间类型”。"))
    return ";".join(items)


_LIMIT_ITEM = re.compile(r"^([a-z_]+|\*)\.([a-z]+|\*)\.([a-z]+|\*)=(\d{1,3})(d|h)$")
_OFFICE_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def limit_items(text: str) -> list[tuple[str, str, str, int, str]]:
    """(category, urgency, level, amount, unit) per item of a limit table such as
    ``*.normal.*=5d; policy.normal.*=10d``; ValueError with the reason."""
    items = []
    for raw in text.replace("；", ";").split(";"):
        item = raw.strip().replace(" ", "")
        if not item:
            continue
        match = _LIMIT_ITEM.match(item)
        if match is None or int(match.group(4)) == 0:
            raise ValueError(
                _("“%(item)s”格式不对，应为“类别.紧急程度.层级=时长”，如 *.normal.*=5d。")
                % {"item": item}
            )
        category, urgency, level, amount, unit = match.groups()
        items.append((category, urgency, level, int(amount), unit))
    if not any(i[0] == "*" and i[2] == "*" for i in items):
        raise ValueError(_("至少需要一条“*.紧急程度.*”的通用时限。"))
    return items


def check_limit_table(text: str) -> str:
    limit_items(text)
    return text


def office_spans(text: str) -> list[tuple[int, int]]:
    """Working-time spans of a day as (start, end) minutes, e.g. ``08:30-12:00,14:00-17:30``."""
    spans = []
    for raw in text.replace("，", ",").split(","):
        match = _OFFICE_SPAN.match(raw.strip())
        if match is None:
            raise ValueError(_("工作时间段格式应为 HH:MM-HH:MM，多段用逗号分隔。"))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if not (0 <= start < end <= 24 * 60) or m1 > 59 or m2 > 59:
            raise ValueError(_("工作时间段“%(span)s”无效。") % {"span": raw.strip()})
        if spans and start < spans[-1][1]:
            raise ValueError(_("工作时间段应按时间先后排列且不重叠。"))
        spans.append((start, end))
    return spans


def check_office_hours(text: str) -> str:
    office_spans(text)
    return text


def check_percent_list(text: str) -> str:
    try:
        values = [int(v) for v in text.replace("，", ",").split(",") if v.strip()]
    except ValueError:
        raise ValueError(_("请填写以逗号分隔的百分比，如 50,80,100。")) from None
    if not values or values != sorted(set(values)) or not all(0 < v <= 100 for v in values):
        raise ValueError(_("百分比应在 1–100 之间、由小到大且不重复。"))
    return ",".join(str(v) for v in values)


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
        "pass_max_validity_days",
        30,
        "int",
        _("天"),
        "D2 三(五)（平台默认）",
        _("通行证最长有效期"),
        G_LOGISTICS,
        1,
        180,
    ),
    P(
        "trip_sample_result_hours",
        24,
        "int",
        "h",
        "D1 五(一)（平台默认）",
        _("即采即走样本出结果时限（超时提醒）"),
        G_LOGISTICS,
        1,
        96,
    ),
    P(
        "workorder_sign_limits",
        "*.normal.*=1d; *.urgent.*=4h; *.critical.*=2h",
        "text",
        "",
        "D1 八(二)",
        _("工单签收时限（类别.紧急程度.层级=时长，d 工作日、h 工作小时，* 为任意）"),
        G_DISPATCH,
        check=lambda text: check_limit_table(text),
    ),
    P(
        "workorder_limits",
        "*.normal.*=5d; *.urgent.*=2d; *.critical.*=8h; policy.normal.*=10d; *.normal.province=10d",
        "text",
        "",
        "D1 八(二)",
        _("工单办理时限（类别.紧急程度.层级=时长，最具体的一条生效）"),
        G_DISPATCH,
        check=lambda text: check_limit_table(text),
    ),
    P(
        "workorder_office_hours",
        "08:30-12:00,14:00-17:30",
        "text",
        "",
        "D1 八(二)（平台默认）",
        _("工作时间段（计算工作小时）"),
        G_DISPATCH,
        check=lambda text: check_office_hours(text),
    ),
    P(
        "workorder_reminder_percents",
        "50,80,100",
        "text",
        "%",
        "D1 八(二)",
        _("时限提醒节点（占办理时限的百分比）"),
        G_DISPATCH,
        check=lambda text: check_percent_list(text),
    ),
    P(
        "workorder_escalate_overdue_days",
        2,
        "int",
        _("工作日"),
        "D1 八(二)",
        _("超期后自动提级（县→市→省）的工作日数"),
        G_DISPATCH,
        1,
        30,
    ),
    P(
        "workorder_return_window_days",
        2,
        "int",
        _("工作日"),
        "D1 八(二)",
        _("派单后可申请退回的期限"),
        G_DISPATCH,
        0,
        10,
    ),
    P(
        "workorder_extension_max_count",
        1,
        "int",
        _("次"),
        "D1 八(二)",
        _("每张工单最多延期次数"),
        G_DISPATCH,
        0,
        5,
    ),
    P(
        "workorder_extension_max_days",
        10,
        "int",
        _("工作日"),
        "D1 八(二)",
        _("单次延期最长工作日数"),
        G_DISPATCH,
        1,
        30,
    ),
    P(
        "workorder_rework_max",
        2,
        "int",
        _("次"),
        "D1 八(二)",
        _("重办次数上限（超过转重点督办）"),
        G_DISPATCH,
        0,
        10,
    ),
    P(
        "workorder_visit_days",
        3,
        "int",
        _("工作日"),
        "D1 八(二)",
        _("答复审核后回访期限"),
        G_DISPATCH,
        1,
        30,
    ),
    P(
        "demand_appeal_days",
        7,
        "int",
        _("天"),
        "D1 八(二)",
        _("销号后企业可申诉的天数"),
        G_DISPATCH,
        0,
        60,
    ),
    P(
        "demand_similarity_threshold",
        "0.35",
        "decimal",
        "",
        "D1 八(二)（平台默认）",
        _("相似诉求提示阈值（余弦相似度）"),
        G_DISPATCH,
        0.05,
        0.95,
    ),
    P(
        "demand_cluster_min_size",
        3,
        "int",
        _("件"),
        "D1 八(二)（平台默认）",
        _("共性问题聚类最少诉求数"),
        G_DISPATCH,
        2,
        100,
    ),
    P(
        "demand_cluster_window_days",
        90,
        "int",
        _("天"),
        "D1 八(二)（平台默认）",
        _("参与聚类的诉求时间范围"),
        G_DISPATCH,
        7,
        730,
    ),
    P(
        "demand_hotness_half_life_days",
        14,
        "int",
        _("天"),
        "D1 八(二)（平台默认）",
        _("热度时间衰减半衰期"),
        G_DISPATCH,
        1,
        365,
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
    # --- warnings: warning rules of the seven dimensions (MON-02), group G_MONITOR ---
    P(
        "warning_daily_report_missing_days",
        2,
        "int",
        _("天"),
        "D1 一(三)3、七(二)（平台默认）",
        _("预警：连续未报健康日报的天数"),
        G_MONITOR,
        1,
        30,
    ),
    P(
        "warning_preparedness_grace_days",
        7,
        "int",
        _("天"),
        "D1 一(三)1、3（平台默认）",
        _("预警：纳入白名单后落实常态常备的宽限天数"),
        G_MONITOR,
        0,
        90,
    ),
    P(
        "warning_staff_overdue_pct",
        10,
        "int",
        "%",
        "D1 一(三)3；D2 二(一)（平台默认）",
        _("预警：单位员工核酸超时未检比例达到此值"),
        G_MONITOR,
        1,
        100,
    ),
    P(
        "warning_staff_overdue_min",
        3,
        "int",
        _("人"),
        "D1 一(三)3（平台默认）",
        _("预警：单位超时未检人数至少达到此值"),
        G_MONITOR,
        1,
        10000,
    ),
    P(
        "warning_alert_overdue_min",
        1,
        "int",
        _("条"),
        "D1 一(三)3（平台默认）",
        _("预警：单位超期未处置的哨点预警条数达到此值"),
        G_MONITOR,
        1,
        1000,
    ),
    P(
        "warning_capacity_low_pct",
        50,
        "int",
        "%",
        "D1 一(三)3（平台默认）",
        _("预警：产能利用率低于此值（停产视同为 0）"),
        G_MONITOR,
        1,
        100,
    ),
    P(
        "warning_capacity_low_days",
        3,
        "int",
        _("天"),
        "D1 一(三)3（平台默认）",
        _("预警：产能偏低或停产连续报告天数"),
        G_MONITOR,
        1,
        30,
    ),
    P(
        "warning_policy_unapplied_days",
        15,
        "int",
        _("天"),
        "D1 一(三)3、六(一)（平台默认）",
        _("预警：应享政策推送后仍未兑现的天数"),
        G_MONITOR,
        1,
        365,
    ),
    P(
        "warning_redemption_rate_pct",
        50,
        "int",
        "%",
        "D1 一(三)3、六(一)（平台默认）",
        _("预警：县（市、区）政策兑现率低于此值"),
        G_MONITOR,
        1,
        100,
    ),
    P(
        "warning_redemption_min_eligible",
        10,
        "int",
        _("家"),
        "D1 一(三)3、六(一)（平台默认）",
        _("预警：计算地区兑现率所需的最少应享企业数"),
        G_MONITOR,
        1,
        100000,
    ),
    P(
        "warning_overdue_orders_region",
        5,
        "int",
        _("件"),
        "D1 一(三)3、八(一)（平台默认）",
        _("预警：一级承办地区超期未办结工单达到此件数"),
        G_MONITOR,
        1,
        10000,
    ),
    P(
        "warning_demand_unresolved_days",
        30,
        "int",
        _("天"),
        "D1 一(三)3、八(一)（平台默认）",
        _("预警：企业诉求提交后仍未办结的天数"),
        G_MONITOR,
        1,
        365,
    ),
    P(
        "warning_cadre_assign_days",
        7,
        "int",
        _("天"),
        "D1 一(三)3、九(二)（平台默认）",
        _("预警：纳入白名单后落实包保干部的宽限天数"),
        G_MONITOR,
        0,
        90,
    ),
    P(
        "warning_cadre_idle_days",
        30,
        "int",
        _("天"),
        "D1 一(三)3、九(二)（平台默认）",
        _("预警：包保干部未走访、未代报诉求的天数"),
        G_MONITOR,
        1,
        365,
    ),
    P(
        "warning_response_hours_notice",
        72,
        "int",
        "h",
        "D1 一(三)3（平台默认）",
        _("预警响应时限：提示级"),
        G_MONITOR,
        1,
        720,
    ),
    P(
        "warning_response_hours_warning",
        24,
        "int",
        "h",
        "D1 一(三)3（平台默认）",
        _("预警响应时限：预警级"),
        G_MONITOR,
        1,
        720,
    ),
    P(
        "warning_response_hours_severe",
        4,
        "int",
        "h",
        "D1 一(三)3（平台默认）",
        _("预警响应时限：严重级"),
        G_MONITOR,
        1,
        720,
    ),
    # --- production: production status parameters (MON-03), group G_MONITOR ---
    P(
        "production_backfill_days",
        3,
        "int",
        _("天"),
        "D1 一(三)3（平台默认）",
        _("生产经营状况可补报的天数"),
        G_MONITOR,
        0,
        31,
    ),
    P(
        "production_stale_days",
        3,
        "int",
        _("天"),
        "D1 一(三)3（平台默认）",
        _("连续未报生产经营状况的天数（视为未报）"),
        G_MONITOR,
        1,
        31,
    ),
    P(
        "production_raw_material_days_low",
        7,
        "int",
        _("天"),
        "D1 一(三)3（平台默认）",
        _("原材料可用天数低于此值为原材料告急"),
        G_MONITOR,
        1,
        365,
    ),
    P(
        "production_trend_days",
        28,
        "int",
        _("天"),
        "D1 一(三)3（平台默认）",
        _("生产经营趋势默认显示天数"),
        G_MONITOR,
        7,
        180,
    ),
    # --- board: dashboard parameters (MON-01), group G_MONITOR ---
    P(
        "dashboard_refresh_seconds",
        60,
        "int",
        _("秒"),
        "D1 八(一)（平台默认）",
        _("一屏掌控自动刷新间隔"),
        G_MONITOR,
        10,
        3600,
    ),
    P(
        "dashboard_cache_seconds",
        30,
        "int",
        _("秒"),
        "D1 八(一)（平台默认，不超过 60 秒）",
        _("一屏掌控数据缓存时长（0 为不缓存）"),
        G_MONITOR,
        0,
        60,
    ),
    # --- outbox: delivery retries (MON-05), group G_MONITOR ---
    P(
        "outbox_max_attempts",
        5,
        "int",
        _("次"),
        "D1 八(一)（平台默认）",
        _("外发消息最多尝试发送次数（用尽后标为发送失败）"),
        G_MONITOR,
        1,
        10,
    ),
    P(
        "outbox_backoff_minutes",
        5,
        "int",
        _("分钟"),
        "D1 八(一)（平台默认）",
        _("外发消息首次重试间隔（此后每次加倍）"),
        G_MONITOR,
        1,
        720,
    ),
    P(
        "outbox_sending_lease_minutes",
        15,
        "int",
        _("分钟"),
        "D1 八(一)（平台默认）",
        _("发送中未确认结果的消息视为中断、重新排队的时间"),
        G_MONITOR,
        1,
        1440,
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
    P(
        "health_code_retention_days",
        21,
        "int",
        _("天"),
        "PIPL",
        _("健康码变更记录保存期"),
        G_RETENTION,
        1,
    ),
    P(
        "itinerary_retention_days",
        21,
        "int",
        _("天"),
        "PIPL",
        _("行程码变更记录保存期"),
        G_RETENTION,
        1,
    ),
    P(
        "drug_purchase_retention_days",
        21,
        "int",
        _("天"),
        "PIPL",
        _("购药记录保存期"),
        G_RETENTION,
        1,
    ),
    P(
        "closed_alert_retention_days",
        90,
        "int",
        _("天"),
        "PIPL",
        _("已处置电子哨预警保存期"),
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
    """The newest version (one indexed query, once per request: a request reads it again from
    ``core.context.request_cache``; saving a version forgets it); version 0 means the catalogue
    defaults."""
    from sibao.core.context import request_cache
    from sibao.core.models import RuleSetVersion

    cache = request_cache.get()
    if cache is not None and "rules.current" in cache:
        return cache["rules.current"]
    latest = RuleSetVersion.objects.order_by("-number").only("number", "values").first()
    ruleset = RuleSet(0, defaults()) if latest is None else RuleSet(latest.number, latest.values)
    if cache is not None:
        cache["rules.current"] = ruleset
    return ruleset


# The newest version's number and values, for callers that read it within a query of their own
# (``from_stored`` makes the rule set); standard SQL quoting, for every backend.
NEWEST_SQL = 'SELECT "number", "values" FROM "core_rulesetversion" ORDER BY "number" DESC LIMIT 1'


def from_stored(number: int | None, values) -> RuleSet:
    """The current rule set from ``NEWEST_SQL``'s row (``None`` when there is no version:
    the catalogue defaults; ``values`` as the driver returns JSON, text or decoded), kept as
    the request's ``current()``."""
    from sibao.core.context import request_cache

    if number is None:
        ruleset = RuleSet(0, defaults())
    else:
        ruleset = RuleSet(number, json.loads(values) if isinstance(values, str) else values)
    cache = request_cache.get()
    if cache is not None:
        cache["rules.current"] = ruleset
    return ruleset


def forget_current(**_kwargs) -> None:
    """Drop the request's cached rule set (a new version was saved)."""
    from sibao.core.context import request_cache

    cache = request_cache.get()
    if cache is not None:
        cache.pop("rules.current", None)


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
