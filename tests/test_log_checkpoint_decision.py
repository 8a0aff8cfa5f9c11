"""LOG-03: the green-channel decision, rule by rule against the seed (D2 三(五)):

"对同乘人员健康码绿色、行程码正常（含带*号）、持有 48 小时核酸阴性证明和通行证的，予以优先、快速通行".
Pure function: no database."""

import datetime
from types import SimpleNamespace

import pytest

from sibao.logistics.green_channel import PASS_VALID, REASONS, decide, reason_labels

NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)
HOURS = 48

pytestmark = pytest.mark.req("LOG-03")


def person(health_code="green", itinerary="normal", negative_hours=10.0, positive_hours=None):
    def ago(hours):
        return None if hours is None else NOW - datetime.timedelta(hours=hours)

    return SimpleNamespace(
        health_code=health_code,
        itinerary=itinerary,
        last_negative_at=ago(negative_hours),
        last_positive_at=ago(positive_hours),
    )


def answer(occupants, pass_state=PASS_VALID):
    return decide(pass_state=pass_state, occupants=occupants, now=NOW, nat_valid_hours=HOURS)


def test_valid_pass_and_occupants_in_order_take_the_green_channel():
    decision = answer([person(), person(itinerary="starred")])
    assert decision.result == "green"
    assert decision.green
    assert decision.reasons == ()
    assert decision.occupants == ((), ())


@pytest.mark.parametrize(
    ("pass_state", "reason"),
    [
        ("pass_invalid", "pass_invalid"),
        ("pass_expired", "pass_expired"),
        ("pass_revoked", "pass_revoked"),
        ("pass_not_yet_valid", "pass_not_yet_valid"),
    ],
)
def test_without_a_valid_pass_the_vehicle_is_refused_with_the_pass_reason(pass_state, reason):
    decision = answer([person()], pass_state=pass_state)
    assert decision.result == "not_green"
    assert decision.reasons == (reason,)


def test_an_unknown_pass_state_is_a_programming_error():
    with pytest.raises(ValueError):
        answer([person()], pass_state="fine")


@pytest.mark.parametrize("code", ["yellow", "red", ""])
def test_every_occupant_needs_a_green_health_code(code):
    decision = answer([person(), person(health_code=code)])
    assert decision.reasons == ("occupant_not_green",)
    assert decision.occupants == ((), ("occupant_not_green",))


@pytest.mark.parametrize(
    ("itinerary", "reasons"),
    [
        ("normal", ()),
        ("starred", ()),  # 行程码正常（含带*号）: a star counts as normal
        ("abnormal", ("itinerary_abnormal",)),
        ("", ("itinerary_abnormal",)),  # no itinerary code on record is not a normal one
    ],
)
def test_the_itinerary_must_be_normal_and_a_star_counts_as_normal(itinerary, reasons):
    assert answer([person(itinerary=itinerary)]).reasons == reasons


@pytest.mark.parametrize(
    ("negative_hours", "ok"),
    [(1, True), (47.9, True), (48, True), (48.1, False), (72, False), (None, False)],
)
def test_a_negative_nat_sampled_within_48_hours_is_needed(negative_hours, ok):
    reasons = answer([person(negative_hours=negative_hours)]).reasons
    assert reasons == (() if ok else ("no_recent_nat",))


def test_the_nat_window_is_the_parameter():
    occupant = person(negative_hours=30)
    assert answer([occupant]).green
    narrow = decide(pass_state=PASS_VALID, occupants=[occupant], now=NOW, nat_valid_hours=24)
    assert narrow.reasons == ("no_recent_nat",)


def test_a_positive_sampled_after_the_negative_voids_the_negative_certificate():
    assert answer([person(negative_hours=20, positive_hours=5)]).reasons == ("no_recent_nat",)
    assert answer([person(negative_hours=5, positive_hours=20)]).green


def test_an_unknown_person_is_occupant_unknown():
    decision = answer([person(), None])
    assert decision.reasons == ("occupant_unknown",)
    assert decision.occupants == ((), ("occupant_unknown",))


def test_no_occupant_given_cannot_be_cleared():
    assert answer([]).reasons == ("occupant_unknown",)


def test_several_reasons_are_given_at_once_in_a_stable_order():
    decision = answer(
        [
            person(health_code="red", negative_hours=None),
            person(itinerary="abnormal"),
            None,
        ],
        pass_state="pass_revoked",
    )
    assert decision.result == "not_green"
    assert decision.reasons == (
        "pass_revoked",
        "occupant_unknown",
        "occupant_not_green",
        "itinerary_abnormal",
        "no_recent_nat",
    )
    assert decision.occupants == (
        ("occupant_not_green", "no_recent_nat"),
        ("itinerary_abnormal",),
        ("occupant_unknown",),
    )


def test_every_reason_has_a_chinese_label():
    labels = reason_labels(list(REASONS))
    assert len(labels) == 8
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels)
    assert reason_labels(["no_recent_nat"]) == ["随车人员无 48 小时内核酸阴性证明"]
