from django.urls import path

from sibao.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.EnterpriseListView.as_view(), name="enterprise_list"),
    path("<int:pk>/", views.EnterpriseDetailView.as_view(), name="enterprise_detail"),
]
