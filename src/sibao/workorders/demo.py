"""Demo data of the demands module (DEM-01 … DEM-06), for ``sibao seed-demo``.

About four months of demands of whitelisted units in Chinese, across all categories and urgencies,
with planted clusters (many units short of 钢材, 芯片, 普工, 货车通行证) for the clustering run to
find, and demands left in every state: submitted, accepted, dispatched, signed, replied, reviewed,
visited, closed (rated, some unsatisfied with an approved reason; some awaiting the unit's rating),
rejected, merged, withdrawn, returned and re-dispatched, extended, suspended, overdue and escalated
to the city. Everything goes through the actions with ``now=`` set in the past, so clocks,
histories and audit rows agree; the actors are the demo accounts where one exists (the county
office, the department's staff, the unit's cadre or admin), otherwise the platform.

Deterministic by ``seed`` (numbers and timestamps aside, which follow the day it runs).
"""

import datetime
import random

from django.utils import timezone

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.enterprises.models import Enterprise, WhitelistStatus
from sibao.regions.models import Department
from sibao.workorders.actions import common, followup, intake, orders
from sibao.workorders.actions.cadres import assign_cadre
from sibao.workorders.models import Demand, ExtensionRequest, ReturnRequest

__all__ = ["PLANS", "assign_demo_cadre", "seed_workorders"]

HOME_COUNTY = "410102"

# category -> department kind when no routing rule answers
FALLBACK_KIND = {
    "raw_materials": "industry_it",
    "labour": "human_resources",
    "logistics": "transport",
    "market": "commerce",
    "policy": "industry_it",
    "supplies": "industry_it",
    "other": "industry_it",
}

# (category, title, description); {m} takes a month, {n} a number
CLUSTERS = [
    (
        "raw_materials",
        "钢材供应紧张，生产线面临停工",
        "受疫情影响，上游钢厂减产、运输受阻，我公司螺纹钢、热轧卷板库存仅够{n}天，"
        "请协调省内钢厂保供或对接替代供应商。",
    ),
    (
        "raw_materials",
        "钢材价格上涨过快，采购困难",
        "近期钢材采购价上涨明显，供应商要求现款提货，企业资金周转困难，请协调钢材保供稳价。",
    ),
    (
        "raw_materials",
        "芯片断供，整机无法交付",
        "主控芯片（MCU）供应商交期延长至{n}周，现有库存只够两周生产，请协调芯片供应或推荐替代渠道。",
    ),
    (
        "raw_materials",
        "车规级芯片短缺影响订单交付",
        "车规级芯片到货不足，导致{n}台整车/部件无法按期交付，请帮助对接芯片代理商和省内封测企业。",
    ),
    (
        "labour",
        "普工招聘困难，缺口较大",
        "春节后返岗率低，生产一线普工缺口约{n}人，请协调人社部门组织专场招聘和劳务对接。",
    ),
    (
        "labour",
        "订单增加，急需招聘普工",
        "新接订单需扩产，急需普工{n}名，希望通过政府劳务协作渠道定向输送，并给予稳岗补贴指导。",
    ),
    (
        "logistics",
        "货车通行证办理难，原料运不进来",
        "我公司运输原料的货车在县界卡口被劝返，需办理重点物资运输车辆通行证，请协调办理{n}张。",
    ),
    (
        "logistics",
        "申请重点物资运输车辆通行证",
        "成品需发往外省客户，司机核酸和通行证办理周期长，请协助办理货车通行证并明确办理流程。",
    ),
]

