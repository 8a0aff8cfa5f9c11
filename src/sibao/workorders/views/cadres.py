"""Pages of the cadres area: liaison cadres, their units and overdue items, demo data (DEM-06)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.enterprises.models import Enterprise


@login_required
def unit_cadres_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Enterprise.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("units/<int:pk>/cadres-panel/", unit_cadres_panel, name="unit_cadres_panel"),
]
