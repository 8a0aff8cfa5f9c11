from sibao.accounts.api import views


def register(router):
    router.register("users", views.UserViewSet, basename="user")
