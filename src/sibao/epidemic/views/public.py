"""EPI-08: the public arrival report (入豫报备) — no account. A visitor or returnee finds the
destination unit, fills in the person and the trip, and gets a confirmation with the report
number and, in plain words, what the coding decision asks of them. The page never shows the
full ID number back; submissions are limited per client address (a rule-set parameter)."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.core import ratelimit, rules
from sibao.enterprises.models import Enterprise
from sibao.epidemic import actions
from sibao.epidemic.forms_arrivals import COMMON_ORIGINS, PublicArrivalForm
from sibao.epidemic.models import ArrivalReport
from sibao.epidemic.queries_arrivals import destination_units
from sibao.epidemic.views.arrivals import form_errors

SEARCH_LIMIT = 20  # matches shown per search; a longer name narrows it
SESSION_KEY = "arrive_reports"  # ids of the reports filed in this browser session
RATE_WINDOW_SECONDS = 3600  # the parameter is "per hour"


def over_rate_limit(request) -> bool:
    """Count this submission against the client address's hourly budget (a rule-set
    parameter); True once it is spent. Counted by the rate limiter's counter: shared by all
    processes when a shared cache (Redis) is configured, per forwarded client behind a trusted
    proxy."""
    limit = rules.current()["arrival_public_reports_per_hour"]
    return ratelimit.spent_by(request, "arrival-report", limit, RATE_WINDOW_SECONDS)


def _unit(pk):
    if pk in (None, ""):
        return None
    try:
        return Enterprise.objects.active().select_related("region").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


@method_decorator(ratelimit.limit("public"), name="dispatch")
class ArrivalReportPublicView(View):
    """Step 1 (no ``unit``): search the destination unit. Step 2: the report form."""

    template_name = "epidemic/public/report.html"

    def render_page(self, request, *, form=None, unit=None, status=200):
        query = request.GET.get("q", "").strip()
        context = {
            "form": form,
            "unit": unit,
            "q": query,
            "units": destination_units(query, limit=SEARCH_LIMIT) if unit is None else [],
            "common_origins": COMMON_ORIGINS,
            "today": timezone.localdate(),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        unit = _unit(request.GET.get("unit"))
        form = None
        if unit is not None:
            form = PublicArrivalForm(initial={"unit": unit.pk, "purpose": "visit"})
        return self.render_page(request, form=form, unit=unit)

    def post(self, request):
        form = PublicArrivalForm(request.POST)
        unit = _unit(request.POST.get("unit"))
        if over_rate_limit(request):
            form.add_error(None, _("提交过于频繁，请稍后再试（每小时提交次数有限制）。"))
            return self.render_page(request, form=form, unit=unit, status=429)
        if form.is_valid():
            values = dict(form.cleaned_data)
            values.pop("unit")
            if unit is None:
                form.add_error(None, _("请选择目的地单位（未找到该单位）。"))
            else:
                try:
                    report = actions.register_arrival(unit, actor=None, source="public", **values)
                except ValidationError as exc:
                    form_errors(form, exc)
                else:
                    filed = request.session.get(SESSION_KEY, [])
                    request.session[SESSION_KEY] = [*filed[-4:], report.pk]
                    return redirect("arrive:done")
        elif unit is None and "unit" not in form.errors:
            form.add_error(None, _("请选择目的地单位（未找到该单位）。"))
        return self.render_page(request, form=form, unit=unit)


@method_decorator(ratelimit.limit("public"), name="dispatch")
class UnitSearchView(TemplateView):
    """The unit search results (HTMX partial, and without script the search page itself)."""

    template_name = "epidemic/public/_units.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        context["q"] = query
        context["units"] = destination_units(query, limit=SEARCH_LIMIT)
        return context


@method_decorator(ratelimit.limit("public"), name="dispatch")
class ArrivalDoneView(TemplateView):
    """The confirmation: report number, destination, decision in plain words. Only the reports
    filed in this browser session are shown (nothing can be looked up by number)."""

    template_name = "epidemic/public/done.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ids = self.request.session.get(SESSION_KEY, [])
        context["report"] = (
            ArrivalReport.objects.select_related("enterprise__region")
            .filter(pk__in=ids)
            .order_by("-id")
            .first()
            if ids
            else None
        )
        return context
