"""Pages for people without an account: the scan page a place code's QR opens (EPI-06)."""

from django.urls import path  # noqa: F401

app_name = "scan"
urlpatterns = [
    # --- scans: the public scan page, identification, check-out (EPI-06) ---
]
