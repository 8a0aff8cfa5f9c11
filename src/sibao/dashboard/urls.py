from django.urls import path  # noqa: F401

app_name = "dashboard"
urlpatterns = [
    # --- board: the one-screen dashboard, drill-down, map, wall-screen mode (MON-01) ---
    path("", ("sibao.dashboard.views.board", None, None)),
    # --- reports: daily and weekly reports per HQ level, printable and Excel (MON-04) ---
    path("", ("sibao.dashboard.views.reports", None, None)),
]
