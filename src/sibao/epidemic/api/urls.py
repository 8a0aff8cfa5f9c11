def register(router):
    # --- roster: rosters, code protection, vaccination (EPI-01, EPI-12, EPI-17) ---
    from sibao.epidemic.api import roster

    router.register("staff", roster.StaffMemberViewSet, basename="staff")
    router.register("code-protection", roster.CodeProtectionViewSet, basename="code-protection")
    router.register("staff-vaccination", roster.VaccinationViewSet, basename="staff-vaccination")
    # --- feeds: feeds, 两码一证, simulator (EPI-02, EPI-03) ---
    from sibao.epidemic.api import feeds

    router.register(
        rf"feeds/(?P<kind>{feeds.KIND_PATTERN})", feeds.FeedIngestViewSet, basename="feed"
    )
    router.register("feed-batches", feeds.FeedBatchViewSet, basename="feed-batch")
    # --- compliance: test compliance, sentinel, reminders (EPI-04, EPI-10) ---
    from sibao.epidemic.api import compliance

    router.register("overdue-staff", compliance.OverdueStaffViewSet, basename="overdue-staff")
    router.register(
        "compliance-rates", compliance.ComplianceRateViewSet, basename="compliance-rate"
    )
    router.register("sentinel-alerts", compliance.SentinelAlertViewSet, basename="sentinel-alert")
    # --- arrivals: arrivals, risk areas, coding (EPI-08, EPI-09) ---
    from sibao.epidemic.api import arrivals

    router.register("risk-areas", arrivals.RiskAreaViewSet, basename="risk-area")
    router.register("arrivals", arrivals.ArrivalReportViewSet, basename="arrival")
    # --- units: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16) ---
    from sibao.epidemic.api import units

    router.register("daily-reports", units.DailyReportViewSet, basename="daily-report")
    router.register("preparedness", units.PreparednessViewSet, basename="preparedness")
    router.register("drills", units.DrillViewSet, basename="drill")
    router.register("sampling-houses", units.SamplingHouseViewSet, basename="sampling-house")
    router.register("goods-lots", units.GoodsLotViewSet, basename="goods-lot")
    return router
