from django.urls import path  # noqa: F401

app_name = "command"
urlpatterns = [
    # --- emergency: emergency switch, closed loops, loop reports, city supply (CMD-01, CMD-02, CMD-06) ---
    # --- incidents: incidents, steps and clocks, silent periods, emergency plans (INC-01, INC-02, INC-04) ---
    # --- oversight: shutdown requests, restrictions, inspections, rewards and penalties (INC-03, CMD-04, CMD-05) ---
    # --- escalation: problems, escalation, consultations, tasks (CMD-03) ---
]
