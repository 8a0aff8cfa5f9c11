"""EPI-09: differentiated coding, case by case against the seed's wording of D2 二(四).

D2 二(四) 差异化赋码 (quoted from the seed): "按照《河南省新冠肺炎疫情防控健康码管理办法》要求，对企业
（项目）到访或返回人员进行差异化赋码。对来访或返回途中被判定为感染者、密接、次密接的人员，及时通过目的地
企业（项目）单位报属地疫情防控机构，第一时间就地赋码、管控、隔离，并结合场所码扫码记录，及时追溯管控风险
人员；对中高风险地区所在县（市、区）或静态管理区域到访或返回人员，赋红码，实施 7天集中隔离；对其他持
“两码一证 ”的到访或返回人员，落地后 24小时内再进行一次核酸检测，督促在豫期间认真落实 48小时常态化核酸
检测措施，未按要求检测的及时提醒。"

Each row of the table quotes the clause it proves, the inputs and the expected decision with its
deadlines. ``decide`` is pure: no database is needed for the table.
"""

import datetime

import pytest
from django.utils import timezone

from sibao.core.rules import RuleSet, defaults
from sibao.epidemic.coding import RiskCounty, counties_in, decide, is_county_code

pytestmark = pytest.mark.req("EPI-09")

ARRIVAL = datetime.date(2022, 5, 20)
RULES = RuleSet(7, defaults())  # version 7 of a rule set holding the catalogue defaults
# counties containing a risk area on the arrival date
RISK = {
    "310115": RiskCounty("310115", "上海市浦东新区", ("某街道某小区（静态管理区域）",)),
    "110105": RiskCounty("110105", "北京市朝阳区", ("某街道（中风险地区）",)),
    "440305": RiskCounty("440305", "广东省深圳市南山区", ("某社区（高风险地区）",)),
}
CONTROL_CLAUSE = (
    "对来访或返回途中被判定为感染者、密接、次密接的人员，及时通过目的地企业（项目）单位报属地疫情"
    "防控机构，第一时间就地赋码、管控、隔离，并结合场所码扫码记录，及时追溯管控风险人员"
)
RED_CLAUSE = "对中高风险地区所在县（市、区）或静态管理区域到访或返回人员，赋红码，实施 7天集中隔离"
NAT_CLAUSE = (
    "对其他持“两码一证 ”的到访或返回人员，落地后 24小时内再进行一次核酸检测，督促在豫期间认真落实 "
    "48小时常态化核酸检测措施，未按要求检测的及时提醒"
)


