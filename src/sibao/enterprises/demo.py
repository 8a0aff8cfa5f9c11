"""The whitelist part of the demo province (``sibao seed-demo``): parks, sourced facts, tiered
criteria per industry, applications in every state, the list itself with batches, chain links,
pairings, spot checks and the four-party responsibility lists.

Bulk reference data (facts, links, responsibilities) is written in bulk; every lifecycle step
(application, review, admission, removal, fuse, batch) goes through the same actions as the UI, so
the demo's history, audit trail and transition records are the real ones.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from sibao.enterprises import actions
from sibao.enterprises.models import (
    ApplicationStatus,
    ChecklistItem,
    CriteriaSet,
    CriteriaStatus,
    Criterion,
    Enterprise,
    EnterpriseFact,
    EnterpriseKind,
    FactSource,
    Responsibility,
    ResponsibilityParty,
    SpotCheck,
    SpotCheckResult,
    SupplyLink,
    SupplyLinkKind,
    WhitelistBatch,
    WhitelistChange,
    WhitelistEntry,
)
from sibao.regions.models import Department, IndustryDomain


def _var(key):
    return {"var": key}


def _any(*parts):
    return {"or": list(parts)}


def _ge(key, value):
    return {">=": [_var(key), value]}


def _eq(key, value):
    return {"==": [_var(key), value]}


def _in(key, values):
    return {"in": [_var(key), list(values)]}


# Henan practice in 2022 (province: revenue ≥ ¥1 bn, 小巨人, supply-chain whitelist, provincial
# 包联, listed, trade ≥ ¥200 m, chain leaders; city: ≥ ¥100 m, provincial 专精特新, city 包联, 新三板,
# ≥ ¥50 m trade; county: 规上, cultivation pool, county 包联, 准规上). Amounts in 万元.
ENTERPRISE_TIERS = {
    "province": _any(
        _ge("annual_revenue", 100000),
        _eq("specialised_level", "little_giant"),
        _eq("is_supply_chain_whitelist", True),
        _eq("is_listed", True),
        _eq("liaison_leader_level", "province"),
        _ge("trade_value", 20000),
        _eq("is_chain_leader", True),
    ),
    "city": _any(
        _ge("annual_revenue", 10000),
        _in("specialised_level", ["provincial", "little_giant"]),
        _in("liaison_leader_level", ["province", "city"]),
        _eq("is_neeq", True),
        _ge("trade_value", 5000),
    ),
    "county": _any(
        _eq("is_above_scale", True),
        _in("specialised_level", ["cultivation", "provincial", "little_giant"]),
        _in("liaison_leader_level", ["province", "city", "county"]),
        _eq("is_quasi_above_scale", True),
    ),
}
PROJECT_TIERS = {
    "province": _any(_eq("key_project_level", "province"), _ge("investment", 500000)),
    "city": _any(_in("key_project_level", ["province", "city"]), _ge("investment", 100000)),
    "county": _in("key_project_level", ["province", "city", "county"]),
}
TIER_TITLES = {
    "province": "省级保障：营业收入10亿元以上、专精特新“小巨人”、链主、上市公司或省级领导包联等",
    "city": "市级保障：营业收入1亿元以上、省级专精特新、新三板或市级领导包联等",
    "county": "县级保障：规模以上企业、专精特新培育库、准规上或县级领导包联等",
}
PROJECT_TITLES = {
    "province": "省级保障：省重点项目或总投资50亿元以上",
    "city": "市级保障：市重点以上项目或总投资10亿元以上",
    "county": "县级保障：县级以上重点项目",
}
GUIDES = {
    "industry": "工业企业疫情防控指南：厂区实行封闭管理，设置临时隔离观察室；生产区、生活区、"
    "办公区分区管理；员工“两点一线”通勤或闭环驻厂；原辅料接收实行无接触交接与消毒；"
    "食堂错峰分餐，宿舍控制每间人数；每日健康监测并按规定频次开展核酸检测。",
    "commerce": "商贸流通企业疫情防控指南：入口扫场所码、测温、查验健康码；控制客流，"
    "保持一米线；冷链食品落实“四证一码”；从业人员按规定频次核酸检测；"
    "每日对公共区域、购物车和电梯按钮等高频接触部位消毒。",
    "transport": "交通运输企业疫情防控指南：驾乘人员“点对点”闭环管理；车辆每趟消毒；"
    "实行“即采即走即追”；司机持有效核酸证明和通行证上路；场站设置无接触交接区。",
    "culture_tourism": "文化旅游企业疫情防控指南：景区实行预约、错峰、限流；室内场所控制接待上限；"
    "酒店设置隔离观察房；从业人员按规定频次核酸检测；游客扫码测温。",
    "key_project": "重点项目工地疫情防控指南：工地封闭管理，实名制进出；工人集中居住区分区分片；"
    "设置临时隔离观察室；物资进场无接触交接；管理人员和工人按规定频次核酸检测。",
}
CHECKLIST = [
    ("site", "已设置临时隔离观察室，位置独立、通风良好"),
    ("site", "出入口设置场所码并安排专人查验"),
    ("facilities", "储备不少于7天用量的口罩、消毒液等防疫物资"),
    ("process", "制定疫情应急处置预案并组织过演练"),
    ("process", "原辅料和货物接收实行无接触交接、消毒"),
    ("staff", "建立员工健康台账，按规定频次开展核酸检测"),
    ("staff", "明确防疫专班和分管负责人"),
    ("living", "食堂错峰分餐，宿舍每间人数符合要求"),
]
REVIEW_CRITERION = {
    "culture_tourism": ("J2", "景区、场馆已落实预约、限流、错峰措施（现场核查）"),
    "commerce": ("J2", "近一年未发生疫情防控重大违规（部门核查）"),
}
REASONS_REFUSED = [
    "营业收入未达标准，且无其他符合条件的资质。",
    "防控措施现场核查不合格，整改后可重新申报。",
]
INSPECTORS = ["市工信局、市指挥部办公室联合检查组", "县商务局、县指挥部办公室检查组"]
FINDINGS_OK = "场所码张贴规范，隔离观察室设置到位，核酸检测台账完整。"
FINDINGS_BAD = "部分员工核酸检测超期，出入口查验不严，要求限期整改。"


def seed_whitelist(gen, created, accounts, regions) -> dict:
    """Everything of the whitelist over the seeded enterprises; returns counts for the report."""
    industries = {i.code: i for i in IndustryDomain.objects.all()}
    units = [e for e in created if e.kind in (EnterpriseKind.ENTERPRISE, EnterpriseKind.PROJECT)]
    parks = _parks(gen, created, regions, industries)
    facts = _facts(gen, units)
    criteria = {code: _criteria(code, industries[code]) for code in industries}
    counts = {"criteria_ids": [c.pk for c in criteria.values()]}
    reviewer = next(a["user"] for a in accounts if a["user"].username == "demo-province-industry")
    counts.update(_applications(gen, units, reviewer))
    # the first batch of every industry, province-wide, then adjustments since
    province = regions["41"]
    for code in industries:
        if WhitelistChange.objects.filter(industry_id=code, batch__isnull=True).exists():
            actions.publish_batch(province, industries[code], actor=None)
    counts.update(_adjustments(gen, units, reviewer))
    links = _links(gen, units)
    pairings = 0
    for city in ("4101", "4103"):  # 郑州, 洛阳: the platform proposes, the units confirm later
        pairings += len(actions.propose_pairings(regions[city], actor=None))
    checks = _spot_checks(gen, units)
    responsibilities = _responsibilities(gen, units, created[0], regions)
    counts.update(
        {
            "parks": len(parks),
            "facts": facts,
            "criteria_sets": len(criteria),
            "batch_ids": list(WhitelistBatch.objects.values_list("pk", flat=True)),
            "links": links,
            "pairings": pairings,
            "spot_checks": checks,
            "responsibilities": responsibilities,
        }
    )
    return counts


def _parks(gen, created, regions, industries):
    """A bonded zone and a few parks in the functional zones, with members from their region."""
    zones = [r for r in regions.values() if r.is_statistical_zone]
    parks = []
    taken = set()
    for index, zone in enumerate(sorted(zones, key=lambda r: r.code)[:6]):
        members = [e for e in created if e.region_id == zone.code and e.kind == "enterprise"]
        if not members:
            continue
        kind = EnterpriseKind.BONDED_ZONE if index == 0 else EnterpriseKind.PARK
        suffix = "综合保税区" if kind == EnterpriseKind.BONDED_ZONE else "产业园区"
        park = Enterprise.objects.create(
            credit_code=gen.credit_code(zone.code, taken),
            name=f"{zone.name}{suffix}管理委员会",
            kind=kind,
            region=zone,
            address=gen.address(zone),
            industry=industries["industry"],
            sub_type=suffix,
            employees=gen.rng.randint(40, 200),
            contact_name=gen.fake.name(),
            contact_phone=gen.mobile(),
        )
        Enterprise.objects.filter(pk__in=[m.pk for m in members]).update(park=park)
        created.append(park)
        parks.append(park)
    return parks


def _facts(gen, units) -> int:
    """Sourced facts: most from authoritative sources, some only declared, some missing."""
    today = timezone.localdate()
    rows = []

    def add(unit, key, source, **value):
        rows.append(
            EnterpriseFact(
                enterprise=unit,
                key=key,
                source=source,
                as_of=today - datetime.timedelta(days=gen.rng.randint(10, 200)),
                is_current=True,
                region_code=unit.region_id,
                **value,
            )
        )

    rng = gen.rng
    for unit in units:
        if unit.kind == EnterpriseKind.PROJECT:
            level = rng.choices(["province", "city", "county", "none"], [8, 22, 40, 30])[0]
            add(unit, "key_project_level", FactSource.INDUSTRY_DEPARTMENT, text_value=level)
            continue
        roll = rng.random()
        output = float(unit.output_value)
        revenue = Decimal(f"{output * rng.uniform(0.8, 1.15):.1f}")
        if roll < 0.72:
            add(unit, "annual_revenue", FactSource.TAX, number_value=revenue)
        elif roll < 0.88:
            add(unit, "annual_revenue", FactSource.SELF_DECLARED, number_value=revenue)
        add(unit, "is_above_scale", FactSource.STATISTICS, bool_value=output >= 2000)
        if output < 2000 or rng.random() < 0.1:
            add(unit, "is_quasi_above_scale", FactSource.STATISTICS, bool_value=output >= 1500)
        if unit.industry_id == "industry":
            weights = [70, 18, 9, 3] if output < 100000 else [40, 25, 20, 15]
            level = rng.choices(["none", "cultivation", "provincial", "little_giant"], weights)[0]
            source = (
                FactSource.INDUSTRY_DEPARTMENT if rng.random() < 0.85 else FactSource.SELF_DECLARED
            )
            add(unit, "specialised_level", source, text_value=level)
            if output > 200000 and rng.random() < 0.3:
                add(unit, "is_chain_leader", FactSource.INDUSTRY_DEPARTMENT, bool_value=True)
        if output > 50000 and rng.random() < 0.25:
            add(unit, "is_listed", FactSource.MARKET_REGULATION, bool_value=True)
        elif output > 10000 and rng.random() < 0.08:
            add(unit, "is_neeq", FactSource.MARKET_REGULATION, bool_value=True)
        if rng.random() < 0.12:
            level = rng.choices(["province", "city", "county"], [1, 3, 6])[0]
            add(unit, "liaison_leader_level", FactSource.PLATFORM, text_value=level)
        if unit.industry_id in ("industry", "commerce") and rng.random() < 0.2:
            trade = Decimal(f"{output * rng.uniform(0.05, 0.4):.1f}")
            add(unit, "trade_value", FactSource.TAX, number_value=trade)
        if rng.random() < 0.6:
            grade = rng.choices(["A", "B", "M", "C"], [4, 4, 2, 1])[0]
            add(unit, "tax_credit_grade", FactSource.TAX, text_value=grade)
    EnterpriseFact.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _criteria(code, industry) -> CriteriaSet:
    """The province department's published, tiered criteria of one industry (version 1)."""
    department = Department.objects.get(region_id="41", kind=industry.competent_department)
    criteria_set = CriteriaSet.objects.create(
        industry=industry,
        department=department,
        version=1,
        title=f"河南省{industry.name}领域“四保”白名单入选标准",
        summary="企业（项目）自愿申报，达标即入；需现场核查的条件由行业主管部门审核。",
        guide=GUIDES[code],
        status=CriteriaStatus.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=30),
        region_code="41",
    )
    project = code == "key_project"
    tiers = PROJECT_TIERS if project else ENTERPRISE_TIERS
    titles = PROJECT_TITLES if project else TIER_TITLES
    rows = [
        Criterion(
            criteria_set=criteria_set,
            code="J1",
            title=f"属于{industry.name}领域",
            expression=_eq("industry", code),
            clause="D1 二(一)",
            order=0,
        )
    ]
    if code in REVIEW_CRITERION:
        number, title = REVIEW_CRITERION[code]
        rows.append(
            Criterion(
                criteria_set=criteria_set,
                code=number,
                title=title,
                needs_review=True,
                clause="D1 三(三)",
                order=1,
            )
        )
    for order, tier in enumerate(["province", "city", "county"], start=2):
        rows.append(
            Criterion(
                criteria_set=criteria_set,
                code={"province": "P1", "city": "S1", "county": "X1"}[tier],
                title=titles[tier],
                tier=tier,
                expression=tiers[tier],
                clause="D1 二(三)",
                order=order,
            )
        )
    Criterion.objects.bulk_create(rows)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(criteria_set=criteria_set, section=section, text=text, order=i)
            for i, (section, text) in enumerate(CHECKLIST)
        ]
    )
    return criteria_set


