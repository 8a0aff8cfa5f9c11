"""EPI-07: the tracing engine's definitions, case by case (``places.tracing`` module docstring):
window edges, open stays ending at the automatic check-out, manual exits, widening to the parent
space or the zone, secondary contacts from the first contact on, cases never listed as contacts."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from sibao.core.testing import make_enterprise, make_place_code, make_scan, make_site, make_space
from sibao.places.tracing import trace

pytestmark = pytest.mark.req("EPI-07")

TZ = ZoneInfo("Asia/Shanghai")
CASE, OTHER = "c" * 64, "d" * 64


def at(hour, minute=0):
    return datetime.datetime(2022, 5, 20, hour, minute, tzinfo=TZ)


def person(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def place(db):
    """A unit with a site, two buildings and workshops: codes on each."""
    from sibao.places.models import Zone

    unit = make_enterprise()
    site = make_site(unit)
    zone = Zone.objects.create(
        enterprise=unit, region_code=unit.region_id, name="生产一区", kind="production"
    )
    b1 = make_space(site, "building", "一号楼")
    b2 = make_space(site, "building", "二号楼")
    w1 = make_space(b1, "workshop", "冲压车间", zone=zone)
    w2 = make_space(b1, "workshop", "焊装车间")
    w3 = make_space(b2, "workshop", "涂装车间", zone=zone)
    w4 = make_space(b2, "workshop", "总装车间")
    spaces = {"site": site, "b1": b1, "b2": b2, "w1": w1, "w2": w2, "w3": w3, "w4": w4}
    return {name: make_place_code(space) for name, space in spaces.items()}


def run(cases=(CASE,), period=None, window=30, widen="code", secondary=True):
    period = period or (at(0), at(23, 59))
    result = trace(
        list(cases), *period, window_minutes=window, widen=widen, include_secondary=secondary
    )
    return {c.person_key: c for c in result.close}, {c.person_key: c for c in result.secondary}


def test_close_contacts_are_the_stays_overlapping_the_case_stay_widened_by_the_window(place):
    w1 = place["w1"]
    make_scan(w1, CASE, at(9), at(10))
    inside_after = make_scan(w1, person(1), at(10, 20), at(11)).person_key
    edge_after = make_scan(w1, person(2), at(10, 30), at(11)).person_key  # starts at exit + 30
    edge_before = make_scan(w1, person(3), at(8), at(8, 30)).person_key  # ends at entry - 30
    just_before = make_scan(w1, person(4), at(8), at(8, 31)).person_key
    elsewhere = make_scan(place["w2"], person(5), at(9, 30), at(9, 40)).person_key

    close, secondary = run()

    assert set(close) == {inside_after, just_before}
    assert close[inside_after].overlap_from == at(10, 20)
    assert close[inside_after].overlap_to == at(10, 30)
    assert close[inside_after].overlap_seconds == 600
    assert close[just_before].overlap_seconds == 60
    assert close[inside_after].via_person_key == CASE
    assert close[inside_after].place_code_id == w1.pk
    assert close[inside_after].space_id == w1.space_id
    assert close[inside_after].enterprise_id == w1.enterprise_id
    assert close[inside_after].region_code == w1.region_code
    assert not {edge_after, edge_before, elsewhere} & set(close)
    # the one entering at the edge met a close contact there; the one leaving at the edge met
    # a close contact before that contact's first contact (08:30) only
    assert set(secondary) == {edge_after}


def test_a_window_of_zero_needs_real_overlap(place):
    w1 = place["w1"]
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w1, person(1), at(10), at(11))  # enters as the case leaves
    make_scan(w1, person(2), at(9, 59), at(11))

    close, _ = run(window=0)

    assert set(close) == {person(2)}
    assert close[person(2)].overlap_seconds == 60


def test_a_stay_without_exit_ends_at_the_automatic_check_out(place):
    w1 = place["w1"]
    make_scan(w1, CASE, at(9))  # no exit: ends 13:00 (auto_checkout_hours = 4)
    make_scan(w1, person(1), at(13, 20), at(13, 40))  # before 13:30
    make_scan(w1, person(2), at(13, 31), at(14))
    make_scan(w1, person(3), at(4, 40))  # open as well: ends 08:40, after 08:30
    make_scan(w1, person(4), at(4, 29))  # ends 08:29

    close, _ = run()

    assert set(close) == {person(1), person(3)}
    assert close[person(1)].overlap_to == at(13, 30)
    assert close[person(3)].overlap_from == at(8, 30)
    assert close[person(3)].overlap_to == at(8, 40)


def test_a_manual_exit_ends_the_stay(place):
    w1 = place["w1"]
    make_scan(w1, CASE, at(9), at(9, 10))
    make_scan(w1, person(1), at(9, 39), at(10))
    make_scan(w1, person(2), at(9, 45), at(10))

    close, _ = run()

    assert set(close) == {person(1)}
    assert close[person(1)].overlap_seconds == 60


def test_only_case_stays_entered_in_the_period_count(place):
    w1 = place["w1"]
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w1, CASE, at(15), at(16))
    make_scan(w1, person(1), at(9, 30), at(9, 40))
    make_scan(w1, person(2), at(15, 30), at(15, 40))

    close, _ = run(period=(at(12), at(23)))

    assert set(close) == {person(2)}


def test_cases_are_never_contacts_of_each_other(place):
    w1 = place["w1"]
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w1, OTHER, at(9), at(10))
    make_scan(w1, person(1), at(9), at(10))

    close, secondary = run(cases=(CASE, OTHER))

    assert set(close) == {person(1)}
    assert close[person(1)].contacts == 2
    assert close[person(1)].overlap_seconds == 7200
    assert secondary == {}


def test_the_first_overlap_names_whom_they_met_and_the_totals_add_up(place):
    w1, w2 = place["w1"], place["w2"]
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w2, OTHER, at(14), at(15))
    make_scan(w2, person(1), at(14, 30), at(14, 50))  # 20 min with OTHER
    make_scan(w1, person(1), at(9, 50), at(10, 10))  # 20 min with CASE, earlier

    close, _ = run(cases=(CASE, OTHER))

    contact = close[person(1)]
    assert contact.via_person_key == CASE
    assert contact.place_code_id == w1.pk
    assert contact.overlap_from == at(9, 50)
    assert contact.overlap_to == at(10, 10)
    assert contact.contacts == 2
    assert contact.overlap_seconds == 2400


def test_widening_to_the_parent_space_takes_in_the_sibling_spaces(place):
    make_scan(place["w1"], CASE, at(9), at(10))
    make_scan(place["w2"], person(1), at(9), at(10))  # sibling of w1 (same building)
    make_scan(place["w3"], person(2), at(9), at(10))  # other building
    make_scan(place["b1"], person(3), at(9), at(10))  # the parent itself

    assert set(run(widen="code")[0]) == set()
    close, _ = run(widen="parent")
    assert set(close) == {person(1)}
    assert close[person(1)].place_code_id == place["w2"].pk


def test_widening_a_root_space_to_its_parent_keeps_the_space_itself(place):
    from sibao.places.actions import issue_code

    site = place["site"].space
    renewed = issue_code(site, actor=None)  # the old code is revoked, its scans still count
    make_scan(place["site"], CASE, at(9), at(10))
    make_scan(renewed, person(1), at(9), at(10))
    make_scan(place["b1"], person(2), at(9), at(10))

    assert set(run(widen="parent")[0]) == {person(1)}
    assert set(run(widen="code")[0]) == set()


def test_widening_to_the_zone_takes_in_the_spaces_of_the_zone(place):
    make_scan(place["w1"], CASE, at(9), at(10))
    make_scan(place["w3"], person(1), at(9), at(10))  # same zone, other building
    make_scan(place["w2"], person(2), at(9), at(10))  # no zone

    assert set(run(widen="zone")[0]) == {person(1)}

    # a space without a zone widens to nothing but its own code
    make_scan(place["w2"], OTHER, at(15), at(16))
    make_scan(place["w4"], person(3), at(15), at(16))
    make_scan(place["w2"], person(4), at(15), at(16))
    assert set(run(cases=(OTHER,), widen="zone")[0]) == {person(4)}


def test_secondary_contacts_are_met_from_the_first_contact_on(place):
    w1, w2, w4 = place["w1"], place["w2"], place["w4"]
    contact = person(1)
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w1, contact, at(9, 30), at(11))  # first contact 09:30
    make_scan(w2, contact, at(7), at(7, 30))  # before: whom they met then is not traced
    make_scan(w2, person(2), at(7), at(7, 20))
    make_scan(w4, contact, at(12), at(12, 30))  # after: traced
    make_scan(w4, person(3), at(12, 10), at(13))
    make_scan(w4, contact, at(20), at(20, 30))  # after the period: not traced
    make_scan(w4, person(4), at(20), at(20, 30))

    close, secondary = run(period=(at(0), at(19)))

    assert set(close) == {contact}
    assert close[contact].overlap_from == at(9, 30)
    assert set(secondary) == {person(3)}
    assert secondary[person(3)].via_person_key == contact
    assert secondary[person(3)].level == "secondary"
    assert secondary[person(3)].overlap_from == at(12, 10)
    assert secondary[person(3)].overlap_to == at(13)

    assert run(period=(at(0), at(19)), secondary=False)[1] == {}


def test_a_close_contact_is_never_also_listed_as_secondary(place):
    w1, w2 = place["w1"], place["w2"]
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w1, person(1), at(9), at(10))
    make_scan(w1, person(2), at(9, 40), at(10))
    make_scan(w2, person(1), at(11), at(12))
    make_scan(w2, person(2), at(11), at(12))

    close, secondary = run()

    assert set(close) == {person(1), person(2)}
    assert secondary == {}


def test_no_cases_or_no_scans_trace_nobody(place):
    assert run(cases=()) == ({}, {})
    assert run() == ({}, {})


def test_a_contact_at_a_code_no_longer_stored_keeps_its_stays_space_unit_and_region(place):
    """The engine reads a contact's space, unit and region from the place code (the stay copied
    them from it); when that code's row is gone, from the stay itself."""
    from sibao.places.models import PlaceCode

    w1, w2 = place["w1"], place["w2"]
    make_scan(w1, CASE, at(9), at(10))
    make_scan(w1, person(1), at(9, 30), at(10, 30))
    make_scan(w2, CASE, at(14), at(15))
    make_scan(w2, person(2), at(14, 10), at(14, 50))
    PlaceCode.objects.filter(pk=w2.pk).delete()

    close, _secondary = run(secondary=False)

    assert set(close) == {person(1), person(2)}
    for key, code in ((person(1), w1), (person(2), w2)):
        contact = close[key]
        assert contact.place_code_id == code.pk
        assert (contact.space_id, contact.enterprise_id, contact.region_code) == (
            code.space_id,
            code.enterprise_id,
            code.region_code,
        )