OTHERS = [
    (
        "raw_materials",
        "包装材料供应不足",
        "纸箱、编织袋等包装材料供应商停产，库存仅够{n}天，请协调保供。",
    ),
    ("raw_materials", "化工原料采购受限", "所需危化品原料跨省采购受限，请协调办理运输和采购手续。"),
    ("labour", "外地员工返岗受阻", "约{n}名外地员工因所在地管控无法返岗，请协调点对点接返。"),
    ("labour", "技术工人短缺", "数控、焊接等技术工人短缺，请协调职业院校开展订单式培训。"),
    (
        "logistics",
        "物流园区封控，货物无法出库",
        "合作物流园区临时封控，{n}吨货物无法出库，请协调开辟绿色通道。",
    ),
    ("logistics", "冷链运输车辆不足", "冷链运输车辆紧张，生鲜产品配送受影响，请协调运力。"),
    (
        "market",
        "展会取消，需要拓展销售渠道",
        "原定参加的展会取消，新产品推广受阻，请协助对接电商平台和采购商。",
    ),
    (
        "market",
        "出口订单受阻，需要外贸指导",
        "受国际物流影响出口订单延误，请提供外贸政策和信用保险指导。",
    ),
    ("market", "产品进入本地商超渠道", "希望产品进入本地大型商超和机关食堂采购目录，请协助对接。"),
    (
        "policy",
        "留抵退税办理咨询",
        "企业符合增值税留抵退税条件，申请材料多次被退回，请协调税务部门辅导办理。",
    ),
    ("policy", "稳岗补贴未到账", "去年申请的稳岗返还补贴至今未到账，请协助查询办理进度。"),
    ("policy", "贷款贴息政策申请", "企业申请疫情期间流动资金贷款，希望了解贴息政策和申请流程。"),
    ("policy", "房租减免未落实", "承租国有房产，按政策应减免{m}个月房租，出租方尚未落实，请协调。"),
    ("supplies", "防疫物资储备不足", "厂区抗原检测试剂和口罩储备不足，请协调采购渠道。"),
    ("supplies", "核酸采样点设置申请", "企业员工{n}人，申请在厂区设置常态化核酸采样点。"),
    (
        "other",
        "企业周边道路施工影响通行",
        "厂区门口道路施工封闭，原料车和员工通勤受影响，请协调施工方案。",
    ),
    ("other", "用电负荷不足影响扩产", "新增生产线需增容{n}千伏安，请协调供电公司加快办理。"),
]

URGENCIES = ["normal"] * 6 + ["urgent"] * 3 + ["critical"]

# target state -> (weight, submitted this many days ago: (min, max))
PLANS = {
    "submitted": (4, (0.05, 0.6)),
    "accepted": (3, (0.3, 1.0)),
    "rejected": (2, (10, 110)),
    "merged": (2, (10, 110)),
    "withdrawn": (2, (10, 110)),
    "dispatched": (3, (0.5, 1.5)),
    "signed": (4, (1, 2)),
    "replied": (4, (4, 8)),
    "reviewed": (3, (5, 9)),
    "visited": (3, (6, 10)),
    "closed_rated": (30, (12, 118)),
    "closed_unrated": (8, (10, 60)),
    "closed_unsatisfied": (5, (15, 100)),
    "returned": (4, (1, 2)),
    "returned_closed": (3, (20, 100)),
    "extended": (3, (3, 6)),
    "suspended": (3, (2, 5)),
    "overdue": (6, (15, 40)),
    "escalated": (4, (8, 30)),
}

RETURN_REASON = "该事项不属于本部门职责范围，建议改派对口部门办理。"
ANSWERS = {
    "raw_materials": "已对接省内两家供应企业，签订保供协议，首批原料已于本周到货。",
    "labour": "已组织专场招聘会并通过劳务协作输送员工，岗位缺口已基本补齐。",
    "logistics": "已为企业办理重点物资运输车辆通行证，并将车辆纳入白名单保障。",
    "market": "已推荐企业参加线上对接会，并对接本地商超和电商平台。",
    "policy": "已协调主管部门一对一辅导，相关政策资金已按规定办理。",
    "supplies": "已协调防疫物资储备企业供货，并指导企业做好常态化防控。",
    "other": "已协调相关单位现场办公，问题已按企业诉求处理。",
}


class _Clock:
    """Steps forward from a start time, never past ``latest``."""

    def __init__(self, start, latest):
        self.at, self.latest = start, latest

    def step(self, rng, low_hours, high_hours):
        self.at = min(
            self.at + datetime.timedelta(hours=rng.uniform(low_hours, high_hours)), self.latest
        )
        return self.at