def _applications(gen, units, reviewer) -> dict:
    """About half of the units apply; the actions decide; a reviewer settles a share of the rest."""
    rng = gen.rng
    home = units[0]
    applicants = [home] + [u for u in units[1:] if rng.random() < 0.5]
    counts = {status: 0 for status in ApplicationStatus.values}
    for unit in applicants:
        application = actions.submit_application(unit, actor=None)
        if application.status == ApplicationStatus.SUBMITTED and unit is not home:
            roll = rng.random()
            tier = application.requested_tier or "county"
            reviews = {
                c["code"]: {"met": True, "reason": "经部门核查，符合该条件。"}
                for c in application.evaluation["criteria"]
                if c["tier"] in ("", tier) and not (c["result"] is True and c["authoritative"])
            }
            if roll < 0.45:
                actions.review_application(
                    application,
                    actor=None,
                    decision="approve",
                    reason="经审核，符合白名单入选标准。",
                    tier=tier,
                    criterion_reviews=reviews,
                )
            elif roll < 0.6:
                actions.review_application(
                    application, actor=None, decision="refuse", reason=rng.choice(REASONS_REFUSED)
                )
            elif roll < 0.7:
                actions.review_application(
                    application,
                    actor=None,
                    decision="return",
                    reason="请补充近一年营业收入证明材料。",
                )
            elif roll < 0.74:
                actions.withdraw_application(application, actor=None, reason="企业主动撤回。")
            application.refresh_from_db(fields=["status"])
        counts[application.status] += 1
    return {"applications": counts}


