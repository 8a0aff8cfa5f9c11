"""The policy part of the demo province (``sibao seed-demo``): a catalogue of support policies
across the ten kinds of D1 六(一), issued by province, city and county departments, with
conditions over the enterprise attribute catalogue and clauses modelled on Henan's 2022 support
measures for enterprises under epidemic control (the texts are written for the demo; figures are
plausible, not quoted). Also the facts the policies read that the whitelist demo does not give
(national supply-chain whitelist, whitelist tier, a few declared credit grades), and a small
policy reserve.

Everything goes through the catalogue's actions as the platform (``actor=None``): publishing runs
matching and pushes the matches, as in production. The ids are recorded in an audit row
(``demo.policies``) so that ``seed-demo --reset`` removes exactly them (``reset_policies``).
"""

import datetime
import random

from django.utils import timezone

from sibao.core import audit
from sibao.core.models import AuditLog
from sibao.enterprises.models import Enterprise, EnterpriseFact, FactSource, WhitelistEntry
from sibao.policies import actions
from sibao.policies.models import FollowUpTask, Policy, PolicyDraft, PolicyStatus
from sibao.regions.models import Department

SEED_ACTION = "demo.policies"
PROVINCE = "41"

# --- rule shorthands --------------------------------------------------------------------------


def _var(key):
    return {"var": key}


def ge(key, value):
    return {">=": [_var(key), value]}


def le(key, value):
    return {"<=": [_var(key), value]}


def lt(key, value):
    return {"<": [_var(key), value]}


def eq(key, value):
    return {"==": [_var(key), value]}


def one_of(key, values):
    return {"in": [_var(key), list(values)]}


def any_of(*parts):
    return {"or": list(parts)}


def all_of(*parts):
    return {"and": list(parts)}


GOOD_CREDIT = one_of("tax_credit_grade", ["A", "B", "M"])
A_CREDIT = one_of("tax_credit_grade", ["A", "B"])
SMALL = le("employees", 300)
MICRO_SMALL = all_of(le("employees", 300), lt("annual_revenue", 20000))
ENTERPRISE = eq("kind", "enterprise")
PROVINCE_TIER = eq("whitelist_tier", "province")
WHITELISTED = one_of("whitelist_tier", ["province", "city", "county"])
SPECIALISED = one_of("specialised_level", ["provincial", "little_giant"])
MANUFACTURING = eq("industry", "industry")
TRADE = one_of("industry", ["commerce", "transport"])


def C(title, clause, expression):  # noqa: N802 - reads as a table below
    return {"title": title, "clause": clause, "expression": expression}


# --- the catalogue ----------------------------------------------------------------------------
# (region, department kind, category, route, amount (万元) or None, months valid (None = open),
#  title, document, benefit, summary, conditions)

P_DOC = "《河南省支持“四保”白名单企业（项目）纾困发展若干政策措施》"
TAX_DOC = "《关于进一步加大增值税期末留抵退税政策实施力度的通知》（河南省贯彻落实文件）"
FIN_DOC = "《河南省金融支持稳企纾困若干措施》"
JOB_DOC = "《河南省援企稳岗扩就业若干措施》"
POWER_DOC = "《河南省阶段性降低市场主体用电用水用气成本的通知》"

