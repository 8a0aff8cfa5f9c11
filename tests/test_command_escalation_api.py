"""CMD-03 API: problems raised, escalated (county → city → province, refused at the top) and
resolved with their history; consultations convened with agenda items linked to problems,
incidents and regions, decisions, tasks for departments (overdue flag and filter) and their
completion; refusals per role answer 403, validation errors 400 in Chinese."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command.models import ConsultationTask
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    ensure_headquarters,
    make_preparedness,
    make_staff,
    make_user,
)
from sibao.regions.models import Department

pytestmark = pytest.mark.req("CMD-03")

CITY = "4101"


@pytest.fixture
def hqs(departments):
    county, city, province, other = ensure_headquarters(OWN_COUNTY, CITY, "41", OTHER_COUNTY)
    return {"county": county, "city": city, "province": province, "other": other}


@pytest.fixture
def users(hqs):
    return {
        "county": make_user(Role.HQ_OFFICE, OWN_COUNTY, username="a_county"),
        "city": make_user(Role.HQ_OFFICE, CITY, username="a_city"),
        "province": make_user(Role.HQ_OFFICE, "41", username="a_province"),
        "other": make_user(Role.HQ_OFFICE, OTHER_COUNTY, username="a_other"),
        "transport": make_user(
            Role.DEPARTMENT_STAFF, CITY, department_kind="transport", username="a_transport"
        ),
    }


def test_problem_goes_up_to_the_province_through_the_api(hqs, users, own_enterprise, login):
    county = login(users["county"])
    created = county.post(
        reverse("api:problem-list"),
        {"title": "原料运输受阻", "description": "县界卡口劝返", "enterprise": own_enterprise.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["headquarters"] == hqs["county"].pk and body["level"] == "county"
    pk = body["id"]

    empty = county.post(
        reverse("api:problem-escalate", args=[pk]), {"reason": ""}, content_type="application/json"
    )
    assert empty.status_code == 400 and "reason" in empty.json()
    up = county.post(
        reverse("api:problem-escalate", args=[pk]),
        {"reason": "超出县级权限"},
        content_type="application/json",
    )
    assert up.status_code == 200 and up.json()["level"] == "city"
    city = login(users["city"])
    up = city.post(
        reverse("api:problem-escalate", args=[pk]),
        {"reason": "需省级协调"},
        content_type="application/json",
    )
    assert up.json()["level"] == "province"
    assert [(e["from_hq"], e["to_hq"]) for e in up.json()["escalations"]] == [
        (hqs["county"].pk, hqs["city"].pk),
        (hqs["city"].pk, hqs["province"].pk),
    ]
    province = login(users["province"])
    top = province.post(
        reverse("api:problem-escalate", args=[pk]),
        {"reason": "再提级"},
        content_type="application/json",
    )
    assert top.status_code == 400 and "最高一级" in top.json()["detail"][0]
    # the city no longer holds it
    refused = city.post(
        reverse("api:problem-resolve", args=[pk]),
        {"resolution": "已解决"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    done = province.post(
        reverse("api:problem-resolve", args=[pk]),
        {"resolution": "省指挥部协调解决"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"

    # the county still lists it; another county does not
    assert [p["id"] for p in county.get(reverse("api:problem-list")).json()["results"]] == [pk]
    other = login(users["other"])
    assert other.get(reverse("api:problem-list")).json()["results"] == []
    assert other.get(reverse("api:problem-detail", args=[pk])).status_code == 404
    levels = county.get(reverse("api:problem-list") + "?level=province").json()["results"]
    assert [p["id"] for p in levels] == [pk]


def test_problem_roles_in_the_api(hqs, personas, login, own_enterprise):
    admin = login(personas["enterprise_admin"])
    assert admin.get(reverse("api:problem-list")).status_code == 403
    refused = admin.post(
        reverse("api:problem-list"),
        {"title": "问题", "description": "说明", "enterprise": own_enterprise.pk},
        content_type="application/json",
    )
    assert refused.status_code == 403
    leader = login(make_user(Role.HQ_LEADER, OWN_COUNTY))
    assert (
        leader.post(
            reverse("api:problem-list"),
            {"title": "问题", "description": "说明"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_consultation_items_decisions_tasks_through_the_api(hqs, users, own_enterprise, login):
    make_preparedness(own_enterprise, rooms=2)
    incident = actions.open_incident(
        own_enterprise,
        actor=None,
        kind="symptom",
        description="员工发热",
        staff=make_staff(own_enterprise),
        observation_room="R1",
    )
    problem = actions.raise_problem(actor=users["county"], title="转运车辆不足", description="说明")
    actions.escalate(problem, actor=users["county"], reason="超出县级权限")
    transport = Department.objects.get(region_id=CITY, kind="transport")
    city = login(users["city"])
    created = city.post(
        reverse("api:consultation-list"),
        {
            "title": "应急转运联合会商",
            "headquarters": hqs["city"].pk,
            "held_at": "2026-03-03T10:00:00+08:00",
            "participants": [transport.pk],
            "other_participants": "市卫健委",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    items_url = reverse("api:consultation-items", args=[cid])
    on_problem = city.post(
        items_url,
        {"subject_type": "command.problem", "subject_id": str(problem.pk)},
        content_type="application/json",
    )
    assert on_problem.status_code == 201, on_problem.content
    assert on_problem.json()["subject_label"] == "转运车辆不足"
    on_incident = city.post(
        items_url,
        {
            "title": "发热员工处置",
            "subject_type": "command.incident",
            "subject_id": str(incident.pk),
        },
        content_type="application/json",
    )
    assert (
        on_incident.status_code == 201 and on_incident.json()["subject_type"] == "command.incident"
    )
    on_region = city.post(
        items_url,
        {"title": "中原区", "subject_type": "regions.region", "subject_id": OWN_COUNTY},
        content_type="application/json",
    )
    assert on_region.status_code == 201
    unknown = city.post(
        items_url,
        {"title": "x", "subject_type": "accounts.apitoken", "subject_id": "1"},
        content_type="application/json",
    )
    assert unknown.status_code == 400

    item_id = on_problem.json()["id"]
    decided = city.post(
        reverse("api:agenda-item-decision", args=[item_id]),
        {"decision": "市交通运输局调派转运车辆"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "市交通运输局调派转运车辆"
    due = timezone.localdate() + datetime.timedelta(days=1)
    task = city.post(
        reverse("api:agenda-item-tasks", args=[item_id]),
        {"department": transport.pk, "task": "调派两辆转运车", "due_on": due.isoformat()},
        content_type="application/json",
    )
    assert task.status_code == 201, task.content
    assert task.json()["overdue"] is False
    past = city.post(
        reverse("api:agenda-item-tasks", args=[item_id]),
        {"department": transport.pk, "task": "补办", "due_on": "2020-01-01"},
        content_type="application/json",
    )
    assert past.status_code == 400 and "due_on" in past.json()

    # an overdue task is flagged and filtered
    ConsultationTask.objects.filter(pk=task.json()["id"]).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    staff = login(users["transport"])
    overdue = staff.get(reverse("api:consultation-task-list") + "?overdue=true").json()["results"]
    assert [t["id"] for t in overdue] == [task.json()["id"]] and overdue[0]["overdue"] is True
    completed = staff.post(
        reverse("api:consultation-task-complete", args=[task.json()["id"]]),
        {"outcome": "已调派"},
        content_type="application/json",
    )
    assert completed.status_code == 200 and completed.json()["status"] == "done"

    minutes = city.post(
        reverse("api:consultation-minutes", args=[cid]),
        {"minutes": "议定三项"},
        content_type="application/json",
    )
    assert minutes.status_code == 200 and len(minutes.json()["items"]) == 3
    # another county sees none of it and cannot write to it
    other = login(users["other"])
    assert other.get(reverse("api:consultation-detail", args=[cid])).status_code == 404
    assert other.get(reverse("api:agenda-item-detail", args=[item_id])).status_code == 404
    assert (
        other.post(
            reverse("api:consultation-items", args=[cid]),
            {"title": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    # a department cannot convene
    assert (
        staff.post(
            reverse("api:consultation-list"),
            {"title": "x", "headquarters": hqs["city"].pk, "held_at": "2026-03-03T10:00:00+08:00"},
            content_type="application/json",
        ).status_code
        == 403
    )
