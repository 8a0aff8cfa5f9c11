"""WL-10: departments (with the HQ office) record spot checks of prevention measures; a unit whose
failures caused import or spread of infection is removed from the whitelist (熔断) with the
evidence and the decision recorded, and its admins are told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_user
from sibao.enterprises import actions
from sibao.enterprises.models import SpotCheck, WhitelistChangeKind, WhitelistEntry

pytestmark = pytest.mark.req("WL-10")


@pytest.fixture
def department(departments):
    return make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="industry_it")


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


@pytest.fixture
def listed(own_enterprise, department):
    return actions.add_unit(own_enterprise, actor=department, tier="county", reason="龙头")


def today():
    return timezone.localdate()


def test_a_department_records_a_spot_check_and_the_unit_hears_of_a_failure(
    department, own_enterprise, unit_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check = actions.record_spot_check(
            own_enterprise,
            actor=department,
            checked_on=today(),
            inspectors="工信局张三；指挥部办公室李四",
            findings="未落实扫码测温",
            result="rectify",
            rectify_by=today() + datetime.timedelta(days=3),
        )
    assert (check.region_code, check.industry_id, check.recorded_by) == (
        OWN_COUNTY,
        "industry",
        department,
    )
    message = Notification.objects.get(recipient=unit_admin)
    assert "限期整改" in message.title and "未落实扫码测温" in message.body


def test_a_spot_check_must_be_consistent(department, own_enterprise):
    base = {"checked_on": today(), "inspectors": "张三", "findings": "问题", "actor": department}
    cases = [
        ({**base, "result": "rectify"}, "rectify_by"),
        ({**base, "result": "passed", "caused_spread": True}, "caused_spread"),
        ({**base, "result": "failed", "findings": ""}, "findings"),
        (
            {**base, "result": "passed", "checked_on": today() + datetime.timedelta(days=1)},
            "checked_on",
        ),
        ({**base, "result": "excellent"}, "result"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationError) as error:
            actions.record_spot_check(own_enterprise, **arguments)
        assert field in error.value.message_dict, (field, error.value)
    assert not SpotCheck.objects.exists()


def test_the_unit_and_other_jurisdictions_cannot_record_spot_checks(
    personas, own_enterprise, unit_admin
):
    for actor in (unit_admin, personas["other_county"]):
        with pytest.raises(PermissionDenied):
            actions.record_spot_check(
                own_enterprise,
                actor=actor,
                checked_on=today(),
                inspectors="x",
                findings="",
                result="passed",
            )


def test_a_check_finding_spread_leads_to_the_fuse_which_removes_the_unit_with_its_evidence(
    department, login, own_enterprise, listed, unit_admin, django_capture_on_commit_callbacks
):
    client = login(department)
    response = client.post(
        f"/enterprises/{own_enterprise.pk}/checks/add/",
        {
            "checked_on": today().isoformat(),
            "inspectors": "工信局张三",
            "result": "failed",
            "findings": "员工未按规定闭环，流调确认由此导致扩散",
            "caused_spread": "on",
        },
    )
    check = SpotCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{own_enterprise.pk}/fuse/?spot_check={check.pk}"
    form = client.get(response["Location"])
    assert form.context["form"]["spot_check"].value() == check.pk
    assert "流调确认由此导致扩散" in form.context["form"]["evidence"].value()

    refused = client.post(
        f"/enterprises/{own_enterprise.pk}/fuse/", {"evidence": "流调报告", "decision": ""}
    )
    assert refused.status_code == 200 and "decision" in refused.context["form"].errors
    assert WhitelistEntry.objects.get(pk=listed.pk).is_listed

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/enterprises/{own_enterprise.pk}/fuse/",
            {
                "evidence": "流调报告（2022）第 12 号",
                "decision": "县指挥部决定熔断",
                "spot_check": check.pk,
            },
        )
    assert done.status_code == 302
    entry = WhitelistEntry.objects.get(pk=listed.pk)
    assert entry.status == "removed"
    change = entry.changes.get(kind=WhitelistChangeKind.FUSED)
    assert "流调报告（2022）第 12 号" in change.reason and "县指挥部决定熔断" in change.reason
    assert f"#{check.pk}" in change.reason and change.actor == department
    assert AuditLog.objects.filter(action="whitelist.fuse", object_id=str(entry.pk)).exists()
    notice = Notification.objects.get(recipient=unit_admin, title__contains="熔断")
    assert "县指挥部决定熔断" in notice.body
    # the fuse shows on the unit's spot-check panel, and in its whitelist history
    panel = client.get(f"/enterprises/{own_enterprise.pk}/checks/").content.decode()
    assert "熔断移出" in panel and "流调报告（2022）第 12 号" in panel
    history = [c.kind for c in entry.changes.all()]
    assert history == [WhitelistChangeKind.FUSED, WhitelistChangeKind.ADDED]


def test_a_check_for_an_unlisted_unit_offers_no_fuse(department, login, own_enterprise):
    response = login(department).post(
        f"/enterprises/{own_enterprise.pk}/checks/add/",
        {
            "checked_on": today().isoformat(),
            "inspectors": "张三",
            "result": "failed",
            "findings": "导致扩散",
            "caused_spread": "on",
        },
    )
    assert response["Location"] == f"/enterprises/{own_enterprise.pk}/"
    page = login(department).get(f"/enterprises/{own_enterprise.pk}/fuse/")
    assert page.status_code == 200 and "不在白名单内" in page.content.decode()


def test_the_unit_cannot_fuse_itself_and_another_county_cannot_reach_it(
    personas, login, own_enterprise, listed, unit_admin
):
    data = {"evidence": "e", "decision": "d"}
    assert (
        login(unit_admin).post(f"/enterprises/{own_enterprise.pk}/fuse/", data).status_code == 403
    )
    assert (
        login(personas["other_county"])
        .post(f"/enterprises/{own_enterprise.pk}/fuse/", data)
        .status_code
        == 404
    )
    assert WhitelistEntry.objects.get(pk=listed.pk).is_listed


def test_spot_checks_and_the_fuse_through_the_api(
    personas, department, login, own_enterprise, listed, unit_admin
):
    client = login(department)
    created = client.post(
        "/api/spot-checks/",
        {
            "enterprise": own_enterprise.pk,
            "checked_on": today().isoformat(),
            "inspectors": "张三",
            "result": "failed",
            "findings": "导致扩散",
            "caused_spread": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    rows = client.get("/api/spot-checks/", {"caused_spread": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [created.json()["id"]]
    assert login(unit_admin).get("/api/spot-checks/").json()["count"] == 1  # its own checks
    body = {"evidence": "流调报告", "decision": "熔断", "spot_check": created.json()["id"]}
    url = f"/api/fuse/{listed.pk}/blow/"
    assert login(unit_admin).post(url, body, content_type="application/json").status_code == 403
    assert (
        login(personas["other_county"]).post(url, body, content_type="application/json").status_code
        == 404
    )
    missing = client.post(url, {"evidence": "x"}, content_type="application/json")
    assert missing.status_code == 400
    fused = client.post(url, body, content_type="application/json")
    assert fused.status_code == 200 and fused.json()["status"] == "removed"
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 400 and "不在白名单" in str(again.json())


def test_the_spot_check_list_is_scoped_filtered_and_cheap(
    personas, department, login, own_enterprise, other_enterprise, django_assert_max_num_queries
):
    for n in range(8):
        unit = make_enterprise(region=OWN_COUNTY)
        actions.record_spot_check(
            unit,
            actor=department,
            checked_on=today(),
            inspectors=f"检查组{n}",
            findings="问题" if n % 2 else "",
            result="failed" if n % 2 else "passed",
        )
    office = personas["other_county"]
    actions.record_spot_check(
        other_enterprise,
        actor=office,
        checked_on=today(),
        inspectors="龙亭",
        findings="",
        result="passed",
    )
    client = login(department)
    with django_assert_max_num_queries(14):
        page = client.get("/enterprises/checks/", {"result": "failed"})
    assert len(page.context["object_list"]) == 4
    assert "龙亭" not in page.content.decode()
    with django_assert_max_num_queries(10):
        assert client.get("/api/spot-checks/").json()["count"] == 8
