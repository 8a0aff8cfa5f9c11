def register(router):
    # --- catalogue: policies, versions, conditions, preview, publishing, reserve (POL-01, POL-05) ---
    from sibao.policies.api import catalogue

    router.register("policies", catalogue.PolicyViewSet, basename="policy")
    router.register("policy-reserve", catalogue.PolicyDraftViewSet, basename="policy-reserve")
    # --- matching: matching, explanations, self-check (POL-02, POL-04) ---
    from sibao.policies.api import matching

    router.register("policy-matches", matching.PolicyMatchViewSet, basename="policy-match")
    # --- uptake: push, uptake tracking, rates, follow-ups, calculators (POL-03, POL-06) ---
    from sibao.policies.api import uptake

    router.register("uptake", uptake.UptakeViewSet, basename="uptake")
    router.register("uptake-rates", uptake.UptakeRateViewSet, basename="uptake-rate")
    router.register("follow-ups", uptake.FollowUpViewSet, basename="follow-up")
    router.register(
        "subsidy-calculations", uptake.SubsidyCalculationViewSet, basename="subsidy-calculation"
    )
    router.register(
        "subsidy-calculators", uptake.SubsidyCalculatorViewSet, basename="subsidy-calculator"
    )
    pass