def _units(enterprise_ids, limit=36) -> list[Enterprise]:
    """Listed units of the ids, the home county's first (the demo accounts live there)."""
    # units of regions with departments to dispatch to (not of functional zones without any)
    candidates = Enterprise.objects.filter(
        pk__in=list(enterprise_ids), region_id__in=Department.objects.values("region_id")
    ).select_related("region")
    units = list(candidates.filter(whitelist_entry__status=WhitelistStatus.LISTED))
    if not units:
        units = list(candidates)
    units.sort(
        key=lambda u: (
            not u.region_id.startswith(HOME_COUNTY),
            not u.region_id.startswith("4101"),
            u.pk,
        )
    )
    return units[:limit]


class _People:
    """The demo accounts acting for each side, where they exist (else the platform, None)."""

    def __init__(self):
        grants = RoleGrant.objects.filter(is_active=True, user__is_active=True).select_related(
            "user"
        )
        self.offices = {g.region_id: g.user for g in grants.filter(role=Role.HQ_OFFICE)}
        self.staff = {g.department_id: g.user for g in grants.filter(role=Role.DEPARTMENT_STAFF)}
        self.filers = {}
        for g in grants.filter(role__in=[Role.ENTERPRISE_ADMIN, Role.LIAISON_CADRE]).order_by(
            "role"
        ):
            self.filers.setdefault(g.enterprise_id, g.user)

    def office(self, region_code):
        return self.offices.get(region_code)

    def handler(self, order):
        return self.staff.get(order.department_id)

    def filer(self, unit):
        return self.filers.get(unit.pk)


def _department(demand, kind=None) -> Department:
    county = demand.region_code[:6]
    if kind is None:
        suggested = orders.suggest_department(demand)
        if suggested is not None:
            return suggested
        kind = FALLBACK_KIND[demand.category]
    found = Department.objects.filter(region_id=county, kind=kind).first()
    return found or Department.objects.filter(region_id=county).order_by("id").first()


def _wrong_department(demand, right) -> Department:
    kinds = ["commerce", "transport", "human_resources", "industry_it"]
    other = next(k for k in kinds if k != right.kind)
    return _department(demand, other)


def _plans(rng, count) -> list[str]:
    names = list(PLANS)
    chosen = names[:]  # every state at least once
    weights = [PLANS[n][0] for n in names]
    chosen += rng.choices(names, weights, k=max(count - len(names), 0))
    return chosen


def _text(rng, category_pool):
    category, title, description = rng.choice(category_pool)
    return category, title, description.format(n=rng.randint(3, 200), m=rng.randint(2, 6))


