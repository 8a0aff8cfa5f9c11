def register(router):
    # --- intake: demand filing, attachments, bulk import, intake queue, demand page (DEM-01) ---
    # --- orders: routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02) ---
    # --- clocks: reminders, urging, automatic escalation, metrics, supervisor view (DEM-03) ---
    # --- followup: review, rework, visits, enterprise rating, appeals, whole history (DEM-05) ---
    # --- common: similar demands, clusters, common issues, batch handling, policy reserve (DEM-04) ---
    # --- cadres: liaison cadres, their units and overdue items, demo data (DEM-06) ---
    from sibao.workorders.api import (
        cadres,  # noqa: F401
        clocks,  # noqa: F401
        common,  # noqa: F401
        followup,  # noqa: F401
        intake,  # noqa: F401
        orders,  # noqa: F401
    )
