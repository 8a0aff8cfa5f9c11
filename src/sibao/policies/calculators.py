"""POL-06: the subsidy calculators (D1 六(二)). Each is named, reads its parameters from the rule
set (``core.rules``) and returns its result with the figures it used, so that a stored
calculation (``SubsidyCalculation``) is traceable to the rule-set version it read.

- ``sampling_house``: the NAT sampling-house purchase subsidy — ``sampling_house_subsidy_pct`` of
  the price, split province : city/county as ``sampling_house_province_share`` :
  ``sampling_house_local_share``, only for units with at least
  ``sampling_house_staff_threshold`` staff. The split is also what EPI-15 stores with each
  registered house (``epidemic.queries_units.sampling_house_subsidy`` calls ``sampling_house_split``).
- ``nat_testing``: the NAT testing cost borne by public finance for a unit's staff over a period:
  staff × tests in the period by their rhythm (``epidemic.compliance.window_hours``: ordinary
  posts every ``nat_interval_hours``, mobile and contact posts every
  ``nat_interval_hours_mobile_post``, tightened to ``nat_interval_hours_emergency`` in closed-loop
  management) × the price per person and test (pooled ``nat_price_pooled_yuan`` or single
  ``nat_price_single_yuan``).
- ``prevention_cost``: the prevention-cost subsidy — cost × ``prevention_cost_subsidy_pct``.

Amounts are yuan, rounded half-up to the cent; where an amount is split, the last share is the
remainder so that the shares add up to the total exactly.
"""

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class CalculatorError(ValueError):
    """Inputs a calculator cannot use: ``errors`` maps input names to Chinese messages."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def _cent(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def sampling_house_split(price, rules) -> tuple[Decimal, Decimal, Decimal]:
    """``(total, province, local)`` of a sampling house bought at ``price`` yuan:
    ``sampling_house_subsidy_pct`` of the price, split province : city/county as
    ``sampling_house_province_share`` : ``sampling_house_local_share``; to the cent, the local
    share the remainder so that province + local = total exactly (D1 六(二), D2 二(一)).
    ValueError when the rule set's split has no shares."""
    price = Decimal(price)
    pct = Decimal(rules["sampling_house_subsidy_pct"])
    province_share = Decimal(rules["sampling_house_province_share"])
    local_share = Decimal(rules["sampling_house_local_share"])
    total = _cent(price * pct / 100)
    shares = province_share + local_share
    if shares == 0:
        raise ValueError("the subsidy split has no shares")
    province = _cent(total * province_share / shares)
    return total, province, total - province


def tests_in_period(days: int, interval_hours: int) -> int:
    """Tests one person takes in ``days`` days at one test every ``interval_hours`` hours, the
    first on the first day (7 days every 48 h: days 1, 3, 5, 7 = 4 tests)."""
    if days <= 0:
        return 0
    return math.ceil(days * 24 / interval_hours)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # money | int | date | choice | bool
    help: str = ""
    choices: tuple = ()
    required: bool = True


@dataclass(frozen=True)
class Calculator:
    key: str
    label: str
    description: str
    fields: tuple[Field, ...]
    parameters: tuple[str, ...]  # the rule-set keys it reads
    compute: object  # (inputs: dict of typed values, rules) -> dict with "total" (Decimal)

    def run(self, inputs: dict, rules) -> dict:
        return self.compute(inputs, rules)


def _sampling_house(inputs, rules) -> dict:
    threshold = int(rules["sampling_house_staff_threshold"])
    staff = inputs["staff"]
    if staff < threshold:
        raise CalculatorError(
            {
                "staff": _(
                    "用工 %(threshold)s 人以上的单位方可享受采样屋购置补贴（当前 %(staff)s 人）。"
                )
                % {"threshold": threshold, "staff": staff}
            }
        )
    try:
        total, province, local = sampling_house_split(inputs["price"], rules)
    except ValueError:
        raise CalculatorError(
            {"price": _("规则集中采样屋补贴分担比例无效，请联系省指挥部办公室。")}
        ) from None
    return {
        "total": total,
        "lines": [
            {"label": str(_("购置价格")), "amount": str(_cent(inputs["price"]))},
            {
                "label": str(_("补贴比例")),
                "value": f"{rules['sampling_house_subsidy_pct']}%",
            },
            {
                "label": str(_("省级财政承担")),
                "amount": str(province),
                "share": int(rules["sampling_house_province_share"]),
            },
            {
                "label": str(_("市、县财政承担")),
                "amount": str(local),
                "share": int(rules["sampling_house_local_share"]),
            },
        ],
        "province": str(province),
        "local": str(local),
        "parameters": {
            "sampling_house_subsidy_pct": rules["sampling_house_subsidy_pct"],
            "sampling_house_province_share": rules["sampling_house_province_share"],
            "sampling_house_local_share": rules["sampling_house_local_share"],
            "sampling_house_staff_threshold": threshold,
        },
    }


