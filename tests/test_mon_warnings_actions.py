"""MON-02 "一键响应": every response to a warning — acknowledge, assign, open a work order, open a
joint consultation, resolve, dismiss — through the actions and the API, with its permission and
scope checks, its audit row, and one winner when two officials act at once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command.actions import warnings as actions
from sibao.command.models import AgendaItem, Consultation, EarlyWarning, WarningStatus
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, ensure_headquarters, make_user
from sibao.regions.models import Department
from sibao.workorders.models import Demand
from tests.routes.mon_warnings import make_warning

pytestmark = pytest.mark.req("MON-02")


def _audited(warning, action) -> bool:
    return AuditLog.objects.filter(action=action, object_id=str(warning.pk)).exists()


def test_an_official_acknowledges_assigns_and_resolves_a_warning(personas, own_enterprise):
    office, other = personas["own_county"], personas["other_county"]
    leader = make_user(Role.HQ_LEADER, OWN_COUNTY)
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    warning = make_warning(own_enterprise)

    actions.acknowledge_warning(warning, actor=office, note="已知悉")
    # the second official read the page before the first acted: the row is re-read under lock
    with pytest.raises(ValidationError, match="已确认"):
        actions.acknowledge_warning(warning, actor=leader)
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED and warning.acknowledged_by == office
    assert _audited(warning, "warning.acknowledge")

    with pytest.raises(ValidationError) as refused:
        actions.assign_warning(warning, actor=office, owner=other)  # not in the owner's reach
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.assign_warning(warning, actor=office)  # nobody named
    deadline = timezone.now() + datetime.timedelta(days=2)
    actions.assign_warning(
        warning, actor=office, owner=leader, department=department, deadline=deadline
    )
    warning.refresh_from_db()
    assert (warning.status, warning.owner, warning.owner_department) == (
        WarningStatus.ASSIGNED,
        leader,
        department,
    )
    assert warning.deadline == deadline and _audited(warning, "warning.assign")

    with pytest.raises(ValidationError, match="处置结果"):
        actions.resolve_warning(warning, actor=leader, outcome="  ")
    actions.resolve_warning(warning, actor=leader, outcome="已协调解决")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RESOLVED and warning.resolved_by == leader
    with pytest.raises(ValidationError):
        actions.dismiss_warning(warning, actor=office, reason="重复")


def test_only_responders_within_the_scope_may_respond(personas, own_enterprise):
    warning = make_warning(own_enterprise)
    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise)
    for user in (personas["other_county"], personas["enterprise_admin"], cadre):
        with pytest.raises(PermissionDenied):
            actions.acknowledge_warning(warning, actor=user)
        with pytest.raises(PermissionDenied):
            actions.dismiss_warning(warning, actor=user, reason="误报")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN
    with pytest.raises(ValidationError, match="理由"):
        actions.dismiss_warning(warning, actor=personas["own_county"], reason="")
    actions.dismiss_warning(warning, actor=personas["own_county"], reason="单位已停业注销")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.DISMISSED and warning.outcome == "单位已停业注销"
    assert _audited(warning, "warning.dismiss")


def test_a_warning_becomes_one_work_order_of_its_unit(personas, own_enterprise):
    office = personas["own_county"]
    warning = make_warning(own_enterprise, rule="raw_material_low", dimension="production")
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")
    with pytest.raises(PermissionDenied):  # only the office of the region files for a unit
        actions.open_work_order(warning, actor=staff)

    actions.open_work_order(warning, actor=office, description="请协调原料供应")
    warning.refresh_from_db()
    demand = warning.demand
    assert demand.enterprise == own_enterprise and demand.category == "raw_materials"
    assert demand.title.startswith("【监测预警】") and f"#{warning.pk}" in demand.description
    assert warning.status == WarningStatus.ASSIGNED and warning.acknowledged_by == office
    assert _audited(warning, "warning.work_order")
    with pytest.raises(ValidationError, match=demand.number):
        actions.open_work_order(warning, actor=office)
    assert Demand.objects.count() == 1

    regional = make_warning(region=OWN_COUNTY, rule="orders_overdue_region", dimension="demand")
    with pytest.raises(ValidationError, match="不涉及具体单位"):
        actions.open_work_order(regional, actor=office)


def test_a_warning_goes_to_a_joint_consultation_as_an_agenda_item(personas, own_enterprise):
    ensure_headquarters(OWN_COUNTY)
    office = personas["own_county"]
    leader = make_user(Role.HQ_LEADER, OWN_COUNTY)
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    warning = make_warning(own_enterprise, owner_department=department)
    tomorrow = timezone.now() + datetime.timedelta(days=1)

    # a leader may convene but not keep the agenda: nothing is left half done
    with pytest.raises(PermissionDenied):
        actions.open_consultation(warning, actor=leader, held_at=tomorrow)
    assert not Consultation.objects.exists()

    actions.open_consultation(warning, actor=office, held_at=tomorrow)
    warning.refresh_from_db()
    consultation = warning.consultation
    assert consultation.headquarters.region_id == OWN_COUNTY
    assert list(consultation.participants.all()) == [department]  # the owner department
    item = AgendaItem.objects.get(consultation=consultation)
    assert item.subject == warning and item.title == warning.title
    assert warning.status == WarningStatus.ASSIGNED and _audited(warning, "warning.consultation")
    with pytest.raises(ValidationError, match="已提交联合会商"):
        actions.open_consultation(warning, actor=office, held_at=tomorrow)


def test_the_api_lists_in_scope_and_answers_every_response(personas, own_enterprise, login):
    ensure_headquarters(OWN_COUNTY)
    office = login(personas["own_county"])
    mine = make_warning(own_enterprise)
    other = make_warning(
        region="410202", rule="orders_overdue_region", dimension="demand", enterprise=None
    )
    listed = office.get("/api/warnings/", {"status": "active"}).json()
    assert other.pk not in {row["id"] for row in listed["results"]}
    assert mine.pk in {row["id"] for row in listed["results"]}
    assert office.get(f"/api/warnings/{other.pk}/").status_code == 404

    url = f"/api/warnings/{mine.pk}"
    answer = office.post(f"{url}/acknowledge/", {"note": "收到"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    assert office.post(f"{url}/acknowledge/").status_code == 400  # already acknowledged
    assert office.post(f"{url}/assign/", {}, content_type="application/json").status_code == 400
    leader = make_user(Role.HQ_LEADER, OWN_COUNTY)
    answer = office.post(
        f"{url}/assign/", {"owner": leader.pk, "note": "请跟进"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["owner_name"] == str(leader)
    answer = office.post(f"{url}/work-order/", {}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["demand_number"].startswith("SQ")
    held_at = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    answer = office.post(
        f"{url}/consult/",
        {"held_at": held_at, "other_participants": "企业代表"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["consultation"]
    assert office.post(f"{url}/resolve/", {"outcome": ""}).status_code == 400
    answer = office.post(f"{url}/resolve/", {"outcome": "已解决"})
    assert answer.status_code == 200 and answer.json()["status"] == "resolved"
    assert office.post(f"{url}/dismiss/", {"reason": "重复"}).status_code == 400

    fresh = make_warning(own_enterprise)
    admin = login(personas["enterprise_admin"])
    assert admin.get("/api/warnings/").status_code == 403
    assert admin.post(f"/api/warnings/{fresh.pk}/dismiss/", {"reason": "x"}).status_code == 403
    assert Client().get("/api/warnings/").status_code == 401
    assert (
        login(personas["other_county"])
        .post(f"/api/warnings/{fresh.pk}/dismiss/", {"reason": "x"})
        .status_code
        == 404
    )
    fresh.refresh_from_db()
    assert fresh.status == WarningStatus.OPEN
    assert EarlyWarning.objects.get(pk=mine.pk).demand is not None
