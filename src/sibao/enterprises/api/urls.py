from sibao.enterprises.api import views


def register(router):
    # --- registry (WL-01, WL-02) ---
    router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
    # --- criteria, facts, applications, review (WL-03, WL-04, WL-11) ---
    from sibao.enterprises.api import criteria

    router.register("criteria-sets", criteria.CriteriaSetViewSet, basename="criteria-set")
    router.register("applications", criteria.WhitelistApplicationViewSet, basename="application")
    router.register("facts", criteria.EnterpriseFactViewSet, basename="fact")
    router.register("self-assessments", criteria.SelfAssessmentViewSet, basename="self-assessment")
    # --- whitelist entries, batches, tiers, coverage (WL-05, WL-06, WL-07) ---
    from sibao.enterprises.api import whitelist

    router.register("whitelist", whitelist.WhitelistEntryViewSet, basename="whitelist")
    router.register("whitelist-batches", whitelist.WhitelistBatchViewSet, basename="batch")
    router.register("coverage", whitelist.CoverageViewSet, basename="coverage")
    # --- chain links, proposals, pairings, spot checks, fuse, responsibility (WL-08..10, ORG-06) ---
    from sibao.enterprises.api import chain

    router.register("supply-links", chain.SupplyLinkViewSet, basename="supply-link")
    router.register("proposals", chain.InclusionProposalViewSet, basename="proposal")
    router.register("pairings", chain.PairingViewSet, basename="pairing")
    router.register("spot-checks", chain.SpotCheckViewSet, basename="spot-check")
    router.register("responsibilities", chain.ResponsibilityViewSet, basename="responsibility")
    router.register("fuse", chain.FuseViewSet, basename="fuse")
    # --- production: production status reports (MON-03) ---
    from sibao.enterprises.api import production

    router.register(
        "production-reports", production.ProductionReportViewSet, basename="production-report"
    )
