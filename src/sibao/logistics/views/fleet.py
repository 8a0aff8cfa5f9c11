"""Pages of the fleet area: vehicles, drivers, transport whitelist, demo data (LOG-01)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.logistics.models import Vehicle


@login_required
def vehicle_detail(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Vehicle.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("vehicles/<int:pk>/", vehicle_detail, name="vehicle_detail"),
]
