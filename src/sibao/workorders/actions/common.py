"""Writes of the common area (DEM-04, "点办理、批处理"): periodic clustering of similar demands,
promoting a cluster to a common issue (共性问题), linking demands to it, handling it as one batch
(start, resolve: every linked unit is told and asked to verify its own demand) and sending it to
the policy reserve (POL-05) as a proposed adjustment.

Who may do what:

- the office (``hq_office``, "add" on common issues) of a level manages the common issues of its
  region: promotes clusters, links and unlinks demands, sends issues to the policy reserve;
- the office, or the staff of the department leading the issue ("change"), starts and resolves it.

A cluster's region is the narrowest region holding all its demands: a cluster inside one county
belongs to that county's office, one spanning counties to the city's. ``actor=None`` is the
platform itself (the periodic clustering, the demo seed) and skips the permission checks.
"""

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.accounts.access import can, covers
from sibao.command.recipients import units_people
from sibao.core import audit, rules
from sibao.core.notifications import notify
from sibao.policies.actions.reserve import create_reserve_entry
from sibao.workorders import similarity
from sibao.workorders.access import user_departments
from sibao.workorders.actions.base import now_or, stored, transition
from sibao.workorders.models import (
    ClusterRun,
    CommonIssue,
    Demand,
    DemandCluster,
    DemandStatus,
    IssueStatus,
    WorkOrder,
)
from sibao.workorders.models.orders import OPEN_ORDER_STATUSES

__all__ = [
    "CLUSTERED_STATUSES",
    "link_demands",
    "may_handle",
    "may_manage",
    "promote_cluster",
    "resolve_issue",
    "run_clustering",
    "send_to_reserve",
    "start_issue",
    "unlink_demands",
]

# demands that are real problems (not rejected, merged into another or withdrawn)
CLUSTERED_STATUSES = (
    DemandStatus.SUBMITTED,
    DemandStatus.ACCEPTED,
    DemandStatus.HANDLING,
    DemandStatus.CLOSED,
)
_NOT_LINKABLE = (DemandStatus.REJECTED, DemandStatus.MERGED, DemandStatus.WITHDRAWN)


def _text(value) -> str:
    return (value or "").strip()


def _issue_url(issue) -> str:
    return reverse("workorders:issue_detail", args=[issue.pk])


def _demand_url(demand) -> str:
    return reverse("workorders:demand_detail", args=[demand.pk])


# --- permissions ---


def may_manage(user, issue_or_region) -> bool:
    """The office of the issue's region (or above): promote, link, unlink, send to reserve."""
    region = getattr(issue_or_region, "region_code", issue_or_region)
    return covers(user, CommonIssue, "add", region_code=region)


def may_handle(user, issue) -> bool:
    """The office, or the staff of the department leading the issue: start and resolve."""
    if may_manage(user, issue):
        return True
    return (
        issue.department_id is not None
        and issue.department_id in user_departments(user)
        and can(user, CommonIssue, "change", obj=issue)
    )


def _check_view(actor, issue) -> None:
    if actor is not None and not can(actor, CommonIssue, "view", obj=issue):
        raise PermissionDenied(_("该共性问题不在您的管辖范围内。"))


def _check_manage(actor, issue) -> None:
    _check_view(actor, issue)
    if actor is not None and not may_manage(actor, issue):
        raise PermissionDenied(_("只有本级指挥部办公室可以管理共性问题。"))


def _check_handle(actor, issue) -> None:
    _check_view(actor, issue)
    if actor is not None and not may_handle(actor, issue):
        raise PermissionDenied(_("只有本级指挥部办公室或牵头单位可以办理共性问题。"))


# --- notifications ---


def _tell_units(demands, title_for, body: str = "") -> None:
    """Each demand's unit admins and liaison cadres get one message about their own demand."""
    people = units_people({d.enterprise_id for d in demands})
    for demand in demands:
        notify(
            people.get(demand.enterprise_id, []),
            title_for(demand),
            body=body,
            url=_demand_url(demand),
        )