def start_of(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


# (quoted clause, the case, inputs, expected decision, expected test deadline, isolation until)
TABLE = [
    (
        CONTROL_CLAUSE,
        "途中被判定为感染者",
        {"origin_region": "320106", "en_route_status": "infected"},
        "control",
        None,
        None,
    ),
    (
        CONTROL_CLAUSE,
        "途中被判定为密接",
        {"origin_region": "320106", "en_route_status": "close"},
        "control",
        None,
        None,
    ),
    (
        CONTROL_CLAUSE,
        "途中被判定为次密接",
        {"origin_region": "320106", "en_route_status": "secondary"},
        "control",
        None,
        None,
    ),
    (
        CONTROL_CLAUSE,
        "途中判定优先于出发地：来自静态管理区域所在县、途中被判定为密接的，仍就地管控",
        {"origin_region": "310115", "en_route_status": "close"},
        "control",
        None,
        None,
    ),
    (
        RED_CLAUSE,
        "静态管理区域所在县（上海市浦东新区）到访",
        {"origin_region": "310115"},
        "red_isolation",
        None,
        ARRIVAL + datetime.timedelta(days=7),
    ),
    (
        RED_CLAUSE,
        "中风险地区所在县（北京市朝阳区）返回",
        {"origin_region": "110105", "purpose": "return"},
        "red_isolation",
        None,
        ARRIVAL + datetime.timedelta(days=7),
    ),
    (
        RED_CLAUSE,
        "高风险地区所在县（深圳市南山区）到访",
        {"origin_region": "440305"},
        "red_isolation",
        None,
        ARRIVAL + datetime.timedelta(days=7),
    ),
    (
        RED_CLAUSE,
        "出发地无风险，但 14 天旅居史中到过中高风险地区所在县（以区划代码写明）",
        {"origin_region": "320106", "travel_history": "5月10日—12日 440305 出差"},
        "red_isolation",
        None,
        ARRIVAL + datetime.timedelta(days=7),
    ),
    (
        RED_CLAUSE,
        "14 天旅居史中到过静态管理区域所在县（以名称写明）",
        {"origin_region": "320106", "travel_history": "途经上海市浦东新区转机"},
        "red_isolation",
        None,
        ARRIVAL + datetime.timedelta(days=7),
    ),
    (
        NAT_CLAUSE,
        "其他持“两码一证”的到访人员：落地后 24 小时内核酸检测",
        {"origin_region": "320106", "last_test_on": ARRIVAL - datetime.timedelta(days=1)},
        "nat_on_arrival",
        start_of(ARRIVAL) + datetime.timedelta(hours=24),
        None,
    ),
    (
        NAT_CLAUSE,
        "其他返回人员，已知到达时间的，24 小时从到达时起算",
        {
            "origin_region": "420106",
            "purpose": "return",
            "arrived_at": start_of(ARRIVAL) + datetime.timedelta(hours=15),
        },
        "nat_on_arrival",
        start_of(ARRIVAL) + datetime.timedelta(hours=15 + 24),
        None,
    ),
    (
        NAT_CLAUSE,
        "与风险县同市不同县（上海市黄浦区）：不是风险地区“所在县（市、区）”，按其他人员落地核酸",
        {"origin_region": "310101"},
        "nat_on_arrival",
        start_of(ARRIVAL) + datetime.timedelta(hours=24),
        None,
    ),
]


@pytest.mark.parametrize(
    ("clause", "case", "inputs", "expected", "test_due_at", "isolation_until"),
    TABLE,
    ids=[row[1] for row in TABLE],
)
def test_the_coding_follows_d2_2_4_clause_by_clause(
    clause, case, inputs, expected, test_due_at, isolation_until
):
    decision = decide({"expected_arrival": ARRIVAL, **inputs}, RULES, RISK)
    assert decision.decision == expected, f"{case}: {clause}"
    assert decision.test_due_at == test_due_at
    assert decision.isolation_until == isolation_until
    # the decision names its rule, records its inputs and the rule-set version
    assert decision.rule_version == 7
    assert decision.as_record()["rule"].startswith("D2 二(四)")
    assert decision.inputs["origin_region"] == inputs["origin_region"]
    assert "D2 二(四)" in decision.reasons[0]


def test_each_clause_is_quoted_from_the_seed():
    seed_clause = (
        "对来访或返回途中被判定为感染者、密接、次密接的人员，及时通过目的地企业（项目）单位报属地疫情"
        "防控机构，第一时间就地赋码、管控、隔离，并结合场所码扫码记录，及时追溯管控风险人员；"
        "对中高风险地区所在县（市、区）或静态管理区域到访或返回人员，赋红码，实施 7天集中隔离；"
        "对其他持“两码一证 ”的到访或返回人员，落地后 24小时内再进行一次核酸检测，督促在豫期间认真落实 "
        "48小时常态化核酸检测措施，未按要求检测的及时提醒"
    )
    for clause in {row[0] for row in TABLE}:
        assert clause in seed_clause
    assert {row[3] for row in TABLE} == {"control", "red_isolation", "nat_on_arrival"}


def test_the_numbers_come_from_the_rule_set_not_the_code():
    changed = RuleSet(
        8, {**defaults(), "arrival_isolation_days": 14, "arrival_nat_within_hours": 12}
    )
    red = decide({"origin_region": "310115", "expected_arrival": ARRIVAL}, changed, RISK)
    assert red.isolation_until == ARRIVAL + datetime.timedelta(days=14)
    assert "14天集中隔离" in red.reasons[0]
    assert red.parameters == {"arrival_isolation_days": 14}
    nat = decide({"origin_region": "320106", "expected_arrival": ARRIVAL}, changed, RISK)
    assert nat.test_due_at == start_of(ARRIVAL) + datetime.timedelta(hours=12)
    assert nat.rule_version == 8


def test_the_explanation_names_the_risk_area_and_notes_symptoms_and_missing_tests():
    red = decide(
        {"origin_region": "310115", "expected_arrival": ARRIVAL, "has_symptoms": True}, RULES, RISK
    )
    assert red.inputs["risk_counties"] == {
        "310115": "上海市浦东新区（310115）：某街道某小区（静态管理区域）"
    }
    assert any("症状" in reason for reason in red.reasons)
    nat = decide({"origin_region": "320106", "expected_arrival": ARRIVAL}, RULES, RISK)
    assert any("两码一证" in reason for reason in nat.reasons)
    recent = decide(
        {"origin_region": "320106", "expected_arrival": ARRIVAL, "last_test_on": ARRIVAL},
        RULES,
        RISK,
    )
    assert not any("两码一证" in reason for reason in recent.reasons)


def test_a_county_code_is_checked_for_its_shape_in_any_province():
    assert is_county_code("310115") and is_county_code("410173") and is_county_code("650102")
    for bad in ("4101", "410100", "410000", "991234", "31011a", "", "3101150"):
        assert not is_county_code(bad), bad
    assert counties_in("3月1日 310115，3月3日 410100；电话 13800001234") == ["310115"]
