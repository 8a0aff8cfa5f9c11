from django.urls import path

from sibao.regions import views

app_name = "regions"
urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/<str:code>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("organisations/", views.HeadquartersListView.as_view(), name="headquarters_list"),
    path("organisations/departments/", views.DepartmentListView.as_view(), name="department_list"),
    path(
        "organisations/<str:code>/",
        views.HeadquartersDetailView.as_view(),
        name="headquarters_detail",
    ),
]
