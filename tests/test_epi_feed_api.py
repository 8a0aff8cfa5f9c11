"""EPI-02: the feed endpoints — ``POST /api/feeds/<kind>/`` with a data-feed account's API token
(other roles 403, anonymous 401), per-record errors in a 200 answer, 400 for a malformed body —
and the feed-batch list and detail (API and page) for the health office and system admins."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from sibao.accounts.actions import create_api_token
from sibao.accounts.roles import Role
from sibao.core.testing import (
    id_number,
    make_enterprise,
    make_feed_source,
    make_staff,
    make_user,
    pass_second_factor,
)
from sibao.epidemic import actions
from sibao.epidemic.models import FeedBatch, StaffMember
from sibao.epidemic.models import TestResult as NatResult

URL = "/api/feeds/test_result/"


def bearer(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client, body, url=URL):
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, payload, content_type="application/json")


def nat(id_no, sample, hours=2, result="negative"):
    sampled = timezone.now() - datetime.timedelta(hours=hours)
    return {
        "id_number": id_no,
        "sample_no": sample,
        "sampled_at": sampled.isoformat(),
        "result": result,
    }


@pytest.fixture
def feed(db):
    source = make_feed_source("lab-zz", "郑州测试检测实验室")
    _token, key = actions.issue_feed_token(source, actor=None)
    return source, bearer(key)


@pytest.mark.req("EPI-02")
def test_a_data_feed_token_sends_a_batch_and_gets_the_counts(feed):
    source, client = feed
    id_no = id_number(1)
    unit = make_enterprise(region="410102")
    make_staff(unit, id_no)
    answer = post(client, [nat(id_no, "A"), nat(id_no, "B", 30)])
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["total"], body["accepted"], body["duplicates"], body["rejected"]) == (2, 2, 0, 0)
    assert body["source"] == "lab-zz" and body["kind"] == "test_result" and body["via"] == "api"
    batch = FeedBatch.objects.get(pk=body["id"])
    assert batch.received_by == source.user
    assert StaffMember.objects.get().last_negative_at is not None
    # the wrapped form, resent: nothing new
    again = post(client, {"records": [nat(id_no, "A"), nat(id_no, "B", 30)]}).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert NatResult.objects.count() == 2


@pytest.mark.req("EPI-02")
def test_the_answer_names_the_bad_record_and_keeps_the_good_ones(feed):
    _source, client = feed
    good, bad = id_number(2), id_number(3)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    answer = post(client, [nat(good, "A"), nat(bad, "B"), nat(good, "C", result="unknown")])
    assert answer.status_code == 200
    body = answer.json()
    assert (body["accepted"], body["rejected"]) == (1, 2)
    assert body["errors"] == [
        {"index": 1, "field": "id_number", "reason": "身份证号码校验位不符。"},
        {"index": 2, "field": "result", "reason": "取值无效，应为：negative、positive。"},
    ]
    assert bad not in answer.content.decode()
    assert list(NatResult.objects.values_list("sample_no", flat=True)) == ["A"]


@pytest.mark.req("EPI-02")
@pytest.mark.parametrize(
    "body", ["{not json", '"a string"', {"rows": []}, {"records": "x"}, {"records": [], "x": 1}]
)
def test_a_malformed_body_is_refused_whole(feed, body):
    _source, client = feed
    assert post(client, body).status_code == 400
    assert not FeedBatch.objects.exists()


@pytest.mark.req("EPI-02")
@pytest.mark.req("ORG-04")
def test_only_data_feed_accounts_may_send(feed, login):
    _source, _client = feed
    records = [nat(id_number(4), "A")]
    assert post(Client(), records).status_code == 401
    assert post(bearer("sb_not-a-real-key"), records).status_code == 401
    officer = make_user(Role.HEALTH_OFFICE, "41")
    _token, key = create_api_token(officer, name="脚本", actor=officer)
    assert post(bearer(key), records).status_code == 403
    assert post(login(make_user(Role.HQ_OFFICE, "410102")), records).status_code == 403
    # a data-feed account that no data source names is refused too
    orphan = make_user(Role.DATA_FEED, "41")
    _token, key = create_api_token(orphan, name="接口", actor=orphan)
    assert post(bearer(key), records).status_code == 403
    assert not FeedBatch.objects.exists()


@pytest.mark.req("EPI-02")
def test_every_kind_has_its_endpoint(feed):
    _source, client = feed
    answer = post(
        client,
        [{"id_number": id_number(5), "colour": "red", "changed_at": "2022-05-20T08:00:00+08:00"}],
        url="/api/feeds/health_code/",
    )
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    assert post(client, [], url="/api/feeds/scans/").status_code == 404


@pytest.fixture
def batches(feed):
    _source, client = feed
    post(client, [nat(id_number(6), "A"), {"id_number": "1"}])
    post(client, [nat(id_number(7), "B")])
    return list(FeedBatch.objects.order_by("id"))


@pytest.mark.req("EPI-02")
def test_the_health_office_lists_feed_batches_in_the_api(
    batches, login, django_assert_max_num_queries
):
    officer = make_user(Role.HEALTH_OFFICE, "41")
    client = pass_second_factor(login(officer), officer)
    with django_assert_max_num_queries(12):
        listing = client.get("/api/feed-batches/")
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [b.pk for b in reversed(batches)]
    detail = client.get(f"/api/feed-batches/{batches[0].pk}/").json()
    assert detail["rejected"] == 1 and detail["errors"][0]["index"] == 1
    filtered = client.get("/api/feed-batches/?has_rejected=true").json()
    assert [row["id"] for row in filtered["results"]] == [batches[0].pk]
    assert login(make_user(Role.HQ_OFFICE, "41")).get("/api/feed-batches/").status_code == 403


@pytest.mark.req("EPI-02")
def test_the_feed_batch_pages_show_counts_and_reasons(
    batches, login, django_assert_max_num_queries
):
    admin = make_user(Role.SYSTEM_ADMIN, "41")
    client = pass_second_factor(login(admin), admin)
    with django_assert_max_num_queries(14):
        page = client.get("/epidemic/feeds/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="feed-batch-table"' in text and "郑州测试检测实验室" in text
    detail = client.get(f"/epidemic/feeds/{batches[0].pk}/").content.decode()
    assert "身份证号码应为 18 位" in detail
    assert f"/epidemic/feeds/{batches[1].pk}/" in text
    filtered = client.get("/epidemic/feeds/?has_rejected=false").content.decode()
    assert f"/epidemic/feeds/{batches[1].pk}/" in filtered
    assert f"/epidemic/feeds/{batches[0].pk}/" not in filtered
