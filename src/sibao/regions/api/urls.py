from sibao.regions.api import views


def register(router):
    router.register("regions", views.RegionViewSet, basename="region")
    router.register("industries", views.IndustryDomainViewSet, basename="industry")
    router.register("headquarters", views.HeadquartersViewSet, basename="headquarters")
    router.register("departments", views.DepartmentViewSet, basename="department")
