"""LOG-03: the verification endpoint ``POST /api/checkpoint-checks/`` (JSON in, decision out, few
queries) and the check log's list/retrieve, scoped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sibao.core.testing import OTHER_COUNTY, id_number
from sibao.logistics.models import Check
from tests.routes.log_checkpoint import make_checkpoint, make_officer, make_pass, make_status

pytestmark = [pytest.mark.req("LOG-03"), pytest.mark.django_db]
URL = "/api/checkpoint-checks/"

# the request's own: session, user, rule set (idle timeout), session touch (savepoint, update,
# release) = 6; the endpoint: grants, checkpoint (by primary key), one query for the rule set,
# the pass row and every occupant's 两码一证, one statement inserting the check and its audit
# row (in a savepoint here, as the test runs inside a transaction: 3) = 6 on PostgreSQL; other
# databases insert the two rows one by one (one more)
MAX_QUERIES = 12 if connection.vendor == "postgresql" else 13


@pytest.fixture
def scene(departments, login):
    checkpoint = make_checkpoint()
    officer = make_officer()
    vehicle_pass = make_pass()
    driver = id_number()
    make_status(driver)
    return checkpoint, login(officer), vehicle_pass, driver


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_the_endpoint_answers_green_in_few_queries(scene):
    checkpoint, client, vehicle_pass, driver = scene
    body = {
        "checkpoint": checkpoint.pk,
        "token": vehicle_pass.token,
        "occupants": [driver],
        "client_event_id": "scanner-7-1",
    }
    with CaptureQueriesContext(connection) as queries:
        response = post(client, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["result"] == "green"
    assert data["reasons"] == [] and data["reason_labels"] == []
    assert data["pass_number"] == vehicle_pass.number
    assert data["occupant_count"] == 1
    assert len(queries) <= MAX_QUERIES, [q["sql"] for q in queries.captured_queries]
    # a resend answers the stored check
    again = post(client, body)
    assert again.json()["id"] == data["id"]
    assert Check.objects.count() == 1


def test_a_refusal_carries_codes_and_chinese_labels(scene):
    checkpoint, client, vehicle_pass, driver = scene
    make_status(driver, itinerary="abnormal", negative_hours=None)
    response = post(
        client, {"checkpoint": checkpoint.pk, "token": vehicle_pass.token, "occupants": [driver]}
    )
    data = response.json()
    assert data["result"] == "not_green"
    assert data["reasons"] == ["itinerary_abnormal", "no_recent_nat"]
    assert data["reason_labels"] == ["随车人员行程码异常", "随车人员无 48 小时内核酸阴性证明"]


def test_bad_input_answers_400_in_chinese(scene):
    checkpoint, client, vehicle_pass, _driver = scene
    response = post(
        client, {"checkpoint": checkpoint.pk, "token": vehicle_pass.token, "occupants": ["123"]}
    )
    assert response.status_code == 400
    assert "身份证号码应为 18 位" in response.content.decode()
    missing = post(client, {"checkpoint": checkpoint.pk, "occupants": []})
    assert missing.status_code == 400
    assert not Check.objects.exists()


def test_another_regions_checkpoint_is_not_reachable_and_others_are_refused(scene, personas, login):
    checkpoint, client, vehicle_pass, driver = scene
    far = make_checkpoint(OTHER_COUNTY, name="龙亭检查站")
    response = post(
        client, {"checkpoint": far.pk, "token": vehicle_pass.token, "occupants": [driver]}
    )
    assert response.status_code == 400  # not a checkpoint this officer can see
    assert "checkpoint" in response.json()
    unknown = post(
        client, {"checkpoint": 999999, "token": vehicle_pass.token, "occupants": [driver]}
    )
    assert unknown.status_code == 400 and "999999" in unknown.json()["checkpoint"][0]
    office = login(personas["own_county"])
    refused = post(
        office, {"checkpoint": checkpoint.pk, "token": vehicle_pass.token, "occupants": [driver]}
    )
    assert refused.status_code == 403
    assert not Check.objects.exists()


def test_the_log_is_listed_and_filtered_in_scope(scene, personas, login):
    checkpoint, client, vehicle_pass, driver = scene
    post(client, {"checkpoint": checkpoint.pk, "token": vehicle_pass.token, "occupants": [driver]})
    post(client, {"checkpoint": checkpoint.pk, "token": "bad", "occupants": [driver]})
    office = login(personas["own_county"])
    rows = office.get(URL).json()["results"]
    assert sorted(r["result"] for r in rows) == ["green", "not_green"]
    refused = office.get(URL, {"result": "not_green"}).json()["results"]
    assert [r["reasons"] for r in refused] == [["pass_invalid"]]
    assert office.get(f"{URL}{rows[0]['id']}/").status_code == 200
    far = login(personas["other_county"])
    assert far.get(URL).json()["results"] == []
    assert far.get(f"{URL}{rows[0]['id']}/").status_code == 404


def _verify_and_resend(scene):
    from sibao.core.models import AuditLog
    from sibao.logistics.api.checkpoint import CheckpointCheckSerializer

    checkpoint, client, vehicle_pass, driver = scene
    body = {
        "checkpoint": checkpoint.pk,
        "token": vehicle_pass.token,
        "occupants": [driver],
        "client_event_id": "scanner-7-2",
    }
    data = post(client, body).json()
    check = Check.objects.get()
    # the answer is the check log's serializer's, built without it
    assert data == CheckpointCheckSerializer(check).data
    audit_row = AuditLog.objects.get(action="check.verify")
    assert audit_row.object_id == str(check.pk) and audit_row.object_type == "logistics.check"
    assert audit_row.changes == {"result": "green", "reasons": [], "pass": vehicle_pass.number}
    assert audit_row.region_code == check.region_code
    assert audit_row.enterprise_id == check.enterprise_id
    again = post(client, body)
    assert again.status_code == 201 and again.json()["id"] == data["id"]
    assert Check.objects.count() == 1
    assert AuditLog.objects.filter(action="check.verify").count() == 1


def test_the_check_and_its_audit_row_are_stored_together(scene):
    _verify_and_resend(scene)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_check_and_its_audit_row_are_stored_together_in_autocommit(scene):
    # outside a test transaction, as under a server: a resend's unique-constraint error leaves
    # the connection usable for reading the stored check
    _verify_and_resend(scene)
