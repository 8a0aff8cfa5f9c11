"""CMD-03 pages: problems raised, escalated and resolved through the forms, with the history on
the detail page and visibility per county; consultations created from a problem with agenda
items, decisions, tasks and minutes; a department's task list with overdue tasks flagged and
completion; the exports."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command.models import AgendaItem, Consultation, ConsultationTask, Problem
from sibao.core.models import AuditLog
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    ensure_headquarters,
    make_listed,
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
        "county": make_user(Role.HQ_OFFICE, OWN_COUNTY, username="p_county"),
        "city": make_user(Role.HQ_OFFICE, CITY, username="p_city"),
        "province": make_user(Role.HQ_OFFICE, "41", username="p_province"),
        "other": make_user(Role.HQ_OFFICE, OTHER_COUNTY, username="p_other"),
        "transport": make_user(
            Role.DEPARTMENT_STAFF, CITY, department_kind="transport", username="p_transport"
        ),
    }


def text(response) -> str:
    return response.content.decode()


def test_raise_escalate_and_resolve_through_the_pages(hqs, users, own_enterprise, login):
    make_listed(own_enterprise)
    county = login(users["county"])
    page = county.get(reverse("command:problem_create"))
    assert page.status_code == 200 and own_enterprise.name in text(page)
    refused = county.post(reverse("command:problem_create"), {"title": "", "description": ""})
    assert refused.status_code == 422
    answer = county.post(
        reverse("command:problem_create"),
        {
            "title": "原料车辆县界受阻",
            "description": "邻县卡口劝返原料车辆，县级协调无果。",
            "enterprise": own_enterprise.pk,
        },
    )
    problem = Problem.objects.get(title="原料车辆县界受阻")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("command:problem_detail", args=[problem.pk])
    assert problem.headquarters == hqs["county"]

    detail = county.get(answer["Location"])
    assert 'data-testid="problem-escalate-form"' in text(detail)
    assert hqs["city"].name in text(detail)  # the escalation target is named
    # an empty reason is refused with a message; nothing moves
    county.post(reverse("command:problem_escalate", args=[problem.pk]), {"reason": ""})
    problem.refresh_from_db()
    assert problem.headquarters == hqs["county"]
    county.post(reverse("command:problem_escalate", args=[problem.pk]), {"reason": "涉及跨县通行"})
    problem.refresh_from_db()
    assert problem.headquarters == hqs["city"]

    # the county still sees it (history shown) but no longer has the buttons
    detail = text(county.get(reverse("command:problem_detail", args=[problem.pk])))
    assert 'data-testid="history-escalated"' in detail and "涉及跨县通行" in detail
    assert 'data-testid="problem-escalate-form"' not in detail
    assert 'data-testid="problem-resolve-form"' not in detail
    # another county gets 404; the city lists it at city level
    assert (
        login(users["other"]).get(reverse("command:problem_detail", args=[problem.pk])).status_code
        == 404
    )
    city = login(users["city"])
    listing = text(city.get(reverse("command:problem_list") + "?level=city"))
    assert "原料车辆县界受阻" in listing
    assert "原料车辆县界受阻" not in text(
        city.get(reverse("command:problem_list") + "?level=county")
    )

    # the county's escalate POST now is refused (403), the city resolves
    assert (
        county.post(
            reverse("command:problem_escalate", args=[problem.pk]), {"reason": "再提级"}
        ).status_code
        == 403
    )
    city.post(reverse("command:problem_resolve", args=[problem.pk]), {"resolution": "开通绿色通道"})
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RESOLVED
    detail = text(county.get(reverse("command:problem_detail", args=[problem.pk])))
    assert 'data-testid="problem-resolution"' in detail and "开通绿色通道" in detail


def test_the_province_page_says_it_is_the_top(hqs, users, login):
    problem = actions.raise_problem(actor=users["province"], title="全省性问题", description="说明")
    detail = text(
        login(users["province"]).get(reverse("command:problem_detail", args=[problem.pk]))
    )
    assert 'data-testid="problem-top"' in detail
    assert 'data-testid="problem-escalate-form"' not in detail


def test_enterprise_admin_and_no_grant_have_no_problem_pages(hqs, personas, login):
    assert (
        login(personas["enterprise_admin"]).get(reverse("command:problem_list")).status_code == 403
    )
    assert login(personas["no_grant"]).get(reverse("command:consultation_list")).status_code == 403


def test_consultation_from_a_problem_with_items_decisions_tasks_and_minutes(
    hqs, users, own_enterprise, login
):
    problem = actions.raise_problem(
        actor=users["county"],
        title="闭环宿舍不足",
        description="需市级协调",
        enterprise=own_enterprise,
    )
    actions.escalate(problem, actor=users["county"], reason="超出县级权限")
    city = login(users["city"])
    form = city.get(reverse("command:consultation_create") + f"?problem={problem.pk}")
    assert form.status_code == 200 and "闭环宿舍不足" in text(form)
    transport = Department.objects.get(region_id=CITY, kind="transport")
    answer = city.post(
        reverse("command:consultation_create"),
        {
            "title": "闭环宿舍协调会商",
            "headquarters": hqs["city"].pk,
            "held_at": "2026-03-03T10:00",
            "participants": [transport.pk],
            "other_participants": "中原区指挥部",
            "problem": problem.pk,
        },
    )
    consultation = Consultation.objects.get(title="闭环宿舍协调会商")
    assert answer.status_code == 302
    item = consultation.items.get()
    assert item.subject == problem

    detail = text(city.get(reverse("command:consultation_detail", args=[consultation.pk])))
    assert reverse("command:problem_detail", args=[problem.pk]) in detail  # linked subject
    assert "记录会商决定后可交办任务" in detail

    city.post(
        reverse("command:agenda_decision", args=[item.pk]), {"decision": "征用酒店作为集中住宿点"}
    )
    item.refresh_from_db()
    assert item.decision == "征用酒店作为集中住宿点"
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    city.post(
        reverse("command:agenda_task", args=[item.pk]),
        {"department": transport.pk, "task": "安排点对点通勤车辆", "due_on": due},
    )
    task = ConsultationTask.objects.get(item=item)
    assert task.department == transport

    # a second item linked to a region, through the form
    city.post(
        reverse("command:consultation_item_add", args=[consultation.pk]),
        {"title": "中原区应急物资", "region": OWN_COUNTY},
    )
    assert AgendaItem.objects.filter(consultation=consultation, subject_id=OWN_COUNTY).exists()

    city.post(
        reverse("command:consultation_minutes", args=[consultation.pk]), {"minutes": "议定两项。"}
    )
    minutes = text(city.get(reverse("command:consultation_minutes", args=[consultation.pk])))
    assert "议定两项。" in minutes and "安排点对点通勤车辆" in minutes and transport.name in minutes

    # the problem page lists the consultation and its task
    page = text(login(users["city"]).get(reverse("command:problem_detail", args=[problem.pk])))
    assert "闭环宿舍协调会商" in page and "安排点对点通勤车辆" in page

    # another county reaches neither the consultation nor its forms
    other = login(users["other"])
    assert (
        other.get(reverse("command:consultation_detail", args=[consultation.pk])).status_code == 404
    )
    assert (
        other.post(
            reverse("command:agenda_decision", args=[item.pk]), {"decision": "改"}
        ).status_code
        == 404
    )


def test_department_task_list_flags_overdue_and_completes(hqs, users, login):
    consultation = actions.hold_consultation(
        actor=users["city"],
        title="物流保通会商",
        headquarters=hqs["city"],
        held_at=timezone.now() - datetime.timedelta(days=5),
        other_participants="市交通运输局",
    )
    item = actions.add_agenda_item(
        consultation, actor=None, title="县界卡口", decision="取消硬隔离"
    )
    transport = Department.objects.get(region_id=CITY, kind="transport")
    iit = Department.objects.get(region_id=CITY, kind="industry_it")
    past = timezone.now() - datetime.timedelta(days=5)
    late = actions.assign_task(
        item,
        actor=None,
        department=transport,
        task="拆除硬隔离设施",
        due_on=timezone.localdate(past) + datetime.timedelta(days=1),
        now=past,
    )
    actions.assign_task(
        item,
        actor=None,
        department=iit,
        task="统计受影响单位",
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    staff = login(users["transport"])
    listing = text(staff.get(reverse("command:consultation_task_list")))
    # the department's own tasks by default, the overdue one flagged
    assert "拆除硬隔离设施" in listing and "统计受影响单位" not in listing
    assert 'data-testid="task-overdue"' in listing
    assert "统计受影响单位" in text(
        staff.get(reverse("command:consultation_task_list") + "?status=open")
    )
    overdue = text(staff.get(reverse("command:consultation_task_list") + "?overdue=true"))
    assert "拆除硬隔离设施" in overdue and "统计受影响单位" not in overdue

    url = reverse("command:consultation_task_complete", args=[late.pk])
    assert staff.post(url, {"outcome": ""}).status_code == 422
    answer = staff.post(url, {"outcome": "硬隔离设施已全部拆除"})
    assert answer.status_code == 302
    late.refresh_from_db()
    assert late.status == ConsultationTask.Status.DONE and late.outcome == "硬隔离设施已全部拆除"
    # the other department cannot complete the transport task
    iit_staff = make_user(Role.DEPARTMENT_STAFF, CITY, username="p_iit")
    other_task = ConsultationTask.objects.get(department=iit)
    refused = login(users["transport"]).post(
        reverse("command:consultation_task_complete", args=[other_task.pk]), {"outcome": "代办"}
    )
    assert refused.status_code == 403
    assert (
        login(iit_staff)
        .post(
            reverse("command:consultation_task_complete", args=[other_task.pk]),
            {"outcome": "已统计"},
        )
        .status_code
        == 302
    )


def test_exports_are_spreadsheets_and_audited(hqs, users, login):
    actions.raise_problem(actor=users["county"], title="导出测试问题", description="说明")
    client = login(users["city"])
    for name, expected in (
        ("command:problem_export", "导出测试问题"),
        ("command:consultation_task_export", None),
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        rows = list(book.active.iter_rows(values_only=True))
        if expected:
            assert any(expected in (row[1] or "") for row in rows[1:])
    assert AuditLog.objects.filter(action="escalation.export.problems").exists()
    assert AuditLog.objects.filter(action="escalation.export.tasks").exists()
