"""Pages anyone may read without signing in: published criteria and published batches (WL-03,
WL-05). They show published data only."""

from django.urls import path  # noqa: F401

app_name = "public"
urlpatterns = []
