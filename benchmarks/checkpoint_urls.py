"""The project's URLs plus ``GET /bench/bare/``: a bare authenticated JSON endpoint — DRF's
default authentication and permission classes, a JSON answer, no other work — the baseline of
``benchmarks/checkpoint_verify.py``."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from sibao.config.urls import urlpatterns as project_urlpatterns


class BareView(APIView):
    def get(self, request):
        return Response({"ok": True, "user": request.user.pk})


urlpatterns = [path("bench/bare/", BareView.as_view()), *project_urlpatterns]
