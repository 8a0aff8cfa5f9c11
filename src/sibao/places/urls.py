from django.urls import path  # noqa: F401

app_name = "places"
urlpatterns = [
    # --- spaces: space tree, place codes, sheets, coverage, badges (EPI-05) ---
    # the spaces area's pages ("places:unit_spaces", …) are listed with its views
    path("", ("sibao.places.views.spaces", None, None)),
    # --- scans: scan lists, owner check-out (EPI-06) ---
    # the scans area's pages ("places:unit_scans", "places:unit_presence", …) are listed with its views
    path("", ("sibao.places.views.scans", None, None)),
    # --- zones: zones, teams, shifts, dormitory rooms, bubble groups (EPI-13) ---
    # the zones area's pages ("places:zones_unit", "places:zones_region", …) are listed with its views
    path("", ("sibao.places.views.zones", None, None)),
    # --- tracing: tracing jobs, contacts, export (EPI-07) ---
    # the tracing area's pages ("places:tracing_list", …) are listed with its views
    path("", ("sibao.places.views.tracing", None, None)),
]
