"""EPI-07: the tracing pages — the health office opens a job (ID numbers, or a positive alert),
reads the contacts grouped by unit and team with masked identities, and exports the list for
the health authority (in clear only where it may unmask; audited); the headquarters read jobs;
a positive NAT result arriving through the feed opens a job automatically."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.personal import decrypt
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    id_number,
    make_enterprise,
    make_feed_source,
    make_place_code,
    make_scan,
    make_site,
    make_space,
    make_staff,
    make_user,
    pass_second_factor,
)
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import SentinelAlert
from sibao.places import actions
from sibao.places.models import TracingContact, TracingJob

pytestmark = pytest.mark.req("EPI-07")


def ago(hours=0, minutes=0):
    return timezone.now() - datetime.timedelta(hours=hours, minutes=minutes)


@pytest.fixture
def outbreak(db):
    """A positive worker at a Zhongyuan unit; a colleague of the same team and one of another
    team in the workshop with them (close); a visitor from a Kaifeng unit who sat with the
    colleague in the canteen later (secondary); a person on no roster in the workshop too."""
    unit = make_enterprise(region=OWN_COUNTY, name="中原流调页面测试有限公司")
    site = make_site(unit)
    workshop = make_place_code(make_space(site, "workshop", "冲压车间"))
    canteen = make_place_code(make_space(site, "area", "食堂"))
    far = make_enterprise(region=OTHER_COUNTY, name="龙亭协作食品有限公司")
    people = {
        "case": make_staff(unit, id_number(801), name="病例甲", team="冲压一班"),
        "mate": make_staff(unit, id_number(802), name="同班乙", team="冲压一班"),
        "other": make_staff(unit, id_number(803), name="邻班丙", team="冲压二班"),
        "visitor": make_staff(far, id_number(804, region="410202"), name="访客丁"),
    }
    stranger = "e" * 64
    make_scan(workshop, people["case"].person_key, ago(5), ago(4))
    make_scan(workshop, people["mate"].person_key, ago(5), ago(4))
    make_scan(workshop, people["other"].person_key, ago(4, 20), ago(3, 50))
    make_scan(workshop, stranger, ago(4, 50), ago(4, 40))
    make_scan(canteen, people["mate"].person_key, ago(3), ago(2, 30))
    # the visitor's stay is at the Zhongyuan unit's canteen: the contact is in the own county
    make_scan(canteen, people["visitor"].person_key, ago(2, 50), ago(2, 20))
    return {"unit": unit, "people": people, "stranger": stranger, "canteen": canteen}


@pytest.fixture
def officer(db):
    return make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="health_pages")


@pytest.fixture
def client(login, officer):
    return pass_second_factor(login(officer), officer)


def test_a_health_officer_opens_a_job_and_reads_the_contacts_by_unit_and_team(
    outbreak, client, django_assert_max_num_queries
):
    people = outbreak["people"]
    case_id = decrypt(people["case"].id_encrypted)
    form = client.get("/places/tracing/new/")
    assert form.status_code == 200
    assert 'value="30"' in form.content.decode()  # the window from the rule set

    answer = client.post(
        "/places/tracing/new/",
        {
            "case_id_numbers": f"{case_id}\n",
            "widen": "code",
            "window_minutes": "30",
            "include_secondary": "on",
            "reason": "核酸阳性，开展流调",
            "case_ref": "ZY-001",
        },
    )
    job = TracingJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/places/tracing/{job.pk}/"
    assert job.close_count == 3 and job.secondary_count == 1

    with django_assert_max_num_queries(25):
        page = client.get(answer["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "流调完成：密接 3 人，次密接 1 人" in text
    for staff in (people["mate"], people["other"], people["visitor"]):
        assert staff.name in text and staff.id_masked in text
        assert decrypt(staff.id_encrypted) not in text
    assert case_id not in text
    assert "人员eeeeeeee" in text  # off every roster: a short key
    assert "班组：冲压一班" in text and "班组：冲压二班" in text
    assert "一号厂区 / 冲压车间" in text
    assert f"病例 {people['case'].id_masked}" in text  # whom they met
    # grouped: the team of the same unit follow each other
    # grouped: the unit's teams in order, then those on no team of the unit's roster
    first, second = text.index("班组：冲压一班"), text.index("班组：冲压二班")
    rest = text.index("未登记班组或非本单位在册人员")
    assert first < text.index("同班乙") < second < text.index("邻班丙") < rest
    assert rest < text.index("访客丁") and rest < text.index("人员eeeeeeee")
    assert 'data-testid="tracing-export"' in text

    filtered = client.get(f"/places/tracing/{job.pk}/?level=secondary", HTTP_HX_REQUEST="true")
    assert filtered.status_code == 200
    rows = filtered.content.decode()
    assert rows.count('data-testid="tracing-contact"') == 1 and "访客丁（" in rows


def test_the_form_explains_what_is_missing(outbreak, client):
    answer = client.post(
        "/places/tracing/new/",
        {"case_id_numbers": "41010219900101123", "widen": "code", "reason": "", "case_ref": ""},
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert text.count("该字段是必填项") == 2  # reason and case reference
    answer = client.post(
        "/places/tracing/new/",
        {"case_id_numbers": "41010219900101123", "widen": "code", "reason": "x", "case_ref": "y"},
    )
    assert answer.status_code == 422
    assert "第 1 个身份证号码：身份证号码应为 18 位" in answer.content.decode()
    assert not TracingJob.objects.exists()


def test_a_job_prefilled_from_a_positive_alert(outbreak, client, officer):
    from sibao.epidemic.actions.sentinel import raise_alert

    case = outbreak["people"]["case"]
    alert = raise_alert(
        "positive",
        person_key=case.person_key,
        staff=case,
        region_code=case.region_code,
        detail="测试阳性",
        dedupe_key="positive:pages-test",
    )
    form = client.get(f"/places/tracing/new/?alert={alert.pk}")
    text = form.content.decode()
    assert form.status_code == 200
    assert f"预警{alert.pk}" in text and case.name in text and case.id_masked in text
    assert client.get("/places/tracing/new/?alert=999999").status_code == 404

    answer = client.post(
        "/places/tracing/new/",
        {
            "alert": alert.pk,
            "case_id_numbers": "",
            "widen": "code",
            "include_secondary": "on",
            "reason": "核酸阳性流调",
            "case_ref": f"预警{alert.pk}",
        },
    )
    assert answer.status_code == 302
    job = TracingJob.objects.get()
    assert job.alert == alert and job.case_keys == [case.person_key]
    assert job.case_labels == [case.id_masked]


def test_the_headquarters_read_a_job_but_neither_run_nor_export_it(outbreak, officer, login):
    job = actions.run_trace(
        actor=officer, case_keys=[outbreak["people"]["case"].person_key], reason="x", case_ref="y"
    )
    hq = login(make_user(Role.HQ_OFFICE, OWN_COUNTY))
    page = hq.get(f"/places/tracing/{job.pk}/")
    assert page.status_code == 200
    assert "同班乙" in page.content.decode()
    assert 'data-testid="tracing-export"' not in page.content.decode()
    assert hq.get(f"/places/tracing/{job.pk}/export.xlsx").status_code == 403
    assert hq.get("/places/tracing/new/").status_code == 403
    listing = hq.get("/places/tracing/").content.decode()
    assert f"/places/tracing/{job.pk}/" in listing and "新建流调" not in listing
    assert "流调任务" in listing  # the navigation entry


def _sheet(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]


def test_the_export_has_numbers_in_clear_where_the_officer_may_unmask_and_is_audited(
    outbreak, officer, client
):
    people = outbreak["people"]
    job = actions.run_trace(
        actor=officer, case_keys=[people["case"].person_key], reason="x", case_ref="ZY-9"
    )
    answer = client.get(f"/places/tracing/{job.pk}/export.xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(answer)
    header, body = rows[0], rows[1:]
    assert header[:6] == ["判定", "单位", "班组", "姓名", "身份证号码", "手机号码"]
    by_name = {row[3]: row for row in body}
    mate = by_name["同班乙"]
    assert mate[0] == "密接" and mate[2] == "冲压一班"
    assert mate[4] == decrypt(people["mate"].id_encrypted)
    assert mate[5] == decrypt(people["mate"].phone_encrypted)
    assert by_name["访客丁"][0] == "次密接"
    assert by_name["访客丁"][4] == decrypt(people["visitor"].id_encrypted)
    assert by_name[None][14] == outbreak["stranger"][:16]  # off every roster: no number at all
    entry = AuditLog.objects.get(action__startswith="places.trace.export")
    assert entry.action == "places.trace.export.unmask"
    assert entry.changes == {"rows": [0, 4], "clear_rows": [0, 3]}
    assert entry.actor == officer


def test_contacts_outside_the_officers_reach_stay_masked_in_the_export(outbreak, officer, client):
    """A contact at a unit of another county: the county officer's job lists it, but the ID
    number stays masked (unmask reaches the officer's jurisdiction only)."""
    people = outbreak["people"]
    far = make_enterprise(region=OTHER_COUNTY, name="龙亭远方有限公司")
    far_code = make_place_code(make_space(make_site(far), "workshop", "远方车间"))
    traveller = make_staff(far, id_number(805, region="410202"), name="远方戊")
    make_scan(far_code, people["case"].person_key, ago(10), ago(9))
    make_scan(far_code, traveller.person_key, ago(10), ago(9))
    job = actions.run_trace(
        actor=officer,
        case_keys=[people["case"].person_key],
        include_secondary=False,
        reason="x",
        case_ref="ZY-10",
    )
    assert TracingContact.objects.filter(job=job, person_key=traveller.person_key).exists()
    rows = {row[3]: row for row in _sheet(client.get(f"/places/tracing/{job.pk}/export.xlsx"))}
    assert rows["远方戊"][4] == traveller.id_masked and rows["远方戊"][5] == traveller.phone_masked
    assert rows["同班乙"][4] == decrypt(people["mate"].id_encrypted)
    entry = AuditLog.objects.get(action="places.trace.export.unmask")
    assert entry.changes == {"rows": [0, 4], "clear_rows": [0, 2]}


def _positive(id_no, sample, hours_ago=1):
    return {
        "id_number": id_no,
        "sample_no": sample,
        "sampled_at": timezone.localtime(ago(hours_ago)).isoformat(),
        "result": "positive",
    }


def test_a_positive_result_from_the_feed_opens_a_tracing_job(
    outbreak, django_capture_on_commit_callbacks
):
    people = outbreak["people"]
    source = make_feed_source("lab-trace", "流调测试实验室")
    record = _positive(decrypt(people["case"].id_encrypted), "P-1")
    with django_capture_on_commit_callbacks(execute=True):
        ingest("test_result", [record], source=source, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        ingest("test_result", [record], source=source, actor=None)  # resent: nothing new

    alert = SentinelAlert.objects.get(kind="positive")
    job = TracingJob.objects.get()
    assert job.alert == alert and job.created_by is None
    assert job.reason == "核酸阳性自动流调" and job.case_ref == f"预警{alert.pk}"
    assert job.case_keys == [people["case"].person_key]
    assert job.region_code == alert.region_code == OWN_COUNTY
    assert job.period_to - job.period_from >= datetime.timedelta(days=14)
    levels = dict(TracingContact.objects.filter(job=job).values_list("person_key", "level"))
    assert levels[people["mate"].person_key] == "close"
    assert levels[people["visitor"].person_key] == "secondary"
    entry = AuditLog.objects.get(action="places.trace")
    assert entry.actor is None and entry.changes["reason"] == [None, "核酸阳性自动流调"]


def test_a_positive_person_without_scans_opens_no_job(db, django_capture_on_commit_callbacks):
    unit = make_enterprise(region=OWN_COUNTY)
    staff = make_staff(unit, id_number(806))
    source = make_feed_source("lab-trace2", "流调测试实验室二")
    with django_capture_on_commit_callbacks(execute=True):
        ingest(
            "test_result",
            [_positive(decrypt(staff.id_encrypted), "P-2")],
            source=source,
            actor=None,
        )
    assert SentinelAlert.objects.filter(kind="positive").count() == 1
    assert not TracingJob.objects.exists()
