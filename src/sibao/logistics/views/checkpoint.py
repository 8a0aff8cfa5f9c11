"""Pages of the checkpoint area: checkpoints, green-channel verification, check log (LOG-03)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from sibao.logistics.models import Checkpoint


@login_required
def checkpoint_verify(request, pk):
    # placeholder until the area builds it: scope-checked, empty
    get_object_or_404(Checkpoint.objects.visible_to(request.user, "view"), pk=pk)
    return HttpResponse("")


urlpatterns = [
    path("checkpoints/<int:pk>/verify/", checkpoint_verify, name="checkpoint_verify"),
]
