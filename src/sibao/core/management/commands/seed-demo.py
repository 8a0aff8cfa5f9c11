"""``sibao seed-demo``: a synthetic Henan for demonstrations and manual testing.

Creates the command structure of every region, a few hundred enterprises and projects spread over
the province, and one account per role. The data is derived from ``--seed``: the same seed on an
empty database gives the same enterprises, credit codes, user names and people. Passwords and TOTP
secrets are not: they come from the operating system's random source, so nobody can derive them
from the code, and they are printed once at the end.

The credit codes of the seeded enterprises are recorded in an audit row (``demo.seed``), which is
how ``--reset`` finds the demo enterprises again without touching anything else.
"""

import base64
import io
import math
import random
import secrets
import unicodedata
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from stdnum.cn import uscc

from sibao.accounts import actions as account_actions
from sibao.accounts.models import User
from sibao.accounts.roles import REQUIRES_TWO_FACTOR, Role
from sibao.core import audit
from sibao.core.models import AuditLog
from sibao.enterprises.demo import seed_whitelist
from sibao.enterprises.models import (
    ApplicationStatus,
    CriteriaSet,
    Enterprise,
    EnterpriseKind,
    WhitelistBatch,
    WhitelistEntry,
    WhitelistStatus,
)
from sibao.epidemic.demo import seed_epidemic
from sibao.epidemic.models import RiskArea
from sibao.regions.actions import ensure_organisations
from sibao.regions.models import (
    Department,
    DepartmentKind,
    Headquarters,
    IndustryDomain,
    Region,
    RegionLevel,
    WorkingGroup,
)

SEED_ACTION = "demo.seed"
RESET_ACTION = "demo.reset"
PROVINCE = "41"
HOME_COUNTY = "410102"  # 郑州市中原区: the county of the county-level and enterprise accounts

# username, role, grant region, department kind (department_staff only)
ACCOUNTS = [
    ("demo-province-leader", Role.HQ_LEADER, "41", None),
    ("demo-province-office", Role.HQ_OFFICE, "41", None),
    ("demo-zhengzhou-leader", Role.HQ_LEADER, "4101", None),
    ("demo-zhengzhou-office", Role.HQ_OFFICE, "4101", None),
    ("demo-zhongyuan-leader", Role.HQ_LEADER, HOME_COUNTY, None),
    ("demo-zhongyuan-office", Role.HQ_OFFICE, HOME_COUNTY, None),
    ("demo-province-industry", Role.DEPARTMENT_STAFF, "41", DepartmentKind.INDUSTRY_IT),
    ("demo-zhengzhou-commerce", Role.DEPARTMENT_STAFF, "4101", DepartmentKind.COMMERCE),
    # --- cadres: county departments of 中原区 handling work orders (DEM-02, DEM-06) ---
    ("demo-zhongyuan-industry", Role.DEPARTMENT_STAFF, HOME_COUNTY, DepartmentKind.INDUSTRY_IT),
    ("demo-zhongyuan-transport", Role.DEPARTMENT_STAFF, HOME_COUNTY, DepartmentKind.TRANSPORT),
    ("demo-zhongyuan-hr", Role.DEPARTMENT_STAFF, HOME_COUNTY, DepartmentKind.HUMAN_RESOURCES),
    ("demo-zhongyuan-commerce", Role.DEPARTMENT_STAFF, HOME_COUNTY, DepartmentKind.COMMERCE),
    # --- end cadres ---
    ("demo-province-health", Role.HEALTH_OFFICE, "41", None),
    ("demo-liaison-cadre", Role.LIAISON_CADRE, HOME_COUNTY, None),
    ("demo-enterprise-admin", Role.ENTERPRISE_ADMIN, HOME_COUNTY, None),
    ("demo-checkpoint-officer", Role.CHECKPOINT_OFFICER, "4101", None),
    ("demo-logistics", Role.LOGISTICS_COMPANY, HOME_COUNTY, None),
    ("demo-system-admin", Role.SYSTEM_ADMIN, "41", None),
    ("demo-data-feed", Role.DATA_FEED, "41", None),
    # --- audit chain: the security auditor (three-role separation, ORG-03) ---
    ("demo-auditor", Role.AUDITOR, "41", None),
]
DEMO_USERNAMES = [row[0] for row in ACCOUNTS]
# --- audit chain: accounts made at the end of the seeding, so that their random draws leave the
# rest of the demo as a given seed made it before they were added ---
LATE_ACCOUNTS = [row for row in ACCOUNTS if row[0] == "demo-auditor"]

