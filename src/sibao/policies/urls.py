from django.urls import path  # noqa: F401

app_name = "policies"
urlpatterns = [
    # --- catalogue: policies, versions, conditions, preview, publishing, reserve (POL-01, POL-05) ---
    # the catalogue area's pages ("policies:catalogue_list", "policies:reserve_list", …) are
    # listed with its views
    path("", ("sibao.policies.views.catalogue", None, None)),
    # --- matching: matching, explanations, self-check (POL-02, POL-04) ---
    # the matching area's pages ("policies:matching_index", "policies:matching_mine",
    # "policies:matching_policy", "policies:matching_pair", the fact import …) are listed with
    # its views
    path("", ("sibao.policies.views.matching", None, None)),
    # --- uptake: push, uptake tracking, rates, follow-ups, calculators (POL-03, POL-06) ---
    # the uptake area's pages ("policies:uptake_index", "policies:uptake_board",
    # "policies:follow_up_list", "policies:subsidy_index", …) are listed with its views
    path("", ("sibao.policies.views.uptake", None, None)),
]
