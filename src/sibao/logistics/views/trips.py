"""Pages of the trips area: closed-loop trips, sample-and-go, late positives (LOG-04)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.logistics.models import Trip


@login_required
def trip_detail(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Trip.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("trips/<int:pk>/", trip_detail, name="trip_detail"),
]