INDUSTRY_CODES = ["industry", "commerce", "transport", "culture_tourism", "key_project"]
# Share of each industry among ordinary counties and among functional zones.
COUNTY_INDUSTRY_WEIGHTS = [34, 26, 13, 12, 15]
ZONE_INDUSTRY_WEIGHTS = [52, 8, 14, 2, 24]
# Where the economy is: 郑州 and 洛阳 get more enterprises than their share of counties.
CITY_WEIGHTS = {"4101": 5.0, "4103": 2.5}
ZONE_WEIGHT = 2.0
# ~10 % of all units run the city (水电气暖、生活必需品); they are industrial or commercial units, and
# those two industries make up ~60 % of the rest.
CITY_OPERATION_SHARE_OF_SECTOR = 0.17

# sub_type -> words that end a company name (before 有限公司)
SUB_TYPES = {
    "industry": {
        "装备制造": ["重型机械", "机械制造", "智能装备", "矿山机械", "起重机械", "数控机床"],
        "食品加工": ["食品", "面业", "肉制品", "乳业", "粮油食品", "调味品"],
        "电子信息": ["电子科技", "智能终端", "光电科技", "信息技术", "半导体"],
        "新材料": ["新材料科技", "超硬材料", "耐火材料", "碳材料"],
        "汽车及零部件": ["汽车零部件", "汽车配件", "新能源汽车", "车桥"],
        "生物医药": ["药业", "生物科技", "医疗器械", "制药"],
        "化工": ["化工", "精细化工", "化学"],
        "纺织服装": ["纺织", "服饰", "服装"],
        "有色金属": ["铝业", "铜业", "金属材料"],
        "建材": ["建材", "水泥", "新型建材", "玻璃"],
    },
    "commerce": {
        "商超": ["商贸", "超市连锁", "百货"],
        "批发市场": ["农产品批发市场", "商贸城", "物资交易市场"],
        "农贸市场": ["农贸市场", "菜市场管理"],
        "电子商务": ["电子商务", "网络科技"],
        "餐饮": ["餐饮管理", "餐饮服务"],
        "医药流通": ["医药连锁", "大药房连锁", "医药物流"],
    },
    "transport": {
        "物流": ["物流", "供应链管理", "国际物流"],
        "客运": ["汽车客运", "客运", "公路客运"],
        "冷链物流": ["冷链物流", "冷链运输"],
        "快递": ["速递", "快递服务"],
        "仓储": ["仓储服务", "物流园管理"],
        "公交": ["公共交通", "公交"],
    },
    "culture_tourism": {
        "景区": ["旅游开发", "景区管理", "文化旅游发展"],
        "酒店": ["酒店管理", "大酒店", "宾馆"],
        "旅行社": ["国际旅行社", "旅行社"],
        "文化演艺": ["文化传媒", "演艺", "文化产业发展"],
        "影院": ["影城", "影院管理"],
    },
}
# City operation (水、电、气、暖、生活必需品): sub_type -> (industry, name words)
CITY_OPERATION = {
    "供水": ("industry", ["水务", "自来水", "供水"]),
    "供电": ("industry", ["电力", "供电服务", "热电"]),
    "供气": ("industry", ["燃气", "天然气"]),
    "供热": ("industry", ["热力", "供热"]),
    "生活必需品": ("commerce", ["粮油", "生鲜配送", "蔬菜配送", "民生保供"]),
}
# Projects: sub_type -> name endings; "{t}" takes a trade name.
PROJECTS = {
    "基础设施": [
        "快速路网建设工程",
        "城乡供水一体化工程",
        "综合管廊建设工程",
        "污水处理厂扩建工程",
        "高速公路连接线工程",
        "城市道路提质改造工程",
    ],
    "产业项目": [
        "{t}智能制造产业园项目",
        "{t}新材料产业园项目",
        "{t}电子信息产业园项目",
        "{t}食品产业园项目",
        "{t}现代物流园项目",
        "{t}汽车零部件生产基地项目",
    ],
    "民生工程": [
        "人民医院新院区建设项目",
        "棚户区改造项目",
        "职业教育园区建设项目",
        "保障性租赁住房项目",
        "老旧小区改造项目",
    ],
    "能源项目": ["{t}光伏发电项目", "{t}风电场项目", "抽水蓄能电站项目", "热电联产项目"],
    "生态环保": ["黄河生态廊道项目", "垃圾焚烧发电项目", "水系连通工程", "湿地公园建设项目"],
}
PHASES = ["一期", "二期", "三期", "四期"]
# Median annual output (万元) per industry; spread log-normally between 2,000 and 5,000,000.
OUTPUT_MEDIANS = {
    "industry": 40_000,
    "commerce": 15_000,
    "transport": 12_000,
    "culture_tourism": 6_000,
}
TRADE_CHARS = (
    "华瑞鑫恒泰宏达昌盛隆兴丰源新金永信德安宇天中豫嘉合通顺远博创力诚佳福荣锦辉明康润祥东"
    "海泓正元凯胜豪铭润晟鼎亿邦利星光伟同汇"
)
ROADS = (
    "中原 建设 人民 文化 解放 黄河 嵩山 伏牛 桐柏 工业 科技 创新 长江 淮河 迎宾 光明 和平"
    " 胜利 友谊 开元 洛河 商都 农业 花园 经三 纬五 滨河 紫荆山 大学 航海 未来 金水 学府"
).split()
ROAD_KINDS = ["路", "路", "大道", "街"]
MOBILE_PREFIXES = "130 131 132 133 135 136 137 138 139 150 151 152 155 156 158 159 166 176 177 "
MOBILE_PREFIXES = (MOBILE_PREFIXES + "178 180 181 182 183 185 186 187 188 189 191 198 199").split()
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _short(name: str) -> str:
    """郑州市 -> 郑州, 管城回族区 -> 管城, 郏县 stays 郏县 (one character is not a place name)."""
    for suffix in ("回族区", "市", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


class Generator:
    """Draws every value from one ``random.Random`` and one seeded Faker, in a fixed order."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.names: set[str] = set()
        self.codes: set[str] = set()

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def trade_name(self) -> str:
        return "".join(self.rng.sample(TRADE_CHARS, 2))

    def password(self) -> str:
        """A random password (not derived from the seed), grouped for reading aloud."""
        while True:
            groups = [
                "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)
            ]
            password = "-".join(groups)
            if (
                any(c.islower() for c in password)
                and any(c.isupper() for c in password)
                and any(c.isdigit() for c in password)
            ):
                return password

    def credit_code(self, region_code: str, taken: set[str]) -> str:
        while True:
            # the organisation code part: new registrations carry "MA" and seven characters
            serial = "MA" + "".join(self.rng.choices(USCC_ALPHABET, k=7))
            body = f"91{region_code[:6]}{serial}"
            code = body + uscc.calc_check_digit(body)
            if code not in self.codes and code not in taken:
                self.codes.add(code)
                return code

    def address(self, region: Region) -> str:
        road = self.rng.choice(ROADS) + self.rng.choice(ROAD_KINDS)
        return f"{region.full_name}{road}{self.rng.randint(1, 399)}号"

    def _unique(self, make) -> str:
        for _ in range(50):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        raise CommandError("无法生成不重复的企业名称。")

    def company_name(self, region: Region, city: Region, words: list[str]) -> str:
        def make():
            roll = self.rng.random()
            if roll < 0.25:
                place = "河南"
            elif roll < 0.75 or region.is_statistical_zone or region.level == RegionLevel.CITY:
                place = _short(city.name)
            else:
                place = _short(region.name)
            suffix = self.rng.choices(["有限公司", "股份有限公司", "有限责任公司"], [8, 1, 1])[0]
            return f"{place}{self.trade_name()}{self.rng.choice(words)}{suffix}"

        return self._unique(make)

    def project_name(self, region: Region, sub_type: str) -> str:
        def make():
            ending = self.rng.choice(PROJECTS[sub_type]).format(t=self.trade_name())
            phase = f"（{self.rng.choice(PHASES)}）" if self.rng.random() < 0.3 else ""
            return f"{region.name}{ending}{phase}"

        return self._unique(make)

    def lognormal(self, median: float, sigma: float, low: float, high: float) -> Decimal:
        """A log-normal amount in 万元, redrawn until it lies in [low, high] (no pile-up at the ends)."""
        while True:
            value = self.rng.lognormvariate(math.log(median), sigma)
            if low <= value <= high:
                return Decimal(f"{value:.1f}")


class Command(BaseCommand):
    help = (
        "生成演示数据：各级指挥部、部门和工作组，数百家合成企业（项目），每个角色一个演示账户。"
        "同一 --seed 在空数据库上生成相同的数据和密码。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprises", type=int, default=3000, help="企业（项目）数量，默认 3000。"
        )
        parser.add_argument("--seed", type=int, default=2022, help="随机种子，默认 2022。")
        parser.add_argument(
            "--reset", action="store_true", help="先删除此前生成的演示账户和演示企业，再重新生成。"
        )

    def handle(self, *args, enterprises, seed, reset, **options):
        if enterprises < len(INDUSTRY_CODES):
            raise CommandError(f"--enterprises 至少为 {len(INDUSTRY_CODES)}（每个行业至少一家）。")
        try:
            with transaction.atomic():
                previous_codes = self._previous_codes()
                existing_users = User.objects.filter(username__in=DEMO_USERNAMES)
                existing_enterprises = Enterprise.objects.filter(credit_code__in=previous_codes)
                if existing_users.exists() or existing_enterprises.exists():
                    if not reset:
                        self.stdout.write(
                            "演示数据已存在（如用户 demo-province-leader），未做任何改动。"
                            "如需重新生成，请加 --reset。"
                        )
                        return
                    self._reset(existing_users, existing_enterprises)
                self._seed(enterprises, seed)
        except ProtectedError as exc:
            raise CommandError(f"演示企业已被其他数据引用，无法重置：{exc.args[0]}") from None
        # --- audit chain: seal what the demo wrote (ORG-05) ---
        from sibao.core.auditchain import seal

        sealed = seal()
        self.stdout.write(f"审计链：已封存审计记录 {sealed.sealed} 条，链序号至 {sealed.seq}。")
        # --- end audit chain ---

    # -- reset -------------------------------------------------------------------------------

    def _previous(self, key) -> set:
        """What earlier runs recorded under ``key`` in their ``demo.seed`` audit rows."""
        found = set()
        for changes in AuditLog.objects.filter(action=SEED_ACTION).values_list(
            "changes", flat=True
        ):
            found.update((changes.get(key) or [None, []])[1] or [])
        return found

    def _previous_codes(self) -> set[str]:
        return self._previous("credit_codes")

    def _reset(self, users, enterprises):
        user_count = users.count()
        enterprise_count = enterprises.count()
        # Users first: their grants point at the enterprises. Audit rows stay (append-only).
        users.delete()
        # members first (park links), then the units; their whitelist rows go with them
        enterprises.update(park=None)
        # --- places: the demo units' scans (no foreign key; the rest goes with the units) ---
        from sibao.places.demo import reset_places

        reset_places(enterprises.values_list("pk", flat=True))
        # --- end places ---
        # --- policies catalogue: the demo policies and reserve (their matches go with them) ---
        from sibao.policies.demo import reset_policies

        reset_policies()
        # --- end policies catalogue ---
        # --- command: the demo switch, problem and reward (the rest goes with the units) ---
        from sibao.command.demo import reset_command

        reset_command(
            {
                key: self._previous(f"command_{key}")
                for key in ("switches", "problems", "rewards", "region_states")
            }
        )
        # --- end command ---
        # --- fleet: the demo units' vehicles, drivers, passes, checks and trips; the checkpoints ---
        from sibao.logistics.demo import reset_logistics

        reset_logistics(
            enterprises.values_list("pk", flat=True), self._previous("logistics_checkpoints")
        )
        # --- end fleet ---
        # --- cadres: the demo units' demands and orders (they protect the units) ---
        from sibao.workorders.models import Demand, WorkOrder

        WorkOrder.objects.filter(enterprise__in=enterprises).delete()
        Demand.objects.filter(enterprise__in=enterprises).delete()
        # --- end cadres ---
        enterprises.delete()
        WhitelistBatch.objects.filter(pk__in=self._previous("batches")).delete()
        CriteriaSet.objects.filter(pk__in=self._previous("criteria_sets")).delete()
        RiskArea.objects.filter(pk__in=self._previous("risk_areas")).delete()
        audit.record(
            RESET_ACTION,
            note=f"删除演示账户 {user_count} 个、演示企业 {enterprise_count} 家",
            changes={"accounts": [user_count, 0], "enterprises": [enterprise_count, 0]},
            region_code=PROVINCE,  # platform-level event: filed under the province
        )
        self.stdout.write(f"已删除演示账户 {user_count} 个、演示企业 {enterprise_count} 家。")

    # -- seed --------------------------------------------------------------------------------

    def _seed(self, count: int, seed: int):
        gen = Generator(seed)
        ensure_organisations()
        regions = {r.code: r for r in Region.objects.all()}
        for region in regions.values():  # full_name without a query per level
            region.parent = regions.get(region.parent_id)
        industries = {i.code: i for i in IndustryDomain.objects.all()}

        created = self._enterprises(gen, count, regions, industries)
        # --- fleet: the demo logistics company (a 物流 enterprise of 中原区, made if none) ---
        from sibao.logistics.demo import demo_company

        self._logistics_company, made_company = demo_company([e.pk for e in created], seed=seed)
        # --- end fleet ---
        # The first enterprise is an ordinary industrial one in 中原区 (see _placements).
        accounts = self._accounts(gen, regions, created[0])
        whitelist = seed_whitelist(gen, created, accounts, regions)
        epidemic = seed_epidemic(gen, created, created[0])
        # --- places: space trees, codes, zones, teams and badges of the roster units ---
        from sibao.places.demo import seed_places

        epidemic["places"] = seed_places([e.pk for e in created], created[0])
        # --- end places ---
        # three days of feeds for the rosters, then the sentinel's first sweep: the demo opens on
        # statuses, overdue staff and open alerts rather than on empty pages
        feeds = io.StringIO()
        call_command("simulate", "--days", "3", "--seed", str(seed), stdout=feeds)
        call_command("sentinel-sweep", stdout=feeds)
        epidemic["feeds"] = feeds.getvalue().strip().splitlines()
        # --- policies catalogue: policies across the ten kinds, published and matched; reserve ---
        from sibao.epidemic.models import SentinelAlert
        from sibao.policies.demo import seed_policies

        alerts = list(SentinelAlert.objects.filter(enterprise__in=created).order_by("pk")[:1])
        epidemic["policies"] = seed_policies([e.pk for e in created], seed=seed, prompted_by=alerts)
        # --- end policies catalogue ---
        # --- command: a county in emergency, an incident, a shutdown request, a problem ---
        from sibao.command.demo import seed_command

        epidemic["command"] = seed_command([e.pk for e in created], created[0])
        command_ids = epidemic["command"]["ids"]
        # --- end command ---
        # --- cadres: the demo cadre's units, months of demands in every state, a clustering run ---
        from sibao.workorders.demo import assign_demo_cadre, seed_workorders

        cadre = next(a["user"] for a in accounts if a["role"] == Role.LIAISON_CADRE)
        assign_demo_cadre(cadre, [e.pk for e in created])
        epidemic["workorders"] = seed_workorders([e.pk for e in created], seed=seed)
        # --- end cadres ---
        # --- fleet: checkpoints, vehicles, drivers, passes in every state, checks, a trip ---
        from sibao.logistics.demo import seed_logistics

        if made_company:  # recorded with the demo units, so that --reset removes it
            created.append(self._logistics_company)
        epidemic["logistics"] = seed_logistics([e.pk for e in created], seed=seed)
        # --- end fleet ---
        # --- production: weeks of daily production reports of the whitelisted units (MON-03) ---
        from sibao.enterprises.demo_production import seed_production

        epidemic["production"] = seed_production(
            [e.pk for e in created],
            home=created[0],
            emergency_regions=command_ids.get("region_states", []),
            seed=seed,
        )
        # --- end production ---
        # --- warnings: a first evaluation of the warning rules, some warnings acted on (MON-02) ---
        from sibao.command.demo_warnings import seed_warnings

        warned = seed_warnings()
        self.stdout.write(
            f"监测预警：首次评估产生预警 {warned['evaluated']['raised']} 条；指挥部办公室已"
            f"确认、交办、转办诉求、处置 {sum(warned['acted'].values())} 条。"
        )
        # --- end warnings ---
        # --- audit chain: the security auditor's account ---
        accounts += self._accounts(gen, regions, created[0], rows=LATE_ACCOUNTS)
        # --- end audit chain ---

        audit.record(
            SEED_ACTION,
            note=f"演示数据（--seed {seed}）：企业（项目）{len(created)} 家，账户 {len(accounts)} 个",
            changes={
                "seed": [None, seed],
                "usernames": [None, [a["user"].username for a in accounts]],
                "credit_codes": [None, [e.credit_code for e in created]],
                "criteria_sets": [None, whitelist["criteria_ids"]],
                "batches": [None, whitelist["batch_ids"]],
                "risk_areas": [None, epidemic["risk_area_ids"]],
                "logistics_checkpoints": [
                    None,
                    (epidemic.get("logistics") or {}).get("checkpoint_ids", []),
                ],
                **{
                    f"command_{key}": [None, command_ids.get(key, [])]
                    for key in ("switches", "problems", "rewards", "region_states")
                },
            },
            region_code=PROVINCE,
        )
        self._report(created, accounts, whitelist, epidemic)

    def _placements(self, gen: Generator, count: int, regions: dict) -> list[tuple[Region, str]]:
        """(region, industry) for each enterprise: every county once, then weighted by economy."""
        has_children = {r.parent_id for r in regions.values()}
        counties = [  # county-level administrative units, and cities without counties (济源)
            r
            for r in regions.values()
            if not r.is_statistical_zone
            and (
                r.level == RegionLevel.COUNTY
                or (r.level == RegionLevel.CITY and r.code not in has_children)
            )
        ]
        zones = [r for r in regions.values() if r.is_statistical_zone]

        def city_of(region):
            return region.code[:4] if region.level == RegionLevel.COUNTY else region.code

        pool = counties + zones
        weights = [
            CITY_WEIGHTS.get(city_of(r), 1.0) * (ZONE_WEIGHT if r.is_statistical_zone else 1.0)
            for r in pool
        ]

        def industry_for(region):
            table = ZONE_INDUSTRY_WEIGHTS if region.is_statistical_zone else COUNTY_INDUSTRY_WEIGHTS
            return gen.rng.choices(INDUSTRY_CODES, table)[0]

        home = regions[HOME_COUNTY]
        placements = [(home, "industry"), (home, "commerce")]
        for code in INDUSTRY_CODES[2:]:  # every industry at least once
            placements.append((gen.rng.choices(pool, weights)[0], code))
        spread = gen.rng.sample(counties, min(count - len(placements), len(counties)))
        placements += [(r, industry_for(r)) for r in spread]
        while len(placements) < count:
            region = gen.rng.choices(pool, weights)[0]
            placements.append((region, industry_for(region)))
        return placements

    def _enterprises(self, gen, count, regions, industries) -> list[Enterprise]:
        taken = set(Enterprise.objects.values_list("credit_code", flat=True))
        rows = []
        for index, (region, industry) in enumerate(self._placements(gen, count, regions)):
            city = region if region.level == RegionLevel.CITY else regions[region.code[:4]]
            city_operation = False
            if industry == "key_project":
                sub_type = gen.rng.choice(list(PROJECTS))
                name = gen.project_name(region, sub_type)
            else:
                # the fixed first rows (the enterprise accounts' own) stay ordinary enterprises
                if industry in ("industry", "commerce") and index >= 2:
                    city_operation = gen.rng.random() < CITY_OPERATION_SHARE_OF_SECTOR
                if city_operation:
                    options = [s for s, (i, _) in CITY_OPERATION.items() if i == industry]
                    sub_type = gen.rng.choice(options)
                    words = CITY_OPERATION[sub_type][1]
                else:
                    sub_type = gen.rng.choice(list(SUB_TYPES[industry]))
                    words = SUB_TYPES[industry][sub_type]
                name = gen.company_name(region, city, words)
            enterprise = Enterprise(
                credit_code=gen.credit_code(region.code, taken),
                name=name,
                region=region,
                address=gen.address(region),
                industry=industries[industry],
                sub_type=sub_type,
                is_city_operation=city_operation,
                contact_name=gen.fake.name(),
                contact_phone=gen.mobile(),
            )
            if industry == "key_project":
                enterprise.kind = EnterpriseKind.PROJECT
                enterprise.investment = gen.lognormal(60_000, 1.1, 5_000, 3_000_000)
                workers = float(enterprise.investment) / gen.rng.uniform(150, 900)
                enterprise.employees = int(min(max(workers, 15), 3000))
            else:
                enterprise.kind = EnterpriseKind.ENTERPRISE
                enterprise.output_value = gen.lognormal(
                    OUTPUT_MEDIANS[industry], 1.3, 2_000, 5_000_000
                )
                per_head = (
                    gen.rng.uniform(40, 300) if industry == "industry" else gen.rng.uniform(15, 150)
                )
                enterprise.employees = int(
                    min(max(float(enterprise.output_value) / per_head, 8), 30_000)
                )
            big = enterprise.employees >= 300
            enterprise.has_dormitory = gen.rng.random() < (0.75 if big else 0.25)
            enterprise.has_canteen = gen.rng.random() < (0.9 if big else 0.45)
            enterprise.clean_fields(exclude=["region", "industry"])
            enterprise.clean()
            rows.append(enterprise)
        Enterprise.objects.bulk_create(rows, batch_size=500)
        by_code = {
            e.credit_code: e
            for e in Enterprise.objects.filter(credit_code__in=[e.credit_code for e in rows])
        }
        return [by_code[e.credit_code] for e in rows]

    def _accounts(self, gen, regions, enterprise, rows=None) -> list[dict]:
        if rows is None:  # --- audit chain: the late accounts come last ---
            rows = [row for row in ACCOUNTS if row not in LATE_ACCOUNTS]
        plans = [
            {
                "username": username,
                "role": role,
                "region": regions[region_code],
                "department_kind": department_kind,
                "password": gen.password(),
                "full_name": gen.fake.name(),
                "phone": gen.mobile(),
                "totp_key": secrets.token_hex(20) if role in REQUIRES_TWO_FACTOR else None,
            }
            for username, role, region_code, department_kind in rows
        ]
        return [
            self._account(
                plan,
                # --- fleet: the logistics company's account names the company ---
                self._logistics_company if plan["role"] == Role.LOGISTICS_COMPANY else enterprise,
            )
            for plan in plans
        ]

    def _account(self, plan, enterprise) -> dict:
        role, region = plan["role"], plan["region"]
        user = account_actions.create_user(
            username=plan["username"],
            password=plan["password"],
            actor=None,
            full_name=plan["full_name"],
            phone=plan["phone"],
            region=region,
            enterprise=enterprise
            if role in (Role.ENTERPRISE_ADMIN, Role.LOGISTICS_COMPANY)
            else None,
        )
        department = None
        if plan["department_kind"]:
            department = Department.objects.get(region=region, kind=plan["department_kind"])
        account_actions.grant_role(
            user,
            role=role,
            region=region,
            actor=None,
            department=department,
            enterprise=enterprise
            if role in (Role.ENTERPRISE_ADMIN, Role.LIAISON_CADRE, Role.LOGISTICS_COMPANY)
            else None,
        )
        secret = None
        if plan["totp_key"]:
            device = TOTPDevice.objects.create(
                user=user, name="demo", confirmed=True, key=plan["totp_key"]
            )
            secret = base64.b32encode(device.bin_key).decode()
        return {
            "user": user,
            "role": role,
            "region": region,
            "password": plan["password"],
            "secret": secret,
        }

    # -- output ------------------------------------------------------------------------------

    def _report(self, created, accounts, whitelist, epidemic):
        write = self.stdout.write
        write(
            f"组织机构：指挥部 {Headquarters.objects.count()} 个，"
            f"部门 {Department.objects.count()} 个，工作组 {WorkingGroup.objects.count()} 个。"
        )
        by_industry = {code: 0 for code in INDUSTRY_CODES}
        for e in created:
            by_industry[e.industry_id] = by_industry.get(e.industry_id, 0) + 1
        names = dict(IndustryDomain.objects.values_list("code", "name"))
        parts = "，".join(f"{names.get(code, code)} {n}" for code, n in by_industry.items())
        city_ops = sum(e.is_city_operation for e in created)
        write(
            f"企业（项目）：{len(created)} 家（{parts}；城市运行保障 {city_ops}），"
            f"分布在 {len({e.region_id for e in created})} 个县级区划。"
        )
        home = next(a["user"].enterprise for a in accounts if a["role"] == Role.ENTERPRISE_ADMIN)
        write(f"演示企业（企业防疫专班、包保干部）：{home.name}（{home.credit_code}）")
        states = dict(ApplicationStatus.choices)
        applications = "，".join(
            f"{states[k]} {n}" for k, n in whitelist["applications"].items() if n
        )
        listed = WhitelistEntry.objects.filter(status=WhitelistStatus.LISTED).count()
        write(
            f"白名单：入选标准 {whitelist['criteria_sets']} 套，申报 "
            f"{sum(whitelist['applications'].values())} 份（{applications}），在册单位 {listed} 家，"
            f"已发布批次 {len(whitelist['batch_ids'])} 个；园区（保税区）{whitelist['parks']} 个，"
            f"企业数据 {whitelist['facts']} 条，产业链关系 {whitelist['links']} 条，"
            f"结对推荐 {whitelist['pairings']} 对，"
            f"防控抽查 {whitelist['spot_checks']} 次。"
        )
        write(
            f"疫情信息：{epidemic['roster_units']} 家单位的花名册共 {epidemic['staff']} 人，"
            f"风险区域 {len(epidemic['risk_area_ids'])} 个，核酸采样屋 {epidemic['sampling_houses']} 个，"
            f"健康日报 {epidemic['daily_reports']} 份。"
        )
        # --- places: the report's line on spaces and codes ---
        places = epidemic.get("places") or {}
        write(
            f"场所码：{places.get('units', 0)} 家单位的空间 {places.get('spaces', 0)} 个，"
            f"场所码 {places.get('codes', 0)} 个，划小单元区域 {places.get('zones', 0)} 个，"
            f"班组 {places.get('teams', 0)} 个，宿舍 {places.get('rooms', 0)} 间，"
            f"工牌码 {places.get('badges', 0)} 个。"
        )
        # --- end places ---
        # --- policies catalogue: the report's line on the catalogue ---
        policies = epidemic.get("policies") or {}
        write(
            f"惠企政策：{policies.get('policies', 0)} 条（已发布 {policies.get('published', 0)} 条，"
            f"政策 {policies.get('series', 0)} 项），匹配记录 {policies.get('matches', 0)} 条，"
            f"政策储备 {policies.get('reserve', 0)} 条，补充企业数据 {policies.get('facts', 0)} 条。"
        )
        # --- end policies catalogue ---
        # --- command: the report's line ---
        command = epidemic.get("command") or {}
        if command.get("emergency_county"):
            write(
                f"指挥调度：{command['emergency_county']}处于应急状态（白名单单位 "
                f"{command.get('units_in_loop', 0)} 家闭环生产），停产申请待省级联合决定 "
                f"{command.get('shutdowns', 0)} 件，应急处置事件 {command.get('incidents', 0)} 件。"
            )
        # --- end command ---
        # --- cadres: the report's line on demands ---
        wo = epidemic.get("workorders") or {}
        if wo.get("demands"):
            write(
                f"问题交办：企业诉求 {wo['demands']} 件（近 4 个月，覆盖各类别和各办理状态），"
                f"退回改派 {wo.get('returns', 0)} 件，延期 {wo.get('extensions', 0)} 件，"
                f"相似诉求聚类 {wo.get('clusters', 0)} 个。"
            )
        # --- end cadres ---
        # --- fleet: the report's line on logistics ---
        log = epidemic.get("logistics") or {}
        if log.get("vehicles"):
            from sibao.logistics.models import PassStatus

            states = "，".join(
                f"{PassStatus(k).label} {n}" for k, n in sorted(log["passes"].items())
            )
            write(
                f"物流保通：{log['company']}等登记车辆 {log['vehicles']} 辆、驾驶员 "
                f"{log['drivers']} 人（运输白名单 {log['whitelisted_drivers']} 人），"
                f"通行证（{states}），卡口核验 {log['checks']} 次，待出结果的即采即走样本 "
                f"{log['pending_samples']} 份。"
            )
        # --- end fleet ---
        write("模拟数据接口（sibao simulate，近 3 天）：")
        for line in epidemic["feeds"]:
            write(f"  {line}")
        write("")
        write("演示账户（密码只显示这一次，请妥善保存）：")
        header = ["角色", "区划", "用户名", "密码"]
        rows = [
            [str(a["role"].label), a["region"].name, a["user"].username, a["password"]]
            for a in accounts
        ]
        widths = [max(_width(r[i]) for r in [header, *rows]) + 2 for i in range(4)]
        for row in [header, *rows]:
            line = "".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True))
            write("  " + line.rstrip())
        write("")
        write("双因素认证（TOTP）账户：")
        for a in accounts:
            if a["secret"]:
                username = a["user"].username
                write(f"  {username}  密钥 {a['secret']}")
                write(f"    当前验证码：运行 `sibao demo-totp {username}`")
        self.stdout.write(self.style.SUCCESS("演示数据已生成。"))