def _adjustments(gen, units, reviewer) -> dict:
    """Dynamic adjustment after the first batches: a few direct additions and removals."""
    rng = gen.rng
    listed = list(
        WhitelistEntry.objects.filter(status="listed").exclude(enterprise=units[0]).order_by("id")
    )
    removed = 0
    for entry in rng.sample(listed, min(6, len(listed))):
        actions.remove_unit(entry, actor=None, reason="企业停产转产，不再符合保障条件。")
        removed += 1
    unlisted = [u for u in units if not WhitelistEntry.objects.filter(enterprise=u).exists()]
    added = 0
    for unit in rng.sample(unlisted, min(8, len(unlisted))):
        if unit.applications.filter(status__in=["submitted", "returned"]).exists():
            continue
        actions.add_unit(unit, actor=None, tier="county", reason="保供稳链需要，部门动态增补。")
        added += 1
    return {"removed": removed, "added": added}


def _links(gen, units) -> int:
    """Supply links inside each city: factories buy from factories, sell to traders, ship by
    logistics companies."""
    rng = gen.rng
    by_city: dict[str, dict[str, list]] = {}
    for unit in units:
        by_city.setdefault(unit.region_id[:4], {}).setdefault(unit.industry_id, []).append(unit)
    rows, seen = [], set()
    for groups in by_city.values():
        factories = groups.get("industry", [])
        for unit in factories:
            for kind, pool in (
                (SupplyLinkKind.SUPPLIER, factories),
                (SupplyLinkKind.CUSTOMER, groups.get("commerce", [])),
                (SupplyLinkKind.LOGISTICS, groups.get("transport", [])),
            ):
                if not pool or rng.random() < 0.4:
                    continue
                partner = rng.choice(pool)
                if partner.pk == unit.pk or (unit.pk, partner.pk, kind) in seen:
                    continue
                seen.add((unit.pk, partner.pk, kind))
                rows.append(
                    SupplyLink(
                        enterprise=unit,
                        partner=partner,
                        kind=kind,
                        products=partner.sub_type,
                        region_code=unit.region_id,
                        partner_region_code=partner.region_id,
                    )
                )
    SupplyLink.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _spot_checks(gen, units) -> int:
    """Spot checks of a sample of listed units; one fused for causing spread."""
    rng = gen.rng
    today = timezone.localdate()
    listed = list(
        WhitelistEntry.objects.filter(status="listed")
        .exclude(enterprise=units[0])
        .select_related("enterprise")
        .order_by("id")
    )
    sample = rng.sample(listed, min(40, len(listed)))
    rows = []
    for entry in sample:
        bad = rng.random() < 0.2
        rows.append(
            SpotCheck(
                enterprise=entry.enterprise,
                checked_on=today - datetime.timedelta(days=rng.randint(1, 25)),
                inspectors=rng.choice(INSPECTORS),
                findings=FINDINGS_BAD if bad else FINDINGS_OK,
                result=SpotCheckResult.RECTIFY if bad else SpotCheckResult.PASSED,
                rectify_by=today + datetime.timedelta(days=3) if bad else None,
                region_code=entry.region_code,
                industry_id=entry.industry_id,
            )
        )
    SpotCheck.objects.bulk_create(rows)
    if sample:
        fused = sample[-1]
        check = SpotCheck.objects.create(
            enterprise=fused.enterprise,
            checked_on=today - datetime.timedelta(days=2),
            inspectors=INSPECTORS[0],
            findings="流调确认：该单位未落实闭环管理，员工混住，导致疫情在厂区扩散。",
            result=SpotCheckResult.FAILED,
            caused_spread=True,
            region_code=fused.region_code,
            industry_id=fused.industry_id,
        )
        actions.fuse_unit(
            fused,
            actor=None,
            evidence="流调报告：厂区内传播链 12 例，源于闭环管理失效。",
            decision="经县指挥部办公室与行业主管部门会商，取消白名单资格。",
            spot_check=check,
        )
    return len(rows) + (1 if sample else 0)


