"""CMD-03: a problem beyond a level's authority goes to the HQ of that level, then upward county →
city → province (the top), keeping its history and staying visible to the county that raised
it; joint consultations (联合会商) with agenda items linked to what they discuss, decisions, and
tasks for departments (overdue flagged by a query). Actions driven with explicit times."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.command import actions
from sibao.command import queries_escalation as queries
from sibao.command.models import ConsultationTask, Escalation, Problem
from sibao.core.models import AuditLog, Notification, TransitionRecord
from sibao.core.testing import (
    OTHER_COUNTY,
    OWN_COUNTY,
    ensure_headquarters,
    make_enterprise,
    make_preparedness,
    make_staff,
    make_user,
)
from sibao.regions.models import Department, Region

pytestmark = pytest.mark.req("CMD-03")

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
CITY = "4101"


@pytest.fixture
def hqs(departments):
    county, city, province, other = ensure_headquarters(OWN_COUNTY, CITY, "41", OTHER_COUNTY)
    return {"county": county, "city": city, "province": province, "other": other}


@pytest.fixture
def offices(hqs):
    return {
        "county": make_user(Role.HQ_OFFICE, OWN_COUNTY, username="county_office"),
        "city": make_user(Role.HQ_OFFICE, CITY, username="city_office"),
        "province": make_user(Role.HQ_OFFICE, "41", username="province_office"),
        "other": make_user(Role.HQ_OFFICE, OTHER_COUNTY, username="other_office"),
    }


def raise_at_county(offices, enterprise=None, now=T0):
    return actions.raise_problem(
        actor=offices["county"],
        title="原料运输车辆在县界卡口受阻",
        description="白名单单位的原料车辆被邻县卡口劝返，县级协调无果。",
        enterprise=enterprise,
        now=now,
    )


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def visible(user):
    return set(queries.problems_for(user).values_list("pk", flat=True))


def test_raised_problem_goes_to_the_same_level_hq(hqs, offices, own_enterprise):
    problem = raise_at_county(offices, own_enterprise)
    assert problem.headquarters == hqs["county"]
    assert problem.origin_region_code == OWN_COUNTY
    assert problem.region_code == OWN_COUNTY
    assert problem.status == Problem.Status.OPEN
    assert problem.created_at == T0
    assert problem.created_by == offices["county"]
    assert AuditLog.objects.filter(action="problem.raise", object_id=str(problem.pk)).exists()
    # the county HQ's office is told; the city's is not (not yet its problem)
    assert any("新的协调事项" in t for t in inbox(offices["county"]))
    assert inbox(offices["city"]) == []


def test_escalation_path_county_city_province_with_history_and_visibility(hqs, offices):
    problem = raise_at_county(offices)
    assert visible(offices["city"]) == {problem.pk}  # the city oversees its counties
    assert visible(offices["other"]) == set()

    first = actions.escalate(
        problem, actor=offices["county"], reason="涉及跨县通行，超出县级权限", now=T0 + HOUR
    )
    problem.refresh_from_db()
    assert (first.from_hq, first.to_hq) == (hqs["county"], hqs["city"])
    assert problem.headquarters == hqs["city"] and problem.region_code == CITY
    assert any("协调事项提级" in t for t in inbox(offices["city"]))

    second = actions.escalate(
        problem, actor=offices["city"], reason="涉及跨市高速卡口，需省级协调", now=T0 + 3 * HOUR
    )
    problem.refresh_from_db()
    assert (second.from_hq, second.to_hq) == (hqs["city"], hqs["province"])
    assert problem.headquarters == hqs["province"] and problem.region_code == "41"
    assert problem.status == Problem.Status.OPEN
    assert any("协调事项提级" in t for t in inbox(offices["province"]))

    # the history keeps the path, in order, with reasons, times and who
    path = list(Escalation.objects.filter(problem=problem))
    assert [(e.from_hq.region_id, e.to_hq.region_id) for e in path] == [
        (OWN_COUNTY, CITY),
        (CITY, "41"),
    ]
    assert [e.at for e in path] == [T0 + HOUR, T0 + 3 * HOUR]
    assert [e.by for e in path] == [offices["county"], offices["city"]]
    events = queries.history(problem)
    assert [e.kind for e in events] == ["raised", "escalated", "escalated"]
    assert events[0].hq == hqs["county"]
    records = TransitionRecord.objects.filter(object_type="command.problem", object_id=problem.pk)
    assert [r.action for r in records.order_by("id")] == ["escalate", "escalate"]

    # the county still sees its problem after it moved up; another county does not
    assert problem.pk in visible(offices["county"])
    assert problem.pk in visible(offices["city"])
    assert problem.pk in visible(offices["province"])
    assert problem.pk not in visible(offices["other"])


def test_the_province_is_the_top(hqs, offices):
    problem = actions.raise_problem(
        actor=offices["province"], title="全省性问题", description="需省委、省政府研究。"
    )
    assert problem.headquarters == hqs["province"]
    with pytest.raises(ValidationError, match="最高一级"):
        actions.escalate(problem, actor=offices["province"], reason="再提级")
    assert not Escalation.objects.filter(problem=problem).exists()


def test_only_the_holding_hq_escalates_or_resolves(hqs, offices):
    problem = raise_at_county(offices)
    # the city oversees but does not hold it yet; another county has no say
    for outsider in (offices["city"], offices["province"], offices["other"]):
        with pytest.raises(PermissionDenied):
            actions.escalate(problem, actor=outsider, reason="代为提级")
        with pytest.raises(PermissionDenied):
            actions.resolve_problem(problem, actor=outsider, resolution="已解决")
    actions.escalate(problem, actor=offices["county"], reason="超出县级权限")
    # once it moved up the county can no longer move or close it
    with pytest.raises(PermissionDenied):
        actions.escalate(problem, actor=offices["county"], reason="再次提级")
    with pytest.raises(PermissionDenied):
        actions.resolve_problem(problem, actor=offices["county"], resolution="已解决")


def test_escalation_needs_a_reason(hqs, offices):
    problem = raise_at_county(offices)
    with pytest.raises(ValidationError) as caught:
        actions.escalate(problem, actor=offices["county"], reason="  ")
    assert "reason" in caught.value.message_dict


def test_resolution_tells_the_raiser_and_every_hq_on_the_way(hqs, offices):
    problem = raise_at_county(offices)
    actions.escalate(problem, actor=offices["county"], reason="超出县级权限")
    Notification.objects.all().delete()
    resolved = actions.resolve_problem(
        problem, actor=offices["city"], resolution="市指挥部协调交通部门开通绿色通道", now=T0 + DAY
    )
    assert resolved.status == Problem.Status.RESOLVED
    assert resolved.resolved_at == T0 + DAY
    assert any("协调事项已解决" in t for t in inbox(offices["county"]))
    assert any("协调事项已解决" in t for t in inbox(offices["city"]))
    assert [e.kind for e in queries.history(resolved)][-1] == "resolved"
    with pytest.raises(ValidationError):
        actions.escalate(resolved, actor=offices["city"], reason="再提级")
    with pytest.raises(ValidationError):
        actions.resolve_problem(resolved, actor=offices["city"], resolution="再次办结")


def test_who_may_raise_a_problem(hqs, offices, own_enterprise, other_enterprise):
    city_dept = make_user(Role.DEPARTMENT_STAFF, CITY, username="city_iit_raiser")
    problem = actions.raise_problem(
        actor=city_dept, title="用工短缺", description="闭环生产缺少操作工。"
    )
    assert problem.headquarters == hqs["city"]  # its own level's HQ

    liaison = make_user(Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise)
    problem = actions.raise_problem(
        actor=liaison, title="防疫物资不足", description="口罩缺口", enterprise=own_enterprise
    )
    assert problem.headquarters == hqs["county"]
    # the liaison cadre sees what it raised (its grant is bound to the unit)
    assert problem.pk in visible(liaison)
    with pytest.raises(ValidationError) as caught:
        actions.raise_problem(actor=liaison, title="无单位", description="说明")
    assert "enterprise" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.raise_problem(
            actor=liaison, title="他人单位", description="说明", enterprise=other_enterprise
        )

    # a county office cannot raise about another county's unit
    with pytest.raises(PermissionDenied):
        raise_at_county(offices, other_enterprise)
    # the roles the seed does not name for it
    for role, kwargs in (
        (Role.ENTERPRISE_ADMIN, {"enterprise": own_enterprise}),
        (Role.HQ_LEADER, {}),
        (Role.HEALTH_OFFICE, {}),
    ):
        user = make_user(role, OWN_COUNTY, **kwargs)
        with pytest.raises(PermissionDenied):
            actions.raise_problem(
                actor=user, title="问题", description="说明", enterprise=own_enterprise
            )


def test_a_named_hq_must_be_of_the_same_level_or_above(hqs, offices):
    problem = actions.raise_problem(
        actor=offices["county"],
        title="重大问题",
        description="直接报市指挥部",
        headquarters=hqs["city"],
    )
    assert problem.headquarters == hqs["city"] and problem.origin_region_code == OWN_COUNTY
    with pytest.raises(ValidationError) as caught:
        actions.raise_problem(
            actor=offices["county"], title="问题", description="说明", headquarters=hqs["other"]
        )
    assert "headquarters" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.raise_problem(actor=offices["county"], title="", description="")
    assert {"title", "description"} <= set(caught.value.message_dict)


def test_a_functional_zone_is_served_by_its_city_hq(hqs):
    zone = Region.objects.filter(is_statistical_zone=True, parent_id=CITY).first()
    unit = make_enterprise(region=zone.code)
    problem = actions.raise_problem(
        actor=None, title="园区问题", description="功能区没有自己的指挥部", enterprise=unit
    )
    assert problem.headquarters == hqs["city"]
    assert problem.origin_region_code == zone.code


def test_the_source_record_is_kept_and_gives_the_unit(hqs, offices, own_enterprise):
    make_preparedness(own_enterprise, rooms=2)
    incident = actions.open_incident(
        own_enterprise,
        actor=None,
        kind="symptom",
        description="员工发热",
        staff=make_staff(own_enterprise),
        observation_room="R1",
    )
    problem = actions.raise_problem(
        actor=offices["county"],
        title="转运车辆不足",
        description="阳性转运需市级调度车辆",
        source=incident,
    )
    assert problem.source == incident
    assert problem.enterprise == own_enterprise
    assert problem.source_label == str(incident)


# --- consultations ---


@pytest.fixture
def city_departments(hqs):
    return {d.kind: d for d in Department.objects.filter(region_id=CITY)}


@pytest.fixture
def city_staff(hqs):
    return {
        "transport": make_user(
            Role.DEPARTMENT_STAFF, CITY, department_kind="transport", username="city_transport"
        ),
        "industry_it": make_user(Role.DEPARTMENT_STAFF, CITY, username="city_iit"),
    }


@pytest.fixture
def consultation(hqs, offices, city_departments, city_staff):
    return actions.hold_consultation(
        actor=offices["city"],
        title="白名单单位物流保通联合会商",
        headquarters=hqs["city"],
        held_at=T0,
        participants=[city_departments["transport"], city_departments["industry_it"]],
        other_participants="中原测试机械有限公司",
    )


def test_consultation_with_items_decisions_and_tasks(
    hqs, offices, consultation, city_departments, city_staff, own_enterprise
):
    transport_staff, iit_staff = city_staff["transport"], city_staff["industry_it"]
    problem = raise_at_county(offices, own_enterprise)
    actions.escalate(problem, actor=offices["county"], reason="超出县级权限")

    item = actions.add_agenda_item(consultation, actor=offices["city"], title="", subject=problem)
    assert item.subject == problem
    assert item.title == problem.title and item.order == 1
    region_item = actions.add_agenda_item(
        consultation,
        actor=offices["city"],
        title="中原区应急状态下的物流保障",
        subject=Region.objects.get(code=OWN_COUNTY),
        decision="设立中转站",
    )
    assert region_item.order == 2 and region_item.decision == "设立中转站"
    assert list(queries.items_about(problem, offices["county"])) == []  # a city consultation
    assert list(queries.items_about(problem, offices["city"])) == [item]

    with pytest.raises(ValidationError, match="先记录"):
        actions.assign_task(
            item,
            actor=offices["city"],
            department=city_departments["transport"],
            task="开通绿色通道",
            due_on=T0.date() + DAY,
            now=T0,
        )
    actions.record_decision(item, actor=offices["city"], decision="交通运输局当日开通绿色通道")
    task = actions.assign_task(
        item,
        actor=offices["city"],
        department=city_departments["transport"],
        task="开通绿色通道，通报县界卡口",
        due_on=(T0 + DAY).date(),
        now=T0,
    )
    assert task.region_code == CITY and task.status == ConsultationTask.Status.OPEN
    assert any("会商交办任务" in t for t in inbox(transport_staff))
    assert not any("会商交办任务" in t for t in inbox(iit_staff))
    assert any("联合会商通知" in t for t in inbox(iit_staff))  # a participant

    # overdue is a query on the calendar day, with an explicit clock
    overdue = ConsultationTask.objects.filter(queries.overdue_q(T0 + DAY))
    assert not overdue.exists()
    assert list(ConsultationTask.objects.filter(queries.overdue_q(T0 + 2 * DAY))) == [task]

    # only the department named (or the convening office) completes it
    with pytest.raises(PermissionDenied):
        actions.complete_task(task, actor=iit_staff, outcome="已办")
    done = actions.complete_task(
        task, actor=transport_staff, outcome="已开通绿色通道", now=T0 + 2 * DAY
    )
    assert done.status == ConsultationTask.Status.DONE and done.done_at == T0 + 2 * DAY
    assert any("会商任务已办结" in t for t in inbox(offices["city"]))
    assert not ConsultationTask.objects.filter(queries.overdue_q(T0 + 5 * DAY)).exists()
    with pytest.raises(ValidationError, match="已办结"):
        actions.complete_task(done, actor=offices["city"], outcome="再次办结")

    saved = actions.save_minutes(consultation, actor=offices["city"], minutes="会议议定两项。")
    assert saved.minutes == "会议议定两项。"
    assert AuditLog.objects.filter(action="consultation.task_assign").count() == 1


def test_task_rules(hqs, offices, consultation, city_departments, departments):
    item = actions.add_agenda_item(
        consultation, actor=offices["city"], title="议题", decision="决定"
    )
    county_dept = Department.objects.get(region_id=OWN_COUNTY, kind="transport")
    province_dept = Department.objects.get(region_id="41", kind="transport")
    # a department below the convening HQ takes tasks; one above does not
    task = actions.assign_task(
        item,
        actor=offices["city"],
        department=county_dept,
        task="县级落实",
        due_on=T0.date(),
        now=T0,
    )
    assert task.region_code == OWN_COUNTY
    with pytest.raises(ValidationError) as caught:
        actions.assign_task(
            item,
            actor=offices["city"],
            department=province_dept,
            task="省级落实",
            due_on=T0.date() - DAY,
            now=T0,
        )
    assert {"department", "due_on"} <= set(caught.value.message_dict)
    # the county department sees its task (its region) though the consultation is the city's
    county_staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport")
    assert list(ConsultationTask.objects.visible_to(county_staff)) == [task]
    # a county office cannot assign tasks at a city consultation
    with pytest.raises(PermissionDenied):
        actions.assign_task(
            item, actor=offices["county"], department=county_dept, task="x", due_on=T0.date()
        )


def test_who_may_convene_and_keep_a_consultation(hqs, offices, consultation, city_departments):
    leader = make_user(Role.HQ_LEADER, CITY, username="city_leader")
    held = actions.hold_consultation(
        actor=leader,
        title="领导召集的会商",
        headquarters=hqs["city"],
        held_at=T0,
        other_participants="市交通运输局",
    )
    assert held.region_code == CITY
    # the leader convenes; the office keeps the agenda and decisions
    with pytest.raises(PermissionDenied):
        actions.add_agenda_item(held, actor=leader, title="议题")
    for role, kwargs in (
        (Role.DEPARTMENT_STAFF, {}),
        (Role.HEALTH_OFFICE, {}),
        (Role.LIAISON_CADRE, {"enterprise": make_enterprise(region=OWN_COUNTY)}),
    ):
        user = make_user(role, CITY if role != Role.LIAISON_CADRE else OWN_COUNTY, **kwargs)
        with pytest.raises(PermissionDenied):
            actions.hold_consultation(
                actor=user,
                title="会商",
                headquarters=hqs["city"],
                held_at=T0,
                other_participants="x",
            )
    # a county office cannot convene the city's consultation nor record at it
    with pytest.raises(PermissionDenied):
        actions.hold_consultation(
            actor=offices["county"],
            title="会商",
            headquarters=hqs["city"],
            held_at=T0,
            other_participants="x",
        )
    with pytest.raises(PermissionDenied):
        actions.add_agenda_item(consultation, actor=offices["county"], title="议题")
    with pytest.raises(PermissionDenied):
        actions.save_minutes(consultation, actor=offices["other"], minutes="纪要")


def test_consultation_validation(hqs, offices, departments):
    other_dept = Department.objects.get(region_id=OTHER_COUNTY, kind="transport")
    with pytest.raises(ValidationError) as caught:
        actions.hold_consultation(
            actor=offices["county"], title="", headquarters=hqs["county"], held_at=None
        )
    assert {"title", "held_at", "participants"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        actions.hold_consultation(
            actor=offices["county"],
            title="会商",
            headquarters=hqs["county"],
            held_at=T0,
            participants=[other_dept],
        )
    assert "participants" in caught.value.message_dict


def test_agenda_subjects_must_be_in_reach(hqs, offices, consultation, other_enterprise):
    other_problem = actions.raise_problem(
        actor=offices["other"], title="龙亭区问题", description="说明"
    )
    with pytest.raises(ValidationError) as caught:
        actions.add_agenda_item(
            consultation, actor=offices["city"], title="", subject=other_problem
        )
    assert "subject" in caught.value.message_dict
    with pytest.raises(ValidationError):
        actions.add_agenda_item(
            consultation,
            actor=offices["city"],
            title="",
            subject=Region.objects.get(code=OTHER_COUNTY),
        )
    # a unit as the subject (any record): visible to the city office
    unit_item = actions.add_agenda_item(
        consultation, actor=offices["city"], title="", subject=make_enterprise(region=OWN_COUNTY)
    )
    assert unit_item.subject_label
