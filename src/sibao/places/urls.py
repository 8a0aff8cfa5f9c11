from django.urls import path  # noqa: F401

app_name = "places"
urlpatterns = [
    # --- spaces: space tree, place codes, sheets, coverage, badges (EPI-05) ---
    # --- scans: scan lists, owner check-out (EPI-06) ---
    # --- zones: zones, teams, shifts, dormitory rooms, bubble groups (EPI-13) ---
    # --- tracing: tracing jobs, contacts, export (EPI-07) ---
]
