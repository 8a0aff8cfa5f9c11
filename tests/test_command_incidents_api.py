"""INC-01, INC-02 through the API: a unit reports an incident, the health office completes the
retest, the unit excludes the suspect into a silent period and resumes; steps carry their state
and deadlines; silent periods their daily tests; each write refused to the roles that may not."""

import pytest

from sibao.accounts.roles import Role
from sibao.command.models import Incident, IncidentStep
from sibao.core.testing import (
    OWN_COUNTY,
    earlier_today,
    make_nat_result,
    make_preparedness,
    make_staff,
    make_user,
    pass_second_factor,
)


@pytest.fixture
def unit(own_enterprise):
    make_preparedness(own_enterprise, rooms=2)
    return own_enterprise


@pytest.fixture
def admin(login, personas, unit):
    return login(personas["enterprise_admin"])


@pytest.fixture
def health(login, db):
    officer = make_user(Role.HEALTH_OFFICE, OWN_COUNTY, username="inc_api_health")
    return pass_second_factor(login(officer), officer)


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


@pytest.mark.req("INC-01")
@pytest.mark.req("INC-02")
def test_the_api_works_an_incident_to_resumption(admin, health, unit, personas, login):
    worker, colleague = make_staff(unit), make_staff(unit)
    created = post(
        admin,
        "/api/incidents/",
        {
            "enterprise": unit.pk,
            "kind": "pooled_positive",
            "description": "混检阳性",
            "staff": worker.pk,
            "observation_room": "B1",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open" and body["staff_id_masked"] == worker.id_masked
    states = {s["kind"]: s for s in body["steps"]}
    assert states["report"]["state"] == "done" and states["retest"]["state"] == "pending"
    assert states["retest"]["side"] == "health"
    incident_id = body["id"]

    retest = IncidentStep.objects.get(incident_id=incident_id, kind="retest")
    url = f"/api/incident-steps/{retest.pk}/complete/"
    assert post(admin, url, {"note": "阴性"}).status_code == 403
    done = post(health, url, {"note": "单采复核阴性"})
    assert done.status_code == 200 and done.json()["state"] == "done"
    for kind in ("trace", "transfer", "test", "disinfect"):
        step = IncidentStep.objects.get(incident_id=incident_id, kind=kind)
        answer = post(
            health,
            f"/api/incident-steps/{step.pk}/complete/",
            {"note": "无需", "not_needed": True},
        )
        assert answer.status_code == 200, answer.content
        assert answer.json()["state"] == "not_needed"

    refused = post(admin, f"/api/incidents/{incident_id}/resume/")
    assert refused.status_code == 400 and "复核结果" in str(refused.json())
    assert (
        post(
            health, f"/api/incidents/{incident_id}/exclude/", {"room": "B1", "days": 1}
        ).status_code
        == 403
    )
    excluded = post(
        admin,
        f"/api/incidents/{incident_id}/exclude/",
        {"room": "B1", "days": 1, "contact_keys": [colleague.person_key]},
    )
    assert excluded.status_code == 201, excluded.content
    period = excluded.json()
    assert period["contacts"] == 1 and period["tests_per_day"] == 1
    assert [d["state"] for d in period["days"]] == ["waiting"]

    resumed = post(admin, f"/api/incidents/{incident_id}/resume/", {"note": "恢复"})
    assert resumed.status_code == 200 and resumed.json()["status"] == "resumed"

    ended = post(admin, f"/api/silent-periods/{period['id']}/end/")
    assert ended.status_code == 400  # no test on its day yet
    make_nat_result(worker, earlier_today(5 / 60))  # on the period's day, even after midnight
    ended = post(admin, f"/api/silent-periods/{period['id']}/end/")
    assert ended.status_code == 200 and ended.json()["returned_at"]

    hq = login(personas["own_county"])
    listed = hq.get("/api/incidents/", {"status": "resumed"}).json()
    assert [row["id"] for row in listed["results"]] == [incident_id]
    assert hq.get("/api/silent-periods/", {"running": "false"}).json()["count"] == 1
    assert post(hq, f"/api/incidents/{incident_id}/resume/").status_code in (400, 403)
    assert login(personas["other_county"]).get(f"/api/incidents/{incident_id}/").status_code == 404


@pytest.mark.req("INC-01")
def test_reporting_through_the_api_is_for_the_unit_and_the_health_office(
    admin, health, unit, personas, login, other_enterprise
):
    body = {"enterprise": unit.pk, "kind": "symptom", "description": "发热"}
    assert post(login(personas["own_county"]), "/api/incidents/", body).status_code == 403
    assert post(health, "/api/incidents/", body).status_code == 201
    untraceable = Incident.objects.get()
    refused = post(health, f"/api/incidents/{untraceable.pk}/trace/")
    assert refused.status_code == 400 and "未关联具体人员" in str(refused.json())
    untraceable.delete()
    body["staff"] = make_staff(unit).pk
    assert post(login(personas["own_county"]), "/api/incidents/", body).status_code == 403
    assert post(health, "/api/incidents/", body).status_code == 201
    other = {"enterprise": other_enterprise.pk, "kind": "symptom", "description": "发热"}
    assert post(admin, "/api/incidents/", other).status_code == 400  # not visible to the unit
    assert post(admin, "/api/incidents/", {**body, "description": ""}).status_code == 400
    incident = Incident.objects.get()
    assert post(admin, f"/api/incidents/{incident.pk}/trace/").status_code == 403
    traced = post(health, f"/api/incidents/{incident.pk}/trace/")
    assert traced.status_code == 200 and traced.json()["tracing_job"]
    assert post(admin, f"/api/incidents/{incident.pk}/confirm/").status_code == 403
    steps = admin.get("/api/incident-steps/", {"incident": incident.pk, "done": "false"}).json()
    assert "report" not in [s["kind"] for s in steps["results"]]
