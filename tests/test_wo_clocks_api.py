"""DEM-03 API: ``work-order-metrics`` (the page's filters, JSON, the open overdue order counted)
and ``urgings`` (the ledger in scope; ``POST`` urges: 201, 400 with a Chinese message, 403)."""

import pytest

from sibao.workorders.models import Urging
from tests.routes.wo_clocks import overdue_and_closed

pytestmark = pytest.mark.req("DEM-03")


@pytest.fixture
def pair(personas, own_enterprise):
    return overdue_and_closed(own_enterprise)


def test_metrics_as_json(pair, personas, login):
    client = login(personas["own_county"])
    body = client.get("/api/work-order-metrics/").json()
    assert body["dimension"] == "department"
    total = body["total"]
    assert (total["orders"], total["closed_on_time"], total["open_overdue"]) == (2, 1, 1)
    assert total["close_rate"] == 50.0 and total["satisfaction_rate"] == 100.0
    assert body["rows"][0]["metrics"]["open_overdue"] == 1
    by_level = client.get("/api/work-order-metrics/?dim=level&level=county").json()
    assert [r["key"] for r in by_level["rows"]] == ["county"]
    assert client.get("/api/work-order-metrics/?dim=nonsense").status_code == 400
    empty = client.get("/api/work-order-metrics/?dispatched_from=2031-01-01").json()
    assert empty["rows"] == [] and empty["total"]["close_rate"] is None
    # another county sees none of these orders; a unit's admin no metrics at all
    other = login(personas["other_county"]).get("/api/work-order-metrics/").json()
    assert other["total"]["orders"] == 0
    assert login(personas["enterprise_admin"]).get("/api/work-order-metrics/").status_code == 403


def test_urge_through_the_api(pair, personas, login):
    overdue = pair[0]
    client = login(personas["own_county"])
    answer = client.post("/api/urgings/", {"order": overdue.pk, "note": "请加快办理"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["kind"] == "urge" and answer.json()["order_number"] == overdue.number
    blank = client.post("/api/urgings/", {"order": overdue.pk, "note": ""})
    assert blank.status_code == 400 and "请填写督办意见" in blank.content.decode()
    listed = client.get(f"/api/urgings/?order={overdue.pk}").json()
    assert [row["note"] for row in listed["results"]] == ["请加快办理"]
    # the unit reads its order's urgings but may not urge; another county cannot reach the order
    unit = login(personas["enterprise_admin"])
    assert unit.get(f"/api/urgings/{answer.json()['id']}/").status_code == 200
    assert unit.post("/api/urgings/", {"order": overdue.pk, "note": "x"}).status_code == 403
    other = login(personas["other_county"]).post(
        "/api/urgings/", {"order": overdue.pk, "note": "督办"}
    )
    assert other.status_code == 400
    assert Urging.objects.filter(kind="urge").count() == 1
