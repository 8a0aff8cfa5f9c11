"""``sibao simulate [--days 3] [--now ISO] [--seed N]``: the external systems, simulated (EPI-02).

Registers the data sources (NAT laboratories, the health-code platform ``hcp``, the itinerary
code ``itinerary``, 豫事办 ``yushiban``, the sentinel pharmacy network ``pharmacy``) with an
interface account each, then produces realistic feeds for the people on the rosters over the
``--days`` before ``--now`` and sends them through ``ingest()``, like the real systems would:

- NAT results in each unit's daily sampling round: ordinary posts every other round (48 h),
  mobile/contact posts every round (24 h), with a few hours' jitter; ordinary posts pooled ten to
  a tube, mobile posts singly; a share of people skip every round (they turn overdue) and some
  miss one; a few people test positive (single tube) and get a red code;
- health codes: everyone green before the window, a few turn yellow (some back to green) or red;
- itinerary codes: everyone normal before the window; a few come back from other provinces
  (from counties with a risk area when there are ``RiskArea`` rows), most of them having filed a
  豫事办 report to their unit beforehand, the rest unreported;
- 豫事办 reports of visitors who are on no roster, to random units;
- purchases of the four drug classes at sentinel pharmacies.

Everything is derived from ``--seed`` and ``--now``: the same arguments give the same records,
so a second run is all duplicates and changes nothing.
"""

import datetime
import random
import time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sibao.core import audit
from sibao.core.personal import decrypt, id_check_digit
from sibao.epidemic import actions
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import DrugClass, FeedKind, PostClass, RiskArea, StaffMember

