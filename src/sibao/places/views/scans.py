"""EPI-06: a unit's scan pages — the scan log (one day at a time, masked names from the unit's
roster, filters by place, day, name, risk, source, presence) and who is at each place now
("在场人员", with the owner's "全部登记离开" per place code).

Only those who keep the unit's places read its scan log (``places.scan`` "view": the unit's own
admins); government roles have no access here — health staff read scans only through tracing
jobs, which state their reason and are audited.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.accounts.access import allowing_grants, covers
from sibao.core import rules
from sibao.core.generic import GrantRequiredMixin, ScopedListView
from sibao.enterprises.models import Enterprise
from sibao.epidemic.views.roster import NoFullNumberInSearchMixin
from sibao.places import actions, queries_scans
from sibao.places.filtersets_scans import ScanFilterSet
from sibao.places.models import PlaceCode, Scan


def _unit(request, pk):
    """The unit named in the URL, if the user sees it (else 404, like a missing one)."""
    return get_object_or_404(
        Enterprise.objects.visible_to(request.user, "view").select_related("region"), pk=pk
    )


def _may_check_out(user, unit) -> bool:
    return covers(user, Scan, "checkout", region_code=unit.region_id, enterprise_id=unit.pk)


def _scan_units(user) -> list[Enterprise]:
    """The units whose scan log ``user`` reads (through unit grants)."""
    ids = {g.enterprise_id for g in allowing_grants(user, "places.scan", "view") if g.enterprise_id}
    return list(
        Enterprise.objects.visible_to(user, "view").filter(pk__in=ids).order_by("name", "pk")
    )


class ScanHomeView(GrantRequiredMixin, TemplateView):
    """The navigation's entry: the user's unit's scan log (or a choice of units)."""

    permission = (Scan, "view")
    template_name = "places/scans_units.html"
    target = "places:unit_scans"

    def get(self, request, *args, **kwargs):
        units = _scan_units(request.user)
        if len(units) == 1:
            return redirect(self.target, units[0].pk)
        return render(request, self.template_name, {"units": units, "target": self.target})


class PresenceHomeView(ScanHomeView):
    target = "places:unit_presence"


class UnitScanListView(NoFullNumberInSearchMixin, ScopedListView):
    """EPI-06: one unit's scan log for a day (today by default), newest first."""

    model = Scan
    filterset_class = ScanFilterSet
    template_name = "places/scans_list.html"
    partial_template_name = "places/scans_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        # looked up here, after the grant checks of dispatch: no grant is 403, out of scope 404
        self.unit = _unit(self.request, self.kwargs["pk"])
        return super().get_base_queryset().filter(enterprise_id=self.unit.pk)

    def get_queryset(self):
        queryset = self.get_base_queryset()
        self.filterset = ScanFilterSet(
            self.request.GET or None, queryset=queryset, request=self.request, unit=self.unit
        )
        return self.filterset.qs.order_by("-entered_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        persons = queries_scans.people(self.unit.pk, (row.person_key for row in rows))
        paths = queries_scans.space_paths(row.space_id for row in rows)
        queries_scans.stay_ends(rows)
        for row in rows:
            row.person = persons[row.person_key]
            row.place = paths.get(row.space_id, "—")
        context.update(
            unit=self.unit,
            rows=rows,
            day=self.filterset.chosen_day(),
            auto_checkout_hours=rules.current()["auto_checkout_hours"],
            can_check_out=_may_check_out(self.request.user, self.unit),
        )
        return context


class UnitPresenceView(GrantRequiredMixin, TemplateView):
    """EPI-06: "在场人员" — open stays per place code of the unit now, and the owner's
    check-out of everyone at one code."""

    permission = (Scan, "view")
    template_name = "places/scans_presence.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = _unit(self.request, self.kwargs["pk"])
        scans = Scan.objects.visible_to(self.request.user, "view")
        context.update(
            unit=unit,
            presence=queries_scans.presence(unit, scans),
            can_check_out=_may_check_out(self.request.user, unit),
            auto_checkout_hours=rules.current()["auto_checkout_hours"],
        )
        return context


class CodeCheckOutView(GrantRequiredMixin, View):
    """POST: everyone at one place code checks out now (the owner's "全部登记离开")."""

    permission = (Scan, "checkout")
    http_method_names = ["post"]

    def post(self, request, pk):
        code = get_object_or_404(
            PlaceCode.objects.visible_to(request.user, "view").select_related("space"), pk=pk
        )
        try:
            closed = actions.check_out_place(code, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            if closed:
                messages.success(
                    request,
                    _("已为“%(place)s”的 %(n)d 人登记离开。")
                    % {"place": code.space.name, "n": closed},
                )
            else:
                messages.info(
                    request, _("“%(place)s”当前没有在场人员。") % {"place": code.space.name}
                )
        return redirect("places:unit_presence", code.enterprise_id)


urlpatterns = [
    path("scans/", ScanHomeView.as_view(), name="scan_home"),
    path("scans/present/", PresenceHomeView.as_view(), name="presence_home"),
    path("units/<int:pk>/scans/", UnitScanListView.as_view(), name="unit_scans"),
    path("units/<int:pk>/scans/present/", UnitPresenceView.as_view(), name="unit_presence"),
    path("codes/<int:pk>/checkout/", CodeCheckOutView.as_view(), name="code_checkout"),
]
