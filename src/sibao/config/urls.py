from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sibao.config import api_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include((api_urls.router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("sibao.core.urls")),
    path("accounts/", include("sibao.accounts.urls")),
    path("", include("sibao.regions.urls")),
    path("enterprises/", include("sibao.enterprises.urls")),
    path("public/", include("sibao.enterprises.public_urls")),
    path("epidemic/", include("sibao.epidemic.urls")),
    path("arrive/", include("sibao.epidemic.public_urls")),
    path("places/", include("sibao.places.urls")),
    path("s/", include("sibao.places.public_urls")),
    path("policies/", include("sibao.policies.urls")),
    path("command/", include("sibao.command.urls")),
    path("demands/", include("sibao.workorders.urls")),
    path("logistics/", include("sibao.logistics.urls")),
    path("dashboard/", include("sibao.dashboard.urls")),
]
