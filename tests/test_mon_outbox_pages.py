"""MON-05: the inbox of every user (unread count in the header, read one, read all, never another
user's), and the outbox page and API of the health office and system administrators: filters,
retry of a failed message and cancelling of a pending one (audited), masked recipients, scope."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification, OutboxMessage, OutboxStatus
from sibao.core.notifications import notify
from sibao.core.personal import decrypt
from sibao.core.testing import OTHER_COUNTY, make_staff, make_user, pass_second_factor

DAY = datetime.timedelta(days=1)


@pytest.mark.req("MON-05")
def test_the_inbox_reads_ones_own_messages_only(personas, login):
    admin, office = personas["enterprise_admin"], personas["own_county"]
    for n in range(32):
        notify([admin], f"抽查通知 {n}", url="/enterprises/")
    notify([office], "别人的通知")
    client = login(admin)

    home = client.get("/").content.decode()
    assert 'data-testid="unread-count">32<' in home
    page = client.get(reverse("core:notification_list"))
    assert page.context["counts"] == {"all": 32, "unread": 32}
    assert len(page.context["notifications"]) == 30 and page.context["is_paginated"]
    assert "别人的通知" not in page.content.decode()
    second = client.get(reverse("core:notification_list"), {"page": 2}, HTTP_HX_REQUEST="true")
    assert "<html" not in second.content.decode()
    assert [n.title for n in second.context["notifications"]] == ["抽查通知 1", "抽查通知 0"]

    # read one in place: the message comes back read, with the header's new count
    first = Notification.objects.filter(recipient=admin).order_by("id").first()
    read = client.post(reverse("core:notification_read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert 'data-unread="0"' in read.content.decode()
    assert 'hx-swap-oob="true"' in read.content.decode()
    assert 'data-testid="unread-count">31<' in read.content.decode()
    assert 'hx-swap-oob="true">31<' in read.content.decode()  # the 未读 tab's count
    # following a message's link reads it too
    other = Notification.objects.get(recipient=office)
    assert client.post(reverse("core:notification_read", args=[other.pk])).status_code == 404
    following = Notification.objects.filter(recipient=admin).order_by("id")[1]
    follow = client.post(reverse("core:notification_read", args=[following.pk]), {"follow": "1"})
    assert follow["Location"] == "/enterprises/"
    unread = client.get(reverse("core:notification_list"), {"unread": "1"})
    assert unread.context["counts"] == {"all": 32, "unread": 30}

    client.post(reverse("core:notification_read_all"))
    assert not Notification.objects.filter(recipient=admin, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=office).read_at is None
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()
    empty = client.get(reverse("core:notification_list"), {"unread": "1"}).content.decode()
    assert 'data-testid="inbox-empty"' in empty


@pytest.fixture
def outbox_rows(own_enterprise, other_enterprise):
    """Own county: a failed SMS (yesterday), a pending e-mail to a user, a sent SMS; another
    city's county: a failed SMS."""
    staff = make_staff(own_enterprise)
    now = timezone.now()

    def row(key, status, *, staff=staff, days=0, **fields):
        values = {
            "person_key": staff.person_key,
            "phone_encrypted": staff.phone_encrypted,
            "phone_masked": staff.phone_masked,
            "body": f"【四保平台】提醒 {key}",
            "dedupe_key": key,
            "status": status,
            "region_code": staff.region_code,
            "enterprise_id": staff.enterprise_id,
        }
        message = OutboxMessage.objects.create(**{**values, **fields})
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=now - days * DAY)
        return message

    user = make_user(None, email="c@example.org")
    return {
        "staff": staff,
        "failed": row("failed", OutboxStatus.FAILED, days=1, attempts=5, last_error="Timeout"),
        "pending": row(
            "pending",
            OutboxStatus.PENDING,
            channel="email",
            recipient=user,
            phone_encrypted="",
            phone_masked="",
        ),
        "sent": row("sent", OutboxStatus.SENT, sent_at=now),
        "elsewhere": row("elsewhere", OutboxStatus.FAILED, staff=make_staff(other_enterprise)),
    }


def health_client(login, region="4101"):
    user = make_user(Role.HEALTH_OFFICE, region)
    return pass_second_factor(login(user), user), user


