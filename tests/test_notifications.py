"""The notification inbox: each user reads and marks only their own messages; the header shows
the unread count."""

import pytest

from sibao.core.models import Notification
from sibao.core.notifications import notify


@pytest.fixture
def inbox(personas):
    admin, office = personas["enterprise_admin"], personas["own_county"]
    notify([admin], "第一条：邀请申报", body="正文一", url="/enterprises/")
    notify([admin], "第二条：抽查结果")
    notify([office], "别人的通知")
    return admin, office


@pytest.mark.req("ORG-04")
def test_the_inbox_shows_only_ones_own_messages_newest_first(login, inbox):
    admin, _office = inbox
    page = login(admin).get("/notifications/")
    assert page.status_code == 200
    titles = [n.title for n in page.context["notifications"]]
    assert titles == ["第二条：抽查结果", "第一条：邀请申报"]
    assert "别人的通知" not in page.content.decode()


def test_the_header_counts_unread_messages(login, inbox):
    admin, _office = inbox
    page = login(admin).get("/").content.decode()
    assert 'data-testid="unread-count">2<' in page


@pytest.mark.req("ORG-04")
def test_marking_read_touches_only_ones_own_messages(login, inbox):
    admin, office = inbox
    others = Notification.objects.get(recipient=office)
    client = login(admin)
    assert client.post(f"/notifications/{others.pk}/read/").status_code == 404
    others.refresh_from_db()
    assert others.read_at is None
    first = Notification.objects.get(title="第一条：邀请申报")
    followed = client.post(f"/notifications/{first.pk}/read/", {"follow": "1"})
    assert followed["Location"] == "/enterprises/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'data-testid="unread-count">1<' in client.get("/").content.decode()
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=admin, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=office).read_at is None
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()
    unread_only = client.get("/notifications/", {"unread": "1"})
    assert list(unread_only.context["notifications"]) == []


def test_the_inbox_needs_a_sign_in_and_no_grant(personas, login):
    from django.test import Client

    assert Client().get("/notifications/").status_code == 302
    notify([personas["no_grant"]], "欢迎")
    page = login(personas["no_grant"]).get("/notifications/")
    assert [n.title for n in page.context["notifications"]] == ["欢迎"]
