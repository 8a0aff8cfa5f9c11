"""CMD-04: an inspection of a whitelisted unit for anything but epidemic prevention, work safety
or entry-exit quarantine needs the city dispatch HQ's prior approval; departments keep lists of
protected inspections; requests, approvals and inspections are logged, and an inspection done
without a needed approval is flagged."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions, queries_oversight
from sibao.command.models import InspectionRequest, ProtectedInspection
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_user,
    make_whitelisted,
)
from sibao.regions.models import Department

pytestmark = pytest.mark.req("CMD-04")
I = InspectionRequest.Status  # noqa: E741


@pytest.fixture
def unit(departments):
    return make_whitelisted(OWN_COUNTY, name="中原白名单食品有限公司")


@pytest.fixture
def market_dept(departments):
    """The county's market-regulation work sits with the industry department in this seed."""
    return Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")


@pytest.fixture
def inspector(market_dept):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def city_hq(departments):
    return make_user(Role.HQ_OFFICE, "4101", username="city_hq")


def today():
    return timezone.localdate()


def announce(unit, inspector, dept, purpose, planned_on=None):
    return actions.request_inspection(
        unit,
        actor=inspector,
        department=dept,
        purpose=purpose,
        matters="检查事项",
        planned_on=planned_on or today() + datetime.timedelta(days=2),
    )


@pytest.mark.parametrize("purpose", ["epidemic", "work_safety", "quarantine"])
def test_epidemic_work_safety_and_quarantine_need_no_approval(
    purpose, unit, inspector, market_dept, city_hq
):
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)
    inspection = announce(unit, inspector, market_dept, purpose)
    assert inspection.status == I.NOT_REQUIRED
    assert not Notification.objects.filter(recipient=city_hq).exists()
    assert Notification.objects.filter(recipient=admin, title__contains="检查通知").exists()
    done = actions.record_inspection_done(
        inspection, actor=inspector, inspected_on=today(), findings="未发现问题"
    )
    assert done.status == I.DONE
    assert not queries_oversight.unapproved_inspections(OWN_COUNTY).exists()


@pytest.mark.parametrize(
    "purpose", ["product_quality", "environment", "capacity", "enforcement", "other"]
)
def test_other_purposes_wait_for_the_city_dispatch_hq(
    purpose, unit, inspector, market_dept, city_hq
):
    inspection = announce(unit, inspector, market_dept, purpose)
    assert inspection.status == I.PENDING
    assert Notification.objects.filter(recipient=city_hq, title__contains="待审批").exists()
    approved = actions.decide_inspection(inspection, actor=city_hq, approve=True, note="同意")
    assert (approved.status, approved.decided_by) == (I.APPROVED, city_hq)
    assert Notification.objects.filter(recipient=inspector, title__contains="已批准").exists()
    done = actions.record_inspection_done(
        approved, actor=inspector, inspected_on=today(), findings="合格"
    )
    assert done.status == I.DONE
    assert list(
        AuditLog.objects.filter(
            object_id=str(inspection.pk), object_type="command.inspectionrequest"
        )
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["inspection.request", "inspection.approve", "inspection.done"]


@pytest.mark.parametrize(
    "role, region",
    [
        (Role.HQ_OFFICE, OWN_COUNTY),  # the county HQ cannot approve
        (Role.HQ_OFFICE, "41"),  # nor the province: the city dispatch HQ does
        (Role.HQ_OFFICE, "4102"),  # another city
        (Role.HQ_LEADER, "4101"),  # no "approve" permission
        (Role.DEPARTMENT_STAFF, "4101"),
        (Role.HEALTH_OFFICE, "4101"),
    ],
)
def test_only_the_units_city_dispatch_hq_approves(role, region, unit, inspector, market_dept):
    inspection = announce(unit, inspector, market_dept, "environment")
    extra = {"department_kind": "industry_it"} if role == Role.DEPARTMENT_STAFF else {}
    user = make_user(role, region, **extra)
    with pytest.raises(PermissionDenied):
        actions.decide_inspection(inspection, actor=user, approve=True)
    inspection.refresh_from_db()
    assert inspection.status == I.PENDING


def test_a_refusal_needs_a_reason(unit, inspector, market_dept, city_hq):
    inspection = announce(unit, inspector, market_dept, "capacity")
    with pytest.raises(ValidationError):
        actions.decide_inspection(inspection, actor=city_hq, approve=False)
    refused = actions.decide_inspection(
        inspection, actor=city_hq, approve=False, note="应急状态期间暂缓"
    )
    assert refused.status == I.REJECTED


@pytest.mark.parametrize("refuse_first", [False, True])
def test_an_inspection_without_the_needed_approval_is_flagged(
    refuse_first, unit, inspector, market_dept, city_hq
):
    county_hq = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    inspection = announce(unit, inspector, market_dept, "product_quality")
    if refuse_first:
        inspection = actions.decide_inspection(
            inspection, actor=city_hq, approve=False, note="不同意"
        )
    flagged = actions.record_inspection_done(
        inspection, actor=inspector, inspected_on=today(), findings="抽检产品"
    )
    assert flagged.status == (I.REJECTED if refuse_first else I.PENDING)
    assert list(queries_oversight.unapproved_inspections(OWN_COUNTY)) == [flagged]
    for user in (city_hq, county_hq):
        assert Notification.objects.filter(recipient=user, title__contains="未经批准").exists()
    with pytest.raises(ValidationError):  # no approval afterwards
        actions.decide_inspection(flagged, actor=city_hq, approve=True)
    with pytest.raises(ValidationError):  # logged once
        actions.record_inspection_done(
            flagged, actor=inspector, inspected_on=today(), findings="再次"
        )


def test_who_announces_and_logs_inspections(unit, inspector, market_dept):
    county_hq = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)
    other_dept = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    far = make_user(Role.DEPARTMENT_STAFF, OTHER_COUNTY, department_kind="industry_it")
    for user in (county_hq, admin, other_dept, far):
        with pytest.raises(PermissionDenied):
            announce(unit, user, market_dept, "environment")
    inspection = announce(unit, inspector, market_dept, "work_safety")
    with pytest.raises(PermissionDenied):
        actions.record_inspection_done(
            inspection, actor=other_dept, inspected_on=today(), findings="x"
        )
    assert InspectionRequest.objects.count() == 1