CATALOGUE = [
    # 留抵退税
    (
        "41",
        "finance",
        "vat_refund",
        "quick",
        None,
        None,
        "小微企业增值税存量留抵税额一次性退还",
        TAX_DOC,
        "符合条件的小微企业存量留抵税额一次性全额退还",
        "对符合条件的小微企业，一次性退还其存量留抵税额；增量留抵税额按月全额退还。"
        "纳税人通过电子税务局提交退税申请，税务机关“即报即审”。",
        [
            C("小微企业", "第一条第（一）项", MICRO_SMALL),
            C("纳税信用等级为 A 级或 B 级", "第一条第（二）项", A_CREDIT),
        ],
    ),
    (
        "41",
        "finance",
        "vat_refund",
        "quick",
        None,
        None,
        "制造业企业增量留抵税额按月全额退还",
        TAX_DOC,
        "制造业企业增量留抵税额按月全额退还，存量留抵税额提前一次性退还",
        "将先进制造业按月全额退还增值税增量留抵税额政策范围扩大至符合条件的制造业企业。",
        [
            C("制造业企业", "第二条", MANUFACTURING),
            C("纳税信用等级为 A 级或 B 级", "第二条", A_CREDIT),
        ],
    ),
    (
        "4101",
        "finance",
        "vat_refund",
        "no_application",
        None,
        12,
        "郑州市“四保”白名单企业留抵退税绿色通道",
        "《郑州市稳经济促增长若干措施》",
        "白名单企业留抵退税 3 个工作日内办结",
        "对列入省、市白名单的企业，税务部门主动推送退税提醒，资料齐全的 3 个工作日内办结。",
        [
            C("列入“四保”白名单", "第五条", WHITELISTED),
            C("纳税信用等级 A、B、M 级", "第五条", GOOD_CREDIT),
        ],
    ),
    # 税费减免
    (
        "41",
        "finance",
        "tax_relief",
        "no_application",
        None,
        None,
        "小微企业“六税两费”减半征收",
        "《关于进一步实施小微企业“六税两费”减免政策的通知》（河南省执行标准）",
        "资源税、城市维护建设税、房产税、城镇土地使用税、印花税、耕地占用税和教育费附加、"
        "地方教育附加按 50% 的税额幅度减征",
        "对小型微利企业、个体工商户按 50% 顶格减征“六税两费”，申报时系统自动计算，无需申请。",
        [C("小型微利企业", "第一条", MICRO_SMALL)],
    ),
    (
        "41",
        "finance",
        "tax_relief",
        "quick",
        None,
        None,
        "受疫情影响困难企业房产税、城镇土地使用税减免",
        P_DOC,
        "2022 年减免房产税、城镇土地使用税 3 个月",
        "对受疫情影响生产经营出现严重困难的企业，免征 2022 年 3 个月房产税、城镇土地使用税。",
        [
            C("企业（不含项目）", "第三条第（一）项", ENTERPRISE),
            C("从业人数 300 人以下", "第三条第（一）项", SMALL),
        ],
    ),
    (
        "4101",
        "finance",
        "tax_relief",
        "quick",
        None,
        12,
        "郑州市服务业小微企业和个体工商户国有房屋租金减免",
        "《郑州市关于帮助服务业小微企业和个体工商户缓解房屋租金压力的通知》",
        "承租国有房屋的，2022 年减免 6 个月租金",
        "对承租国有房屋的服务业小微企业和个体工商户，减免 6 个月租金；转租、分租的确保减免到实际经营主体。",
        [
            C(
                "商贸流通、文化旅游等服务业",
                "第一条",
                one_of("industry", ["commerce", "culture_tourism"]),
            ),
            C("小微企业", "第一条", SMALL),
        ],
    ),
    (
        "410102",
        "finance",
        "tax_relief",
        "standard",
        None,
        6,
        "中原区商贸企业消防安全检查费用减免",
        "《中原区支持商贸企业渡难关若干措施》",
        "免收 2022 年度电气消防检测费用",
        "区内商贸流通企业由区财政统一购买电气消防检测服务，企业不再承担费用。",
        [C("商贸流通企业", "第四条", eq("industry", "commerce"))],
    ),
    # 财政奖补
    (
        "41",
        "industry_it",
        "fiscal_award",
        "standard",
        "50",
        None,
        "专精特新“小巨人”企业一次性奖励",
        "《河南省促进中小企业“专精特新”发展工作方案》",
        "新认定的国家级专精特新“小巨人”企业一次性奖励 50 万元",
        "对新认定的国家级专精特新“小巨人”企业给予一次性奖励，用于技术改造和研发投入。",
        [C("国家级专精特新“小巨人”", "第三条第（二）项", eq("specialised_level", "little_giant"))],
    ),
    (
        "41",
        "industry_it",
        "fiscal_award",
        "standard",
        "20",
        None,
        "省级专精特新中小企业培育奖励",
        "《河南省促进中小企业“专精特新”发展工作方案》",
        "新认定的省级专精特新中小企业奖励 20 万元",
        "对新认定的省级专精特新中小企业给予奖励，优先推荐申报国家级“小巨人”。",
        [C("省级专精特新", "第三条第（一）项", eq("specialised_level", "provincial"))],
    ),
    (
        "41",
        "industry_it",
        "fiscal_award",
        "quick",
        "30",
        12,
        "规上工业企业满负荷生产奖励",
        P_DOC,
        "一季度产值增长的规上工业企业按增量给予最高 30 万元奖励",
        "对疫情期间坚持满负荷生产、产值保持增长的规模以上工业企业，按新增产值给予奖励。",
        [
            C("规模以上工业企业", "第六条", all_of(MANUFACTURING, eq("is_above_scale", True))),
            C("列入“四保”白名单", "第六条", WHITELISTED),
        ],
    ),
    (
        "41",
        "industry_it",
        "fiscal_award",
        "standard",
        "100",
        None,
        "产业链链主企业带动配套奖励",
        "《河南省重点产业链“链长制”工作方案》",
        "链主企业带动本省配套企业采购额增长的，给予最高 100 万元奖励",
        "支持链主企业发挥带动作用，稳定产业链供应链，对本省配套采购额增长显著的给予奖励。",
        [C("产业链链主企业", "第七条", eq("is_chain_leader", True))],
    ),
    (
        "4101",
        "industry_it",
        "fiscal_award",
        "quick",
        "10",
        12,
        "郑州市准规上工业企业“小升规”奖励",
        "《郑州市促进工业企业“小升规”实施意见》",
        "首次纳入规模以上统计的工业企业奖励 10 万元",
        "对首次纳入规模以上工业统计的企业给予一次性奖励，连续两年在库的再奖励 5 万元。",
        [
            C("准规上工业企业", "第二条", eq("is_quasi_above_scale", True)),
            C("制造业企业", "第二条", MANUFACTURING),
        ],
    ),
    (
        "4103",
        "industry_it",
        "fiscal_award",
        "standard",
        "30",
        12,
        "洛阳市制造业数字化转型补贴",
        "《洛阳市推进制造业数字化转型若干措施》",
        "按智能化改造设备投资额的 10% 给予补贴，最高 30 万元",
        "对实施智能化改造、数字化车间建设的规上工业企业，按设备投资额给予补贴。",
        [
            C("规模以上企业", "第三条", eq("is_above_scale", True)),
            C("制造业企业", "第三条", MANUFACTURING),
        ],
    ),
    (
        "410102",
        "industry_it",
        "fiscal_award",
        "no_application",
        "5",
        6,
        "中原区白名单企业防疫物资补助",
        "《中原区“四保”白名单企业防疫支持措施》",
        "按每家 5 万元标准发放防疫物资补助",
        "对区内列入白名单且防控自查达标的企业，按标准补助口罩、消杀用品等防疫物资费用。",
        [
            C("列入“四保”白名单", "第二条", WHITELISTED),
            C("防控自查达标", "第二条", eq("self_assessment_passed", True)),
        ],
    ),
    # 金融信贷
    (
        "41",
        "finance",
        "credit",
        "quick",
        None,
        None,
        "白名单企业贷款延期还本付息",
        FIN_DOC,
        "2022 年底前到期的贷款可延期还本付息，不下调贷款风险分类，不影响征信",
        "对受疫情影响、暂时困难的白名单企业到期贷款，银行业金融机构按市场化原则延期还本付息。",
        [C("列入“四保”白名单", "第二条", WHITELISTED)],
    ),
    (
        "41",
        "finance",
        "credit",
        "quick",
        None,
        None,
        "“豫信贷”小微企业信用贷款贴息",
        FIN_DOC,
        "新发放的小微企业信用贷款按 1 个百分点给予贴息",
        "依托省中小企业融资综合信用服务平台，对新发放信用贷款的小微企业给予贴息。",
        [
            C("小微企业", "第四条", SMALL),
            C("纳税信用 A、B、M 级", "第四条", GOOD_CREDIT),
        ],
    ),
    (
        "41",
        "finance",
        "credit",
        "standard",
        None,
        None,
        "政府性融资担保降费",
        FIN_DOC,
        "政府性融资担保机构对小微企业担保费率降至 1% 以下",
        "省级再担保机构对合作担保机构的小微企业业务减半收取再担保费。",
        [C("小微企业", "第五条", SMALL)],
    ),
    (
        "4101",
        "finance",
        "credit",
        "quick",
        None,
        12,
        "郑州市重点项目专项贷款绿色通道",
        "《郑州市金融支持重点项目建设若干措施》",
        "省市重点项目融资需求“一项目一方案”对接，审批时限压缩至 10 个工作日",
        "对省、市重点项目建立银企对接清单，提供专项贷款绿色通道。",
        [C("省级或市级重点项目", "第二条", one_of("key_project_level", ["province", "city"]))],
    ),
    (
        "41",
        "commerce",
        "credit",
        "quick",
        None,
        None,
        "外贸企业出口信用保险保费补贴",
        "《河南省稳外贸稳外资若干措施》",
        "短期出口信用保险保费给予 50% 补贴",
        "支持外贸企业投保短期出口信用保险，降低收汇风险。",
        [C("有进出口业务（年进出口额大于 0）", "第三条", {">": [_var("trade_value"), 0]})],
    ),
    # 保供稳价
    (
        "41",
        "commerce",
        "supply_price",
        "standard",
        "20",
        None,
        "生活必需品保供企业储备补贴",
        "《河南省生活必需品市场保供稳价工作方案》",
        "承担政府储备任务的企业按储备量给予最高 20 万元补贴",
        "对承担蔬菜、肉类等生活必需品储备任务的商贸流通企业，按储备量和时长给予补贴。",
        [
            C("商贸流通企业", "第四条", eq("industry", "commerce")),
            C("城市运行保障企业", "第四条", eq("is_city_operation", True)),
        ],
    ),
    (
        "41",
        "transport",
        "supply_price",
        "no_application",
        None,
        None,
        "“四保”企业物流车辆高速公路通行费优惠",
        "《“四保”企业物流车辆高速公路通行减免优惠政策》",
        "白名单企业自有和固定外协货车通行费 9 折优惠",
        "对白名单企业自有和固定外协货物运输车辆，在落实提前报备、闭环管理条件下给予通行费优惠。",
        [C("列入“四保”白名单", "第一条", WHITELISTED)],
    ),
    (
        "4101",
        "development_reform",
        "supply_price",
        "standard",
        "10",
        12,
        "郑州市平价商店补贴",
        "《郑州市平价商店建设管理办法》",
        "承诺主要品种平价销售的门店每店补贴 10 万元",
        "对承诺 18 种主要生活必需品平价销售的连锁门店给予补贴。",
        [C("商贸流通企业", "第三条", eq("industry", "commerce"))],
    ),
    (
        "4107",
        "commerce",
        "supply_price",
        "quick",
        "5",
        12,
        "新乡市保供骨干企业运输补贴",
        "《新乡市生活物资保供稳价措施》",
        "疫情期间保供配送按车次给予补贴，每家最高 5 万元",
        "对承担保供配送任务的交通运输、商贸流通企业给予运输补贴。",
        [C("交通运输或商贸流通企业", "第二条", TRADE)],
    ),
    # 社会保险
    (
        "41",
        "finance",
        "social_insurance",
        "no_application",
        None,
        None,
        "困难行业企业阶段性缓缴养老、失业、工伤保险费",
        JOB_DOC,
        "单位缴费部分缓缴期限最长至 2022 年底，缓缴期间免收滞纳金",
        "对餐饮、零售、旅游、民航、公路水路铁路运输等困难行业企业，阶段性缓缴三项社会保险单位缴费。",
        [
            C(
                "困难行业",
                "第一条",
                one_of("industry", ["commerce", "transport", "culture_tourism"]),
            )
        ],
    ),
    (
        "41",
        "finance",
        "social_insurance",
        "no_application",
        None,
        None,
        "失业保险费率阶段性降至 1%",
        JOB_DOC,
        "失业保险总费率 1%，单位和个人各 0.5%",
        "延续实施阶段性降低失业保险费率政策，申报时按新费率征收。",
        [C("企业（不含项目）", "第二条", ENTERPRISE)],
    ),
    (
        "41",
        "finance",
        "social_insurance",
        "quick",
        None,
        None,
        "中小微企业职工医疗保险单位缴费缓缴",
        JOB_DOC,
        "职工基本医疗保险单位缴费缓缴 3 个月",
        "对受疫情影响生产经营困难的中小微企业，缓缴 3 个月职工医保单位缴费。",
        [C("中小微企业", "第三条", SMALL)],
    ),
    # 援企稳岗
    (
        "41",
        "finance",
        "job_retention",
        "no_application",
        "3",
        None,
        "中小微企业失业保险稳岗返还",
        JOB_DOC,
        "按企业及其职工上年度实际缴纳失业保险费的 90% 返还",
        "对不裁员或少裁员的中小微企业，按上年度实际缴纳失业保险费的 90% 返还，"
        "由人社部门比对数据后直接发放，无需申请。",
        [
            C("中小微企业", "第四条第（一）项", SMALL),
            C("纳税信用良好（非 C、D 级）", "第四条第（一）项", GOOD_CREDIT),
        ],
    ),
    (
        "41",
        "finance",
        "job_retention",
        "no_application",
        "20",
        None,
        "大型企业失业保险稳岗返还",
        JOB_DOC,
        "按企业及其职工上年度实际缴纳失业保险费的 50% 返还",
        "对不裁员或少裁员的大型企业，按上年度实际缴纳失业保险费的 50% 返还。",
        [C("大型企业（从业人数 1000 人以上）", "第四条第（二）项", ge("employees", 1000))],
    ),
    (
        "41",
        "finance",
        "job_retention",
        "quick",
        "1",
        12,
        "一次性留工培训补助",
        JOB_DOC,
        "按每名参保职工 500 元标准发放一次性留工培训补助",
        "对受疫情影响暂时无法正常生产经营的中小微企业，按参保职工人数发放留工培训补助。",
        [
            C("中小微企业", "第五条", SMALL),
            C(
                "困难行业",
                "第五条",
                one_of("industry", ["commerce", "transport", "culture_tourism"]),
            ),
        ],
    ),
    (
        "4103",
        "finance",
        "job_retention",
        "quick",
        "2",
        12,
        "洛阳市文旅企业稳岗补贴",
        "《洛阳市支持文化旅游企业纾困发展措施》",
        "按在岗职工每人 1000 元给予稳岗补贴，每家最高 2 万元",
        "对疫情期间不裁员的 A 级旅游景区、星级饭店等文旅企业给予稳岗补贴。",
        [C("文化旅游企业", "第二条", eq("industry", "culture_tourism"))],
    ),
    # 就业创业
    (
        "41",
        "finance",
        "employment",
        "quick",
        "1",
        None,
        "企业吸纳高校毕业生一次性扩岗补助",
        JOB_DOC,
        "招用毕业年度高校毕业生并签订劳动合同的，按每人 1500 元发放",
        "对招用毕业年度高校毕业生、签订劳动合同并参加失业保险的企业，发放一次性扩岗补助。",
        [C("企业（不含项目）", "第六条", ENTERPRISE)],
    ),
    (
        "41",
        "finance",
        "employment",
        "standard",
        None,
        None,
        "小微企业创业担保贷款",
        JOB_DOC,
        "小微企业最高可申请 300 万元创业担保贷款，财政按规定贴息",
        "对当年新招用符合条件人员达到规定比例的小微企业，提供创业担保贷款并贴息。",
        [C("小微企业", "第七条", SMALL), C("纳税信用良好", "第七条", GOOD_CREDIT)],
    ),
    (
        "4101",
        "finance",
        "employment",
        "quick",
        "2",
        12,
        "郑州市就业见习补贴",
        "《郑州市就业见习管理办法》",
        "按当地最低工资标准的 60% 给予见习补贴",
        "对组织离校未就业高校毕业生参加就业见习的单位给予补贴，留用率达 50% 以上的提高标准。",
        [C("从业人数 50 人以上", "第四条", ge("employees", 50))],
    ),
    # 用工保障
    (
        "41",
        "industry_it",
        "labour",
        "no_application",
        None,
        None,
        "重点企业用工专员服务",
        P_DOC,
        "为白名单重点企业派驻用工服务专员，30 人以上缺工 3 日内对接",
        "人社、工信部门建立重点企业用工调度机制，为省级白名单企业派驻用工服务专员。",
        [C("省级白名单", "第八条", PROVINCE_TIER)],
    ),
    (
        "41",
        "industry_it",
        "labour",
        "quick",
        "10",
        None,
        "闭环生产企业员工集中住宿补贴",
        P_DOC,
        "闭环生产期间集中住宿费用给予 50% 补贴，每家最高 10 万元",
        "对实行闭环生产的白名单企业，按员工集中住宿费用给予补贴。",
        [
            C("列入“四保”白名单", "第九条", WHITELISTED),
            C("有集体宿舍", "第九条", eq("has_dormitory", True)),
        ],
    ),
    (
        "4107",
        "industry_it",
        "labour",
        "quick",
        "3",
        12,
        "新乡市企业返岗包车补贴",
        "《新乡市保障企业复工复产用工若干措施》",
        "组织员工“点对点”返岗包车的，按实际费用 50% 补贴，每家最高 3 万元",
        "对组织员工“点对点”包车返岗的工业企业给予交通费补贴。",
        [
            C("制造业企业", "第二条", MANUFACTURING),
            C("从业人数 100 人以上", "第二条", ge("employees", 100)),
        ],
    ),
    (
        "410102",
        "commerce",
        "labour",
        "quick",
        "2",
        6,
        "中原区商贸企业临时用工补贴",
        "《中原区支持商贸企业渡难关若干措施》",
        "保供期间临时招用配送人员的，每人每月补贴 1000 元",
        "对承担保供任务、临时招用分拣配送人员的商贸企业给予用工补贴。",
        [
            C("商贸流通企业", "第三条", eq("industry", "commerce")),
            C("城市运行保障企业", "第三条", eq("is_city_operation", True)),
        ],
    ),
    # 用电用水用气
    (
        "41",
        "development_reform",
        "utilities",
        "no_application",
        None,
        None,
        "中小微企业用水用电用气“欠费不停供”",
        POWER_DOC,
        "疫情期间欠费不停供，6 个月内补缴免收滞纳金",
        "对受疫情影响暂时出现生产经营困难的中小微企业，实行用水用电用气“欠费不停供”。",
        [C("中小微企业", "第一条", SMALL)],
    ),
    (
        "41",
        "development_reform",
        "utilities",
        "no_application",
        "3",
        None,
        "工商业用户电费阶段性降低",
        POWER_DOC,
        "2022 年二季度工商业电费按 3% 给予优惠",
        "对工商业用户（高耗能行业除外）阶段性降低电费，由电网企业在电费账单中直接扣减。",
        [C("企业（不含项目）", "第二条", ENTERPRISE)],
    ),
    (
        "4101",
        "development_reform",
        "utilities",
        "no_application",
        "2",
        12,
        "郑州市白名单企业用气价格优惠",
        "《郑州市阶段性降低企业用气成本措施》",
        "非居民用气价格每立方米降低 0.1 元",
        "对列入白名单的工业企业，非居民用气价格阶段性下调。",
        [
            C("列入“四保”白名单", "第一条", WHITELISTED),
            C("制造业企业", "第一条", MANUFACTURING),
        ],
    ),
    (
        "410102",
        "development_reform",
        "utilities",
        "quick",
        "1",
        6,
        "中原区小微企业宽带和专线资费减免",
        "《中原区支持小微企业发展若干措施》",
        "宽带和专线资费平均降低 10%",
        "协调通信运营商对区内小微企业宽带和专线资费给予优惠。",
        [C("小微企业", "第五条", MICRO_SMALL)],
    ),
]

