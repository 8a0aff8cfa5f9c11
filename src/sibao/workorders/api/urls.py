def register(router):
    # --- intake: demand filing, attachments, bulk import, intake queue, demand page (DEM-01) ---
    from sibao.workorders.api.intake import DemandAttachmentViewSet, DemandViewSet

    router.register("demands", DemandViewSet, basename="demand")
    router.register("demand-attachments", DemandAttachmentViewSet, basename="demand-attachment")
    # --- orders: routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02) ---
    from sibao.workorders.api import orders as orders_api

    router.register("work-orders", orders_api.WorkOrderViewSet, basename="work-order")
    router.register("return-requests", orders_api.ReturnRequestViewSet, basename="return-request")
    router.register(
        "extension-requests", orders_api.ExtensionRequestViewSet, basename="extension-request"
    )
    router.register("routing-rules", orders_api.RoutingRuleViewSet, basename="routing-rule")
    # --- clocks: reminders, urging, automatic escalation, metrics, supervisor view (DEM-03) ---
    from sibao.workorders.api import clocks as clocks_api

    router.register("urgings", clocks_api.UrgingViewSet, basename="urging")
    router.register(
        "work-order-metrics", clocks_api.WorkOrderMetricsViewSet, basename="work-order-metrics"
    )
    # --- followup: review, rework, visits, enterprise rating, appeals, whole history (DEM-05) ---
    from sibao.workorders.api import followup as followup_api

    router.register("visits", followup_api.VisitViewSet, basename="visit")
    router.register("appeals", followup_api.AppealViewSet, basename="appeal")
    router.register(
        "work-order-followup", followup_api.FollowupViewSet, basename="work-order-followup"
    )
    # --- common: similar demands, clusters, common issues, batch handling, policy reserve (DEM-04) ---
    from sibao.workorders.api import common as common_api

    router.register("common-issues", common_api.CommonIssueViewSet, basename="common-issue")
    router.register("demand-clusters", common_api.DemandClusterViewSet, basename="demand-cluster")
    router.register("demands-similar", common_api.SimilarDemandViewSet, basename="demand-similar")
    # --- cadres: liaison cadres, their units and overdue items, demo data (DEM-06) ---
    from sibao.workorders.api import cadres as cadres_api

    router.register(
        "liaison-assignments", cadres_api.LiaisonAssignmentViewSet, basename="liaison-assignment"
    )
    router.register("my-units", cadres_api.MyUnitsViewSet, basename="my-units")
    from sibao.workorders.api import (
        cadres,  # noqa: F401
        clocks,  # noqa: F401
        common,  # noqa: F401
        followup,  # noqa: F401
        intake,  # noqa: F401
        orders,  # noqa: F401
    )
