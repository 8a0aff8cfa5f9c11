"""Pages for people without an account: the scan page a place code's QR opens (EPI-06)."""

from django.urls import path  # noqa: F401

from sibao.places.views import scan_public  # scans area

app_name = "scan"
urlpatterns = [
    # --- scans: the public scan page, identification, check-out (EPI-06) ---
    path("<str:payload>/", scan_public.ScanPageView.as_view(), name="place"),
    path("<str:payload>/done/", scan_public.ScanDoneView.as_view(), name="done"),
]
