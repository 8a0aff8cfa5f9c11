from sibao.enterprises.api import views


def register(router):
    router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
