"""LOG-02 actions: the vehicle's company applies (vehicle active, served unit on the whitelist,
its own drivers, validity within the rule, dates in order), the logistics group of the origin or
the destination decides (approve signs, refuse and revoke need a reason), the applicant withdraws;
concurrent decisions leave one winner; the revocation list and the checkpoint's pass state."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, ensure_departments, make_user
from sibao.logistics import queries_passes, signing
from sibao.logistics.actions import fleet
from sibao.logistics.actions import passes as actions
from sibao.logistics.models import PassStatus, VehiclePass
from sibao.workorders.actions.base import Conflict
from tests.log_passes_support import NOW, apply, approved, make_fleet, transport_staff

pytestmark = pytest.mark.req("LOG-02")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def f(departments):
    return make_fleet()


def test_company_applies_and_the_route_group_is_told(f):
    group = transport_staff(OTHER_COUNTY)  # the destination's transport department
    p = apply(f)
    assert p.status == PassStatus.APPLIED
    assert p.number.startswith("TX") and p.number.endswith("-0001") and len(p.number) == 15
    assert p.company_id == f.company.pk and p.applied_by == f.company_user
    assert p.region_code == OWN_COUNTY and p.destination_region_code == OTHER_COUNTY
    assert list(p.drivers.all()) == [f.driver]
    assert p.token == ""
    assert AuditLog.objects.filter(action="vehiclepass.apply", object_id=str(p.pk)).exists()
    assert Notification.objects.filter(recipient=group, title__contains=p.number).exists()
    assert apply(f).number.endswith("-0002")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"valid_until": NOW - DAY, "valid_from": NOW - 2 * DAY}, "valid_until"),  # already over
        ({"valid_until": NOW}, "valid_until"),  # not after the start
        ({"valid_until": NOW + 31 * DAY}, "valid_until"),  # over pass_max_validity_days (30)
        ({"origin": " "}, "origin"),
        ({"destination_region_code": "999999"}, "destination_region_code"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(f, change, field):
    with pytest.raises(ValidationError) as caught:
        apply(f, **change)
    assert field in caught.value.message_dict
    assert not f.vehicle.passes.exists()


def test_validity_limit_comes_from_the_rule_set(f):
    apply(f, valid_until=NOW + 30 * DAY)  # exactly the default limit is accepted
    province = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("pass_max_validity_days", "3", actor=province, reason="缩短有效期")
    with pytest.raises(ValidationError, match="最长 3 天"):
        apply(f, valid_until=NOW + 4 * DAY)


def test_served_unit_must_be_on_the_whitelist(f):
    from sibao.core.testing import make_enterprise

    with pytest.raises(ValidationError, match="不在白名单"):
        apply(f, served_unit=make_enterprise(region=OWN_COUNTY))


def test_inactive_vehicle_and_foreign_drivers_are_refused(f):
    other = make_fleet()
    with pytest.raises(ValidationError, match="不属于申请企业"):
        apply(f, drivers=[other.driver])
    fleet.deactivate_vehicle(f.vehicle, actor=None, reason="报废")
    f.vehicle.refresh_from_db()
    with pytest.raises(ValidationError, match="已停用"):
        apply(f)


def test_only_the_vehicles_company_applies(f, personas):
    other = make_fleet()
    for outsider in (other.company_user, personas["own_county"], personas["enterprise_admin"]):
        with pytest.raises(PermissionDenied):
            apply(f, actor=outsider)


def test_transport_department_of_the_route_approves_and_signs(f):
    p = apply(f)
    approver = transport_staff(OTHER_COUNTY)
    done = actions.approve_pass(p, actor=approver, note="同意", version=p.version, now=NOW)
    assert done.status == PassStatus.APPROVED and done.decided_by == approver
    assert done.key_id == signing.key_id()
    assert signing.verify_token(done.token, now=NOW).number == done.number
    assert Notification.objects.filter(recipient=f.company_user, title__contains="已核发").exists()


def test_who_is_the_logistics_group(f):
    ensure_departments("410303")
    p = apply(f)
    assert actions.may_decide(transport_staff(OWN_COUNTY), p)  # origin
    assert actions.may_decide(transport_staff("4101"), p)  # above the origin
    assert actions.may_decide(make_user(Role.HQ_OFFICE, OWN_COUNTY), p)
    assert not actions.may_decide(transport_staff("410303"), p)  # a county off the route
    industry = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    assert not actions.may_decide(industry, p)
    for outsider in (industry, transport_staff("410303"), f.company_user):
        with pytest.raises(PermissionDenied):
            actions.approve_pass(p, actor=outsider, now=NOW)
    p.refresh_from_db()
    assert p.status == PassStatus.APPLIED and p.token == ""


def test_refuse_and_revoke_need_a_reason(f):
    staff = transport_staff(OWN_COUNTY)
    p = apply(f)
    with pytest.raises(ValidationError):
        actions.refuse_pass(p, actor=staff, reason="  ", now=NOW)
    refused = actions.refuse_pass(p, actor=staff, reason="车辆未投保", now=NOW)
    assert refused.status == PassStatus.REFUSED and refused.decision_reason == "车辆未投保"
    assert Notification.objects.filter(recipient=f.company_user, body="车辆未投保").exists()
    issued = approved(f)
    with pytest.raises(ValidationError):
        actions.revoke_pass(issued, actor=staff, reason="", now=NOW)
    revoked = actions.revoke_pass(issued, actor=staff, reason="驾驶员行程异常", now=NOW)
    assert revoked.status == PassStatus.REVOKED and revoked.revoked_at == NOW


def test_concurrent_approve_and_refuse_leave_one_winner(f):
    p = apply(f)
    seen = p.version
    first, second = transport_staff(OWN_COUNTY), transport_staff(OTHER_COUNTY)
    actions.approve_pass(p, actor=first, version=seen, now=NOW)
    with pytest.raises(Conflict, match="已核发"):
        actions.refuse_pass(p, actor=second, reason="重复申请", version=seen, now=NOW)
    p.refresh_from_db()
    assert p.status == PassStatus.APPROVED and p.decided_by == first


def test_applicant_withdraws_a_pending_application(f):
    p = apply(f)
    with pytest.raises(PermissionDenied):
        actions.withdraw_pass(p, actor=transport_staff(OWN_COUNTY), now=NOW)
    done = actions.withdraw_pass(p, actor=f.company_user, reason="计划取消", now=NOW)
    assert done.status == PassStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        actions.approve_pass(done, actor=None, now=NOW)


def test_revocation_list_holds_revoked_passes_inside_validity(f):
    short = approved(f, valid_until=NOW + DAY)
    long = approved(f)
    kept = approved(f)
    for p in (short, long):
        actions.revoke_pass(p, actor=None, reason="违规", now=NOW)
    assert queries_passes.revoked_numbers(NOW) == sorted([short.number, long.number])
    assert queries_passes.revoked_numbers(NOW + 2 * DAY) == [long.number]
    assert kept.number not in queries_passes.revoked_numbers(NOW)


def test_pass_state_for_the_checkpoint(f):
    p = approved(f)

    def state(token, now):
        reason, claims = queries_passes.token_claims(token, now=now)
        if claims is None:
            return reason, None
        row = VehiclePass.objects.filter(number=claims.number).first()
        return reason or queries_passes.row_state(claims, row, token), claims

    assert state(p.token, NOW)[0] == "valid"
    expired, claims = state(p.token, NOW + 8 * DAY)
    assert expired == "pass_expired" and claims.number == p.number  # still names its pass
    # a character well inside the signature changes whole bytes (the last ones may be padding
    # bits, so "altering" them can leave the signature as it was)
    i = len(p.token) - 10
    altered = p.token[:i] + ("A" if p.token[i] != "A" else "B") + p.token[i + 1 :]
    assert state(altered, NOW) == ("pass_invalid", None)
    # the plate typed at the checkpoint must be the pass's
    _reason, claims = queries_passes.token_claims(p.token, now=NOW)
    row = VehiclePass.objects.get(pk=p.pk)
    assert queries_passes.row_state(claims, row, p.token, "豫Z00000") == "pass_invalid"
    actions.revoke_pass(p, actor=None, reason="违规", now=NOW)
    assert state(p.token, NOW)[0] == "pass_revoked"
