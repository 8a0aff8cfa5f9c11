"""Early warnings (MON-02): the warning list and page, and "一键响应" from a warning."""

from django.urls import path
from django.views.generic import TemplateView

from sibao.command.models import EarlyWarning
from sibao.core.generic import GrantRequiredMixin


class WarningListPlaceholder(GrantRequiredMixin, TemplateView):
    permission = (EarlyWarning, "view")
    template_name = "base.html"


urlpatterns = [
    path("warnings/", WarningListPlaceholder.as_view(), name="warning_list"),
]
