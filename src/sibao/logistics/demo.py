"""Demo data of the logistics module (``sibao seed-demo``): the demo logistics company of 中原区,
a few checkpoints (省界卡口, 高速出入口, 机场, 铁路站场), 20 vehicles with their drivers on the
transport whitelist, passes in every state, checks at the checkpoints and a closed-loop trip with a
sample still waiting for its result.

Everything goes through the areas' actions as the platform (``actor=None``); drawn from one
``random.Random(seed)``, so the same seed gives the same plates, people and passes.
"""

import datetime
import random

from django.utils import timezone
from stdnum.cn import uscc

from sibao.core.personal import id_check_digit
from sibao.enterprises.models import Enterprise
from sibao.enterprises.queries import is_whitelisted
from sibao.logistics.models import (
    Check,
    Checkpoint,
    Driver,
    Trip,
    TripSample,
    Vehicle,
    VehicleKind,
    VehiclePass,
)
from sibao.regions.models import IndustryDomain, Region

__all__ = ["demo_company", "reset_logistics", "seed_logistics"]

HOME_COUNTY = "410102"
COMPANY_NAME = "郑州中原顺达物流有限公司"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
DIGITS = "0123456789"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "志强", "海军", "国庆", "卫东", "红军", "永胜", "保平", "新民", "振华", "立新"]
# (name, kind, road, region)
CHECKPOINTS = [
    ("京港澳高速豫冀省界卡口", "border", "G4 京港澳高速", "410522"),
    ("连霍高速郑州西出入口", "highway_exit", "G30 连霍高速", "410102"),
    ("新郑国际机场货运绿色通道", "airport", "机场高速", "410184"),
    ("郑州圃田铁路集装箱中心站", "rail", "圃田西路", "410122"),
]
# destinations of the passes: (place, region)
PLACES = [
    ("郑州市中原区", "410102"),
    ("郑州市中牟县汽车产业园", "410122"),
    ("新郑市航空港物流园", "410184"),
    ("开封市龙亭区", "410202"),
    ("洛阳市涧西区", "410305"),
    ("许昌市魏都区", "411002"),
]


def _company_q(enterprise_ids):
    return Enterprise.objects.active().filter(
        pk__in=list(enterprise_ids), region_id=HOME_COUNTY, sub_type="物流"
    )


def demo_company(enterprise_ids, *, seed: int = 1) -> tuple[Enterprise, bool]:
    """The demo logistics company: a 物流 enterprise of 中原区 among the demo units, else a new
    one (created = True; the caller records it with the demo units)."""
    found = _company_q(enterprise_ids).order_by("pk").first()
    if found is not None:
        return found, False
    rng = random.Random(seed)
    while True:
        body = f"91{HOME_COUNTY}MA" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=7))
        code = body + uscc.calc_check_digit(body)
        if not Enterprise.objects.filter(credit_code=code).exists():
            break
    company = Enterprise.objects.create(
        credit_code=code,
        name=COMPANY_NAME,
        region=Region.objects.get(code=HOME_COUNTY),
        industry=IndustryDomain.objects.get(code="transport"),
        sub_type="物流",
        address="河南省郑州市中原区陇海西路 88 号",
        contact_name="王建军",
        contact_phone="13803712288",
        output_value=12000,
        employees=180,
    )
    return company, True


class _Demo:
    def __init__(self, seed, now):
        self.rng = random.Random(seed)
        self.now = now
        self.plates: set[str] = set()
        self.people = 0

    def plate(self, new_energy=False) -> str:
        while True:
            if new_energy:
                tail = self.rng.choice("DF") + self.rng.choice(PLATE_CHARS)
                tail += "".join(self.rng.choices(DIGITS, k=4))
            else:
                tail = self.rng.choice("ABCDEFGHJK") + "".join(self.rng.choices(DIGITS, k=4))
            plate = "豫A" + tail
            if plate not in self.plates:
                self.plates.add(plate)
                return plate

    def id_number(self) -> str:
        self.people += 1
        born = datetime.date(1968, 1, 1) + datetime.timedelta(days=self.rng.randrange(365 * 30))
        body = f"{self.rng.choice(['410102', '410105', '410122', '410184', '410202'])}"
        body += f"{born:%Y%m%d}{self.rng.randrange(1000):03d}"
        return body + id_check_digit(body)

    def phone(self) -> str:
        return self.rng.choice(["139", "158", "186", "137"]) + "".join(
            self.rng.choices(DIGITS, k=8)
        )

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)


