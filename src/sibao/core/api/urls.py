from sibao.core.api import views


def register(router):
    router.register("audit", views.AuditLogViewSet, basename="audit")
    router.register("rules", views.RuleViewSet, basename="rule")
    # --- outbox: messages to phones and other channels (MON-05) ---
    router.register("outbox", views.OutboxMessageViewSet, basename="outbox")
