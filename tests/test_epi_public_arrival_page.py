"""EPI-08: a visitor or returnee reports to the destination unit on the public page — no account —
and gets the report number and the coding decision in plain words; bad input is refused with a
clear message and stores nothing; submissions are limited per client address; the full ID number
never appears on a page or in an audit row."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import id_number, make_user
from sibao.epidemic import actions
from sibao.epidemic.models import ArrivalReport, RiskLevel

pytestmark = pytest.mark.req("EPI-08")

ID_NO = id_number(7, region="320106", born="19850512")
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def unit_admin(own_enterprise):
    return make_user(Role.ENTERPRISE_ADMIN, "410102", enterprise=own_enterprise)


def form_data(destination, **overrides):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {
        "unit": destination.pk,
        "name": "李四",
        "id_number": ID_NO,
        "phone": PHONE,
        "origin_region": "320106",
        "origin_name": "",
        "travel_history": "",
        "expected_arrival": tomorrow.isoformat(),
        "purpose": "visit",
        "en_route_status": "",
        "last_test_on": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


def test_an_anonymous_visitor_finds_the_unit_reports_and_sees_what_to_do(
    own_enterprise, unit_admin, django_capture_on_commit_callbacks
):
    client = Client()
    search = client.get("/arrive/", {"q": "中原测试"}).content.decode()
    assert own_enterprise.name in search and "中原区" in search
    assert own_enterprise.credit_code not in search  # only name and county are shown
    partial = client.get("/arrive/units/", {"q": own_enterprise.credit_code[:10]})
    assert own_enterprise.name in partial.content.decode()

    page = client.get("/arrive/", {"unit": own_enterprise.pk}).content.decode()
    assert 'data-testid="arrival-form"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'data-testid="main-nav"' not in page  # no platform navigation on the public page
    assert 'name="viewport" content="width=device-width' in page
    assert "310115" in page  # the common origins are offered

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/arrive/", form_data(own_enterprise))
    assert response.status_code == 302 and response["Location"] == "/arrive/done/"
    report = ArrivalReport.objects.get()
    assert (report.status, report.decision, report.source) == ("coded", "nat_on_arrival", "public")
    assert report.origin_name == "江苏省南京市鼓楼区"  # filled from the common origins
    assert report.rule_version is not None and report.decision_inputs["inputs"]["origin_region"]

    done = client.get("/arrive/done/").content.decode()
    assert report.report_no in done
    assert "24 小时内做一次核酸检测" in done and "48 小时检测一次" in done
    assert ID_NO not in done and PHONE not in done
    assert report.id_masked in done

    # the unit's admins hear of it; nobody's audit row or message carries the ID or phone
    message = Notification.objects.get(recipient=unit_admin)
    assert "李四" in message.title and report.report_no in message.body
    for row in AuditLog.objects.all():
        text = f"{row.object_repr} {row.changes} {row.note}"
        assert ID_NO not in text and PHONE not in text
    assert AuditLog.objects.filter(action="arrival.register", object_id=str(report.pk)).exists()
    # the confirmation belongs to the browser session that filed it
    assert report.report_no not in Client().get("/arrive/done/").content.decode()


def test_an_arrival_from_a_risk_county_is_told_to_isolate(own_enterprise):
    actions.add_risk_area(
        actor=None,
        region_code="310115",
        region_name="上海市浦东新区",
        name="某街道某小区",
        level=RiskLevel.STATIC,
        valid_from=timezone.localdate() - datetime.timedelta(days=3),
    )
    client = Client()
    client.post("/arrive/", form_data(own_enterprise, origin_region="310115"))
    report = ArrivalReport.objects.get()
    assert report.decision == "red_isolation"
    done = client.get("/arrive/done/").content.decode()
    assert "集中隔离 7 天" in done and report.isolation_until.isoformat() in done


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": ID_NO[:17] + ("0" if ID_NO[17] != "0" else "1")}, "身份证号码校验位不符"),
        ({"id_number": "41010219900101"}, "身份证号码应为 18 位"),
        ({"unit": 999999}, "未找到该单位"),
        ({"unit": "abc"}, "未找到该单位"),
        (
            {"last_test_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()},
            "最近核酸检测日期不能晚于今天",
        ),
        ({"origin_region": "310100"}, "出发地应为 6 位县级区划代码"),
        ({"phone": "12345"}, "手机号码应为 11 位"),
        ({"expected_arrival": "2022-13-40"}, "预计到达日期格式不正确"),
        (
            {"expected_arrival": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
            "预计到达日期不能早于今天",
        ),
        ({"name": ""}, "请填写姓名"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_stores_nothing(
    own_enterprise, overrides, message
):
    response = Client().post("/arrive/", form_data(own_enterprise, **overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert not ArrivalReport.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="arrival.").exists()
    assert ID_NO not in page  # not even echoed back into the form


def test_submissions_are_limited_per_client_address(own_enterprise):
    province_office = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter(
        "arrival_public_reports_per_hour", 2, actor=province_office, reason="测试限流"
    )
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(2):
        data = form_data(own_enterprise, id_number=id_number(100 + n, region="320106"))
        assert client.post("/arrive/", data).status_code == 302
    refused = client.post("/arrive/", form_data(own_enterprise, id_number=id_number(102)))
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert ArrivalReport.objects.count() == 2
    # another address has its own budget
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post("/arrive/", form_data(own_enterprise)).status_code == 302


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(own_enterprise, settings):
    province_office = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter(
        "arrival_public_reports_per_hour", 1, actor=province_office, reason="测试限流"
    )
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert first.post("/arrive/", form_data(own_enterprise)).status_code == 302
    refused = first.post("/arrive/", form_data(own_enterprise, id_number=id_number(103)))
    assert refused.status_code == 429
    # the proxy's own address is not the client: the next person behind it may still report
    data = form_data(own_enterprise, id_number=id_number(104, region="320106"))
    assert second.post("/arrive/", data).status_code == 302
    assert ArrivalReport.objects.count() == 2


def test_the_form_is_csrf_protected(own_enterprise):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/arrive/", form_data(own_enterprise)).status_code == 403
    assert not ArrivalReport.objects.exists()
    page = client.get("/arrive/", {"unit": own_enterprise.pk})
    token = page.cookies["csrftoken"].value
    data = form_data(own_enterprise, csrfmiddlewaretoken=token)
    assert client.post("/arrive/", data).status_code == 302


def test_an_official_still_at_the_second_factor_step_may_use_the_public_page(own_enterprise, login):
    officer = login(make_user(Role.HEALTH_OFFICE, "410102"))
    assert officer.get("/epidemic/arrivals/").status_code == 302  # held at the second factor
    assert officer.get("/arrive/").status_code == 200
    assert officer.post("/arrive/", form_data(own_enterprise)).status_code == 302