class _Story:
    """One demand taken from filing to its planned state."""

    def __init__(self, rng, people, unit, plan, now):
        self.rng, self.people, self.unit, self.plan = rng, people, unit, plan
        low, high = PLANS[plan][1]
        start = now - datetime.timedelta(days=rng.uniform(low, high))
        self.clock = _Clock(start, now - datetime.timedelta(minutes=5))
        self.office = people.office(unit.region_id)

    def file(self, pool):
        rng = self.rng
        category, title, description = _text(rng, pool)
        filer = self.people.filer(self.unit)
        channel = rng.choice(["online", "online", "cadre", "hotline"])
        self.demand = intake.file_demand(
            self.unit,
            actor=filer,
            category=category,
            title=title,
            description=description,
            urgency=rng.choice(URGENCIES),
            channel=channel,
            contact_name=self.unit.contact_name,
            contact_phone=self.unit.contact_phone,
            now=self.clock.at,
        )
        return self.demand

    def accept(self):
        self.demand = intake.accept_demand(
            self.demand,
            actor=self.office,
            note="属实，予以受理。",
            now=self.clock.step(self.rng, 0.5, 6),
        )

    def dispatch(self, department=None):
        department = department or _department(self.demand)
        self.order = orders.dispatch(
            self.demand,
            actor=self.office,
            department=department,
            instructions="请按时限办理，及时与企业沟通并反馈。",
            now=self.clock.step(self.rng, 0.5, 4),
        )
        return self.order

    def handler(self):
        return self.people.handler(self.order)

    def sign(self):
        self.order = orders.sign(
            self.order, actor=self.handler(), now=self.clock.step(self.rng, 0.3, 3)
        )

    def reply(self):
        self.order = orders.reply(
            self.order,
            actor=self.handler(),
            answer=ANSWERS[self.demand.category],
            now=self.clock.step(self.rng, 8, 60),
        )

    def review(self):
        self.order = followup.review(
            self.order, actor=self.office, note="答复属实。", now=self.clock.step(self.rng, 2, 20)
        )

    def visit(self, resolution="resolved", satisfaction="satisfied"):
        followup.record_visit(
            self.order,
            actor=self.office,
            method=self.rng.choice(["phone", "onsite", "online"]),
            resolution=resolution,
            satisfaction=satisfaction,
            note="企业确认办理情况。",
            now=self.clock.step(self.rng, 4, 30),
        )
        self.order.refresh_from_db()

    def rate(self, resolution, satisfaction, feedback=""):
        self.demand = followup.rate_demand(
            self.demand,
            actor=self.people.filer(self.unit),
            resolution=resolution,
            satisfaction=satisfaction,
            feedback=feedback,
            now=self.clock.step(self.rng, 1, 10),
        )

    def close(self, reason=""):
        self.order.refresh_from_db()
        self.order = followup.close_order(
            self.order,
            actor=self.office,
            unsatisfied_reason=reason,
            now=self.clock.step(self.rng, 1, 8),
        )

    def return_and_redispatch(self):
        right = _department(self.demand)
        self.dispatch(_wrong_department(self.demand, right))
        request = orders.request_return(
            self.order,
            actor=self.handler(),
            reason=RETURN_REASON,
            suggested_department=right,
            now=self.clock.step(self.rng, 0.5, 3),
        )
        orders.decide_return(
            request,
            actor=self.office,
            approve=True,
            note="同意退回，改派。",
            now=self.clock.step(self.rng, 0.5, 3),
        )
        self.demand.refresh_from_db()
        self.dispatch(right)


