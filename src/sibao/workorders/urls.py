from django.urls import path  # noqa: F401

app_name = "workorders"
urlpatterns = [
    # --- intake: demand filing, attachments, bulk import, intake queue, demand page (DEM-01) ---
    path("", ("sibao.workorders.views.intake", None, None)),
    # --- orders: routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02) ---
    path("", ("sibao.workorders.views.orders", None, None)),
    # --- clocks: reminders, urging, automatic escalation, metrics, supervisor view (DEM-03) ---
    path("", ("sibao.workorders.views.clocks", None, None)),
    # --- followup: review, rework, visits, enterprise rating, appeals, whole history (DEM-05) ---
    path("", ("sibao.workorders.views.followup", None, None)),
    # --- common: similar demands, clusters, common issues, batch handling, policy reserve (DEM-04) ---
    path("", ("sibao.workorders.views.common", None, None)),
    # --- cadres: liaison cadres, their units and overdue items, demo data (DEM-06) ---
    path("", ("sibao.workorders.views.cadres", None, None)),
]
