"""Pages anyone may read without signing in: published criteria and published batches (WL-03,
WL-05). They show published data only."""

from django.urls import path

from sibao.enterprises.views import public

app_name = "public"
urlpatterns = [
    path("", public.PublicIndexView.as_view(), name="index"),
    path("criteria/<int:pk>/", public.PublicCriteriaDetailView.as_view(), name="criteria_detail"),
    path("batches/", public.PublicBatchListView.as_view(), name="batch_list"),
    path("batches/<int:pk>/", public.PublicBatchDetailView.as_view(), name="batch_detail"),
]