@pytest.mark.req("MON-05")
def test_the_outbox_page_filters_and_masks_within_the_jurisdiction(
    outbox_rows, login, personas, django_assert_max_num_queries
):
    client, _user = health_client(login)
    url = reverse("core:outbox_list")

    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert page.status_code == 200
    assert {m.dedupe_key for m in page.context["object_list"]} == {"failed", "pending", "sent"}
    assert page.context["totals"] == {"pending": 1, "failed": 1, "sent": 1}
    html = page.content.decode()
    assert outbox_rows["staff"].phone_masked in html
    assert decrypt(outbox_rows["staff"].phone_encrypted) not in html

    def keys(**params):
        response = client.get(url, params, HTTP_HX_REQUEST="true")
        assert "<html" not in response.content.decode()
        return {m.dedupe_key for m in response.context["object_list"]}

    assert keys(status="failed") == {"failed"}
    assert keys(channel="email") == {"pending"}
    assert keys(channel="sms", status="sent") == {"sent"}
    today = timezone.localdate().isoformat()
    assert keys(created_from=today) == {"pending", "sent"}
    assert keys(created_until=(timezone.localdate() - DAY).isoformat()) == {"failed"}
    assert keys(q="提醒 pen") == {"pending"}

    # the old epidemic address leads here, filters kept
    moved = client.get(reverse("epidemic:outbox_list"), {"status": "failed"})
    assert moved.status_code == 302 and moved["Location"] == f"{url}?status=failed"

    # the export is the filtered list, masked, and an audited read
    from openpyxl import load_workbook

    export = client.get(reverse("core:outbox_export"), {"status": "failed"})
    rows = list(load_workbook(BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][2] == outbox_rows["staff"].phone_masked
    assert AuditLog.objects.filter(action="outbox.export").count() == 1

    # an HQ office reads warnings, not the outbox
    assert login(personas["own_county"]).get(url).status_code == 403


@pytest.mark.req("MON-05")
def test_a_failed_message_is_retried_and_a_pending_one_cancelled_audited(outbox_rows, login):
    client, user = health_client(login)
    failed, pending, sent = outbox_rows["failed"], outbox_rows["pending"], outbox_rows["sent"]

    # retry in place (HTMX): the row comes back pending with a fresh count of attempts
    row = client.post(reverse("core:outbox_retry", args=[failed.pk]), HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and 'data-status="pending"' in row.content.decode()
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.PENDING and failed.attempts == 0
    assert failed.next_attempt_at <= timezone.now()
    retry_audit = AuditLog.objects.get(action="outbox.retry")
    assert retry_audit.actor == user and retry_audit.object_id == str(failed.pk)
    assert retry_audit.changes["status"] == ["failed", "pending"]

    # cancel without HTMX: back to the list
    back = client.post(
        reverse("core:outbox_cancel", args=[pending.pk]), {"next": "/outbox/?status=pending"}
    )
    assert back.status_code == 302 and back["Location"] == "/outbox/?status=pending"
    pending.refresh_from_db()
    assert pending.status == OutboxStatus.CANCELLED and pending.next_attempt_at is None
    assert AuditLog.objects.filter(action="outbox.cancel", object_id=str(pending.pk)).exists()

    # a sent message can be neither: the reason is shown and nothing changes
    refused = client.post(reverse("core:outbox_cancel", args=[sent.pk]), HTTP_HX_REQUEST="true")
    assert 'data-testid="row-error"' in refused.content.decode()
    assert client.post(reverse("core:outbox_retry", args=[sent.pk])).status_code == 302
    sent.refresh_from_db()
    assert sent.status == OutboxStatus.SENT
    assert not AuditLog.objects.filter(object_id=str(sent.pk), action__startswith="outbox.")

    # another city's message is out of reach, as if missing
    elsewhere = outbox_rows["elsewhere"]
    assert client.post(reverse("core:outbox_retry", args=[elsewhere.pk])).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == OutboxStatus.FAILED


@pytest.mark.req("MON-05")
def test_the_outbox_api_is_scoped_masked_and_acts_through_the_same_actions(outbox_rows, login):
    admin = make_user(Role.SYSTEM_ADMIN, "4101")
    client = pass_second_factor(login(admin), admin)

    listing = client.get(reverse("api:outbox-list"), {"status": "failed"})
    assert listing.status_code == 200
    results = listing.json()["results"]
    assert [r["id"] for r in results] == [outbox_rows["failed"].pk]
    assert results[0]["recipient_label"] == outbox_rows["staff"].phone_masked
    assert "phone_encrypted" not in results[0] and "person_key" not in results[0]

    retried = client.post(reverse("api:outbox-retry", args=[outbox_rows["failed"].pk]))
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    cancelled = client.post(
        reverse("api:outbox-cancel", args=[outbox_rows["pending"].pk]), {"reason": "重复通知"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(reverse("api:outbox-cancel", args=[outbox_rows["pending"].pk]))
    assert again.status_code == 400 and "已取消" in again.content.decode()
    other = client.post(reverse("api:outbox-retry", args=[outbox_rows["elsewhere"].pk]))
    assert other.status_code == 404

    county = make_user(Role.HQ_OFFICE, OTHER_COUNTY)
    assert login(county).get(reverse("api:outbox-list")).status_code == 403