def _responsibilities(gen, units, home, regions) -> int:
    """The four parties for the home enterprise and for most listed units."""
    rng = gen.rng
    listed = set(
        WhitelistEntry.objects.filter(status="listed").values_list("enterprise_id", flat=True)
    )
    rows = []
    for unit in units:
        if unit.pk != home.pk and (unit.pk not in listed or rng.random() < 0.3):
            continue
        region = regions[unit.region_id]
        full = rng.random() < 0.85 or unit.pk == home.pk
        parties = [
            (
                ResponsibilityParty.LOCAL_GOVERNMENT,
                gen.fake.name(),
                f"{region.name}人民政府副区（县）长",
                "负责属地统筹、包联服务和应急处置协调。",
            ),
            (
                ResponsibilityParty.DEPARTMENT,
                gen.fake.name(),
                f"{region.name}行业主管部门副局长",
                "负责行业防控指导、白名单服务保障和问题协调。",
            ),
            (
                ResponsibilityParty.ENTERPRISE,
                gen.fake.name(),
                "企业分管防疫副总经理",
                "负责企业疫情防控措施落实、员工健康管理和应急预案。",
            ),
            (
                ResponsibilityParty.INDIVIDUAL,
                "",
                "全体员工",
                "遵守防疫规定，按时核酸检测，如实报告行程，出现症状立即报告。",
            ),
        ]
        if not full:
            parties = parties[:2]
        for party, name, position, duties in parties:
            rows.append(
                Responsibility(
                    enterprise=unit,
                    party=party,
                    name=name,
                    position=position,
                    phone=gen.mobile() if name else "",
                    duties=duties,
                    region_code=unit.region_id,
                )
            )
    Responsibility.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
