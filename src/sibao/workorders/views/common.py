"""Pages of the common area: similar demands, clusters, common issues, batch handling, policy reserve (DEM-04)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.workorders.models import Demand


@login_required
def demand_similar_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


@login_required
def similar_suggest(request):
    # placeholder until the area builds it
    return HttpResponse("")


urlpatterns = [
    path("demands/<int:pk>/similar-panel/", demand_similar_panel, name="demand_similar_panel"),
    path("similar/suggest/", similar_suggest, name="similar_suggest"),
]
