from sibao.core.api import views


def register(router):
    router.register("audit", views.AuditLogViewSet, basename="audit")
    router.register("rules", views.RuleViewSet, basename="rule")
