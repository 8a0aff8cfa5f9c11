"""LOG-03: checkpoints and the verification action — real signed passes, the pass row read for
revocation, occupants' 两码一证, the stored check (person keys only), idempotent resends, who may."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.personal import person_key
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, id_number, make_user
from sibao.logistics.actions import checkpoint as actions
from sibao.logistics.actions import passes
from sibao.logistics.models import Check, TripSample
from tests.routes.log_checkpoint import (
    make_checkpoint,
    make_officer,
    make_pass,
    make_status,
)

pytestmark = [pytest.mark.req("LOG-03"), pytest.mark.django_db]


@pytest.fixture
def setup(departments):
    checkpoint = make_checkpoint()
    officer = make_officer()
    vehicle_pass = make_pass()
    driver, escort = id_number(), id_number()
    make_status(driver)
    make_status(escort, itinerary="starred")
    return checkpoint, officer, vehicle_pass, [driver, escort]


def test_a_valid_pass_with_occupants_in_order_is_green_and_logged(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    check = actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants)
    assert check.result == "green"
    assert check.reasons == []
    stored = Check.objects.get(pk=check.pk)
    assert stored.checkpoint == checkpoint
    assert stored.officer == officer
    assert stored.vehicle_pass == vehicle_pass
    assert stored.pass_number == vehicle_pass.number
    assert stored.plate == vehicle_pass.vehicle.plate
    assert stored.region_code == OWN_COUNTY
    assert stored.enterprise_id == vehicle_pass.company_id
    # occupants as person keys only, never the ID numbers
    assert stored.occupant_keys == [person_key(n) for n in occupants]
    row = Check.objects.filter(pk=check.pk).values()[0]
    assert not any(n in str(row) for n in occupants)
    assert AuditLog.objects.filter(action="check.verify", object_id=str(check.pk)).exists()


def test_a_forged_token_is_refused_as_invalid(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    head, payload, signature = vehicle_pass.token.split(".")
    other = "A" if signature[0] != "A" else "B"
    check = actions.verify(
        checkpoint,
        actor=officer,
        token=f"{head}.{payload}.{other}{signature[1:]}",
        occupants=occupants,
    )
    assert check.reasons == ["pass_invalid"]
    assert check.vehicle_pass is None


def test_an_altered_payload_is_refused_as_invalid(setup):
    import base64

    checkpoint, officer, vehicle_pass, occupants = setup
    head, payload, signature = vehicle_pass.token.split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    altered = text.replace(vehicle_pass.vehicle.plate, "豫B99999")
    forged = base64.urlsafe_b64encode(altered.encode()).rstrip(b"=").decode()
    check = actions.verify(
        checkpoint, actor=officer, token=f"{head}.{forged}.{signature}", occupants=occupants
    )
    assert check.reasons == ["pass_invalid"]


def test_garbage_is_refused_as_invalid(setup):
    checkpoint, officer, _pass, occupants = setup
    check = actions.verify(checkpoint, actor=officer, token="豫A12345", occupants=occupants)
    assert check.result == "not_green"
    assert check.reasons == ["pass_invalid"]


def test_an_expired_pass_is_refused_as_expired(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    later = vehicle_pass.valid_until + datetime.timedelta(minutes=5)
    for n in occupants:
        make_status(n, now=later)
    check = actions.verify(
        checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants, now=later
    )
    assert check.reasons == ["pass_expired"]
    # the genuine token still names its pass in the check log
    assert (check.vehicle_pass, check.pass_number) == (vehicle_pass, vehicle_pass.number)
    assert check.enterprise_id == vehicle_pass.company_id


def test_a_pass_not_yet_valid_is_refused_as_such(departments):
    start = timezone.now() + datetime.timedelta(days=2)
    vehicle_pass = make_pass(now=start)  # valid from an hour before ``start``
    driver = id_number()
    make_status(driver)
    check = actions.verify(
        make_checkpoint(), actor=make_officer(), token=vehicle_pass.token, occupants=[driver]
    )
    assert check.reasons == ["pass_not_yet_valid"]


def test_a_revoked_pass_is_refused_as_revoked(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    passes.revoke_pass(vehicle_pass, actor=None, reason="车辆转作他用")
    check = actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants)
    assert check.reasons == ["pass_revoked"]
    assert check.vehicle_pass == vehicle_pass


def test_the_pass_of_another_vehicle_is_refused_by_the_typed_plate(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    ok = actions.verify(
        checkpoint,
        actor=officer,
        token=vehicle_pass.token,
        occupants=occupants,
        plate=vehicle_pass.vehicle.plate.lower(),
    )
    assert ok.result == "green"
    wrong = actions.verify(
        checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants, plate="豫B88888"
    )
    assert wrong.reasons == ["pass_invalid"]
    assert wrong.plate == "豫B88888"


def test_occupants_statuses_decide_with_every_reason_at_once(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    stranger = id_number()  # no 两码一证 on record
    make_status(occupants[0], health_code="yellow", negative_hours=60)
    make_status(occupants[1], itinerary="abnormal")
    check = actions.verify(
        checkpoint, actor=officer, token=vehicle_pass.token, occupants=[*occupants, stranger]
    )
    assert check.result == "not_green"
    assert check.reasons == [
        "occupant_unknown",
        "occupant_not_green",
        "itinerary_abnormal",
        "no_recent_nat",
    ]


def test_the_nat_window_comes_from_the_rule_set(setup):
    from sibao.core.actions import change_rule_parameter

    checkpoint, officer, vehicle_pass, occupants = setup
    for n in occupants:
        make_status(n, negative_hours=30)
    before = actions.verify(
        checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants
    )
    assert before.result == "green"
    province = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("checkpoint_nat_valid_hours", "24", actor=province, reason="测试")
    check = actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants)
    assert check.reasons == ["no_recent_nat"]


def test_without_any_rule_set_version_the_catalogue_default_window_applies(setup):
    from sibao.core.models import RuleSetVersion

    checkpoint, officer, vehicle_pass, occupants = setup
    RuleSetVersion.objects.all().delete()
    for n in occupants:
        make_status(n, negative_hours=47)
    assert (
        actions.verify(
            checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants
        ).reasons
        == []
    )
    for n in occupants:
        make_status(n, negative_hours=49)  # the default 48 h window
    check = actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants)
    assert check.reasons == ["no_recent_nat"]


def test_a_genuine_token_whose_pass_is_not_on_record_is_invalid(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    Check.objects.all().delete()
    type(vehicle_pass).objects.filter(pk=vehicle_pass.pk).update(number="ZZ-OTHER")
    check = actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants)
    assert check.reasons == ["pass_invalid"]
    assert check.vehicle_pass is None and check.enterprise_id is None


def test_a_resend_with_the_same_client_event_returns_the_stored_check(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    first = actions.verify(
        checkpoint,
        actor=officer,
        token=vehicle_pass.token,
        occupants=occupants,
        client_event_id="app-1-0001",
    )
    make_status(occupants[0], health_code="red")  # a changed status does not alter the resend
    again = actions.verify(
        checkpoint,
        actor=officer,
        token=vehicle_pass.token,
        occupants=occupants,
        client_event_id="app-1-0001",
    )
    assert again.pk == first.pk
    assert again.result == "green"
    assert Check.objects.filter(client_event_id="app-1-0001").count() == 1
    other = actions.verify(
        checkpoint,
        actor=officer,
        token=vehicle_pass.token,
        occupants=occupants,
        client_event_id="app-1-0002",
    )
    assert other.pk != first.pk
    assert other.reasons == ["occupant_not_green"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "请录入随车人员"),
        (["", "  "], "请录入随车人员"),
        (["41010219900101001"], "第 1 位随车人员：身份证号码应为 18 位"),
    ],
)
def test_bad_occupant_input_is_refused_and_nothing_is_stored(setup, lines, message):
    checkpoint, officer, vehicle_pass, _occupants = setup
    with pytest.raises(ValidationError) as caught:
        actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=lines)
    assert message in str(caught.value)
    assert not Check.objects.exists()


def test_a_wrong_check_digit_names_the_line(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    bad = occupants[1][:17] + ("0" if occupants[1][17] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        actions.verify(
            checkpoint, actor=officer, token=vehicle_pass.token, occupants=[occupants[0], bad]
        )
    assert "第 2 位随车人员：身份证号码校验位不符" in str(caught.value)


def test_duplicate_occupants_count_once(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    check = actions.verify(
        checkpoint,
        actor=officer,
        token=vehicle_pass.token,
        occupants=[occupants[0], occupants[0].lower(), occupants[1]],
    )
    assert len(check.occupant_keys) == 2


def test_only_an_officer_of_the_checkpoints_region_may_verify(setup):
    checkpoint, _officer, vehicle_pass, occupants = setup
    refused = [
        make_officer(OTHER_COUNTY),
        make_user(Role.HQ_OFFICE, OWN_COUNTY),
        make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport"),
    ]
    for user in refused:
        with pytest.raises(PermissionDenied):
            actions.verify(checkpoint, actor=user, token=vehicle_pass.token, occupants=occupants)
    city_officer = make_officer("4101")  # a city-wide grant covers its counties
    check = actions.verify(
        checkpoint, actor=city_officer, token=vehicle_pass.token, occupants=occupants
    )
    assert check.result == "green"
    assert Check.objects.count() == 1


def test_an_inactive_checkpoint_takes_no_checks(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    checkpoint = actions.update_checkpoint(checkpoint, actor=None, is_active=False)
    with pytest.raises(ValidationError, match="已停用"):
        actions.verify(checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants)


def test_sample_and_go_records_a_sample_per_occupant(setup):
    checkpoint, officer, vehicle_pass, occupants = setup
    check = actions.verify(
        checkpoint, actor=officer, token=vehicle_pass.token, occupants=occupants, sample=True
    )
    assert check.sampled
    samples = TripSample.objects.filter(checkpoint_check=check)
    assert sorted(s.person_key for s in samples) == sorted(person_key(n) for n in occupants)


# --- checkpoints ---


def test_the_hq_office_and_the_transport_department_set_up_checkpoints(departments):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    transport = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport")
    created = actions.create_checkpoint(
        actor=office, region_code=OWN_COUNTY, name=" 郑州西收费站 ", kind="highway_exit"
    )
    assert created.name == "郑州西收费站"
    assert created.green_channel and created.is_active
    assert AuditLog.objects.filter(action="checkpoint.create").count() == 1
    edited = actions.update_checkpoint(created, actor=transport, road="连霍高速", is_active=False)
    assert (edited.road, edited.is_active) == ("连霍高速", False)
    log = AuditLog.objects.get(action="checkpoint.update")
    assert log.changes == {"road": ["", "连霍高速"], "is_active": [True, False]}


def test_others_may_not_set_up_checkpoints(departments):
    industry = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    far_office = make_user(Role.HQ_OFFICE, OTHER_COUNTY)
    for user in (industry, far_office, make_officer()):
        with pytest.raises(PermissionDenied):
            actions.create_checkpoint(
                actor=user, region_code=OWN_COUNTY, name="某检查站", kind="border"
            )
    checkpoint = make_checkpoint()
    with pytest.raises(PermissionDenied):
        actions.update_checkpoint(checkpoint, actor=far_office, name="改名")


def test_checkpoint_input_is_validated(departments):
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(ValidationError) as caught:
        actions.create_checkpoint(actor=office, region_code=OWN_COUNTY, name=" ", kind="moon")
    assert set(caught.value.message_dict) == {"name", "kind"}
    with pytest.raises(ValidationError, match="区划代码不存在"):
        actions.create_checkpoint(actor=None, region_code="999999", name="某站", kind="border")