def test_inspection_input_is_checked(unit, inspector, market_dept, departments):
    with pytest.raises(ValidationError) as error:
        announce(unit, inspector, market_dept, "environment", today() - datetime.timedelta(days=1))
    assert "planned_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        announce(make_enterprise(OWN_COUNTY), inspector, market_dept, "environment")
    assert "enterprise" in error.value.message_dict
    inspection = announce(unit, inspector, market_dept, "epidemic")
    with pytest.raises(ValidationError) as error:
        actions.record_inspection_done(
            inspection,
            actor=inspector,
            inspected_on=today() + datetime.timedelta(days=1),
            findings="x",
        )
    assert "inspected_on" in error.value.message_dict


def test_a_department_keeps_its_protected_list(unit, inspector, market_dept, city_hq):
    row = actions.save_protected_inspection(
        market_dept, actor=inspector, purpose="product_quality", items="产品质量监督抽查"
    )
    row = actions.save_protected_inspection(
        market_dept, actor=inspector, purpose="product_quality", items="产品质量监督抽查\n认证检查"
    )
    assert ProtectedInspection.objects.count() == 1 and "认证检查" in row.items
    with pytest.raises(ValidationError) as error:
        actions.save_protected_inspection(
            market_dept, actor=inspector, purpose="work_safety", items="x"
        )
    assert "无需审批" in error.value.message_dict["purpose"][0]
    other = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    with pytest.raises(PermissionDenied):
        actions.save_protected_inspection(
            market_dept, actor=other, purpose="environment", items="x"
        )
    with pytest.raises(PermissionDenied):
        actions.save_protected_inspection(
            market_dept, actor=city_hq, purpose="environment", items="x"
        )
    # a request for a protected purpose tells the city HQ so
    announce(unit, inspector, market_dept, "product_quality")
    message = Notification.objects.get(recipient=city_hq, title__contains="待审批")
    assert "免检清单" in message.body
    with pytest.raises(PermissionDenied):
        actions.delete_protected_inspection(row, actor=other)
    actions.delete_protected_inspection(row, actor=inspector)
    assert not ProtectedInspection.objects.exists()


def test_the_pages_of_inspection_control(unit, inspector, market_dept, city_hq, login):
    department = login(inspector)
    page = department.get("/command/oversight/inspections/new/")
    assert page.status_code == 200 and "申请涉企检查" in page.content.decode()
    response = department.post(
        "/command/oversight/inspections/new/",
        {
            "enterprise": unit.pk,
            "department": market_dept.pk,
            "purpose": "environment",
            "planned_on": (today() + datetime.timedelta(days=3)).isoformat(),
            "matters": "排污许可检查",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = InspectionRequest.objects.get()
    assert inspection.status == I.PENDING
    city = login(city_hq)
    queue = city.get("/command/oversight/inspections/?status=pending").content.decode()
    assert unit.name in queue
    detail = city.get(f"/command/oversight/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="inspection-decide"' in detail
    city.post(f"/command/oversight/inspections/{inspection.pk}/decide/", {"approve": "1"})
    inspection.refresh_from_db()
    assert inspection.status == I.APPROVED
    department.post(
        f"/command/oversight/inspections/{inspection.pk}/done/",
        {"inspected_on": today().isoformat(), "findings": "达标排放"},
    )
    inspection.refresh_from_db()
    assert inspection.status == I.DONE
    export = city.get("/command/oversight/inspections/export.xlsx")
    assert export.status_code == 200
    assert AuditLog.objects.filter(action="oversight.export.inspections").exists()
    # the county HQ sees the request but gets no decision form
    county = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    page = county.get(f"/command/oversight/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="inspection-decide"' not in page
    listing = department.get("/command/oversight/protected/")
    assert listing.status_code == 200
    response = department.post(
        "/command/oversight/protected/edit/",
        {"department": market_dept.pk, "purpose": "capacity", "items": "产能核查"},
    )
    assert response.status_code == 302
    assert ProtectedInspection.objects.filter(purpose="capacity").exists()
