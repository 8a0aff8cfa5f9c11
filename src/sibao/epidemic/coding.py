"""EPI-09: differentiated coding (差异化赋码) of an arrival, as a pure decision.

``decide(inputs, rules, risk_counties)`` reads nothing from the database: the caller passes the
arrival's facts, the rule set (``core.rules.current()`` or the version a decision was made
under) and the counties that contain a risk area on the arrival date. It follows D2 二(四)
clause by clause, in the seed's order, the first matching clause deciding:

1. "对来访或返回途中被判定为感染者、密接、次密接的人员，及时通过目的地企业（项目）单位报属地疫情防控
   机构，第一时间就地赋码、管控、隔离，并结合场所码扫码记录，及时追溯管控风险人员" ⇒ ``control``;
2. "对中高风险地区所在县（市、区）或静态管理区域到访或返回人员，赋红码，实施…天集中隔离"
   ⇒ ``red_isolation`` (the county of departure, or a county named in the 14-day travel history,
   contains a medium/high-risk or static-management area);
3. "对其他持“两码一证”的到访或返回人员，落地后…小时内再进行一次核酸检测，督促在豫期间认真落实…小时
   常态化核酸检测措施，未按要求检测的及时提醒" ⇒ ``nat_on_arrival``.

The numbers (isolation days, hours) are rule-set parameters; the decision records the inputs it
used, the parameter values and the rule-set version, so a stored decision can be explained later
even after the parameters or the risk-area list changed.
"""

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone

RULE_SOURCE = "D2 二(四)"

CONTROL = "control"
RED_ISOLATION = "red_isolation"
NAT_ON_ARRIVAL = "nat_on_arrival"

# en-route findings that put a person under control at once (clause 1)
EN_ROUTE_CONTROL = {"infected": "感染者", "close": "密接", "secondary": "次密接"}

# Province-level prefixes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao): a county code of
# any province starts with one of them.
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
_SIX_DIGITS = re.compile(r"^\d{6}$")
_CODES_IN_TEXT = re.compile(r"(?<!\d)\d{6}(?!\d)")


def is_county_code(code: str) -> bool:
    """A county-level code by its shape: six digits, a known province prefix, and not a city or
    province code (those end in 00)."""
    code = (code or "").strip()
    return bool(
        _SIX_DIGITS.match(code) and code[:2] in PROVINCE_PREFIXES and not code.endswith("00")
    )


def counties_in(text: str) -> list[str]:
    """The county codes written in a free-text travel history, in order, without repeats."""
    found = []
    for code in _CODES_IN_TEXT.findall(text or ""):
        if is_county_code(code) and code not in found:
            found.append(code)
    return found


@dataclass(frozen=True)
class RiskCounty:
    """A county containing at least one risk area valid on the arrival date."""

    code: str
    name: str = ""
    areas: tuple[str, ...] = ()  # "某小区（静态管理区域）", for the explanation


@dataclass(frozen=True)
class Decision:
    """The outcome of coding one arrival, with what it was decided from."""

    decision: str
    reasons: list[str]
    inputs: dict
    rule_version: int | None
    clause: int  # 1, 2 or 3: which sentence of D2 二(四) decided
    test_due_at: datetime.datetime | None = None
    isolation_until: datetime.date | None = None
    parameters: dict = field(default_factory=dict)

    def as_record(self) -> dict:
        """What is stored on the report (``decision_inputs``): the rule, its inputs, the
        parameter values applied and the explanation. No personal identifiers."""
        return {
            "rule": f"{RULE_SOURCE}（{self.clause}）",
            "clause": self.clause,
            "inputs": self.inputs,
            "parameters": self.parameters,
            "reasons": self.reasons,
        }


def _risk_map(risk_counties) -> dict[str, RiskCounty]:
    if isinstance(risk_counties, Mapping):
        return {
            code: (c if isinstance(c, RiskCounty) else RiskCounty(code, str(c or "")))
            for code, c in risk_counties.items()
        }
    return {code: RiskCounty(code) for code in (risk_counties or ())}


def _as_date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _describe(county: RiskCounty) -> str:
    where = county.name or county.code
    if county.areas:
        return f"{where}（{county.code}）：{'、'.join(county.areas)}"
    return f"{where}（{county.code}）"


