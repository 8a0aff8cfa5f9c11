"""MON-03: a unit's admin reports the day's production status; the same day again corrects it
(audited with the change); a missed day may be back-filled within the rule set's window; the
refusals say what is wrong and change nothing; nobody reports for another unit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_enterprise, make_staff, make_user
from sibao.enterprises.actions import report_production
from sibao.enterprises.models import ProductionReport
from tests.mon_production_support import day

GOOD = {"state": "operating", "capacity_percent": 85, "staff_on_site": 40}


def messages(exc: ValidationError) -> dict:
    return {field: " ".join(found) for field, found in exc.message_dict.items()}


@pytest.mark.req("MON-03")
def test_a_unit_reports_corrects_the_same_day_and_back_fills_a_missed_one(personas, own_enterprise):
    admin = personas["enterprise_admin"]
    first = report_production(own_enterprise, actor=admin, raw_material_days="12.5", **GOOD)
    assert (first.reported_on, first.is_current, first.reported_by) == (day(), True, admin)
    assert (first.region_code, first.industry_id) == (OWN_COUNTY, own_enterprise.industry_id)
    filed = AuditLog.objects.get(action="production.report", object_id=str(first.pk))
    assert filed.changes["capacity_percent"] == [None, 85] and filed.actor == admin

    corrected = report_production(
        own_enterprise,
        actor=admin,
        state="partial",
        capacity_percent=60,
        staff_on_site=40,
        raw_material_days="12.5",
        note="一条生产线检修",
    )
    assert corrected.pk == first.pk
    assert ProductionReport.objects.count() == 1
    row = AuditLog.objects.get(action="production.correct")
    assert row.changes == {
        "state": ["operating", "partial"],
        "capacity_percent": [85, 60],
        "note": ["", "一条生产线检修"],
    }
    assert (row.object_id, row.region_code, row.enterprise_id) == (
        str(first.pk),
        OWN_COUNTY,
        own_enterprise.pk,
    )
    # the same figures again correct nothing
    report_production(
        own_enterprise,
        actor=admin,
        state="partial",
        capacity_percent=60,
        staff_on_site=40,
        raw_material_days="12.5",
        note="一条生产线检修",
    )
    assert AuditLog.objects.filter(action="production.correct").count() == 1

    # a missed day within the window: filed, but today's report stays the unit's status
    missed = report_production(own_enterprise, actor=admin, reported_on=day(-2), **GOOD)
    assert missed.is_current is False
    current = ProductionReport.objects.get(enterprise=own_enterprise, is_current=True)
    assert current.pk == first.pk
    assert AuditLog.objects.filter(action="production.report").count() == 2


@pytest.mark.req("MON-03")
def test_refusals_say_what_is_wrong_and_change_nothing(personas, own_enterprise):
    admin = personas["enterprise_admin"]
    for _n in range(3):
        make_staff(own_enterprise)

    def refused(**values):
        with pytest.raises(ValidationError) as caught:
            report_production(own_enterprise, actor=admin, **{**GOOD, "staff_on_site": 2, **values})
        return messages(caught.value)

    assert "不能晚于今天" in refused(reported_on=day(1))["reported_on"]
    assert "只能补报最近 3 天" in refused(reported_on=day(-4))["reported_on"]
    assert "0 到 100" in refused(capacity_percent=101)["capacity_percent"]
    assert (
        "停产单位的产能利用率应为 0"
        in refused(state="suspended", capacity_percent=30)["capacity_percent"]
    )
    assert "应为“停产”" in refused(state="partial", capacity_percent=0)["capacity_percent"]
    assert "请选择生产状态" in refused(state="closed")["state"]
    # three people on the roster: four on site is refused (an error, not a warning)
    assert "超过本单位花名册在岗人员（3 人）" in refused(staff_on_site=4)["staff_on_site"]
    assert "不能为负数" in refused(raw_material_days="-1")["raw_material_days"]
    assert not ProductionReport.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="production.").exists()

    # suspended with capacity 0 and staff within the roster is fine; the window is a parameter
    report_production(
        own_enterprise, actor=admin, state="suspended", capacity_percent=0, staff_on_site=3
    )
    province = make_user(Role.HQ_OFFICE, "41", username="province")
    change_rule_parameter("production_backfill_days", "0", actor=province, reason="只收当天")
    assert "只能填报当天" in refused(reported_on=day(-1))["reported_on"]


@pytest.mark.req("MON-03")
def test_nobody_reports_for_another_unit(personas, own_enterprise, login):
    neighbour = make_enterprise(region=OWN_COUNTY, name="中原邻居制造有限公司")
    with pytest.raises(PermissionDenied, match="只能填报本单位"):
        report_production(neighbour, actor=personas["enterprise_admin"], **GOOD)
    with pytest.raises(PermissionDenied, match="无权填报"):
        report_production(own_enterprise, actor=personas["own_county"], **GOOD)
    cadre = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise)
    with pytest.raises(PermissionDenied):
        report_production(own_enterprise, actor=cadre, **GOOD)

    # the form offers the admin's own unit only; another unit's id is refused
    client = login(personas["enterprise_admin"])
    page = client.get("/enterprises/production/report/")
    assert page.status_code == 200
    assert own_enterprise.name in page.content.decode()
    assert neighbour.name not in page.content.decode()
    post = client.post(
        "/enterprises/production/report/",
        {"enterprise": neighbour.pk, "reported_on": day().isoformat(), **GOOD},
    )
    assert post.status_code == 422
    assert login(personas["own_county"]).get("/enterprises/production/report/").status_code == 403
    assert not ProductionReport.objects.exists()


@pytest.mark.req("MON-03")
def test_the_form_reports_then_corrects_and_shows_the_refusal(personas, own_enterprise, login):
    client = login(personas["enterprise_admin"])
    form = {
        "enterprise": own_enterprise.pk,
        "reported_on": day().isoformat(),
        "state": "operating",
        "capacity_percent": "90",
        "staff_on_site": "55",
        "raw_material_days": "3",
        "note": "",
    }
    bad = client.post("/enterprises/production/report/", {**form, "state": "suspended"})
    assert bad.status_code == 422
    assert "停产单位的产能利用率应为 0" in bad.content.decode()
    assert not ProductionReport.objects.exists()

    made = client.post("/enterprises/production/report/", form, follow=True)
    assert made.redirect_chain[-1][0] == f"/enterprises/{own_enterprise.pk}/production/"
    page = made.content.decode()
    assert "已填报" in page and 'data-testid="state-operating"' in page

    again = client.get("/enterprises/production/report/")
    assert 'data-testid="filed-today"' in again.content.decode()
    assert again.context["form"].initial["capacity_percent"] == 90
    fixed = client.post(
        "/enterprises/production/report/", {**form, "capacity_percent": "70"}, follow=True
    )
    assert "已更正" in fixed.content.decode()
    assert ProductionReport.objects.get().capacity_percent == 70
