from django.urls import path

from sibao.core import views

app_name = "core"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("rules/<str:key>/change/", views.RuleChangeView.as_view(), name="rule_change"),
    path("audit/", views.AuditLogListView.as_view(), name="audit_list"),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notification_read_all",
    ),
]
