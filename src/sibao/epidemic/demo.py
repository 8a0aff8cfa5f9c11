"""The epidemic part of the demo province (``sibao seed-demo``): rosters for the home unit and a
sample of whitelisted units, risk areas outside Henan, preparedness, sampling houses and recent
daily reports. The feeds themselves (tests, codes, arrivals, drug purchases) come from
``sibao simulate``, which the seed runs afterwards so the demo opens on live-looking data.

Rosters are written in bulk (thousands of rows) with the same protection as the actions: person
key, encrypted ID number and phone, masked display values.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from sibao.core import rules
from sibao.core.masking import mask_id_number, mask_phone
from sibao.core.personal import encrypt, id_check_digit, person_key
from sibao.enterprises.models import WhitelistEntry, WhitelistStatus
from sibao.epidemic.models import (
    DailyReport,
    PostClass,
    Preparedness,
    RiskArea,
    RiskLevel,
    SamplingHouse,
    StaffCategory,
    StaffMember,
)
from sibao.epidemic.queries_units import sampling_house_subsidy

TEAMS = ["一班", "二班", "三班", "四班"]
ZONES = ["生产区", "仓储区", "办公区", "装卸区"]
# counties outside Henan with a risk area in the demo (code, place, area, level)
RISK_AREAS = [
    ("310115", "上海市浦东新区", "某街道某小区", RiskLevel.STATIC),
    ("110105", "北京市朝阳区", "某街道", RiskLevel.MEDIUM),
    ("440305", "广东省深圳市南山区", "某社区", RiskLevel.HIGH),
]
MOBILE_SHARE = {"commerce": 0.35, "transport": 0.6}


def _roster(gen, unit, size, today):
    rng = gen.rng
    rows = []
    used = set()
    for _ in range(size):
        born = datetime.date(rng.randint(1966, 2003), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            body = f"{unit.region_id[:6]}{born:%Y%m%d}{rng.randint(0, 999):03d}"
            if body not in used:
                used.add(body)
                break
        id_no = body + id_check_digit(body)
        phone = gen.mobile()
        joined = today - datetime.timedelta(days=rng.choice([1, 2, 30, 200, 800, 2000]))
        mobile = rng.random() < MOBILE_SHARE.get(unit.industry_id, 0.05)
        rows.append(
            StaffMember(
                enterprise=unit,
                person_key=person_key(id_no),
                id_encrypted=encrypt(id_no),
                id_masked=mask_id_number(id_no),
                name=gen.fake.name(),
                phone_encrypted=encrypt(phone),
                phone_masked=mask_phone(phone),
                category=StaffCategory.LOGISTICS
                if mobile and unit.industry_id != "transport" and rng.random() < 0.3
                else StaffCategory.EMPLOYEE,
                post_class=PostClass.MOBILE if mobile else PostClass.ORDINARY,
                team=rng.choice(TEAMS),
                zone=rng.choice(ZONES),
                dormitory=f"{rng.randint(1, 6)}号楼" if unit.has_dormitory else "",
                joined_on=joined,
                quiet_until=joined + datetime.timedelta(days=3)
                if (today - joined).days < 3
                else None,
                vaccine_doses=rng.choices([0, 1, 2, 3], [4, 6, 40, 50])[0],
                region_code=unit.region_id,
            )
        )
    return rows


def seed_epidemic(gen, created, home) -> dict:
    """Rosters, risk areas, preparedness, sampling houses and daily reports; returns counts."""
    rng = gen.rng
    today = timezone.localdate()
    listed = list(
        WhitelistEntry.objects.filter(status=WhitelistStatus.LISTED)
        .exclude(enterprise=home)
        .select_related("enterprise")
        .order_by("id")
    )
    sample = [home] + [e.enterprise for e in rng.sample(listed, min(120, len(listed)))]
    staff = []
    for unit in sample:
        size = 160 if unit.pk == home.pk else max(8, min(60, unit.employees // 20))
        staff += _roster(gen, unit, size, today)
    StaffMember.objects.bulk_create(staff, batch_size=1000)

    areas = RiskArea.objects.bulk_create(
        [
            RiskArea(
                region_code=code,
                region_name=place,
                name=name,
                level=level,
                valid_from=today - datetime.timedelta(days=5),
            )
            for code, place, name, level in RISK_AREAS
        ]
    )

    ruleset = rules.current()
    prepared, houses, reports = [], [], []
    for unit in sample:
        head = max(unit.employees, 1)
        good = rng.random() < 0.6 or unit.pk == home.pk
        prepared.append(
            Preparedness(
                enterprise=unit,
                region_code=unit.region_id,
                task_force_leader=gen.fake.name() if good or rng.random() < 0.5 else "",
                task_force_members=rng.randint(3, 9),
                has_prevention_plan=True,
                has_contingency_plan=good,
                plan_updated_on=today - datetime.timedelta(days=rng.randint(5, 120)),
                patrol_posts=max(1, head // 200) if good else 0,
                observation_rooms=max(1, head // 100) if good else max(0, head // 400),
                masks=int(head * 14 * (1 if good else 0.4)),
                protective_suits=int(head * 0.35 * (1 if good else 0.3)),
                gloves=int(head * 7),
                disinfectant_litres=int(head * 0.35),
                sanitizer_bottles=int(head * 0.14),
                thermometers=max(1, int(head * 0.014)),
                antigen_kits=int(head * 2.1 * (1 if good else 0.2)),
            )
        )
        if unit.employees >= 1000 and rng.random() < 0.6:
            price = Decimal(rng.choice(["68000.00", "85000.00", "120000.00"]))
            total, province, local = sampling_house_subsidy(price, ruleset)
            houses.append(
                SamplingHouse(
                    enterprise=unit,
                    region_code=unit.region_id,
                    site="厂区东门",
                    purchased_on=today - datetime.timedelta(days=rng.randint(10, 60)),
                    price=price,
                    deployed_on=today - datetime.timedelta(days=rng.randint(1, 9)),
                    subsidy_total=total,
                    subsidy_province=province,
                    subsidy_local=local,
                    rule_version=ruleset.version,
                )
            )
        for back in (1, 2):
            if rng.random() < 0.85:
                on_site = max(1, int(head * rng.uniform(0.8, 0.97)))
                reports.append(
                    DailyReport(
                        enterprise=unit,
                        region_code=unit.region_id,
                        report_date=today - datetime.timedelta(days=back),
                        staff_on_site=on_site,
                        tests_done=int(on_site * rng.uniform(0.4, 0.6)),
                        is_zero_report=True,
                    )
                )
    Preparedness.objects.bulk_create(prepared)
    SamplingHouse.objects.bulk_create(houses)
    DailyReport.objects.bulk_create(reports)
    return {
        "roster_units": len(sample),
        "staff": len(staff),
        "risk_area_ids": [a.pk for a in areas]
        if all(a.pk for a in areas)
        else list(
            RiskArea.objects.filter(region_code__in=[r[0] for r in RISK_AREAS]).values_list(
                "pk", flat=True
            )
        ),
        "sampling_houses": len(houses),
        "daily_reports": len(reports),
    }