def _department_staff(department) -> list:
    from sibao.accounts.models import RoleGrant, User
    from sibao.accounts.roles import Role

    ids = RoleGrant.objects.filter(
        role=Role.DEPARTMENT_STAFF, department=department, is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


# --- clustering ---


def _common_region(codes) -> str:
    """The narrowest region holding every code: the county when all share one, else the city."""
    prefix = os.path.commonprefix(sorted(set(codes)))
    for size in (6, 4, 2):
        if len(prefix) >= size:
            return prefix[:size]
    return prefix


def _fill_terms(demands) -> None:
    """Demands filed before the tokenizer existed get their terms once (a derived field)."""
    missing = [d for d in demands if not d.terms]
    for demand in missing:
        demand.terms = similarity.terms_of(demand.title, demand.description)
    Demand.objects.bulk_update(missing, ["terms"], batch_size=500)


def _window_demands(now, days: int) -> dict:
    """The demands of the window not yet in a common issue, by city."""
    rows = (
        Demand.objects.filter(
            status__in=CLUSTERED_STATUSES,
            common_issue__isnull=True,
            submitted_at__gte=now - datetime.timedelta(days=days),
            submitted_at__lte=now,
        )
        .only(
            "id",
            "title",
            "description",
            "terms",
            "category",
            "region_code",
            "enterprise_id",
            "submitted_at",
        )
        .order_by("id")
    )
    groups: dict[tuple, list] = {}
    for demand in rows:
        groups.setdefault(demand.region_code[:4], []).append(demand)
    return groups


@transaction.atomic
def run_clustering(*, actor=None, now=None) -> ClusterRun:
    """DEM-04: one clustering pass over the last ``demand_cluster_window_days`` days, per
    category × city; every group of ≥ ``demand_cluster_min_size`` similar demands becomes a
    ``DemandCluster`` of a new ``ClusterRun``. Earlier runs stay as they are (history; their
    promoted clusters keep pointing at their common issues). ``actor`` (the office's "run now"
    button) needs "add" on common issues; ``None`` is the scheduled task."""
    if actor is not None and not can(actor, CommonIssue, "add"):
        raise PermissionDenied(_("只有指挥部办公室可以运行相似诉求聚类。"))
    now = now_or(now)
    ruleset = rules.current()
    groups = _window_demands(now, ruleset["demand_cluster_window_days"])
    run = ClusterRun.objects.create(
        at=now, demand_count=sum(map(len, groups.values())), rule_version=ruleset.version
    )
    count = 0
    for _city, demands in sorted(groups.items()):
        _fill_terms(demands)
        for category, group in similarity.cluster(
            demands,
            threshold=float(ruleset["demand_similarity_threshold"]),
            min_size=ruleset["demand_cluster_min_size"],
            now=now,
            half_life_days=ruleset["demand_hotness_half_life_days"],
        ):
            cluster = DemandCluster.objects.create(
                run=run,
                category=category,
                region_code=_common_region(d.region_code for d in group.demands),
                label=group.label[:200],
                size=len(group.demands),
                unit_count=group.unit_count,
                hotness=group.hotness,
            )
            cluster.demands.set(group.demands)
            count += 1
    run.cluster_count = count
    run.save(update_fields=["cluster_count"])
    audit.record(
        "demandcluster.run",
        actor=actor,
        obj=run,
        changes={"demands": run.demand_count, "clusters": count},
        rule_version=ruleset.version,
    )
    return run


# --- common issues ---


def _check_department(department, region_code: str) -> None:
    if department is not None and not department.region_id.startswith(region_code):
        raise ValidationError({"department": _("牵头单位须在该共性问题的区划范围内。")})


@transaction.atomic
def promote_cluster(cluster, *, actor, title, department=None, now=None) -> CommonIssue:
    """DEM-04: the office turns a cluster into a common issue over the cluster's region and links
    the cluster's demands (those not yet in another issue); their units are told."""
    now = now_or(now)
    if actor is not None and not (
        DemandCluster.objects.visible_to(actor).filter(pk=cluster.pk).exists()
        and may_manage(actor, cluster.region_code)
    ):
        raise PermissionDenied(_("只有该区划的指挥部办公室可以将聚类转为共性问题。"))
    cluster = DemandCluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.promoted_to_id:
        raise ValidationError(_("该聚类已转为共性问题。"))
    title = _text(title)
    if not title:
        raise ValidationError({"title": _("请填写共性问题名称。")})
    if len(title) > 120:
        raise ValidationError({"title": _("共性问题名称不能超过 120 个字。")})
    _check_department(department, cluster.region_code)
    issue = CommonIssue.objects.create(
        title=title,
        category=cluster.category,
        summary=stored(
            "由相似诉求聚类生成：关键词“%(label)s”，%(size)s 件诉求，涉及 %(units)s 家企业。",
            label=cluster.label,
            size=cluster.size,
            units=cluster.unit_count,
        ),
        department=department,
        hotness=cluster.hotness,
        created_at=now,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        region_code=cluster.region_code,
    )
    cluster.promoted_to = issue
    cluster.save(update_fields=["promoted_to"])
    audit.record(
        "commonissue.promote",
        actor=actor,
        obj=issue,
        changes={"cluster": [None, cluster.pk], "title": [None, title]},
    )
    free = cluster.demands.filter(common_issue__isnull=True).exclude(status__in=_NOT_LINKABLE)
    _link(issue, list(free.select_related("enterprise")), actor=actor)
    if department is not None:
        notify(
            _department_staff(department),
            stored("共性问题由贵单位牵头办理：%(title)s", title=issue.title),
            body=issue.summary,
            url=_issue_url(issue),
        )
    return issue


def _fresh(demands) -> list:
    """The demands as they are now (the caller's copies may be stale), locked, in its order."""
    ids = [d.pk for d in demands]
    rows = Demand.objects.select_for_update().filter(pk__in=ids).select_related("enterprise")
    found = {d.pk: d for d in rows}
    return [found[pk] for pk in ids if pk in found]


def _linkable(issue, demands, actor) -> list:
    """Every demand must be one the actor sees, in the issue's region and free: all or nothing."""
    demands = _fresh(demands)
    visible = set(
        Demand.objects.visible_to(actor)
        .filter(pk__in=[d.pk for d in demands])
        .values_list("pk", flat=True)
        if actor is not None
        else [d.pk for d in demands]
    )
    errors = []
    for demand in demands:
        if demand.pk not in visible:
            errors.append(_("诉求 %(n)s 不在您的管辖范围内。") % {"n": demand.number})
        elif not demand.region_code.startswith(issue.region_code):
            errors.append(_("诉求 %(n)s 不在该共性问题的区划范围内。") % {"n": demand.number})
        elif demand.status in _NOT_LINKABLE:
            errors.append(
                _("诉求 %(n)s 为“%(s)s”状态，不能关联。")
                % {"n": demand.number, "s": demand.get_status_display()}
            )
        elif demand.common_issue_id and demand.common_issue_id != issue.pk:
            errors.append(_("诉求 %(n)s 已关联其他共性问题。") % {"n": demand.number})
    if errors:
        raise ValidationError(errors)
    return [d for d in demands if d.common_issue_id != issue.pk]


def _link(issue, demands, *, actor) -> list:
    demands = _linkable(issue, demands, actor)
    if not demands:
        return []
    Demand.objects.filter(pk__in=[d.pk for d in demands]).update(common_issue=issue)
    for demand in demands:
        demand.common_issue = issue
        audit.record(
            "demand.link_issue",
            actor=actor,
            obj=demand,
            changes={"common_issue": [None, issue.pk]},
            note=issue.title,
        )
    _tell_units(
        demands,
        lambda d: stored(
            "您的诉求 %(number)s 已纳入共性问题“%(title)s”批量办理",
            number=d.number,
            title=issue.title,
        ),
    )
    return demands


@transaction.atomic
def link_demands(issue, demands, *, actor, now=None) -> list:
    """DEM-04: add demands to a common issue (the office); returns those newly linked. Bad input
    (out of scope, other region, already in another issue, rejected …) links none."""
    _check_manage(actor, issue)
    if issue.status == IssueStatus.RESOLVED:
        raise ValidationError(_("已解决的共性问题不能再关联诉求。"))
    return _link(issue, demands, actor=actor)


@transaction.atomic
def unlink_demands(issue, demands, *, actor, now=None) -> list:
    """Take demands out of a common issue (linked by mistake); they are handled one by one."""
    _check_manage(actor, issue)
    if issue.status == IssueStatus.RESOLVED:
        raise ValidationError(_("已解决的共性问题不能再调整关联诉求。"))
    demands = _fresh(demands)
    strangers = [d.number for d in demands if d.common_issue_id != issue.pk]
    if strangers:
        raise ValidationError(
            _("以下诉求未关联该共性问题：%(numbers)s") % {"numbers": "、".join(strangers)}
        )
    Demand.objects.filter(pk__in=[d.pk for d in demands]).update(common_issue=None)
    for demand in demands:
        demand.common_issue = None
        audit.record(
            "demand.unlink_issue",
            actor=actor,
            obj=demand,
            changes={"common_issue": [issue.pk, None]},
            note=issue.title,
        )
    return demands


def _step(issue, action: str, *, actor, now, note: str = "", fields=None, version=None):
    """One lifecycle step of an issue through the shared guarded transition (lock, version check,
    history, audit): a second official acting on an issue that moved gets the conflict message."""
    return transition(
        issue,
        action,
        actor=actor,
        version=version,
        note=note,
        now=now,
        fields=fields,
        audit_action=f"commonissue.{action}",
    )


@transaction.atomic
def start_issue(issue, *, actor, note="", version=None, now=None) -> CommonIssue:
    """DEM-04: batch handling begins (open → handling)."""
    _check_handle(actor, issue)
    return _step(issue, "start", actor=actor, now=now_or(now), note=_text(note), version=version)


def _note_open_orders(issue, demands, resolution, *, actor) -> int:
    """The handling units see the batch result on every open order of the linked demands."""
    orders = list(WorkOrder.objects.filter(demand__in=demands, status__in=OPEN_ORDER_STATUSES))
    note = stored("【共性问题批量办理结果】%(title)s：%(text)s", title=issue.title, text=resolution)
    for order in orders:
        order.instructions = f"{order.instructions}\n\n{note}".strip()
        order.save(update_fields=["instructions"])
        audit.record("workorder.common_issue_note", actor=actor, obj=order, note=note)
    return len(orders)


@transaction.atomic
def resolve_issue(issue, *, actor, resolution, version=None, now=None) -> CommonIssue:
    """DEM-04: the batch is done. The resolution is recorded, added as a note to every open order
    of the linked demands, and every linked demand's unit (admins and liaison cadres) is told and
    asked to verify — rate — its own demand (DEM-05)."""
    now = now_or(now)
    _check_handle(actor, issue)
    resolution = _text(resolution)
    if not resolution:
        raise ValidationError({"resolution": _("请填写批量办理结果。")})
    demands = list(Demand.objects.filter(common_issue=issue).select_related("enterprise"))
    if not demands:
        raise ValidationError(_("该共性问题尚未关联诉求，无法批量办结。"))
    issue = _step(
        issue,
        "resolve",
        actor=actor,
        now=now,
        note=resolution,
        fields={"resolution": resolution, "resolved_at": now},
        version=version,
    )
    _note_open_orders(issue, demands, resolution, actor=actor)
    _tell_units(
        demands,
        lambda d: stored(
            "共性问题“%(title)s”已批量办结，请核实并评价诉求 %(number)s 的办理结果",
            title=issue.title,
            number=d.number,
        ),
        body=resolution,
    )
    return issue


def _reserve_problem(issue) -> str:
    lines = [issue.summary] if issue.summary else []
    demands = Demand.objects.filter(common_issue=issue).order_by("submitted_at", "id")
    lines.append(stored("关联诉求 %(count)s 件：", count=demands.count()))
    lines += [f"- {d.number} {d.title}" for d in demands[:30]]
    if issue.resolution:
        lines.append(stored("批量办理结果：%(text)s", text=issue.resolution))
    return "\n".join(lines)


@transaction.atomic
def send_to_reserve(issue, *, actor, department, proposal="", now=None):
    """DEM-04 → POL-05: the common issue goes to the policy reserve as a proposed adjustment
    (a ``PolicyDraft`` citing the issue as its source); the issue keeps the link."""
    _check_manage(actor, issue)
    issue = CommonIssue.objects.select_for_update().get(pk=issue.pk)
    if issue.policy_draft_id:
        raise ValidationError(_("该共性问题已送政策储备。"))
    if department is None:
        raise ValidationError({"department": _("请选择政策研究牵头部门。")})
    draft = create_reserve_entry(
        department,
        actor=actor,
        title=issue.title,
        problem=_reserve_problem(issue),
        proposal=proposal,
        source=issue,
    )
    issue.policy_draft = draft
    issue.save(update_fields=["policy_draft"])
    audit.record(
        "commonissue.send_to_reserve",
        actor=actor,
        obj=issue,
        changes={"policy_draft": [None, draft.pk]},
    )
    notify(
        _department_staff(department),
        stored("共性问题送政策储备：%(title)s", title=issue.title),
        body=draft.problem[:500],
        url=reverse("policies:reserve_detail", args=[draft.pk]),
    )
    return draft