RESERVE = [
    (
        PROVINCE,
        "transport",
        "supply_price",
        "跨省货车司机核酸检测和通行保障",
        "封控地区入豫货车司机核酸结果跨省互认不畅，运输企业反映车辆在高速口滞留时间长。",
        "建议对白名单企业固定外协车辆实行“一车一证”电子通行证，核酸结果跨省互认。",
    ),
    (
        "4101",
        "commerce",
        "fiscal_award",
        "商贸企业疫情期间房租压力",
        "商场闭店期间商户租金压力大，非国有房屋出租人减租意愿低。",
        "研究对主动减免租金的非国有房屋出租人给予房产税、城镇土地使用税减免。",
    ),
    (
        "410102",
        "industry_it",
        "labour",
        "闭环生产企业员工心理疏导",
        "长期闭环生产的企业员工情绪波动，部分企业反映缺少专业心理服务。",
        "",
    ),
    (
        PROVINCE,
        "industry_it",
        "fiscal_award",
        "企业自配核酸采样屋运维补贴",
        "自行配置核酸采样屋的企业反映，购置补贴之外的运维、耗材费用负担较重。",
        "在购置补贴（省与市县 7∶3，补贴 50%）基础上研究按年度给予运维补贴。",
    ),
]


# --- facts the policies read -----------------------------------------------------------------


