"""EPI-11: daily health reports (零报告、日报告), missing reports after the deadline, reminders."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    make_enterprise,
    make_listed,
    make_staff,
    make_user,
)
from sibao.epidemic import actions, queries_units
from sibao.epidemic.models import DailyReport

TZ = timezone.get_default_timezone()


def at(day: datetime.date, hh: int, mm: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=TZ)


@pytest.fixture
def today():
    return queries_units.province_today()


@pytest.fixture
def admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=own_enterprise)


def file(unit, admin, day, **fields):
    values = {"staff_on_site": 90, "tests_done": 45}
    values.update(fields)
    return actions.file_daily_report(unit, actor=admin, report_date=day, **values)


# --- one report per unit and day ----------------------------------------------------------------


@pytest.mark.req("EPI-11")
def test_a_second_filing_the_same_day_corrects_the_report_and_is_audited(
    own_enterprise, admin, today
):
    first = file(own_enterprise, admin, today, is_zero_report=True)
    second = file(
        own_enterprise, admin, today, symptomatic=1, sent_to_clinic=1, note="一人发热，已就医"
    )
    assert second.pk == first.pk
    assert DailyReport.objects.filter(enterprise=own_enterprise, report_date=today).count() == 1
    second.refresh_from_db()
    assert (second.symptomatic, second.is_zero_report) == (1, False)
    correction = AuditLog.objects.get(action="daily_report.correct", object_id=str(first.pk))
    assert correction.changes["symptomatic"] == [0, 1]
    assert correction.changes["is_zero_report"] == [True, False]


@pytest.mark.req("EPI-11")
def test_a_correction_after_the_deadline_is_refused_and_changes_nothing(
    own_enterprise, admin, today
):
    day = today - datetime.timedelta(days=2)
    file(own_enterprise, admin, day, is_zero_report=True)
    with pytest.raises(ValidationError) as err:
        file(own_enterprise, admin, day, staff_on_site=10)
    assert "report_date" in err.value.message_dict
    assert DailyReport.objects.get(enterprise=own_enterprise, report_date=day).staff_on_site == 90


@pytest.mark.req("EPI-11")
def test_a_late_report_for_a_missed_day_is_accepted(own_enterprise, admin, today):
    day = today - datetime.timedelta(days=3)
    report = file(own_enterprise, admin, day, is_zero_report=True)
    assert report.report_date == day


@pytest.mark.req("EPI-11")
def test_a_report_for_a_future_day_is_refused(own_enterprise, admin, today):
    with pytest.raises(ValidationError) as err:
        file(own_enterprise, admin, today + datetime.timedelta(days=1), is_zero_report=True)
    assert "report_date" in err.value.message_dict
    assert not DailyReport.objects.exists()


# --- zero reports --------------------------------------------------------------------------------


@pytest.mark.req("EPI-11")
def test_a_zero_report_with_symptomatic_staff_is_refused(own_enterprise, admin, today):
    with pytest.raises(ValidationError) as err:
        file(own_enterprise, admin, today, is_zero_report=True, symptomatic=2, note="x")
    assert "symptomatic" in err.value.message_dict
    assert not DailyReport.objects.exists()


@pytest.mark.req("EPI-11")
def test_a_report_with_symptoms_needs_a_note_and_consistent_counts(own_enterprise, admin, today):
    with pytest.raises(ValidationError) as err:
        file(own_enterprise, admin, today, symptomatic=1)
    assert "note" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        file(own_enterprise, admin, today, symptomatic=1, sent_to_clinic=2, note="发热")
    assert "sent_to_clinic" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        file(own_enterprise, admin, today, staff_on_site=1, symptomatic=3, note="发热")
    assert "symptomatic" in err.value.message_dict


@pytest.mark.req("EPI-11")
def test_the_one_click_zero_report_files_the_counts_shown_on_the_button(
    own_enterprise, admin, login, today
):
    for _n in range(3):
        make_staff(own_enterprise)
    client = login(admin)
    page = client.get(reverse("epidemic:daily_report_unit", args=[own_enterprise.pk]))
    assert page.status_code == 200
    assert "一键零报告（在岗 3 人" in page.content.decode()
    response = client.post(
        reverse("epidemic:daily_report_zero", args=[own_enterprise.pk]),
        {"report_date": today.isoformat(), "staff_on_site": 3, "tests_done": 0},
    )
    assert response.status_code == 302
    report = DailyReport.objects.get(enterprise=own_enterprise, report_date=today)
    assert (report.is_zero_report, report.staff_on_site, report.symptomatic) == (True, 3, 0)
    assert report.filed_by == admin
    # the zero-report address answers no GET
    zero_url = reverse("epidemic:daily_report_zero", args=[own_enterprise.pk])
    assert client.get(zero_url).status_code == 405


@pytest.mark.req("EPI-11")
def test_the_report_form_shows_the_actions_refusal_on_the_field(
    own_enterprise, admin, login, today
):
    client = login(admin)
    response = client.post(
        reverse("epidemic:daily_report_unit", args=[own_enterprise.pk]),
        {
            "report_date": today.isoformat(),
            "staff_on_site": 50,
            "symptomatic": 2,
            "sent_to_clinic": 0,
            "tests_done": 10,
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "有症状人员时，请说明情况" in response.content.decode()
    assert not DailyReport.objects.exists()


# --- who files -----------------------------------------------------------------------------------


@pytest.mark.req("EPI-11")
def test_a_unit_admin_files_for_its_own_unit_only(own_enterprise, admin, today, login):
    neighbour = make_enterprise(region=OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        file(neighbour, admin, today, is_zero_report=True)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        file(own_enterprise, office, today, is_zero_report=True)
    assert not DailyReport.objects.exists()
    # through the page: another unit is not found; the office may read but not file
    client = login(admin)
    url = reverse("epidemic:daily_report_unit", args=[neighbour.pk])
    assert client.get(url).status_code == 404
    office_client = login(office)
    own_url = reverse("epidemic:daily_report_unit", args=[own_enterprise.pk])
    assert office_client.get(own_url).status_code == 200
    posted = office_client.post(own_url, {"report_date": today.isoformat(), "staff_on_site": 1})
    assert posted.status_code == 403


# --- missing reports -----------------------------------------------------------------------------


@pytest.fixture
def region_units(db, admin, own_enterprise):
    """Three listed units in the own county (one files a zero report, one files late, one
    files nothing), one listed in another county, one in the own county that is not listed."""
    own_enterprise.save()
    make_listed(own_enterprise)
    late = make_enterprise(region=OWN_COUNTY, name="中原迟报有限公司")
    silent = make_enterprise(region=OWN_COUNTY, name="中原缺报有限公司")
    far = make_enterprise(region=OTHER_COUNTY, name="龙亭缺报有限公司")
    unlisted = make_enterprise(region=OWN_COUNTY, name="中原未入选有限公司")
    for unit in (late, silent, far):
        make_listed(unit)
    return {"filer": own_enterprise, "late": late, "silent": silent, "far": far, "x": unlisted}


@pytest.mark.req("EPI-11")
def test_missing_reports_are_flagged_only_once_the_deadline_has_passed(region_units, admin):
    day = queries_units.province_today() - datetime.timedelta(days=1)
    file(region_units["filer"], admin, day, is_zero_report=True)
    deadline = queries_units.daily_report_deadline(day)
    assert deadline == at(day + datetime.timedelta(days=1), 10)
    before = queries_units.missing_reports(day, now=deadline - datetime.timedelta(minutes=1))
    assert list(before) == []
    after = queries_units.missing_reports(day, now=deadline)
    assert {u.pk for u in after} == {
        region_units[k].pk for k in ("late", "silent", "far")
    }  # not the filer, not the unlisted unit


@pytest.mark.req("EPI-11")
def test_the_deadline_is_a_rule_set_parameter(region_units, today):
    office = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("daily_report_deadline", "08:30", actor=office, reason="提前截止")
    day = today - datetime.timedelta(days=5)
    assert queries_units.daily_report_deadline(day) == at(day + datetime.timedelta(days=1), 8, 30)
    assert queries_units.missing_reports(day, now=at(day + datetime.timedelta(days=1), 8, 45))


@pytest.mark.req("EPI-11")
def test_the_missing_page_counts_by_region_drills_down_and_lists_the_units(
    region_units, admin, login, django_assert_max_num_queries
):
    day = queries_units.province_today() - datetime.timedelta(days=2)
    file(region_units["filer"], admin, day, is_zero_report=True)
    province_office = make_user(Role.HQ_OFFICE, "41")
    client = login(province_office)
    url = reverse("epidemic:daily_report_missing")
    with django_assert_max_num_queries(30):
        page = client.get(url, {"date": day.isoformat()})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-region="4101"' in body and 'data-region="4102"' in body
    # filed now for a day whose deadline has passed: a late filing
    assert page.context["totals"] == {"listed": 4, "filed": 1, "zero": 1, "late": 1, "missing": 3}
    assert "逾期未报单位" in body
    # drill down to the own county: only its units
    county = client.get(url, {"date": day.isoformat(), "region": OWN_COUNTY})
    names = [u.name for u in county.context["missing"]]
    assert sorted(names) == ["中原缺报有限公司", "中原迟报有限公司"]
    assert "龙亭缺报有限公司" not in county.content.decode()


@pytest.mark.req("EPI-11")
def test_the_missing_page_keeps_to_the_users_jurisdiction(region_units, login, personas):
    url = reverse("epidemic:daily_report_missing")
    other = login(personas["other_county"])
    assert other.get(url, {"region": OWN_COUNTY}).status_code == 404
    page = other.get(url)
    assert [u.name for u in page.context["missing"]] == ["龙亭缺报有限公司"]
    # a unit admin is taken to its own unit's report page
    unit_admin = login(personas["enterprise_admin"])
    answer = unit_admin.get(url)
    assert answer.status_code == 302
    assert answer["Location"] == reverse(
        "epidemic:daily_report_unit",
        args=[personas["enterprise_admin"].active_grants()[0].enterprise_id],
    )


@pytest.mark.req("EPI-11")
def test_a_late_filing_counts_as_filed_late(region_units, admin, today):
    from sibao.regions.models import Region

    day = today - datetime.timedelta(days=4)
    report = file(region_units["filer"], admin, day, is_zero_report=True)
    # filed after the deadline: shift the stored time (auto_now_add) past it
    DailyReport.objects.filter(pk=report.pk).update(
        filed_at=queries_units.daily_report_deadline(day) + datetime.timedelta(hours=2)
    )
    rows = queries_units.missing_by_region(day, Region.objects.get(code=OWN_COUNTY), None)
    assert [(r.listed, r.filed, r.late, r.missing) for r in rows] == [(3, 1, 1, 2)]


# --- reminders -----------------------------------------------------------------------------------


@pytest.mark.req("EPI-11")
def test_reminders_go_to_the_admins_of_units_that_missed_once_per_unit_and_date(
    region_units, admin, today
):
    silent_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=region_units["silent"])
    day = today - datetime.timedelta(days=2)
    file(region_units["filer"], admin, day, is_zero_report=True)
    with _capture_on_commit():
        first = actions.send_daily_report_reminders(day)
    assert first == {"missing": 3, "reminded": 3, "skipped": 0}
    inbox = Notification.objects.filter(recipient=silent_admin)
    assert inbox.count() == 1
    assert day.isoformat() in inbox.get().title
    assert not Notification.objects.filter(recipient=admin).exists()  # its unit filed
    with _capture_on_commit():
        again = actions.send_daily_report_reminders(day)
    assert again == {"missing": 3, "reminded": 0, "skipped": 3}
    assert inbox.count() == 1


@pytest.mark.req("EPI-11")
def test_the_reminder_command_waits_for_the_deadline_and_is_idempotent(region_units, today, capsys):
    make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=region_units["late"])
    with _capture_on_commit():
        call_command("daily-report-reminders", "--date", today.isoformat())
    assert "not passed yet" in capsys.readouterr().out
    assert not Notification.objects.exists()
    day = today - datetime.timedelta(days=1)
    if not queries_units.deadline_passed(day):
        day -= datetime.timedelta(days=1)
    with _capture_on_commit():
        call_command("daily-report-reminders", "--date", day.isoformat())
        call_command("daily-report-reminders", "--date", day.isoformat())
    out = capsys.readouterr().out
    assert "missing=4 reminded=4" in out and "missing=4 reminded=0 already reminded=4" in out
    # the admins of two of the four units have accounts: one message each
    assert Notification.objects.count() == 2
    assert AuditLog.objects.filter(action="daily_report.remind", note=day.isoformat()).count() == 4


class _capture_on_commit:
    """Run ``transaction.on_commit`` callbacks at once (pytest-django wraps each test in a
    transaction that never commits)."""

    def __enter__(self):
        from unittest import mock

        self._patch = mock.patch(
            "django.db.transaction.on_commit", side_effect=lambda func, *a, **k: func()
        )
        self._patch.start()

    def __exit__(self, *exc):
        self._patch.stop()


# --- API -----------------------------------------------------------------------------------------


@pytest.mark.req("EPI-11")
def test_the_api_files_lists_and_reports_missing_units(
    region_units, admin, login, today, django_assert_max_num_queries
):
    client = login(admin)
    body = {
        "enterprise": region_units["filer"].pk,
        "report_date": today.isoformat(),
        "staff_on_site": 70,
        "is_zero_report": True,
    }
    created = client.post("/api/daily-reports/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    corrected = client.post(
        "/api/daily-reports/", {**body, "staff_on_site": 71}, content_type="application/json"
    )
    assert corrected.status_code == 200 and corrected.json()["staff_on_site"] == 71
    refused = client.post(
        "/api/daily-reports/",
        {**body, "symptomatic": 1, "note": "发热"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "symptomatic" in refused.json()
    other = client.post(
        "/api/daily-reports/",
        {**body, "enterprise": region_units["silent"].pk},
        content_type="application/json",
    )
    assert other.status_code == 400  # another unit: not visible to this admin
    office = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    with django_assert_max_num_queries(12):
        listed = office.get("/api/daily-reports/", {"region": OWN_COUNTY})
    assert [r["staff_on_site"] for r in listed.json()["results"]] == [71]
    day = today - datetime.timedelta(days=3)
    with django_assert_max_num_queries(15):
        missing = office.get("/api/daily-reports/missing/", {"date": day.isoformat()})
    data = missing.json()
    assert data["deadline_passed"] is True and data["region"] == OWN_COUNTY
    assert data["count"] == 3
    assert {r["name"] for r in data["results"]} == {
        "中原测试机械有限公司",
        "中原迟报有限公司",
        "中原缺报有限公司",
    }
    assert office.get("/api/daily-reports/missing/", {"region": OTHER_COUNTY}).status_code == 404


@pytest.mark.req("EPI-11")
def test_a_department_sees_the_missing_units_of_its_own_industry(region_units, login, departments):
    shop = make_enterprise(region=OWN_COUNTY, industry="commerce", name="中原商超有限公司")
    make_listed(shop)
    department = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="commerce")
    day = queries_units.province_today() - datetime.timedelta(days=2)
    page = login(department).get(reverse("epidemic:daily_report_missing"), {"date": day})
    assert page.status_code == 200
    assert [u.name for u in page.context["missing"]] == ["中原商超有限公司"]
    assert page.context["totals"]["listed"] == 1
