from sibao.enterprises.api import views


def register(router):
    # --- registry (WL-01, WL-02) ---
    router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
    # --- criteria, facts, applications, review (WL-03, WL-04, WL-11) ---
    # --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
    # --- chain links, proposals, pairings, spot checks, fuse, responsibility (WL-08..10, ORG-06) ---
