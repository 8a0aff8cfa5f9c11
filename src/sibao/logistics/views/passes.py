"""Pages of the passes area: pass applications, decisions, signed QR passes, revocation list (LOG-02)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.logistics.models import VehiclePass


@login_required
def pass_detail(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(VehiclePass.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("passes/<int:pk>/", pass_detail, name="pass_detail"),
]
