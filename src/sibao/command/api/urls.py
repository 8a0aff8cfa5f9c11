def register(router):
    # --- emergency: emergency switch, closed loops, loop reports, city supply (CMD-01, CMD-02, CMD-06) ---
    from sibao.command.api import emergency

    router.register("region-states", emergency.RegionStateViewSet, basename="region-state")
    router.register(
        "emergency-switches", emergency.EmergencySwitchViewSet, basename="emergency-switch"
    )
    router.register("loop-plans", emergency.LoopPlanViewSet, basename="loop-plan")
    router.register("loop-statuses", emergency.LoopStatusViewSet, basename="loop-status")
    router.register("loop-reports", emergency.LoopReportViewSet, basename="loop-report")
    router.register("city-supply", emergency.CitySupplyViewSet, basename="city-supply")
    # --- incidents: incidents, steps and clocks, silent periods, emergency plans (INC-01, INC-02, INC-04) ---
    from sibao.command.api import incidents

    router.register("incidents", incidents.IncidentViewSet, basename="incident")
    router.register("incident-steps", incidents.IncidentStepViewSet, basename="incident-step")
    router.register("silent-periods", incidents.SilentPeriodViewSet, basename="silent-period")
    # --- oversight: shutdown requests, restrictions, inspections, rewards and penalties (INC-03, CMD-04, CMD-05) ---
    from sibao.command.api import oversight

    router.register(
        "shutdown-requests", oversight.ShutdownRequestViewSet, basename="shutdown-request"
    )
    router.register("restrictions", oversight.RestrictionViewSet, basename="restriction")
    router.register(
        "inspection-requests", oversight.InspectionRequestViewSet, basename="inspection-request"
    )
    router.register(
        "protected-inspections",
        oversight.ProtectedInspectionViewSet,
        basename="protected-inspection",
    )
    router.register("rewards-penalties", oversight.RewardPenaltyViewSet, basename="reward-penalty")
    # --- escalation: problems, escalation, consultations, tasks (CMD-03) ---
    from sibao.command.api import escalation

    router.register("problems", escalation.ProblemViewSet, basename="problem")
    router.register("consultations", escalation.ConsultationViewSet, basename="consultation")
    router.register("agenda-items", escalation.AgendaItemViewSet, basename="agenda-item")
    router.register(
        "consultation-tasks", escalation.ConsultationTaskViewSet, basename="consultation-task"
    )
    # --- warnings: early warnings, seven dimensions, one-click response (MON-02) ---
    from sibao.command.api import warnings

    router.register("warnings", warnings.EarlyWarningViewSet, basename="warning")
