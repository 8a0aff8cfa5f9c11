"""Pages of the followup area: review, rework, visits, enterprise rating, appeals, whole history (DEM-05)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.workorders.models import Demand, WorkOrder


@login_required
def demand_followup_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


@login_required
def demand_history_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


@login_required
def order_followup_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(WorkOrder.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("demands/<int:pk>/followup-panel/", demand_followup_panel, name="demand_followup_panel"),
    path("demands/<int:pk>/history-panel/", demand_history_panel, name="demand_history_panel"),
    path("orders/<int:pk>/followup-panel/", order_followup_panel, name="order_followup_panel"),
]
