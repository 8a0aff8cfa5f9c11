"""DEM-04: Chinese text similarity — tokens, similar open demands while typing, hotness."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise
from sibao.workorders.similarity import hotness, similar_open_demands, tokens
from tests.wo_common_builders import background, demand

QUERY = "原材料钢材供应紧张 近期钢材等原材料供应紧张，钢材采购价格上涨，生产线面临停工。"
STEEL_TITLE = "钢材原料采购困难、价格上涨"
STEEL_TEXT = "钢材原料采购困难，供应商供货不足，钢材价格较上月上涨两成。"


@pytest.mark.req("DEM-04")
def test_tokens_of_chinese_text_are_words_and_character_grams_without_stop_words():
    found = tokens("我们公司的原材料钢材供应紧张，希望帮助解决")
    assert {"原材料", "钢材", "供应", "紧张"} <= set(found)
    assert {"#钢材", "#原材", "#钢"} <= set(found)
    assert not {"我们", "公司", "的", "希望", "#的", "#公司"} & set(found)
    assert tokens("") == []


@pytest.mark.req("DEM-04")
def test_a_similar_open_demand_is_found_across_different_wording(db):
    steel = demand(make_enterprise(region=OWN_COUNTY), STEEL_TITLE, STEEL_TEXT)
    background()
    found = similar_open_demands(QUERY, region_code=OWN_COUNTY, category="raw_materials")
    assert [d for d, _score in found] == [steel]
    assert found[0][1] >= 0.35


@pytest.mark.req("DEM-04")
def test_unrelated_text_finds_no_similar_demand(db):
    demand(make_enterprise(region=OWN_COUNTY), STEEL_TITLE, STEEL_TEXT)
    background()
    text = "厂区门口道路破损 雨天积水严重，员工进出不便，希望修缮道路。"
    assert similar_open_demands(text, region_code=OWN_COUNTY, category="raw_materials") == []
    assert similar_open_demands(text, region_code=OWN_COUNTY) == []


@pytest.mark.req("DEM-04")
def test_candidates_are_open_demands_of_the_same_city_only(db):
    elsewhere = demand(make_enterprise(region=OTHER_COUNTY), STEEL_TITLE, STEEL_TEXT)
    same = demand(make_enterprise(region="410105"), STEEL_TITLE, STEEL_TEXT)
    background()
    found = similar_open_demands(QUERY, region_code=OWN_COUNTY, category="raw_materials")
    assert [d for d, _ in found] == [same]  # 410105 is in the same city (4101), 410202 is not
    assert elsewhere not in [d for d, _ in found]
    excluded = similar_open_demands(
        QUERY, region_code=OWN_COUNTY, category="raw_materials", exclude_id=same.pk
    )
    assert excluded == []


def _demand(unit, days_ago, now):
    return SimpleNamespace(enterprise_id=unit, submitted_at=now - datetime.timedelta(days=days_ago))


@pytest.mark.req("DEM-04")
def test_hotness_counts_demands_units_and_recency():
    now = timezone.now()
    five_units = [_demand(u, 0, now) for u in range(5)]
    one_unit = [_demand(1, 0, now) for _ in range(5)]
    old_five_units = [_demand(u, 14, now) for u in range(5)]
    assert hotness(five_units, now=now, half_life_days=14) == 25
    assert hotness(one_unit, now=now, half_life_days=14) == 5
    # one half-life later every demand weighs half
    assert hotness(old_five_units, now=now, half_life_days=14) == pytest.approx(12.5)
    assert hotness(five_units[:3], now=now, half_life_days=14) == 9
