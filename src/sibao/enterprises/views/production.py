"""Production and operation status (MON-03): units' reports, trends per unit and region."""

from django.urls import path
from django.views.generic import TemplateView

from sibao.core.generic import GrantRequiredMixin
from sibao.enterprises.models import ProductionReport


class ProductionListPlaceholder(GrantRequiredMixin, TemplateView):
    permission = (ProductionReport, "view")
    template_name = "base.html"


urlpatterns = [
    path("production/", ProductionListPlaceholder.as_view(), name="production_list"),
]
