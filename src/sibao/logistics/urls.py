from django.urls import path  # noqa: F401

app_name = "logistics"
urlpatterns = [
    # --- fleet: vehicles, drivers, transport whitelist, demo data (LOG-01) ---
    path("", ("sibao.logistics.views.fleet", None, None)),
    # --- passes: pass applications, decisions, signed QR passes, revocation list (LOG-02) ---
    path("", ("sibao.logistics.views.passes", None, None)),
    # --- checkpoint: checkpoints, green-channel verification, check log (LOG-03) ---
    path("", ("sibao.logistics.views.checkpoint", None, None)),
    # --- trips: closed-loop trips, sample-and-go, late positives (LOG-04) ---
    path("", ("sibao.logistics.views.trips", None, None)),
    # --- lastmile: receiving points, delivery plans, supply stations, road closures, green channels, toll discounts (LOG-05, LOG-06) ---
    path("", ("sibao.logistics.views.lastmile", None, None)),
]
