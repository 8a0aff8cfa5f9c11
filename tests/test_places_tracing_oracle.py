"""EPI-07: ``places.tracing.trace`` equals a brute-force oracle on generated data.

Hypothesis draws scan rows (people, place codes on a small space tree with zones, entry times on
a five-minute grid so that window edges are hit exactly, open stays and manual exits), the cases,
the period, the window and the widening; the oracle reads every row and applies the module's
definitions in plain Python, pair by pair. The close and secondary sets, whom each met first,
where, the first overlap, the total overlap and the number of contacts must all be equal. Runs on
whichever database the suite runs on (SQLite: the VALUES joins; PostgreSQL: the LATERAL
statements)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sibao.core import rules
from sibao.core.testing import make_enterprise, make_place_code, make_site, make_space
from sibao.places import partitions
from sibao.places.models import PlaceCode, Scan, Space, Zone
from sibao.places.tracing import trace

TZ = ZoneInfo("Asia/Shanghai")
BASE = datetime.datetime(2022, 5, 20, 6, 0, tzinfo=TZ)
PEOPLE = [f"{n:02d}" + "ab" * 31 for n in range(6)]


class Rollback(Exception):
    pass


@pytest.fixture
def tree(db):
    """Two units: one with a site, two buildings, workshops in two zones and one without, a
    space with a renewed (two) codes; another with a lone site. Returns the place codes."""
    unit = make_enterprise()
    z1 = Zone.objects.create(
        enterprise=unit, region_code=unit.region_id, name="甲区", kind="production"
    )
    z2 = Zone.objects.create(
        enterprise=unit, region_code=unit.region_id, name="乙区", kind="living"
    )
    site = make_site(unit)
    b1, b2 = make_space(site, "building"), make_space(site, "building")
    spaces = [
        site,
        b1,
        b2,
        make_space(b1, "workshop", zone=z1),
        make_space(b1, "workshop", zone=z1),
        make_space(b1, "workshop"),
        make_space(b2, "workshop", zone=z2),
        make_space(b2, "area", zone=z1),
        make_site(make_enterprise(), name="二号厂区"),
    ]
    codes = [make_place_code(space) for space in spaces]
    codes.append(make_place_code(spaces[3]))  # renewed: the first code of that space is revoked
    return codes


scan_rows = st.lists(
    st.tuples(
        st.integers(0, len(PEOPLE) - 1),  # person
        st.integers(0, 9),  # place code
        st.integers(0, 12 * 10),  # entry, in five-minute steps from BASE
        st.sampled_from([0, 0, 0, 7, 59]),  # seconds past the step
        st.one_of(st.none(), st.integers(0, 48)),  # stay length in five-minute steps, or open
    ),
    min_size=12,
    max_size=40,
)


def oracle_groups(codes, widen):
    spaces = {s.pk: s for s in Space.objects.all()}
    code_space = {c.pk: c.space_id for c in PlaceCode.objects.all()}
    groups = {}
    for code in codes:
        space = spaces[code_space[code]]
        if widen == "code":
            mates = set()
        elif widen == "parent":
            mates = (
                {s.pk for s in spaces.values() if s.parent_id == space.parent_id}
                if space.parent_id
                else {space.pk}
            )
        else:
            mates = (
                {s.pk for s in spaces.values() if s.zone_id == space.zone_id}
                if space.zone_id
                else set()
            )
        groups[code] = {code} | {c for c, s in code_space.items() if s in mates}
    return groups


def oracle(cases, period_from, period_to, window, widen):
    auto = datetime.timedelta(hours=rules.current()["auto_checkout_hours"])
    window = datetime.timedelta(minutes=window)
    rows = [
        (
            r.person_key,
            r.place_code_id,
            r.space_id,
            r.enterprise_id,
            r.region_code,
            r.entered_at,
            r.left_at if r.left_at is not None else r.entered_at + auto,
        )
        for r in Scan.objects.all()
    ]
    groups = oracle_groups({r[1] for r in rows}, widen)

    def hop(sources, excluded):
        found = {}
        for via, code, _space, _unit, _region, s_in, s_out in sources:
            low, high = s_in - window, s_out + window
            for person, t_code, space, unit, region, t_in, t_out in rows:
                if person in excluded or t_code not in groups[code]:
                    continue
                if t_in < high and t_out > low:
                    pair = (max(t_in, low), min(t_out, high), via, t_code, space, unit, region)
                    found.setdefault(person, []).append(pair)
        result = {}
        for person, pairs in found.items():
            first = min(pairs, key=lambda p: p[:4])
            total = sum((p[1] - p[0] for p in pairs), datetime.timedelta())
            result[person] = (
                first[2],
                first[3],
                first[4],
                first[5],
                first[6],
                first[0],
                first[1],
                total // datetime.timedelta(seconds=1),
                len(pairs),
            )
        return result

    case_stays = [r for r in rows if r[0] in cases and period_from <= r[5] <= period_to]
    close = hop(case_stays, set(cases))
    sources = [r for r in rows if r[0] in close and close[r[0]][5] <= r[5] <= period_to]
    secondary = hop(sources, set(cases) | set(close))
    return close, secondary


def as_dict(contacts):
    return {
        c.person_key: (
            c.via_person_key,
            c.place_code_id,
            c.space_id,
            c.enterprise_id,
            c.region_code,
            c.overlap_from,
            c.overlap_to,
            c.overlap_seconds,
            c.contacts,
        )
        for c in contacts
    }


@pytest.mark.req("EPI-07")
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=scan_rows,
    cases=st.sets(st.integers(0, len(PEOPLE) - 1), min_size=1, max_size=3),
    period=st.tuples(st.integers(0, 12 * 10), st.integers(0, 12 * 10)),
    window=st.sampled_from([0, 5, 30, 60, 120]),
    widen=st.sampled_from(["code", "parent", "zone"]),
)
def test_trace_equals_the_brute_force_oracle(tree, rows, cases, period, window, widen):
    step = datetime.timedelta(minutes=5)
    auto_steps = rules.current()["auto_checkout_hours"] * 12
    period_from = BASE + min(period) * step
    period_to = BASE + max(period) * step
    case_keys = sorted(PEOPLE[i] for i in cases)
    try:
        with transaction.atomic():
            scans = []
            for n, (who, code, start, seconds, length) in enumerate(rows):
                entered = BASE + start * step + datetime.timedelta(seconds=seconds)
                left = None if length is None else entered + min(length, auto_steps) * step
                place = tree[code]
                scans.append(
                    Scan(
                        person_key=PEOPLE[who],
                        place_code_id=place.pk,
                        space_id=place.space_id,
                        enterprise_id=place.enterprise_id,
                        region_code=place.region_code,
                        entered_at=entered,
                        left_at=left,
                        exit_kind="manual" if left else "",
                        source="gateway",
                        device="oracle",
                        event_id=f"o{n}",
                        received_at=entered,
                    )
                )
            partitions.ensure({partitions.day_of(s.entered_at) for s in scans})
            Scan.objects.bulk_create(scans)

            result = trace(case_keys, period_from, period_to, window_minutes=window, widen=widen)
            close, secondary = oracle(case_keys, period_from, period_to, window, widen)

            event("close contacts found" if close else "no close contact")
            event("secondary contacts found" if secondary else "no secondary contact")
            assert as_dict(result.close) == close
            assert as_dict(result.secondary) == secondary
            assert {c.level for c in result.close} <= {"close"}
            assert {c.level for c in result.secondary} <= {"secondary"}
            raise Rollback
    except Rollback:
        pass
