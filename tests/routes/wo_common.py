"""Route expectations of the work-orders area 'common': similar demands, clusters, common issues, batch handling, policy reserve (DEM-04).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Similar demands are offered to everyone who may read demands (another unit's name is masked);
clusters and common issues are government business: a unit's admin has no permission on them
(403), another county's office gets 404 for the own county's. The writes answer POST only and are
covered by the named tests.
"""

UI_LIST = (302, 403, 200, 200, 403)
UI_OWN_COUNTY_OBJECT = (302, 403, 404, 200, 403)
API_LIST = (401, 403, 200, 200, 403)
API_OWN_COUNTY_OBJECT = (401, 403, 404, 200, 403)

PAGES = "tests/test_wo_common_pages.py"
API = "tests/test_wo_common_api.py"

ROUTES: dict = {
    "workorders:demand_similar_panel": (
        lambda o: {"pk": o["own_common_demand"].pk},
        (302, 403, 404, 200, 200),
    ),
    "workorders:similar_suggest": (None, (302, 403, 200, 200, 200)),
    "workorders:cluster_list": (None, UI_LIST),
    "workorders:issue_list": (None, UI_LIST),
    "workorders:issue_export": (None, UI_LIST),
    "workorders:issue_detail": (lambda o: {"pk": o["own_common_issue"].pk}, UI_OWN_COUNTY_OBJECT),
    "api:common-issue-list": (None, API_LIST),
    "api:common-issue-detail": (
        lambda o: {"pk": o["own_common_issue"].pk},
        API_OWN_COUNTY_OBJECT,
    ),
    "api:demand-cluster-list": (None, API_LIST),
    "api:demand-cluster-detail": (
        lambda o: {"pk": o["own_demand_cluster"].pk},
        API_OWN_COUNTY_OBJECT,
    ),
    "api:demand-similar-list": (None, (401, 403, 200, 200, 200)),
}

NOT_GET: dict = {
    "workorders:cluster_run": PAGES,
    "workorders:cluster_promote": PAGES,
    "workorders:issue_start": PAGES,
    "workorders:issue_resolve": PAGES,
    "workorders:issue_reserve": PAGES,
    "workorders:issue_link": PAGES,
    "workorders:issue_unlink": PAGES,
    "api:common-issue-start": API,
    "api:common-issue-resolve": API,
    "api:common-issue-send-to-reserve": API,
    "api:common-issue-link": API,
    "api:common-issue-unlink": API,
    "api:demand-cluster-promote": API,
}


def build_objects(objects: dict, personas: dict) -> dict:
    """Five own-county units reporting one steel shortage, clustered and promoted by the own
    county's office; a demand of the personas' own unit."""
    from sibao.workorders.actions import common
    from tests.wo_common_builders import STEEL, background, demand, planted_cluster

    planted_cluster()
    background()
    own = demand(objects["own_enterprise"], *STEEL[0])
    cluster = common.run_clustering().clusters.order_by("-hotness").first()
    issue = common.promote_cluster(cluster, actor=personas["own_county"], title="钢材供应紧张")
    return {"own_common_demand": own, "own_demand_cluster": cluster, "own_common_issue": issue}