def _units(enterprise_ids) -> list[Enterprise]:
    """Whitelisted demo units, those of 郑州 first."""
    listed = list(
        Enterprise.objects.active()
        .filter(pk__in=list(enterprise_ids))
        .filter(is_whitelisted())
        .order_by("pk")[:400]
    )
    listed.sort(key=lambda e: (not e.region_id.startswith("4101"), e.pk))
    return listed[:8]


def _checkpoints() -> list[Checkpoint]:
    from sibao.logistics.actions.checkpoint import create_checkpoint

    found = []
    for name, kind, road, region in CHECKPOINTS:
        existing = Checkpoint.objects.filter(name=name, region_code=region).first()
        found.append(
            existing
            or create_checkpoint(actor=None, region_code=region, name=name, kind=kind, road=road)
        )
    return found


def _fleet(demo, company, units) -> list[tuple[Vehicle, list[tuple[Driver, str]]]]:
    """20 vehicles: 12 of the company (8 serving a unit under contract), 8 of the units; one or
    two drivers each, on the transport whitelist. Returns (vehicle, [(driver, ID number)])."""
    from sibao.logistics.actions import fleet

    kinds = [VehicleKind.TRUCK, VehicleKind.VAN, VehicleKind.COLD_CHAIN, VehicleKind.TRUCK]
    plans = []
    for i in range(12):
        unit = units[i % len(units)]
        relation = "outsourced" if i < 8 else "logistics"
        plans.append((company, relation, unit if i < 10 else None))
    for i in range(8):
        plans.append((units[i % len(units)], "own", None))
    rows = []
    for i, (owner, relation, served) in enumerate(plans):
        vehicle = fleet.register_vehicle(
            owner,
            actor=None,
            plate=demo.plate(new_energy=i % 5 == 4),
            kind=kinds[i % len(kinds)],
            relation=relation,
            served_unit=served,
            load_tonnes=demo.rng.choice(["4.5", "8", "18", "25", "31"]),
            now=demo.now - datetime.timedelta(days=30 - i),
        )
        drivers = []
        for _ in range(1 if i % 3 else 2):
            number = demo.id_number()
            driver = fleet.register_driver(
                owner,
                actor=None,
                name=demo.name(),
                id_number=number,
                phone=demo.phone(),
                licence_class=demo.rng.choice(["A2", "B2", "C1"]),
                now=vehicle.created_at,
            )
            if fleet.serves_whitelisted_unit(owner) and i % 7 != 6:
                driver = fleet.add_to_whitelist(driver, actor=None, now=vehicle.created_at)
            drivers.append((driver, number))
        rows.append((vehicle, drivers))
    return rows


def _apply(demo, vehicle, drivers, index, units) -> VehiclePass:
    from sibao.logistics.actions import passes

    # own and outsourced vehicles serve their unit; a company's free vehicle any listed unit
    served = vehicle.served_unit or units[index % len(units)]
    origin, origin_code = PLACES[index % len(PLACES)]
    start = demo.now - datetime.timedelta(days=2, hours=index)
    return passes.apply_for_pass(
        vehicle,
        actor=None,
        served_unit=served,
        origin=origin,
        origin_region_code=origin_code,
        destination=served.address or served.name,
        destination_region_code=served.region_id,
        valid_from=start,
        valid_until=start + datetime.timedelta(days=7),
        drivers=[d for d, _n in drivers],
        cargo=demo.rng.choice(["汽车零部件", "生鲜农产品", "原材料（钢材）", "防疫物资", "食品"]),
        now=start - datetime.timedelta(hours=3),
    )


def _passes(demo, fleet_rows, units) -> dict[str, list]:
    """Passes in every state: approved, applied, refused, revoked, withdrawn."""
    from sibao.logistics.actions import passes

    states = ["approved"] * 9 + ["applied"] * 3 + ["refused", "revoked", "withdrawn"]
    made = {state: [] for state in set(states)}
    for index, (state, (vehicle, drivers)) in enumerate(zip(states, fleet_rows, strict=False)):
        row = _apply(demo, vehicle, drivers, index, units)
        decided = row.applied_at + datetime.timedelta(hours=2)
        if state in ("approved", "revoked"):
            row = passes.approve_pass(row, actor=None, note="符合保通条件", now=decided)
        if state == "revoked":
            row = passes.revoke_pass(
                row,
                actor=None,
                reason="车辆未按核定线路行驶",
                now=decided + datetime.timedelta(days=1),
            )
        elif state == "refused":
            row = passes.refuse_pass(
                row, actor=None, reason="服务单位与车辆登记信息不符", now=decided
            )
        elif state == "withdrawn":
            row = passes.withdraw_pass(row, actor=None, reason="运输计划取消", now=decided)
        made[state].append((row, drivers))
    return made


