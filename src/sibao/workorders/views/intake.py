"""Pages of the intake area: demand filing, attachments, bulk import, intake queue, demand page (DEM-01)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.workorders.models import Demand


@login_required
def demand_detail(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("demands/<int:pk>/", demand_detail, name="demand_detail"),
]
