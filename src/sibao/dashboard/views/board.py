"""The one-screen dashboard (MON-01): the registered panels and the map of one region.

- the board (``board``, ``?region=<code>``): breadcrumb, map with its indicator picker and
  table, the panels; ``?screen=1`` is the wall-screen layout (大屏);
- the panels fragment (``board_panels``) the board polls every ``dashboard_refresh_seconds``;
  ``?refresh=1`` (the 刷新 button) recomputes instead of reading the cache;
- the map data (``map_data``, ``?region=&indicator=``): JSON for the map and its table.

Every answer is scoped like the board: a region outside the user's grants is a 404, a role
without regional grants a 403 (``dashboard.access``).
"""

import math

from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.command.models import EarlyWarning
from sibao.core.generic import GrantRequiredMixin
from sibao.dashboard import cache, maps, panels
from sibao.dashboard import queries_board as queries
from sibao.dashboard.access import board_region, breadcrumb


def _flag(request, name: str) -> bool:
    return request.GET.get(name) == "1"


class BoardMixin(GrantRequiredMixin):
    permission = (EarlyWarning, "view")

    def board_context(self):
        region = board_region(self.request.user, self.request.GET.get("region"))
        return queries.board_context(self.request.user, region)

    # the page shows a kept entry at once; the polled fragment recomputes what is not fresh
    stale_ok = False

    def panels_context(self, ctx) -> dict:
        snapshot = queries.panel_snapshot(
            ctx, force=_flag(self.request, "refresh"), stale_ok=self.stale_ok
        )
        query = f"region={ctx.region.code}" + ("&screen=1" if _flag(self.request, "screen") else "")
        return {
            "region": ctx.region,
            "panels": snapshot.value,
            "computed_at": snapshot.computed_at,
            "age_seconds": snapshot.age_seconds(),
            # a kept entry past its freshness: the panels' first poll comes when it would turn
            # older than it may be shown, so that what is on screen is never older than that
            "is_stale": 0 < cache.lifetime(ctx.rules) <= snapshot.age_seconds(),
            "first_poll_seconds": max(
                5, cache.kept(cache.lifetime(ctx.rules)) - snapshot.age_seconds()
            ),
            "is_screen": _flag(self.request, "screen"),
            # without a map the panels share the page with the region's indicator table
            "is_beside_table": maps.map_path(ctx.region.code) is None,
            "panels_url": f"{reverse('dashboard:board_panels')}?{query}",
        }


class BoardView(BoardMixin, TemplateView):
    stale_ok = True

    def get_template_names(self):
        if _flag(self.request, "screen"):
            return ["dashboard/board_screen.html"]
        return ["dashboard/board.html"]

    def get_context_data(self, **kwargs):
        ctx = self.board_context()
        found = queries.indicator(self.request.GET.get("indicator"))
        if found is None:  # an unknown key: the first indicator, as without one
            found = queries.indicator(None)
        map_data = queries.map_snapshot(ctx, found, force=_flag(self.request, "refresh")).value
        shown = self.panels_context(ctx)
        return {
            **super().get_context_data(**kwargs),
            **shown,
            "breadcrumb": breadcrumb(self.request.user, ctx.region),
            "indicators": panels.indicators(),
            "indicator": found,
            "map": map_data,
            "refresh_seconds": ctx.rules["dashboard_refresh_seconds"],
            # the wall screen's rows: the panels fill the two columns beside the map
            "screen_rows": max(3, math.ceil(len(shown["panels"]) / 2)),
            "board_url": reverse("dashboard:board"),
            "map_data_url": reverse("dashboard:map_data"),
            "board_labels": {
                "sketch": _("示意图"),
                "notDrawn": _("（地图无图形）"),
                "forbidden": _("您无权查看该指标。"),
                "high": _("高"),
                "low": _("低"),
            },
        }


class BoardPanelsView(BoardMixin, TemplateView):
    """The panels alone, for the board's polling and its refresh button."""

    template_name = "dashboard/board_panels.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.panels_context(self.board_context())}


class MapDataView(BoardMixin, View):
    """The map's data as JSON: the children of the region with the chosen indicator's values."""

    def get(self, request):
        ctx = self.board_context()
        found = queries.indicator(request.GET.get("indicator"))
        if found is None and request.GET.get("indicator"):
            raise Http404
        snapshot = queries.map_snapshot(ctx, found, force=_flag(request, "refresh"))
        return JsonResponse(
            {**snapshot.value, "computed_at": snapshot.computed_at.isoformat()},
            json_dumps_params={"ensure_ascii": False},
        )


urlpatterns = [
    path("", BoardView.as_view(), name="board"),
    path("panels/", BoardPanelsView.as_view(), name="board_panels"),
    path("map-data/", MapDataView.as_view(), name="map_data"),
]