def _run(story: _Story, pool) -> None:  # noqa: C901 - one branch per state, read top to bottom
    plan, rng = story.plan, story.rng
    story.file(pool)
    if plan == "submitted":
        return
    if plan == "rejected":
        intake.reject_demand(
            story.demand,
            actor=story.office,
            reason=rng.choice(["legal_route", "not_competent", "insufficient"]),
            note="经核实，该事项应通过法定途径或其他渠道解决，已告知企业。",
            now=story.clock.step(rng, 1, 10),
        )
        return
    if plan == "withdrawn":
        intake.withdraw_demand(
            story.demand,
            actor=story.people.filer(story.unit),
            note="问题已自行解决。",
            now=story.clock.step(rng, 1, 20),
        )
        return
    if plan == "merged":
        candidates = (
            Demand.objects.filter(
                region_code=story.demand.region_code,
                status__in=["submitted", "accepted", "handling"],
            )
            .exclude(pk=story.demand.pk)
            .order_by("submitted_at", "id")
        )
        same = candidates.filter(category=story.demand.category).first()
        into = same or candidates.first()
        if into is not None:
            intake.merge_demand(
                story.demand,
                into=into,
                actor=story.office,
                note="同一事项，合并办理。",
                now=story.clock.step(rng, 1, 8),
            )
            return
        plan = "accepted"
    story.accept()
    if plan == "accepted":
        return
    if plan.startswith("returned"):
        story.return_and_redispatch()
    else:
        story.dispatch()
    if plan in ("dispatched", "returned"):
        return
    story.sign()
    if plan in ("signed",):
        return
    if plan == "overdue":
        orders.start(story.order, actor=story.handler(), now=story.clock.step(rng, 2, 12))
        return
    if plan == "escalated":
        orders.escalate(
            story.order,
            actor=story.handler(),
            reason="涉及跨县协调和市级审批权限，超出县级办理权限，申请提级至市级办理。",
            now=story.clock.step(rng, 4, 30),
        )
        return
    if plan == "suspended":
        orders.suspend(
            story.order,
            actor=story.handler(),
            reason="等待企业补充产能和用工明细材料。",
            now=story.clock.step(rng, 1, 8),
        )
        return
    if plan == "extended":
        request = orders.request_extension(
            story.order,
            actor=story.handler(),
            working_days=rng.randint(2, 5),
            reason="需协调省外供应商，办理周期较长。",
            now=story.clock.step(rng, 2, 10),
        )
        orders.decide_extension(
            request,
            actor=story.office,
            approve=True,
            note="同意延期。",
            now=story.clock.step(rng, 1, 4),
        )
        story.order.refresh_from_db()
        return
    story.reply()
    if plan == "replied":
        return
    story.review()
    if plan == "reviewed":
        return
    if plan == "closed_unsatisfied":
        story.visit("partly", "unsatisfied")
        story.rate(
            "partly",
            "unsatisfied",
            rng.choice(
                [
                    "只解决了部分问题，供应仍不稳定。",
                    "答复不够具体，未实际到厂协调。",
                    "价格问题没有解决。",
                ]
            ),
        )
        story.close("已尽力协调，剩余问题属市场价格因素，超出政府协调范围，经审核同意销号。")
        return
    story.visit()
    if plan == "visited":
        return
    if plan in ("closed_rated", "returned_closed"):
        satisfaction = rng.choice(["satisfied", "satisfied", "satisfied", "basic"])
        story.rate("resolved", satisfaction, "感谢政府部门及时协调。")
    story.close()


def seed_workorders(enterprise_ids, *, seed=1, now=None) -> dict:
    """Demands of the listed units among ``enterprise_ids`` over the last ~4 months, in every
    state, then a clustering run. Returns counts per state and the ids made."""
    now = now or timezone.now()
    rng = random.Random(seed)
    units = _units(enterprise_ids)
    if not units:
        return {"demands": 0, "states": {}, "demand_ids": [], "clusters": 0}
    people = _People()
    count = max(len(PLANS), min(6 * len(units), 180))
    plans = _plans(rng, count)
    stories = []
    for index, plan in enumerate(plans):
        # clusters in 2 of 5 demands, spread over many units
        pool = CLUSTERS if rng.random() < 0.4 else OTHERS
        unit = units[index % len(units)] if index < len(units) else rng.choice(units)
        stories.append((_Story(rng, people, unit, plan, now), pool))
    stories.sort(key=lambda s: s[0].clock.at)  # file in time order
    states: dict[str, int] = {}
    ids = []
    for story, pool in stories:
        _run(story, pool)
        states[story.plan] = states.get(story.plan, 0) + 1
        ids.append(story.demand.pk)
    run = common.run_clustering(now=now)
    return {
        "demands": len(ids),
        "states": states,
        "demand_ids": ids,
        "clusters": run.cluster_count,
        "returns": ReturnRequest.objects.filter(order__demand_id__in=ids).count(),
        "extensions": ExtensionRequest.objects.filter(order__demand_id__in=ids).count(),
    }


def assign_demo_cadre(user, enterprise_ids, *, count=5, now=None) -> list[int]:
    """Make ``user`` the liaison cadre of a few listed units of the home county (besides those
    it has); returns the ids of the units newly assigned."""
    taken = set(
        RoleGrant.objects.filter(user=user, role=Role.LIAISON_CADRE, is_active=True).values_list(
            "enterprise_id", flat=True
        )
    )
    units = [u for u in _units(enterprise_ids) if u.region_id == HOME_COUNTY and u.pk not in taken]
    assigned = []
    for unit in units[:count]:
        assign_cadre(unit, user, actor=None, now=now)
        assigned.append(unit.pk)
    return assigned
