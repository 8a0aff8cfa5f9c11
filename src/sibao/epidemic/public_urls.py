"""Pages for people without an account: the arrival report (入豫报备) a visitor or returnee files
before arriving (EPI-08)."""

from django.urls import path

from sibao.epidemic.views import public

app_name = "arrive"
urlpatterns = [
    path("", public.ArrivalReportPublicView.as_view(), name="report"),
    path("units/", public.UnitSearchView.as_view(), name="units"),
    path("done/", public.ArrivalDoneView.as_view(), name="done"),
]
