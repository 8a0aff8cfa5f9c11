"""One router for the whole API; each app registers its viewsets in ``<app>/api/urls.py``."""

from rest_framework.routers import DefaultRouter

from sibao.accounts.api import urls as accounts_api
from sibao.command.api import urls as command_api
from sibao.core.api import urls as core_api
from sibao.enterprises.api import urls as enterprises_api
from sibao.epidemic.api import urls as epidemic_api
from sibao.logistics.api import urls as logistics_api
from sibao.places.api import urls as places_api
from sibao.policies.api import urls as policies_api
from sibao.regions.api import urls as regions_api
from sibao.workorders.api import urls as workorders_api

router = DefaultRouter()
for module in (
    regions_api,
    accounts_api,
    enterprises_api,
    epidemic_api,
    places_api,
    policies_api,
    command_api,
    workorders_api,
    logistics_api,
    core_api,
):
    module.register(router)
