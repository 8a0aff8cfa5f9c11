from django.urls import path  # noqa: F401

app_name = "command"
urlpatterns = [
    # --- emergency: emergency switch, closed loops, loop reports, city supply (CMD-01, CMD-02, CMD-06) ---
    # the emergency area's pages ("command:emergency_index", …) are listed with its views
    path("", ("sibao.command.views.emergency", None, None)),
    # --- incidents: incidents, steps and clocks, silent periods, emergency plans (INC-01, INC-02, INC-04) ---
    # the incidents area's pages ("command:incident_list", …) are listed with its views
    path("", ("sibao.command.views.incidents", None, None)),
    # --- oversight: shutdown requests, restrictions, inspections, rewards and penalties (INC-03, CMD-04, CMD-05) ---
    # the oversight area's pages ("command:shutdown_list", …) are listed with its views
    path("", ("sibao.command.views.oversight", None, None)),
    # --- escalation: problems, escalation, consultations, tasks (CMD-03) ---
    # the escalation area's pages ("command:problem_list", …) are listed with its views
    path("", ("sibao.command.views.escalation", None, None)),
    # --- warnings: early warnings, seven dimensions, one-click response (MON-02) ---
    # the warnings area's pages ("command:warning_list", …) are listed with its views
    path("", ("sibao.command.views.warnings", None, None)),
]