def _checks(demo, checkpoints, made) -> int:
    """Checks at the 郑州 checkpoints: green for approved passes, a revoked one refused, a forged
    token refused; one approved pass starts a trip and is sampled at the checkpoint (即采即走)."""
    from sibao.logistics.actions import checkpoint as checks
    from sibao.logistics.actions import trips

    zhengzhou = [c for c in checkpoints if c.region_code.startswith("4101")]
    count = 0
    at = demo.now - datetime.timedelta(hours=20)
    for index, (row, drivers) in enumerate(made["approved"][1:6] + made["revoked"]):
        checks.verify(
            zhengzhou[index % len(zhengzhou)],
            actor=None,
            token=row.token,
            occupants=[n for _d, n in drivers],
            plate=row.vehicle.plate,
            now=at + datetime.timedelta(minutes=37 * index),
        )
        count += 1
    checks.verify(
        zhengzhou[0],
        actor=None,
        token="SB1.forged.token",
        occupants=[demo.id_number()],
        plate="豫A00000",
        now=at,
    )
    count += 1
    row, drivers = made["approved"][0]
    departed = demo.now - datetime.timedelta(hours=3)
    trips.start_trip(
        row,
        actor=None,
        route="G30 连霍高速 → 京港澳高速",
        occupants=[n for _d, n in drivers],
        now=departed,
    )
    checks.verify(
        zhengzhou[0],
        actor=None,
        token=row.token,
        occupants=[n for _d, n in drivers],
        plate=row.vehicle.plate,
        sample=True,
        now=departed + datetime.timedelta(hours=1),
    )
    return count + 1


def seed_logistics(enterprise_ids, *, seed=1, now=None) -> dict:
    """The logistics demo: returns counts (and the checkpoint ids, for a reset)."""
    now = now or timezone.now()
    demo = _Demo(seed, now)
    company, _made = demo_company(enterprise_ids, seed=seed)
    units = _units(enterprise_ids)
    if not units:
        return {"vehicles": 0, "drivers": 0, "passes": {}, "checks": 0, "checkpoint_ids": []}
    checkpoints = _checkpoints()
    fleet_rows = _fleet(demo, company, units)
    made = _passes(demo, fleet_rows, units)
    checks = _checks(demo, checkpoints, made)
    return {
        "company": company.name,
        "vehicles": len(fleet_rows),
        "drivers": sum(len(d) for _v, d in fleet_rows),
        "whitelisted_drivers": sum(1 for _v, d in fleet_rows for x, _n in d if x.on_whitelist),
        "passes": {state: len(rows) for state, rows in made.items()},
        "checks": checks,
        "pending_samples": TripSample.objects.filter(
            checkpoint_check__checkpoint__in=checkpoints, result="pending"
        ).count(),
        "checkpoint_ids": [c.pk for c in checkpoints],
    }


def reset_logistics(enterprise_ids, checkpoint_ids=()) -> None:
    """Remove the demo units' logistics rows (they protect the units) and the demo checkpoints."""
    ids = list(enterprise_ids)
    vehicles = Vehicle.objects.filter(owner_id__in=ids)
    passes = VehiclePass.objects.filter(vehicle__in=vehicles)
    TripSample.objects.filter(checkpoint_check__vehicle_pass__in=passes).delete()
    TripSample.objects.filter(checkpoint_check__checkpoint_id__in=list(checkpoint_ids)).delete()
    Trip.objects.filter(vehicle__in=vehicles).delete()
    Check.objects.filter(checkpoint_id__in=list(checkpoint_ids)).delete()
    passes.delete()
    vehicles.delete()
    Driver.objects.filter(owner_id__in=ids).delete()
    Checkpoint.objects.filter(pk__in=list(checkpoint_ids)).delete()
