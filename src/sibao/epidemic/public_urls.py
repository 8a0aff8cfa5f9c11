"""Pages for people without an account: the arrival report (入豫报备) a visitor or returnee files
before arriving (EPI-08)."""

from django.urls import path  # noqa: F401

app_name = "arrive"
urlpatterns = []
