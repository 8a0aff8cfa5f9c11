import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sibao.core.models import AuditLog


@pytest.mark.req("PLAT-01")
def test_the_login_page_is_chinese_by_default(db):
    page = Client().get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page and "用户名" in page


@pytest.mark.req("PLAT-01")
def test_a_user_can_switch_to_english_and_back(personas, login):
    client = login(personas["own_county"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page and "Enterprises" in page and "企业（项目）" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "企业（项目）" in client.get("/").content.decode()


@pytest.mark.req("PLAT-01")
def test_times_are_shown_in_shanghai_time(personas, login):
    at = datetime.datetime(2022, 5, 25, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Zhengzhou
    AuditLog.objects.create(action="test.time", region_code="410102", at=at, object_repr="时间测试")
    page = login(personas["own_county"]).get("/audit/", {"action": "test.time"}).content.decode()
    assert "2022-05-25 09:30:00" in page
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"


@pytest.mark.req("PLAT-01")
def test_an_english_browser_still_gets_chinese_until_the_user_switches(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page


@pytest.mark.req("PLAT-01")
def test_refusals_from_actions_and_the_api_follow_the_chosen_language(personas, login):
    client = login(personas["own_county"])
    assert (
        "您的角色无权访问此页面"
        in client.get("/rules/coverage_target_pct/change/").content.decode()
    )
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/rules/coverage_target_pct/change/").content.decode()
    assert "Your role does not allow access to this page." in page
    bad = Client(HTTP_AUTHORIZATION="Bearer sb_nope", HTTP_COOKIE="django_language=en")
    assert bad.get("/api/regions/").json()["detail"] == "The token is invalid, expired or revoked."
