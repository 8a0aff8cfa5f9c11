from django.urls import path

from sibao.core import views

app_name = "core"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("rules/<str:key>/change/", views.RuleChangeView.as_view(), name="rule_change"),
    path("audit/", views.AuditLogListView.as_view(), name="audit_list"),
    path("audit/export/", views.AuditLogExportView.as_view(), name="audit_export"),
    path("audit/verify/", views.AuditChainVerifyView.as_view(), name="audit_verify"),
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
    # --- outbox: messages to phones and other channels (MON-05) ---
    path("outbox/", views.OutboxListView.as_view(), name="outbox_list"),
    path("outbox/export/", views.OutboxExportView.as_view(), name="outbox_export"),
    path("outbox/<int:pk>/retry/", views.OutboxRetryView.as_view(), name="outbox_retry"),
    path("outbox/<int:pk>/cancel/", views.OutboxCancelView.as_view(), name="outbox_cancel"),
]
