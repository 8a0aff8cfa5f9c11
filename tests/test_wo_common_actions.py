"""DEM-04: clustering, promoting a cluster to a common issue, batch handling, notifications,
the policy reserve — through the actions and the command."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core.models import Notification
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.policies.models import PolicyDraft
from sibao.regions.models import Department
from sibao.workorders.actions import common
from sibao.workorders.actions.intake import accept_demand
from sibao.workorders.actions.orders import dispatch
from sibao.workorders.models import ClusterRun, CommonIssue, Demand, IssueStatus
from tests.wo_common_builders import background, demand, noise, planted_cluster

STORAGE = [
    ("冷库仓储容量不足", "冷库仓储容量不足，冷链仓储费用上涨，冷冻食品原料无法入库。"),
    ("冷链仓储费用上涨", "冷链冷库仓储费用上涨，冷库容量不足，原料入库排队。"),
    ("冷库仓储难", "冷冻原料冷库仓储难，冷库容量不足，仓储费用上涨。"),
]


@pytest.fixture
def office(personas):
    return personas["own_county"]


@pytest.fixture
def steel(departments):
    demands = planted_cluster()
    noise()
    background()
    return demands


def _admins(demands):
    return {
        d.pk: make_user(Role.ENTERPRISE_ADMIN, d.region_code, enterprise=d.enterprise)
        for d in demands
    }


def _issue(office, run=None):
    run = run or common.run_clustering()
    cluster = run.clusters.get()
    return common.promote_cluster(cluster, actor=office, title="钢材原料供应紧张、价格上涨")


@pytest.mark.req("DEM-04")
def test_clustering_groups_the_planted_cluster_and_leaves_noise_out(steel):
    run = common.run_clustering()
    cluster = run.clusters.get()
    assert set(cluster.demands.all()) == set(steel)
    assert (cluster.size, cluster.unit_count, cluster.category) == (5, 5, "raw_materials")
    assert cluster.region_code == OWN_COUNTY  # all five are in one county
    assert "钢材" in cluster.label
    assert run.cluster_count == 1 and run.demand_count == 5 + 3 + 8


@pytest.mark.req("DEM-04")
def test_a_cluster_across_counties_belongs_to_the_city_and_old_runs_remain(departments):
    demands = planted_cluster()
    background()
    moved = demands[0]
    Demand.objects.filter(pk=moved.pk).update(region_code="410105")  # a unit of another county
    first = common.run_clustering()
    second = common.run_clustering()
    assert first.clusters.get().region_code == "4101"
    assert ClusterRun.objects.count() == 2 and second.clusters.count() == 1
    assert first.clusters.count() == 1


def _storage(now):
    return [
        demand(make_enterprise(region=OWN_COUNTY), title, text, now=now) for title, text in STORAGE
    ]


@pytest.mark.req("DEM-04")
def test_more_units_make_a_cluster_hotter(departments):
    now = timezone.now()
    steel = planted_cluster(now=now)
    storage = _storage(now)
    background(now=now)
    clusters = list(common.run_clustering(now=now).clusters.all())  # by hotness
    assert [set(c.demands.all()) for c in clusters] == [set(steel), set(storage)]
    assert clusters[0].hotness > clusters[1].hotness


@pytest.mark.req("DEM-04")
def test_recent_demands_make_a_cluster_hotter_and_old_ones_leave_the_window(departments):
    now = timezone.now()
    steel = planted_cluster(days_ago=40, now=now)  # five units, but six weeks old
    storage = _storage(now)
    background(now=now)
    clusters = list(common.run_clustering(now=now).clusters.all())
    assert [set(c.demands.all()) for c in clusters] == [set(storage), set(steel)]
    later = common.run_clustering(now=now + datetime.timedelta(days=55))
    assert [set(c.demands.all()) for c in later.clusters.all()] == [set(storage)]


@pytest.mark.req("DEM-04")
def test_promoting_links_the_demands_and_tells_their_units(steel, office):
    admins = _admins(steel)
    issue = _issue(office)
    assert issue.region_code == OWN_COUNTY and issue.status == IssueStatus.OPEN
    assert set(issue.demands.all()) == set(steel)
    assert issue.clusters.get().promoted_to == issue
    for d in steel:
        note = Notification.objects.get(recipient=admins[d.pk])
        assert d.number in note.title and str(d.pk) in note.url
    with pytest.raises(ValidationError):
        common.promote_cluster(issue.clusters.get(), actor=office, title="再次")


@pytest.mark.req("DEM-04")
def test_only_the_office_of_the_region_promotes(steel, personas):
    cluster = common.run_clustering().clusters.get()
    for who in ("other_county", "enterprise_admin"):
        with pytest.raises(PermissionDenied):
            common.promote_cluster(cluster, actor=personas[who], title="钢材")
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY)
    with pytest.raises(PermissionDenied):
        common.promote_cluster(cluster, actor=staff, title="钢材")
    with pytest.raises(ValidationError):
        common.promote_cluster(cluster, actor=personas["own_county"], title="  ")
    assert not CommonIssue.objects.exists()


@pytest.mark.req("DEM-04")
def test_resolving_notes_open_orders_and_asks_every_unit_to_verify(steel, office):
    admins = _admins(steel)
    issue = _issue(office)
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    accepted = accept_demand(steel[0], actor=None)
    order = dispatch(accepted, actor=None, department=department)
    issue = common.start_issue(issue, actor=office)
    assert issue.status == IssueStatus.HANDLING
    Notification.objects.all().delete()
    issue = common.resolve_issue(issue, actor=office, resolution="协调钢厂保供，价格回落 8%。")
    assert issue.status == IssueStatus.RESOLVED and issue.resolved_at is not None
    order.refresh_from_db()
    assert "协调钢厂保供" in order.instructions
    for d in steel:
        note = Notification.objects.get(recipient=admins[d.pk])
        assert "评价" in note.title and d.number in note.title
    with pytest.raises(ValidationError):
        common.resolve_issue(issue, actor=office, resolution="again")


@pytest.mark.req("DEM-04")
def test_a_resolution_is_required_and_bad_input_changes_nothing(steel, office, personas):
    issue = _issue(office)
    with pytest.raises(ValidationError):
        common.resolve_issue(issue, actor=office, resolution=" ")
    with pytest.raises(PermissionDenied):
        common.resolve_issue(issue, actor=personas["other_county"], resolution="x")
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN and issue.resolution == ""


@pytest.mark.req("DEM-04")
def test_the_lead_department_handles_the_issue(steel, office):
    department = Department.objects.get(region_id=OWN_COUNTY, kind="industry_it")
    staff = make_user(Role.DEPARTMENT_STAFF, OWN_COUNTY)
    cluster = common.run_clustering().clusters.get()
    issue = common.promote_cluster(cluster, actor=office, title="钢材", department=department)
    assert Notification.objects.filter(recipient=staff, url__contains=f"/{issue.pk}/").exists()
    issue = common.resolve_issue(issue, actor=staff, resolution="已协调保供")
    assert issue.status == IssueStatus.RESOLVED
    with pytest.raises(PermissionDenied):  # linking belongs to the office
        common.link_demands(issue, [], actor=staff)


@pytest.mark.req("DEM-04")
def test_linking_is_all_or_nothing_within_the_issue_region(steel, office, other_enterprise):
    issue = _issue(office)
    common.unlink_demands(issue, [steel[0]], actor=office)
    assert steel[0].pk not in set(issue.demands.values_list("pk", flat=True))
    far = demand(other_enterprise, "钢材短缺", "钢材原料短缺")
    with pytest.raises(ValidationError):
        common.link_demands(issue, [steel[0], far], actor=None)
    assert Demand.objects.get(pk=steel[0].pk).common_issue_id is None
    linked = common.link_demands(issue, [Demand.objects.get(pk=steel[0].pk)], actor=office)
    assert linked == [steel[0]] and issue.demands.count() == 5


@pytest.mark.req("DEM-04")
def test_sending_to_the_policy_reserve_creates_a_draft_citing_the_issue(steel, office):
    issue = _issue(office)
    department = Department.objects.get(region_id=OWN_COUNTY, kind="development_reform")
    draft = common.send_to_reserve(issue, actor=office, department=department, proposal="稳价")
    assert isinstance(draft, PolicyDraft)
    assert draft.source_id == str(issue.pk) and draft.source_type.model == "commonissue"
    assert steel[0].number in draft.problem and draft.proposal == "稳价"
    issue.refresh_from_db()
    assert issue.policy_draft == draft
    with pytest.raises(ValidationError):
        common.send_to_reserve(issue, actor=office, department=department)


@pytest.mark.req("DEM-04")
def test_the_command_runs_a_clustering_pass(steel, capsys):
    call_command("cluster-demands")
    assert "clusters=1" in capsys.readouterr().out
    run = ClusterRun.objects.get()
    assert run.clusters.get().size == 5


@pytest.mark.req("DEM-04")
def test_other_county_demand_cannot_be_linked_by_its_office(steel, personas, other_enterprise):
    issue = _issue(personas["own_county"])
    far = demand(other_enterprise, "钢材短缺", "钢材原料短缺")
    with pytest.raises(PermissionDenied):
        common.link_demands(issue, [far], actor=personas["other_county"])
    assert far.region_code == OTHER_COUNTY


@pytest.mark.req("DEM-04")
def test_the_command_can_hand_the_run_to_the_worker(steel, capsys):
    from sibao.workorders import tasks

    call_command("cluster-demands", "--enqueue")
    assert "enqueued demand clustering task" in capsys.readouterr().out
    assert not ClusterRun.objects.exists()  # the worker runs it
    result = tasks.cluster_demands.call()
    assert result["clusters"] == 1
