from django.urls import path  # noqa: F401

app_name = "epidemic"
urlpatterns = [
    # --- roster: rosters, code protection, vaccination (EPI-01, EPI-12, EPI-17) ---
    # --- feeds: feeds, 两码一证, simulator (EPI-02, EPI-03) ---
    # --- compliance: test compliance, sentinel, reminders (EPI-04, EPI-10) ---
    # --- arrivals: arrivals, risk areas, coding (EPI-08, EPI-09) ---
    # --- units: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16) ---
]
