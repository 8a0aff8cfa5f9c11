"""Pages of the clocks area: reminders, urging, automatic escalation, metrics, supervisor view (DEM-03)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.workorders.models import WorkOrder


@login_required
def order_clock_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(WorkOrder.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("orders/<int:pk>/clock-panel/", order_clock_panel, name="order_clock_panel"),
]