def _nat_testing(inputs, rules) -> dict:
    from sibao.epidemic.compliance import window_hours
    from sibao.epidemic.models.roster import PostClass

    start, end = inputs["start"], inputs["end"]
    if end < start:
        raise CalculatorError({"end": _("结束日期不能早于开始日期。")})
    days = (end - start).days + 1
    if days > 366:
        raise CalculatorError({"end": _("测算期间不能超过一年。")})
    closed_loop = bool(inputs.get("closed_loop"))
    mode = inputs["mode"]
    price = Decimal(rules["nat_price_pooled_yuan" if mode == "pooled" else "nat_price_single_yuan"])
    lines = []
    total_tests = 0
    for post, count in (
        (PostClass.ORDINARY, inputs["staff"]),
        (PostClass.MOBILE, inputs["mobile_staff"]),
    ):
        hours = window_hours(post, in_emergency=closed_loop, rules=rules)
        per_person = tests_in_period(days, hours)
        tests = count * per_person
        total_tests += tests
        lines.append(
            {
                "label": str(PostClass(post).label),
                "staff": count,
                "interval_hours": hours,
                "tests_per_person": per_person,
                "tests": tests,
                "amount": str(_cent(tests * price)),
            }
        )
    total = _cent(total_tests * price)
    return {
        "total": total,
        "lines": lines,
        "days": days,
        "tests": total_tests,
        "price": str(price),
        "parameters": {
            "nat_interval_hours": rules["nat_interval_hours"],
            "nat_interval_hours_mobile_post": rules["nat_interval_hours_mobile_post"],
            "nat_interval_hours_emergency": rules["nat_interval_hours_emergency"],
            "nat_price_pooled_yuan" if mode == "pooled" else "nat_price_single_yuan": str(price),
        },
    }


def _prevention_cost(inputs, rules) -> dict:
    pct = Decimal(rules["prevention_cost_subsidy_pct"])
    total = _cent(inputs["cost"] * pct / 100)
    return {
        "total": total,
        "lines": [
            {"label": str(_("防疫费用")), "amount": str(_cent(inputs["cost"]))},
            {"label": str(_("补助比例")), "value": f"{rules['prevention_cost_subsidy_pct']}%"},
        ],
        "parameters": {"prevention_cost_subsidy_pct": rules["prevention_cost_subsidy_pct"]},
    }


NAT_MODES = (("pooled", _("混采")), ("single", _("单采")))

CALCULATORS: dict[str, Calculator] = {
    c.key: c
    for c in (
        Calculator(
            "sampling_house",
            _("核酸采样屋购置补贴"),
            _(
                "用工 1000 人以上自行配置核酸采样屋的单位，省与市级或县（市）财政按 7∶3 比例给予"
                "购置价格 50% 的补贴（比例、分担和用工门槛以规则集为准）。"
            ),
            (
                Field("price", _("购置价格（元）"), "money"),
                Field("staff", _("用工人数"), "int", _("单位在岗员工总数")),
            ),
            (
                "sampling_house_subsidy_pct",
                "sampling_house_province_share",
                "sampling_house_local_share",
                "sampling_house_staff_threshold",
            ),
            _sampling_house,
        ),
        Calculator(
            "nat_testing",
            _("常态化核酸检测财政负担"),
            _(
                "全员免费常态核酸检测：员工人数 × 期间内按检测频次应检次数 × 单价"
                "（混采或单采），闭环管理期间按应急频次计。"
            ),
            (
                Field("staff", _("普通岗位人数"), "int"),
                Field("mobile_staff", _("流动性、接触性岗位人数"), "int"),
                Field("start", _("开始日期"), "date"),
                Field("end", _("结束日期"), "date"),
                Field("mode", _("检测方式"), "choice", choices=NAT_MODES),
                Field("closed_loop", _("闭环管理期间"), "bool", required=False),
            ),
            (
                "nat_interval_hours",
                "nat_interval_hours_mobile_post",
                "nat_interval_hours_emergency",
                "nat_price_pooled_yuan",
                "nat_price_single_yuan",
            ),
            _nat_testing,
        ),
        Calculator(
            "prevention_cost",
            _("防疫费用补助"),
            _("市、县政府按规定对白名单企业（项目）防疫费用给予补助：防疫费用 × 补助比例。"),
            (Field("cost", _("防疫费用（元）"), "money"),),
            ("prevention_cost_subsidy_pct",),
            _prevention_cost,
        ),
    )
}


def parse_inputs(calculator: Calculator, raw: dict) -> dict:
    """Typed inputs from form or JSON values; CalculatorError with a message per field."""
    errors, typed = {}, {}
    for field in calculator.fields:
        value = raw.get(field.name)
        if field.kind == "bool":
            typed[field.name] = value in (True, "true", "True", "on", "1", 1)
            continue
        if value is None or str(value).strip() == "":
            if field.required:
                errors[field.name] = _("请填写“%(label)s”。") % {"label": field.label}
            continue
        text = str(value).strip()
        try:
            if field.kind == "money":
                amount = Decimal(text)
                if not amount.is_finite() or amount < 0:
                    raise ValueError
                if amount != amount.quantize(CENT):
                    errors[field.name] = _("金额最多精确到分。")
                    continue
                if amount >= Decimal("1e12"):
                    errors[field.name] = _("金额过大。")
                    continue
                typed[field.name] = amount
            elif field.kind == "int":
                number = int(text)
                if number < 0 or number > 10_000_000:
                    raise ValueError
                typed[field.name] = number
            elif field.kind == "date":
                typed[field.name] = (
                    value if isinstance(value, datetime.date) else datetime.date.fromisoformat(text)
                )
            elif field.kind == "choice":
                if text not in dict(field.choices):
                    raise ValueError
                typed[field.name] = text
        except (ValueError, ArithmeticError):
            kinds = {
                "money": _("不小于 0 的金额"),
                "int": _("不小于 0 的整数"),
                "date": _("日期（YYYY-MM-DD）"),
                "choice": _("列出的选项之一"),
            }
            errors[field.name] = _("“%(label)s”应为%(kind)s。") % {
                "label": field.label,
                "kind": kinds[field.kind],
            }
    if errors:
        raise CalculatorError(errors)
    return typed


def plain_inputs(typed: dict) -> dict:
    """Typed inputs as JSON values (for ``SubsidyCalculation.inputs``)."""
    out = {}
    for key, value in typed.items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, datetime.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out