LOCAL = ZoneInfo("Asia/Shanghai")
LABS = [
    ("lab-zz1", "郑州第一医学检验实验室"),
    ("lab-zz2", "郑州城东医学检验实验室"),
    ("lab-ly", "洛阳医学检验实验室"),
]
SOURCES = [
    *LABS,
    ("hcp", "河南省健康码平台"),
    ("itinerary", "通信大数据行程卡"),
    ("yushiban", "豫事办来（返）豫报备"),
    ("pharmacy", "河南省哨点药店监测网络"),
]
# counties outside Henan people come back from (code, name)
ORIGINS = [
    ("110105", "北京市朝阳区"),
    ("310104", "上海市徐汇区"),
    ("320102", "江苏省南京市玄武区"),
    ("330106", "浙江省杭州市西湖区"),
    ("420106", "湖北省武汉市武昌区"),
    ("440106", "广东省广州市天河区"),
    ("510107", "四川省成都市武侯区"),
    ("610113", "陕西省西安市雁塔区"),
    ("130102", "河北省石家庄市长安区"),
    ("370102", "山东省济南市历下区"),
]
PHARMACIES = ["大参林药房", "张仲景大药房", "老百姓大药房", "海王星辰药房", "益丰大药房"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"

# Shares of the simulated population (demo texture, not policy).
SKIP_ALL = 0.06  # skip every sampling round in the window: overdue
MISS_ONE = 0.05  # miss any one round
YELLOW = 0.015
RED = 0.003
TRAVEL = 0.03
REPORTED = 0.7  # travellers who filed a 豫事办 report beforehand
PURCHASE = 0.012
BATCH = 5000


def _parse_now(text):
    if not text:
        return timezone.now()
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now must be an ISO datetime, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


class Person:
    __slots__ = ("id_number", "phone", "name", "post_class", "unit", "region", "credit_code")

    def __init__(self, id_number, phone, name, post_class, unit, region, credit_code):
        self.id_number = id_number
        self.phone = phone
        self.name = name
        self.post_class = post_class
        self.unit = unit
        self.region = region
        self.credit_code = credit_code


def _people() -> list[Person]:
    """Active roster rows, one per person (the first roster a person is on), in id order."""
    rows = (
        StaffMember.objects.filter(is_active=True)
        .order_by("id")
        .values_list(
            "person_key",
            "id_encrypted",
            "phone_encrypted",
            "name",
            "post_class",
            "enterprise_id",
            "region_code",
            "enterprise__credit_code",
        )
    )
    seen, people = set(), []
    for key, id_enc, phone_enc, name, post, unit, region, code in rows.iterator(2000):
        if key in seen:
            continue
        seen.add(key)
        people.append(Person(decrypt(id_enc), decrypt(phone_enc), name, post, unit, region, code))
    return people


class Simulation:
    """The records of every kind for one seed, time window and roster."""

    def __init__(self, people, *, start, now, seed, risk_origins):
        self.people = people
        self.start = start
        self.now = now
        self.seed = seed
        self.rng = random.Random(seed)
        self.origins = ORIGINS
        self.risk_origins = risk_origins
        self.records = {kind: [] for kind in FeedKind.values}
        self.lab_records = {code: [] for code, _name in LABS}

    def _some(self, share):
        """At least one person (when there is anyone), about ``share`` of them: even a small demo
        roster shows every kind of signal."""
        if not self.people:
            return set()
        count = min(len(self.people), max(1, round(len(self.people) * share)))
        return {id(p) for p in self.rng.sample(self.people, count)}

    def _at(self, base, minutes_span):
        return base + datetime.timedelta(minutes=self.rng.randrange(minutes_span))

    def _iso(self, moment):
        return moment.astimezone(LOCAL).isoformat(timespec="seconds")

    def build(self):
        self._tests()
        self._codes()
        self._travel()
        self._visitors()
        self._purchases()
        return self

    def _rounds(self, unit):
        """The unit's daily sampling rounds inside the window (local morning, unit's hour)."""
        hour = 7 + unit % 4
        day = self.start.astimezone(LOCAL).date()
        rounds = []
        while True:
            at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=LOCAL)
            if at > self.now:
                break
            if at >= self.start:
                rounds.append(at)
            day += datetime.timedelta(days=1)
        return rounds

    def _tests(self):
        rng = self.rng
        by_unit: dict[int, list[Person]] = {}
        for person in self.people:
            by_unit.setdefault(person.unit, []).append(person)
        positives = set()
        if self.people:
            count = max(1, len(self.people) // 2500)
            positives = {id(p) for p in rng.sample(self.people, min(count, len(self.people)))}
        self.positive_people = [p for p in self.people if id(p) in positives]
        for unit, members in by_unit.items():
            lab = LABS[unit % len(LABS)][0]
            rounds = self._rounds(unit)
            habits = {
                id(p): (rng.random() < SKIP_ALL, rng.randrange(2), p.post_class) for p in members
            }
            for number, at in enumerate(rounds):
                pool, pooled_count = [], 0
                for person in members:
                    skip, phase, post = habits[id(person)]
                    # the people drawn to test positive do so in their unit's last round
                    positive = id(person) in positives and number == len(rounds) - 1
                    if not positive:
                        if skip or rng.random() < MISS_ONE:
                            continue
                        if post != PostClass.MOBILE and (number + phase) % 2:
                            continue
                    sampled = self._at(at, 150)
                    if sampled > self.now:
                        if not positive:
                            continue
                        sampled = self.now
                    if post == PostClass.MOBILE or positive:
                        tube = f"{lab}-{at:%Y%m%d}-{unit}-S{len(pool):04d}"
                        pool.append((person, sampled, tube, False, positive))
                    else:
                        tube = f"{lab}-{at:%Y%m%d}-{unit}-P{pooled_count // 10:03d}"
                        pooled_count += 1
                        pool.append((person, sampled, tube, True, False))
                for person, sampled, tube, pooled, positive in pool:
                    self.lab_records[lab].append(
                        {
                            "id_number": person.id_number,
                            "sample_no": tube,
                            "sampled_at": self._iso(sampled),
                            "result": "positive" if positive else "negative",
                            "is_pooled": pooled,
                            "lab": lab,
                        }
                    )
                    if positive:
                        self.records[FeedKind.HEALTH_CODE].append(
                            {
                                "id_number": person.id_number,
                                "colour": "red",
                                "changed_at": self._iso(
                                    min(self.now, sampled + datetime.timedelta(hours=6))
                                ),
                                "reason": "核酸检测阳性",
                            }
                        )

    def _codes(self):
        rng = self.rng
        span = max(1, int((self.now - self.start).total_seconds() // 60))
        health, itinerary = self.records[FeedKind.HEALTH_CODE], self.records[FeedKind.ITINERARY]
        red, yellow = self._some(RED), self._some(YELLOW)
        for person in self.people:
            before = self.start - datetime.timedelta(minutes=rng.randrange(1, 30 * 24 * 60))
            health.append(
                {"id_number": person.id_number, "colour": "green", "changed_at": self._iso(before)}
            )
            itinerary.append(
                {"id_number": person.id_number, "status": "normal", "changed_at": self._iso(before)}
            )
            if id(person) in red:
                health.append(
                    {
                        "id_number": person.id_number,
                        "colour": "red",
                        "changed_at": self._iso(self._at(self.start, span)),
                        "reason": "密接",
                    }
                )
            elif id(person) in yellow:
                turned = self._at(self.start, span)
                health.append(
                    {
                        "id_number": person.id_number,
                        "colour": "yellow",
                        "changed_at": self._iso(turned),
                        "reason": "时空伴随",
                    }
                )
                back = turned + datetime.timedelta(hours=rng.randint(12, 48))
                if rng.random() < 0.5 and back <= self.now:
                    health.append(
                        {
                            "id_number": person.id_number,
                            "colour": "green",
                            "changed_at": self._iso(back),
                            "reason": "核酸阴性，转绿",
                        }
                    )

    def _origin(self):
        if self.risk_origins and self.rng.random() < 0.3:
            return self.rng.choice(self.risk_origins)
        return self.rng.choice(self.origins)

    def _travel(self):
        rng = self.rng
        span = max(1, int((self.now - self.start).total_seconds() // 60))
        travellers = self._some(TRAVEL)
        for number, person in enumerate(self.people):
            if id(person) not in travellers:
                continue
            code, place = self._origin()
            back = self._at(self.start, span)
            self.records[FeedKind.ITINERARY].append(
                {
                    "id_number": person.id_number,
                    "status": "starred",
                    "changed_at": self._iso(back),
                    "origin_region": code,
                }
            )
            if rng.random() < REPORTED:
                self.records[FeedKind.ARRIVAL].append(
                    self._report(person, number, code, place, back, purpose="return")
                )

    def _report(self, person, number, code, place, when, *, purpose):
        local = when.astimezone(LOCAL)
        tested = local.date() - datetime.timedelta(days=self.rng.randint(0, 2))
        return {
            "report_no": f"YSB{local:%Y%m%d}{self.seed % 1000:03d}{number:06d}",
            "enterprise": person.credit_code,
            "id_number": person.id_number,
            "name": person.name,
            "phone": person.phone,
            "origin_region": code,
            "origin_name": place,
            "travel_history": f"14 天内在{place}",
            "expected_arrival": local.date().isoformat(),
            "purpose": purpose,
            "has_symptoms": self.rng.random() < 0.02,
            "en_route_status": "close" if self.rng.random() < 0.01 else "",
            "last_test_on": tested.isoformat(),
        }

    def _visitors(self):
        """People on no roster who report a visit to a unit (business partners, engineers)."""
        rng = self.rng
        if not self.people:
            return
        span = max(1, int((self.now - self.start).total_seconds() // 60))
        count = max(1, len(self.people) // 200)
        for number in range(count):
            host = rng.choice(self.people)
            code, place = self._origin()
            born = datetime.date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28))
            body = f"{code}{born:%Y%m%d}{rng.randrange(1000):03d}"
            visitor = Person(
                body + id_check_digit(body),
                f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                PostClass.ORDINARY,
                host.unit,
                host.region,
                host.credit_code,
            )
            when = self._at(self.start, span)
            self.records[FeedKind.ARRIVAL].append(
                self._report(visitor, 900000 + number, code, place, when, purpose="visit")
            )

    def _purchases(self):
        rng = self.rng
        span = max(1, int((self.now - self.start).total_seconds() // 60))
        buyers = self._some(PURCHASE)
        for number, person in enumerate(self.people):
            if id(person) not in buyers:
                continue
            bought = self._at(self.start, span)
            self.records[FeedKind.DRUG_PURCHASE].append(
                {
                    "record_no": f"RX{bought.astimezone(LOCAL):%Y%m%d}-{self.seed}-{number}",
                    "id_number": person.id_number,
                    "pharmacy": rng.choice(PHARMACIES) + f"（{person.region}店）",
                    "pharmacy_region": person.region,
                    "drug_class": rng.choice(DrugClass.values),
                    "purchased_at": self._iso(bought),
                }
            )


class Command(BaseCommand):
    help = "Simulate the external feeds (NAT, health code, itinerary, 豫事办, pharmacies)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="days before --now (default 3)")
        parser.add_argument("--now", default="", help="end of the window (ISO; default now)")
        parser.add_argument("--seed", type=int, default=2022, help="random seed (default 2022)")
        # --- places: how many of the last days get gateway scans (the bulk of the records) ---
        parser.add_argument(
            "--scan-days",
            type=int,
            default=1,
            help="days before --now with place scans (default 1; at most --days; 0: none)",
        )
        # --- end places ---

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        now = _parse_now(options["now"])
        start = now - datetime.timedelta(days=options["days"])
        began = time.perf_counter()
        sources = {
            code: actions.register_data_source(code, name, actor=None) for code, name in SOURCES
        }
        risk_origins = sorted(
            {
                (code, name)
                for code, name in RiskArea.objects.filter(
                    valid_from__lte=now.astimezone(LOCAL).date()
                ).values_list("region_code", "region_name")
                if not code.startswith("41")
            }
        )
        people = _people()
        sim = Simulation(
            people, start=start, now=now, seed=options["seed"], risk_origins=risk_origins
        ).build()
        self.stdout.write(
            f"{len(sources)} data sources, {len(people)} people, "
            f"{start.astimezone(LOCAL):%Y-%m-%d %H:%M} – {now.astimezone(LOCAL):%Y-%m-%d %H:%M} "
            f"(seed {options['seed']})"
        )
        # arrival reports before itineraries: the sentinel looks for a report when an itinerary
        # shows a return from another province
        plan = [
            (FeedKind.HEALTH_CODE, "hcp", sim.records[FeedKind.HEALTH_CODE]),
            (FeedKind.ARRIVAL, "yushiban", sim.records[FeedKind.ARRIVAL]),
            (FeedKind.ITINERARY, "itinerary", sim.records[FeedKind.ITINERARY]),
            *((FeedKind.TEST_RESULT, code, sim.lab_records[code]) for code, _name in LABS),
            (FeedKind.DRUG_PURCHASE, "pharmacy", sim.records[FeedKind.DRUG_PURCHASE]),
        ]
        totals = {}
        for kind, code, records in plan:
            counts = totals.setdefault(kind, [0, 0, 0, 0])
            for first in range(0, len(records), BATCH):
                batch = ingest(
                    kind, records[first : first + BATCH], source=sources[code], actor=None
                )
                for i, value in enumerate(
                    (batch.total, batch.accepted, batch.duplicates, batch.rejected)
                ):
                    counts[i] += value
        # --- places: gateway scans of the units with place codes, after the codes and tests
        # (so that red/yellow and overdue people raise their risk alerts) (EPI-06) ---
        from sibao.places.demo import simulate_scans

        scan_days = min(options["scan_days"], options["days"])
        scans = [0, 0, 0, 0]
        if scan_days > 0:
            scans = simulate_scans(
                start=now - datetime.timedelta(days=scan_days), now=now, seed=options["seed"]
            )
        if scans[0]:
            totals[FeedKind.SCAN] = scans
        # --- end places ---
        for kind, (total, accepted, duplicates, rejected) in totals.items():
            self.stdout.write(
                f"{kind}: {total} records, {accepted} accepted, {duplicates} duplicates, "
                f"{rejected} rejected"
            )
        audit.record(
            "epidemic.simulate",
            note=f"seed={options['seed']} days={options['days']} now={now.isoformat()}",
            changes={kind: counts[1] for kind, counts in totals.items()},
        )
        self.stdout.write(self.style.SUCCESS(f"simulated in {time.perf_counter() - began:.1f} s"))
