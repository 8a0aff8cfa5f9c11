"""Daily and weekly reports per HQ level (MON-04)."""

from django.urls import path
from django.views.generic import TemplateView

from sibao.command.models import EarlyWarning
from sibao.core.generic import GrantRequiredMixin


class ReportPlaceholderView(GrantRequiredMixin, TemplateView):
    permission = (EarlyWarning, "view")
    template_name = "dashboard/board.html"


urlpatterns = [
    path("reports/", ReportPlaceholderView.as_view(), name="report_list"),
]
