"""Builders of the common-area tests (DEM-04): demands filed through the intake action, and a
planted cluster — five units of one county reporting the same steel shortage in their own words —
among unrelated demands of the same category."""

import datetime

from django.utils import timezone

from sibao.core.testing import make_enterprise
from sibao.workorders.actions.intake import file_demand

STEEL = [
    ("原材料钢材供应紧张", "近期钢材等原材料供应紧张，钢材采购价格上涨，生产线面临停工。"),
    ("钢材原料采购困难、价格上涨", "钢材原料采购困难，供应商供货不足，钢材价格较上月上涨两成。"),
    (
        "钢材价格上涨，原材料库存不足",
        "钢材采购价格持续上涨，原材料库存只够一周生产，急需稳定供应。",
    ),
    ("螺纹钢、钢板采购难", "钢板、螺纹钢等钢材原材料采购难，供应紧张，价格上涨明显。"),
    ("钢材原材料短缺", "钢材原材料短缺，供应商限量供货，采购价格上涨，订单交付困难。"),
]
NOISE = [
    ("包装纸箱供应商停产", "纸箱厂停产，包装材料断供，成品无法包装出厂。"),
    ("芯片进口周期延长", "进口芯片交货周期延长到半年，控制板无法组装。"),
    ("食用油灌装瓶缺货", "塑料瓶胚供货中断，食用油灌装线停工待料。"),
]


def demand(enterprise, title, description, *, category="raw_materials", days_ago=1, now=None):
    now = now or timezone.now()
    return file_demand(
        enterprise,
        actor=None,
        category=category,
        title=title,
        description=description,
        now=now - datetime.timedelta(days=days_ago),
    )


def planted_cluster(region="410102", *, days_ago=1, texts=STEEL, now=None):
    """Five demands of five units of ``region`` about one problem."""
    return [
        demand(
            make_enterprise(region=region, name=f"钢构测试{region}-{i}有限公司"),
            title,
            text,
            days_ago=days_ago + i,
            now=now,
        )
        for i, (title, text) in enumerate(texts)
    ]


def noise(region="410102", *, now=None):
    return [demand(make_enterprise(region=region), title, text, now=now) for title, text in NOISE]


# the rest of a city's demands: other categories
BACKGROUND = [
    ("labour", "春节后返岗工人不足", "需要招聘普工200人，缺少熟练焊工。"),
    ("logistics", "高速路口货车排队", "防疫检查导致运输车辆通行缓慢，货物运不出去。"),
    ("policy", "申请稳岗补贴", "稳岗补贴申报材料复杂，希望简化流程。"),
    ("supplies", "口罩消毒液紧缺", "防疫物资口罩、消毒液库存不足，需要调配。"),
    ("policy", "留抵退税进度慢", "增值税留抵退税申请已提交两个月尚未到账。"),
    ("market", "拓展外地销售市场", "产品销量下滑，希望对接外地商超拓展市场。"),
    ("other", "员工通勤班车停运", "公交停运员工无法上班，需要开通通勤专线。"),
    ("other", "融资贷款难", "银行抽贷，流动资金紧张，希望协调贷款展期。"),
]


def background(region="410102", *, now=None):
    return [
        demand(make_enterprise(region=region), title, text, category=category, now=now)
        for category, title, text in BACKGROUND
    ]
