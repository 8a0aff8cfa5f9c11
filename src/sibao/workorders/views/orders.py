"""Pages of the orders area: routing, dispatch, handling queue, sign, reply, return, extension, suspension, escalation (DEM-02)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.workorders.models import Demand, WorkOrder


@login_required
def order_detail(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(WorkOrder.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


@login_required
def demand_orders_panel(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Demand.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("orders/<int:pk>/", order_detail, name="order_detail"),
    path("demands/<int:pk>/orders-panel/", demand_orders_panel, name="demand_orders_panel"),
]