def decide(inputs: Mapping, rules, risk_counties: Mapping | Iterable[str]) -> Decision:
    """Code one arrival by D2 二(四).

    ``inputs``: ``origin_region`` (county code of departure), ``expected_arrival`` (date),
    optionally ``en_route_status`` ("infected" / "close" / "secondary" / ""), ``travel_history``
    (free text; county codes and risk-county names in it count as visits), ``has_symptoms``,
    ``last_test_on`` and ``arrived_at`` (when known, the deadlines run from it instead of the
    start of the expected day). ``rules``: a rule set (``rules["…"]``, ``rules.version``).
    ``risk_counties``: county code -> ``RiskCounty`` (or just the codes).
    """
    risk = _risk_map(risk_counties)
    origin = str(inputs.get("origin_region") or "").strip()
    en_route = str(inputs.get("en_route_status") or "").strip()
    travel = str(inputs.get("travel_history") or "")
    arrival_day = _as_date(inputs.get("expected_arrival"))
    arrived_at = inputs.get("arrived_at")
    last_test_on = _as_date(inputs.get("last_test_on"))
    has_symptoms = bool(inputs.get("has_symptoms"))
    if arrived_at is not None:
        arrival_day = _as_date(arrived_at)
    if arrival_day is None:
        raise ValueError("expected_arrival is required")

    visited = [c for c in counties_in(travel) if c != origin]
    for code, county in risk.items():
        # a risk county written by name ("上海市浦东新区") in the travel history is a visit too
        if county.name and county.name in travel and code != origin and code not in visited:
            visited.append(code)
    hits = [code for code in [origin, *visited] if code in risk]

    isolation_days = rules["arrival_isolation_days"]
    nat_hours = rules["arrival_nat_within_hours"]
    rhythm_hours = rules["nat_interval_hours"]
    recorded_inputs = {
        "origin_region": origin,
        "visited_regions": visited,
        "en_route_status": en_route,
        "expected_arrival": arrival_day.isoformat(),
        "arrived_at": arrived_at.isoformat() if arrived_at is not None else None,
        "has_symptoms": has_symptoms,
        "last_test_on": last_test_on.isoformat() if last_test_on else None,
        "risk_counties": {code: _describe(risk[code]) for code in hits},
    }
    version = getattr(rules, "version", None)
    notes = []
    if has_symptoms:
        notes.append("自述有发热、咳嗽等症状：目的地单位应及时核查并安排就医（D2 二(六)）。")
    start = arrived_at if arrived_at is not None else _start_of(arrival_day)

    if en_route in EN_ROUTE_CONTROL:
        return Decision(
            decision=CONTROL,
            clause=1,
            reasons=[
                f"来访或返回途中被判定为{EN_ROUTE_CONTROL[en_route]}：及时通过目的地企业（项目）"
                "单位报属地疫情防控机构，第一时间就地赋码、管控、隔离，并结合场所码扫码记录，"
                f"及时追溯管控风险人员（{RULE_SOURCE}）。",
                *notes,
            ],
            inputs=recorded_inputs,
            rule_version=version,
        )

    if hits:
        places = "；".join(recorded_inputs["risk_counties"].values())
        came = "出发地" if origin in hits else "14天旅居史"
        return Decision(
            decision=RED_ISOLATION,
            clause=2,
            reasons=[
                f"{came}所在县（市、区）有中高风险地区或静态管理区域（{places}）：赋红码，"
                f"实施{isolation_days}天集中隔离（{RULE_SOURCE}）。",
                *notes,
            ],
            inputs=recorded_inputs,
            rule_version=version,
            isolation_until=_as_date(start) + datetime.timedelta(days=isolation_days),
            parameters={"arrival_isolation_days": isolation_days},
        )

    if last_test_on is None or (arrival_day - last_test_on).days * 24 > rhythm_hours:
        notes.append(
            f"未报告{rhythm_hours}小时内的核酸检测：目的地单位应核查其“两码一证”（D2 二(三)）。"
        )
    return Decision(
        decision=NAT_ON_ARRIVAL,
        clause=3,
        reasons=[
            f"非中高风险地区所在县（市、区）或静态管理区域来（返）豫：落地后{nat_hours}小时内"
            f"再进行一次核酸检测，在豫期间落实{rhythm_hours}小时常态化核酸检测，"
            f"未按要求检测的及时提醒（{RULE_SOURCE}）。",
            *notes,
        ],
        inputs=recorded_inputs,
        rule_version=version,
        test_due_at=start + datetime.timedelta(hours=nat_hours),
        parameters={"arrival_nat_within_hours": nat_hours, "nat_interval_hours": rhythm_hours},
    )