def _seed_facts(rng, units) -> int:
    """Sourced facts the whitelist demo leaves out: the whitelist tier (the platform knows it),
    the national supply-chain whitelist (industry department), and some declared credit grades
    where the tax data has none — so the catalogue meets every kind of source."""
    today = timezone.localdate()
    ids = [u.pk for u in units]
    have = set(
        EnterpriseFact.objects.filter(enterprise_id__in=ids, is_current=True).values_list(
            "enterprise_id", "key"
        )
    )
    tiers = dict(
        WhitelistEntry.objects.filter(enterprise_id__in=ids, status="listed").values_list(
            "enterprise_id", "tier"
        )
    )
    rows = []

    def add(unit, key, source, **value):
        if (unit.pk, key) in have:
            return
        rows.append(
            EnterpriseFact(
                enterprise=unit,
                key=key,
                source=source,
                as_of=today - datetime.timedelta(days=rng.randint(3, 90)),
                is_current=True,
                region_code=unit.region_id,
                **value,
            )
        )

    for unit in units:
        if unit.pk in tiers:
            add(unit, "whitelist_tier", FactSource.PLATFORM, text_value=tiers[unit.pk])
        if unit.kind != "enterprise":
            continue
        big = unit.industry_id == "industry" and float(unit.output_value or 0) > 50000
        # the departments' lists are complete: a unit not on them is known not to be
        add(
            unit,
            "is_supply_chain_whitelist",
            FactSource.INDUSTRY_DEPARTMENT,
            bool_value=big and rng.random() < 0.3,
        )
        add(unit, "is_chain_leader", FactSource.INDUSTRY_DEPARTMENT, bool_value=False)
        add(unit, "is_listed", FactSource.MARKET_REGULATION, bool_value=False)
        add(unit, "trade_value", FactSource.TAX, number_value=0)
        if unit.industry_id != "industry":
            add(unit, "specialised_level", FactSource.INDUSTRY_DEPARTMENT, text_value="none")
        if rng.random() < 0.15:
            grade = rng.choices(["A", "B", "M"], [3, 4, 2])[0]
            add(unit, "tax_credit_grade", FactSource.SELF_DECLARED, text_value=grade)
    EnterpriseFact.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- seeding ----------------------------------------------------------------------------------


