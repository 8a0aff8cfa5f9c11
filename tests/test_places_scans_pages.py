"""EPI-06: the public scan page (identify once per device, confirm entry, double submit = one
scan, result with health code and risk warning, check-out, forget, refused codes), a unit's scan
log and "present now" pages with the owner's check-out, the scans API, and the retention purge.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog
from sibao.core.personal import person_key
from sibao.core.testing import (
    OWN_COUNTY,
    earlier_today,
    id_number,
    make_enterprise,
    make_place_code,
    make_scan,
    make_site,
    make_space,
    make_staff,
    make_user,
    yesterday_noon,
)
from sibao.epidemic.models import AlertKind, PersonStatus, SentinelAlert
from sibao.places import actions, partitions
from sibao.places.models import ExitKind, PlaceCode, Scan
from sibao.places.views import scan_public

ID_NO = id_number(7, region="410105", born="19880312")
KEY = person_key(ID_NO)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def code(own_enterprise):
    site = make_site(own_enterprise, name="一号厂区")
    return make_place_code(make_space(site, kind="workshop", name="总装车间"))


def url(code, suffix=""):
    return f"/s/{code.payload}/{suffix}"


def identify(client, code, **overrides):
    data = {
        "step": "identify",
        "name": "王小明",
        "id_number": ID_NO,
        "phone": "13812345678",
        "consent": "yes",
        **overrides,
    }
    return client.post(url(code), data)


def event_id(page: str) -> str:
    return re.search(r'name="event_id" value="([0-9a-f]{32})"', page).group(1)


# --- the public page -----------------------------------------------------------------------------


@pytest.mark.req("EPI-06")
def test_a_person_identifies_once_confirms_entry_and_checks_out(code, own_enterprise):
    client = Client()
    first = client.get(url(code))
    page = first.content.decode()
    assert first.status_code == 200
    assert "中原测试机械有限公司" in page and "总装车间" in page and "一号厂区" in page
    assert 'data-testid="identify-form"' in page
    assert identify(client, code).status_code == 302
    cookie = client.cookies[scan_public.IDENTITY_COOKIE].value
    assert ID_NO not in cookie and "13812345678" not in cookie and "王小明" not in cookie
    page = client.get(url(code)).content.decode()
    assert "王**" in page and 'data-testid="confirm-enter"' in page
    assert ID_NO not in page
    entered = client.post(url(code), {"step": "enter", "event_id": event_id(page)})
    assert entered.status_code == 302 and entered["Location"] == url(code, "done/")
    scan = Scan.objects.get()
    assert (scan.person_key, scan.place_code_id, scan.source) == (KEY, code.pk, "mobile")
    assert scan.device.startswith("m:") and scan.enterprise_id == own_enterprise.pk
    done = client.get(url(code, "done/")).content.decode()
    assert "登记成功" in done and "总装车间" in done
    assert timezone.localtime(scan.entered_at).strftime("%H:%M:%S") in done
    assert 'data-testid="risk-warning"' not in done
    # the place page now offers the check-out
    page = client.get(url(code)).content.decode()
    assert 'data-testid="open-stay"' in page
    assert client.post(url(code), {"step": "leave"}).status_code == 302
    scan.refresh_from_db()
    assert scan.left_at is not None and scan.exit_kind == ExitKind.MANUAL
    assert "已登记离开" in client.get(url(code, "done/")).content.decode()
    # a second check-out finds no open stay
    assert client.post(url(code), {"step": "leave"}).status_code == 400


@pytest.mark.req("EPI-06")
def test_a_double_submit_is_one_scan(code):
    client = Client()
    identify(client, code)
    form = event_id(client.get(url(code)).content.decode())
    for _ in range(3):
        assert client.post(url(code), {"step": "enter", "event_id": form}).status_code == 302
    assert Scan.objects.count() == 1
    # a fresh form is a new entry
    again = event_id(client.get(url(code)).content.decode())
    assert again != form
    client.post(url(code), {"step": "enter", "event_id": again})
    assert Scan.objects.count() == 2


@pytest.mark.req("EPI-06")
def test_another_device_sees_nothing_of_this_scan(code):
    client = Client()
    identify(client, code)
    client.post(
        url(code), {"step": "enter", "event_id": event_id(client.get(url(code)).content.decode())}
    )
    stranger = Client()
    page = stranger.get(url(code, "done/")).content.decode()
    assert 'data-testid="no-scan"' in page and "王**" not in page
    # a copied "last scan" cookie without the identity shows nothing either
    stranger.cookies[scan_public.LAST_COOKIE] = client.cookies[scan_public.LAST_COOKIE].value
    assert 'data-testid="no-scan"' in stranger.get(url(code, "done/")).content.decode()


@pytest.mark.req("EPI-06")
def test_not_me_forgets_the_device_identity(code):
    client = Client()
    identify(client, code)
    assert client.post(url(code), {"step": "forget"}).status_code == 302
    page = client.get(url(code)).content.decode()
    assert 'data-testid="identify-form"' in page and "王**" not in page
    refused = client.post(url(code), {"step": "enter", "event_id": "0" * 32})
    assert refused.status_code == 400 and "请先填写身份信息" in refused.content.decode()
    assert not Scan.objects.exists()


@pytest.mark.req("EPI-06")
def test_a_tampered_identity_cookie_is_not_trusted(code):
    client = Client()
    identify(client, code)
    value = client.cookies[scan_public.IDENTITY_COOKIE].value
    client.cookies[scan_public.IDENTITY_COOKIE] = value[:-2] + (
        "AA" if value[-2:] != "AA" else "BB"
    )
    assert 'data-testid="identify-form"' in client.get(url(code)).content.decode()


@pytest.mark.req("EPI-06")
@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"name": ""}, "请填写姓名"),
        ({"id_number": ID_NO[:17] + ("0" if ID_NO[17] != "0" else "1")}, "校验位"),
        ({"phone": "12345"}, "手机号码"),
        ({"consent": ""}, "请阅读并同意"),
    ],
)
def test_identification_is_checked_and_stores_nothing(code, overrides, field_message):
    client = Client()
    response = identify(client, code, **overrides)
    page = response.content.decode()
    assert response.status_code == 200 and field_message in page
    assert scan_public.IDENTITY_COOKIE not in client.cookies
    assert ID_NO not in page


@pytest.mark.req("EPI-06")
def test_identifications_are_limited_per_client_address(code, monkeypatch):
    monkeypatch.setattr(scan_public, "IDENTIFY_PER_HOUR", 2)
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(2):
        assert identify(client, code).status_code == 302
    refused = identify(client, code)
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert identify(Client(REMOTE_ADDR="198.51.100.10"), code).status_code == 302


@pytest.mark.req("EPI-06")
def test_forged_altered_revoked_and_expired_codes_are_refused_on_the_page(code, own_enterprise):
    body, signature = code.payload.split(".")
    for payload in ("P1.0123456789ABCDEF", f"{body}Q.{signature}", "not-a-code"):
        response = Client().get(f"/s/{payload}/")
        assert response.status_code == 404
        assert "二维码无效" in response.content.decode()
        assert Client().post(f"/s/{payload}/", {"step": "identify"}).status_code == 404
    expired = make_place_code(make_space(code.space, kind="area", name="过期区域"))
    PlaceCode.objects.filter(pk=expired.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = Client().get(url(expired))
    assert response.status_code == 410 and "已过期" in response.content.decode()
    actions.revoke_code(code, actor=None, reason="码牌损坏")
    response = Client().get(url(code))
    assert response.status_code == 410 and "已作废" in response.content.decode()
    client = Client()
    assert identify(client, code).status_code == 410
    assert not Scan.objects.exists()


@pytest.mark.req("EPI-06")
@pytest.mark.parametrize("colour", ["red", "yellow"])
def test_a_risky_scan_is_accepted_with_a_warning_and_one_alert(
    code, own_enterprise, colour, django_capture_on_commit_callbacks
):
    staff = make_staff(own_enterprise, ID_NO, last_negative_at=timezone.now() - HOUR)
    PersonStatus.objects.create(person_key=KEY, health_code=colour)
    client = Client()
    identify(client, code)
    for _ in range(2):
        form = event_id(client.get(url(code)).content.decode())
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url(code), {"step": "enter", "event_id": form})
    assert set(Scan.objects.values_list("risk", flat=True)) == {colour}
    done = client.get(url(code, "done/")).content.decode()
    assert 'data-testid="risk-warning"' in done and 'data-testid="health-code"' in done
    assert ("红码" if colour == "red" else "黄码") in done
    alert = SentinelAlert.objects.get(kind=AlertKind.RISK_SCAN)
    assert alert.staff == staff and alert.enterprise == own_enterprise
    assert "总装车间" in alert.detail


@pytest.mark.req("EPI-06")
def test_an_overdue_worker_is_warned_and_green_codes_are_shown(code, own_enterprise):
    make_staff(own_enterprise, ID_NO, last_negative_at=timezone.now() - 100 * HOUR)
    PersonStatus.objects.create(person_key=KEY, health_code="green")
    client = Client()
    identify(client, code)
    client.post(
        url(code), {"step": "enter", "event_id": event_id(client.get(url(code)).content.decode())}
    )
    assert Scan.objects.get().risk == "overdue"
    done = client.get(url(code, "done/")).content.decode()
    assert "超过规定时间未进行核酸检测" in done and "绿码" in done
    assert SentinelAlert.objects.filter(kind=AlertKind.RISK_SCAN).count() == 1


# --- the unit's pages ---------------------------------------------------------------------------


@pytest.fixture
def admin(personas):
    return personas["enterprise_admin"]


@pytest.fixture
def logged(code, own_enterprise):
    """Today: a roster member at the workshop (present), a visitor who left; yesterday: one."""
    staff = make_staff(own_enterprise, ID_NO, name="王小明", team="装配一班")
    present = make_scan(code, staff.person_key, earlier_today(1))
    visitor_key = person_key(id_number(8))
    gone = make_scan(
        code,
        visitor_key,
        earlier_today(2),
        left_at=earlier_today(1.5),
        exit_kind=ExitKind.MANUAL,
    )
    old = make_scan(code, staff.person_key, yesterday_noon())
    return {"staff": staff, "present": present, "gone": gone, "old": old, "visitor": visitor_key}


@pytest.mark.req("EPI-06")
def test_the_unit_admin_reads_the_days_scan_log_with_masked_names(
    admin, own_enterprise, logged, login
):
    client = login(admin)
    base = f"/places/units/{own_enterprise.pk}/scans/"
    page = client.get(base).content.decode()
    assert page.count('data-testid="scan-row"') == 2
    assert "王小明" in page and logged["staff"].id_masked in page and "装配一班" in page
    assert ID_NO not in page and logged["visitor"] not in page
    assert "非本单位花名册人员" in page and logged["visitor"][:8] in page
    assert "一号厂区 ／ 总装车间" in page
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert (
        client.get(f"{base}?day={yesterday}").content.decode().count('data-testid="scan-row"') >= 1
    )
    by_name = client.get(f"{base}?q=小明").content.decode()
    assert by_name.count('data-testid="scan-row"') == 1 and "王小明" in by_name
    by_last_four = client.get(f"{base}?q={ID_NO[-4:]}").content.decode()
    assert by_last_four.count('data-testid="scan-row"') == 1
    present = client.get(f"{base}?present=true").content.decode()
    assert present.count('data-testid="scan-row"') == 1 and "王小明" in present
    other = make_place_code(make_site(own_enterprise, name="二号厂区"))
    by_place = client.get(f"{base}?place={other.pk}").content.decode()
    assert 'data-testid="scan-row"' not in by_place
    # a full ID number is dropped from the URL at once, never echoed into the page
    refused = client.get(f"{base}?q={ID_NO}")
    assert refused.status_code == 302 and ID_NO not in refused["Location"]


@pytest.mark.req("EPI-06")
def test_government_roles_have_no_scan_log(personas, own_enterprise, logged, login):
    for persona in ("own_county", "other_county"):
        client = login(personas[persona])
        assert client.get(f"/places/units/{own_enterprise.pk}/scans/").status_code == 403
        assert client.get(f"/places/units/{own_enterprise.pk}/scans/present/").status_code == 403
        assert client.get("/api/scans/").status_code == 403
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    from sibao.core.testing import pass_second_factor

    client = pass_second_factor(login(health), health)
    assert client.get(f"/places/units/{own_enterprise.pk}/scans/").status_code == 403
    other_unit = make_enterprise(region=OWN_COUNTY)
    other_admin = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=other_unit)
    client = login(other_admin)
    assert client.get(f"/places/units/{own_enterprise.pk}/scans/").status_code == 404


@pytest.mark.req("EPI-06")
def test_presence_per_place_and_the_owners_check_out(
    admin, own_enterprise, code, logged, login, personas
):
    client = login(admin)
    assert client.get("/places/scans/present/")["Location"] == (
        f"/places/units/{own_enterprise.pk}/scans/present/"
    )
    page = client.get(f"/places/units/{own_enterprise.pk}/scans/present/").content.decode()
    assert "总装车间" in page and 'data-testid="checkout-all"' in page
    counts = re.findall(r'data-testid="present-count"><a [^>]*>(\d+)</a>', page)
    assert counts[0] == "1"
    # an official of the county may not check anyone out
    officer = login(personas["own_county"])
    assert officer.post(f"/places/codes/{code.pk}/checkout/").status_code == 403
    assert Scan.objects.get(pk=logged["present"].pk).left_at is None
    response = client.post(f"/places/codes/{code.pk}/checkout/")
    assert response.status_code == 302
    stored = Scan.objects.get(pk=logged["present"].pk)
    assert stored.exit_kind == ExitKind.OWNER and stored.left_at is not None
    assert AuditLog.objects.filter(action="place.scan.checkout_place", actor=admin).exists()
    page = client.get(f"/places/units/{own_enterprise.pk}/scans/present/").content.decode()
    assert 'data-testid="checkout-all"' not in page


@pytest.mark.req("EPI-06")
def test_the_scans_api_lists_masked_scans_and_checks_out(
    admin, own_enterprise, code, logged, login
):
    client = login(admin)
    body = client.get("/api/scans/").json()
    assert body["count"] == 2
    people = {row["id"]: row["person"] for row in body["results"]}
    assert people[logged["present"].pk] == {
        "on_roster": True,
        "name": "王小明",
        "id_masked": logged["staff"].id_masked,
        "team": "装配一班",
    }
    assert people[logged["gone"].pk] == {"on_roster": False, "key": logged["visitor"][:8]}
    assert ID_NO not in str(body)
    detail = client.get(f"/api/scans/{logged['old'].pk}/").json()
    assert detail["place"] == "一号厂区 ／ 总装车间"
    presence = client.get("/api/place-presence/").json()
    assert {row["place_code_id"]: row["present"] for row in presence}[code.pk] == 1
    assert client.get(f"/api/place-presence/{code.pk}/").json()["present"] == 1
    result = client.post(f"/api/place-presence/{code.pk}/checkout/").json()
    assert result["closed"] == 1
    assert client.get(f"/api/place-presence/{code.pk}/").json()["present"] == 0


@pytest.mark.req("EPI-06")
def test_other_roles_cannot_check_out_through_the_api(personas, code, logged, login):
    client = login(personas["own_county"])
    assert client.post(f"/api/place-presence/{code.pk}/checkout/").status_code == 403
    assert Scan.objects.get(pk=logged["present"].pk).left_at is None


# --- retention -----------------------------------------------------------------------------------


@pytest.mark.req("EPI-06")
def test_the_purge_drops_days_past_retention_and_prepares_the_coming_days(code):
    now = timezone.now()
    old = make_scan(code, KEY, now - datetime.timedelta(days=25))
    edge = make_scan(code, KEY, now - datetime.timedelta(days=20))
    fresh = make_scan(code, KEY, now - HOUR)
    old_day = partitions.day_of(old.entered_at)
    call_command("purge-scans")
    remaining = set(Scan.objects.values_list("pk", flat=True))
    assert remaining == {edge.pk, fresh.pk}
    audit = AuditLog.objects.get(action="place.scan.purge")
    assert (
        audit.changes["before"] == (timezone.localdate() - datetime.timedelta(days=21)).isoformat()
    )
    if connection.vendor == "postgresql":
        days = partitions.existing()
        assert old_day not in days
        today = timezone.localdate()
        assert all(today + datetime.timedelta(days=n) in days for n in range(4))
        assert audit.changes["removed"] >= 1 and audit.changes["vendor"] == "postgresql"
    else:
        assert audit.changes["removed"] == 1
    # a second run changes nothing
    call_command("purge-scans")
    assert set(Scan.objects.values_list("pk", flat=True)) == remaining
