"""The one-screen dashboard (MON-01): the panels of ``dashboard.panels`` for one region."""

from django.urls import path
from django.utils import timezone
from django.views.generic import TemplateView

from sibao.command.models import EarlyWarning
from sibao.core import rules as rule_set
from sibao.core.generic import GrantRequiredMixin
from sibao.dashboard import panels
from sibao.dashboard.access import board_region


class BoardView(GrantRequiredMixin, TemplateView):
    permission = (EarlyWarning, "view")
    template_name = "dashboard/board.html"

    def get_context_data(self, **kwargs):
        region = board_region(self.request.user, self.request.GET.get("region"))
        now = timezone.now()
        ctx = panels.BoardContext(
            user=self.request.user,
            region=region,
            rules=rule_set.current(),
            today=timezone.localdate(now),
            now=now,
        )
        shown = [p for p in (provider(ctx) for provider in panels.providers()) if p is not None]
        return {**super().get_context_data(**kwargs), "region": region, "panels": shown}


urlpatterns = [
    path("", BoardView.as_view(), name="board"),
]
