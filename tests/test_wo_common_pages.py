"""DEM-04 pages: similar demands while typing and on a demand's page, the cluster list with
promote and "run now", common issues handled as one batch."""

import pytest
from django.urls import reverse

from sibao.policies.models import PolicyDraft
from sibao.regions.models import Department
from sibao.workorders.actions import common
from sibao.workorders.models import ClusterRun, CommonIssue, IssueStatus
from tests.wo_common_builders import STEEL, background, demand, planted_cluster

QUERY = {"title": STEEL[0][0], "description": STEEL[0][1], "category": "raw_materials"}


@pytest.fixture
def steel(departments):
    demands = planted_cluster()
    background()
    return demands


@pytest.fixture
def office(personas, login):
    return login(personas["own_county"])


@pytest.mark.req("DEM-04")
def test_the_intake_fragment_lists_similar_demands_and_masks_other_units(
    steel, personas, login, office
):
    url = reverse("workorders:similar_suggest")
    unit = login(personas["enterprise_admin"]).get(url, QUERY).content.decode()
    assert steel[1].number in unit and "其他企业" in unit
    assert steel[1].enterprise.name not in unit
    seen = office.get(url, {**QUERY, "enterprise": steel[0].enterprise_id}).content.decode()
    assert steel[1].enterprise.name in seen
    assert 'data-testid="similar-suggest-row"' in seen
    unrelated = office.get(url, {"title": "厂区道路破损", "description": "雨天积水，希望修缮"})
    assert 'data-testid="similar-suggest-none"' in unrelated.content.decode()


@pytest.mark.req("DEM-04")
def test_the_demand_panel_shows_similar_demands_and_its_common_issue(steel, personas, office):
    url = reverse("workorders:demand_similar_panel", args=[steel[0].pk])
    before = office.get(url).content.decode()
    assert steel[1].number in before
    issue = common.promote_cluster(
        common.run_clustering().clusters.get(), actor=personas["own_county"], title="钢材紧张"
    )
    after = office.get(url).content.decode()
    assert reverse("workorders:issue_detail", args=[issue.pk]) in after


@pytest.mark.req("DEM-04")
def test_the_office_links_a_demand_from_its_panel(steel, personas, office, own_enterprise):
    issue = common.promote_cluster(
        common.run_clustering().clusters.get(), actor=personas["own_county"], title="钢材紧张"
    )
    late = demand(own_enterprise, *STEEL[2])
    panel = office.get(reverse("workorders:demand_similar_panel", args=[late.pk])).content.decode()
    link = reverse("workorders:issue_link", args=[issue.pk])
    assert link in panel
    office.post(link, {"numbers": late.number})
    assert issue.demands.filter(pk=late.pk).exists()


@pytest.mark.req("DEM-04")
def test_the_office_runs_clustering_and_promotes_the_top_cluster(steel, office, personas, login):
    assert office.post(reverse("workorders:cluster_run")).status_code == 302
    run = ClusterRun.objects.get()
    page = office.get(reverse("workorders:cluster_list")).content.decode()
    cluster = run.clusters.get()
    assert cluster.label in page and 'data-testid="cluster-promote-form"' in page
    other = login(personas["other_county"]).get(reverse("workorders:cluster_list"))
    assert cluster.label not in other.content.decode()  # another county's cluster is not shown
    response = office.post(
        reverse("workorders:cluster_promote", args=[cluster.pk]),
        {f"c{cluster.pk}-title": "钢材原料供应紧张"},
    )
    issue = CommonIssue.objects.get()
    assert response["Location"] == reverse("workorders:issue_detail", args=[issue.pk])
    assert issue.demands.count() == 5


@pytest.mark.req("DEM-04")
def test_an_issue_is_handled_as_one_batch_and_sent_to_the_reserve(steel, personas, office):
    issue = common.promote_cluster(
        common.run_clustering().clusters.get(), actor=personas["own_county"], title="钢材紧张"
    )
    detail = reverse("workorders:issue_detail", args=[issue.pk])
    page = office.get(detail).content.decode()
    assert all(d.number in page for d in steel)
    office.post(reverse("workorders:issue_start", args=[issue.pk]))
    blank = office.post(reverse("workorders:issue_resolve", args=[issue.pk]), {"resolution": ""})
    assert blank.status_code == 302
    assert CommonIssue.objects.get().status == IssueStatus.HANDLING
    office.post(reverse("workorders:issue_resolve", args=[issue.pk]), {"resolution": "统一保供"})
    assert CommonIssue.objects.get().status == IssueStatus.RESOLVED
    department = Department.objects.get(region_id="410102", kind="industry_it")
    office.post(
        reverse("workorders:issue_reserve", args=[issue.pk]),
        {"department": department.pk, "proposal": "建立钢材保供机制"},
    )
    draft = PolicyDraft.objects.get()
    assert draft.source_id == str(issue.pk)
    assert 'data-testid="issue-reserve"' in office.get(detail).content.decode()


@pytest.mark.req("DEM-04")
def test_issue_list_and_export_show_the_jurisdiction_only(steel, personas, office, login):
    common.promote_cluster(
        common.run_clustering().clusters.get(), actor=personas["own_county"], title="钢材紧张"
    )
    assert "钢材紧张" in office.get(reverse("workorders:issue_list")).content.decode()
    other = login(personas["other_county"]).get(reverse("workorders:issue_list"))
    assert "钢材紧张" not in other.content.decode()
    export = office.get(reverse("workorders:issue_export"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    unit = login(personas["enterprise_admin"]).get(reverse("workorders:issue_list"))
    assert unit.status_code == 403