def _department(region, kind):
    return Department.objects.filter(region_id=region, kind=kind).first()


def seed_policies(enterprise_ids, *, seed: int = 1, prompted_by=()) -> dict:
    """The demo catalogue: every policy above created and published (a few kept as drafts, one
    superseded by a second version, one withdrawn, one not yet in force), the facts they read,
    and the reserve. ``prompted_by``: records (e.g. sentinel alerts) the reserve may cite."""
    rng = random.Random(seed * 7919 + 9)
    units = list(Enterprise.objects.filter(pk__in=list(enterprise_ids)))
    facts = _seed_facts(rng, units)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=200)
    created = []
    for n, row in enumerate(CATALOGUE):
        (
            region,
            kind,
            category,
            route,
            amount,
            months,
            title,
            document,
            benefit,
            summary,
            conds,
        ) = row
        department = _department(region, kind)
        if department is None:
            continue
        valid_to = None if months is None else start + datetime.timedelta(days=31 * months + 200)
        policy = actions.create_policy(
            department,
            actor=None,
            conditions=conds,
            title=title,
            category=category,
            document=document,
            summary=summary,
            benefit=benefit,
            benefit_amount=amount,
            route=route,
            how_to_apply=_how_to_apply(route, department),
            materials=_materials(route),
            valid_from=start,
            valid_to=valid_to,
        )
        created.append(policy)
        if n % 13 == 12:
            continue  # a few stay drafts (being revised by their department)
        actions.publish_policy(policy, actor=None)
    published = [p for p in created if p.pk in _published_ids(created)]
    versions = 0
    if published:
        # a revised policy: version 2 lowers the threshold and supersedes version 1
        first = published[0]
        second = actions.new_policy_version(first, actor=None)
        actions.update_policy(
            second, actor=None, summary=second.summary + "（第 2 版放宽了收入标准。）"
        )
        condition = second.conditions.first()
        actions.update_condition(
            condition,
            actor=None,
            title=condition.title,
            clause=condition.clause,
            expression=all_of(le("employees", 300), lt("annual_revenue", 30000)),
        )
        actions.publish_policy(second, actor=None)
        created.append(second)
        versions = 1
    withdrawn = 0
    if len(published) > 5:
        actions.withdraw_policy(
            published[5], actor=None, reason="上级政策调整，本政策并入新的综合性措施。"
        )
        withdrawn = 1
    # one policy announced but not yet in force: published with a start date next month
    upcoming = _department("4101", "commerce")
    if upcoming is not None:
        future = actions.create_policy(
            upcoming,
            actor=None,
            conditions=[C("商贸流通企业", "第一条", eq("industry", "commerce"))],
            title="郑州市促进消费券发放（商贸企业参与）",
            category="supply_price",
            document="《郑州市促消费若干措施》",
            summary="组织商贸企业参与政府消费券核销，按核销金额给予补贴。",
            benefit="按消费券核销金额的 5% 给予参与企业补贴",
            benefit_amount="5",
            route="standard",
            how_to_apply=_how_to_apply("standard", upcoming),
            materials=_materials("standard"),
            valid_from=today + datetime.timedelta(days=30),
            valid_to=today + datetime.timedelta(days=210),
        )
        actions.publish_policy(future, actor=None)
        created.append(future)
    reserve = _seed_reserve(created, prompted_by)
    counts = {
        "policies": Policy.objects.filter(pk__in=[p.pk for p in created]).count(),
        "published": Policy.objects.filter(
            pk__in=[p.pk for p in created], status=PolicyStatus.PUBLISHED
        ).count(),
        "series": len({p.series for p in created}),
        "versions": versions,
        "withdrawn": withdrawn,
        "reserve": len(reserve),
        "facts": facts,
        "matches": sum(p.matches.count() for p in created),
    }
    audit.record(
        SEED_ACTION,
        note=f"演示政策 {counts['policies']} 条，政策储备 {counts['reserve']} 条",
        changes={
            "policies": [None, [p.pk for p in created]],
            "reserve": [None, [e.pk for e in reserve]],
            "facts": [None, facts],
        },
        region_code=PROVINCE,
    )
    return counts


