from django.urls import path

from sibao.enterprises.views import registry

app_name = "enterprises"
urlpatterns = [
    # --- registry (WL-01, WL-02) ---
    path("", registry.EnterpriseListView.as_view(), name="enterprise_list"),
    path("<int:pk>/", registry.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    # --- criteria, facts, applications, review (WL-03, WL-04, WL-11) ---
    # --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
    # --- chain links, proposals, pairings, spot checks, fuse, responsibility (WL-08..10, ORG-06) ---
]