def _published_ids(policies):
    return set(
        Policy.objects.filter(
            pk__in=[p.pk for p in policies], status=PolicyStatus.PUBLISHED
        ).values_list("pk", flat=True)
    )


def _how_to_apply(route, department):
    if route == "no_application":
        return (
            f"免申即享：{department.name}根据共享数据核验，符合条件的企业无需申请，"
            "政策兑现后在平台“我的政策”中确认到账即可。"
        )
    if route == "quick":
        return (
            "快申快享：在平台“我的政策”中查看匹配结果，仅需补充平台缺少的信息并上传材料，"
            f"由{department.name}在 5 个工作日内审核。"
        )
    return f"依申请办理：向{department.name}提交申请材料，审核通过后拨付。"


def _materials(route):
    if route == "no_application":
        return "无需提交材料。"
    if route == "quick":
        return "1. 申请表（平台自动生成）；\n2. 平台提示需补充的证明材料。"
    return "1. 申请表；\n2. 营业执照复印件；\n3. 相关证明材料；\n4. 银行账户信息。"


def _seed_reserve(policies, prompted_by):
    entries = []
    sources = list(prompted_by)
    for n, (region, kind, category, title, problem, proposal) in enumerate(RESERVE):
        department = _department(region, kind)
        if department is None:
            continue
        source = sources[n] if n < len(sources) else None
        entry = actions.create_reserve_entry(
            department,
            actor=None,
            title=title,
            problem=problem,
            category=category,
            proposal=proposal,
            source=source,
            source_label="" if source is not None else "企业走访座谈会反映",
        )
        entries.append(entry)
    if entries:
        actions.advance_reserve_entry(entries[0], "draft", actor=None, note="已形成征求意见稿")
    if len(entries) > 1:
        issued = next((p for p in policies if p.category == "fiscal_award"), None)
        if issued is not None:
            actions.advance_reserve_entry(
                entries[1], "issue", actor=None, policy=issued, note="已纳入出台政策"
            )
    if len(entries) > 2:
        actions.advance_reserve_entry(
            entries[2], "drop", actor=None, note="已由工会组织心理服务，不再单独出台政策"
        )
    return entries


def reset_policies() -> dict:
    """Remove what earlier demo runs created: their policies (with matches, follow-ups) and
    reserve entries. The demo facts go with the demo enterprises."""
    policy_ids, reserve_ids = set(), set()
    for changes in AuditLog.objects.filter(action=SEED_ACTION).values_list("changes", flat=True):
        policy_ids.update((changes.get("policies") or [None, []])[1] or [])
        reserve_ids.update((changes.get("reserve") or [None, []])[1] or [])
    FollowUpTask.objects.filter(policy_id__in=policy_ids).delete()
    removed = Policy.objects.filter(pk__in=policy_ids).delete()[1].get("policies.Policy", 0)
    dropped = (
        PolicyDraft.objects.filter(pk__in=reserve_ids).delete()[1].get("policies.PolicyDraft", 0)
    )
    return {"policies": removed, "reserve": dropped}
