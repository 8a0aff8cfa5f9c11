"""Pages of the trips area: closed-loop trips, sample-and-go, late positives (LOG-04).

- trips (``trip_list``): the company's, the destination unit's and the government's view of the
  trips they may see, flagged when a sample came back positive; export;
- a trip (``trip_detail``): route, checks passed on the way, samples with their results, the
  people aboard masked; the arrival button for the destination unit or the company;
- starting a trip (``trip_start``) on an approved pass, for the company;
- samples (``trip_sample_list``) for health offices: pending, overdue, positive; export.

Every write goes through ``logistics.actions.trips``; every scoped read through ``visible_to``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core.forms import errors_to_form as _errors_to_form
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.logistics import queries_trips as queries
from sibao.logistics.actions import trips as actions
from sibao.logistics.filtersets_trips import TripFilterSet, TripSampleFilterSet
from sibao.logistics.forms_trips import TripStartForm
from sibao.logistics.models import SampleResult, Trip, TripSample, TripStatus


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _xlsx(title, header, rows, stem, *, actor, what, filters):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([str(h) for h in header])
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    actions.record_trips_export(actor=actor, what=what, rows=count, filters=filters)
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(workbook, filename)


def _trips(user, action="view"):
    return queries.with_flags(
        Trip.objects.visible_to(user, action).select_related(
            "vehicle", "destination_unit", "vehicle_pass"
        )
    ).order_by(*Trip._meta.ordering)


def _samples(user):
    return (
        TripSample.objects.visible_to(user, "view")
        .select_related("trip__vehicle", "trip__destination_unit", "checkpoint_check__checkpoint")
        .order_by(*TripSample._meta.ordering)
    )


def _filtered(filterset_class, request, queryset):
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    return filterset.qs if filterset.is_bound else queryset


# --- trips ---------------------------------------------------------------------------------------


class TripListView(ScopedListView):
    """LOG-04: trips from origin by road to the destination unit, flagged when positive."""

    model = Trip
    filterset_class = TripFilterSet
    template_name = "logistics/trips_list.html"
    partial_template_name = "logistics/trips_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return _trips(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        mine = _trips(user)
        context["counts"] = {
            "en_route": mine.filter(status=TripStatus.EN_ROUTE).count(),
            "positive": mine.filter(has_positive=True).count(),
            "overdue": TripSample.objects.visible_to(user, "view")
            .filter(queries.overdue_q())
            .count(),
        }
        context["can_start"] = can(user, Trip, "add")
        context["can_samples"] = can(user, TripSample, "view")
        return context


class TripExportView(GrantRequiredMixin, View):
    permission = (Trip, "view")

    def get(self, request):
        trips = _filtered(TripFilterSet, request, _trips(request.user))

        def rows():
            for t in trips.iterator(chunk_size=500):
                yield [
                    t.pk,
                    t.vehicle.plate,
                    t.vehicle_pass.number,
                    t.origin,
                    t.route,
                    t.destination,
                    t.destination_unit.name,
                    _when(t.departed_at),
                    _when(t.arrived_at),
                    str(t.get_status_display()),
                    len(t.occupant_keys),
                    _("阳性") if t.has_positive else (_("待出结果") if t.has_pending else ""),
                ]

        header = [
            _("编号"),
            _("车牌号"),
            _("通行证编号"),
            _("起点"),
            _("途经道路"),
            _("终点"),
            _("目的地单位"),
            _("出发时间"),
            _("到达时间"),
            _("状态"),
            _("随车人数"),
            _("采样结果"),
        ]
        return _xlsx(
            _("闭环运输行程"),
            header,
            rows(),
            "trips",
            actor=request.user,
            what="trips",
            filters=request.GET.urlencode(),
        )


class TripDetailView(ScopedDetailView):
    """LOG-04: one trip — route, checks passed, samples with results, people masked."""

    model = Trip
    template_name = "logistics/trips_detail.html"
    context_object_name = "trip"

    def get_queryset(self):
        return _trips(self.request.user).select_related("vehicle__owner", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        trip, user = self.object, self.request.user
        deadline = queries.result_deadline()
        # the samples belong to the trip the user may see; shown with the people masked
        samples = list(
            trip.samples.select_related("checkpoint_check__checkpoint").order_by("sampled_at")
        )
        labels = queries.people_labels(
            set(trip.occupant_keys) | {s.person_key for s in samples}, trip.vehicle.owner_id
        )
        for sample in samples:
            sample.state = queries.sample_state(sample, deadline)
            sample.person_label = labels[sample.person_key]
        context.update(
            checks=actions.trip_checkpoints(trip),
            samples=samples,
            people=[labels[key] for key in trip.occupant_keys],
            can_arrive=trip.status == TripStatus.EN_ROUTE and can(user, Trip, "change", trip),
        )
        return context


class TripStartView(GrantRequiredMixin, View):
    """LOG-04: the company starts a trip on an approved pass."""

    permission = (Trip, "add")
    template_name = "logistics/trips_start.html"

    def get(self, request):
        initial = {}
        raw = request.GET.get("pass", "")
        if raw.isdigit():
            initial["vehicle_pass"] = int(raw)
        form = TripStartForm(user=request.user, initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = TripStartForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                trip = actions.start_trip(
                    data["vehicle_pass"],
                    actor=request.user,
                    route=data["route"],
                    occupants=data["occupants"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("行程已登记，车辆出发。"))
                return redirect("logistics:trip_detail", trip.pk)
        return render(request, self.template_name, {"form": form}, status=422)


class TripArriveView(GrantRequiredMixin, View):
    permission = (Trip, "view")

    def post(self, request, pk):
        trip = get_object_or_404(Trip.objects.visible_to(request.user, "view"), pk=pk)
        try:
            actions.arrive(trip, actor=request.user)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已登记到达。"))
        return redirect("logistics:trip_detail", trip.pk)


# --- samples -------------------------------------------------------------------------------------


class TripSampleListView(ScopedListView):
    """LOG-04: samples taken at checkpoints — pending, overdue past the deadline, positive."""

    model = TripSample
    filterset_class = TripSampleFilterSet
    template_name = "logistics/trips_samples.html"
    partial_template_name = "logistics/trips_samples_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return _samples(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deadline = queries.result_deadline()
        for sample in context["object_list"]:
            sample.state = queries.sample_state(sample, deadline)
        mine = TripSample.objects.visible_to(self.request.user, "view")
        context["counts"] = {
            "pending": mine.filter(result=SampleResult.PENDING, sampled_at__gte=deadline).count(),
            "overdue": mine.filter(queries.overdue_q()).count(),
            "positive": mine.filter(result=SampleResult.POSITIVE).count(),
        }
        return context


class TripSampleExportView(GrantRequiredMixin, View):
    permission = (TripSample, "view")

    def get(self, request):
        samples = _filtered(TripSampleFilterSet, request, _samples(request.user))
        deadline = queries.result_deadline()
        labels = dict(queries.SAMPLE_STATE_LABELS)

        def rows():
            for s in samples.iterator(chunk_size=500):
                check = s.checkpoint_check
                yield [
                    s.pk,
                    check.checkpoint.name,
                    _when(s.sampled_at),
                    s.trip.vehicle.plate if s.trip else check.plate,
                    s.trip.destination_unit.name if s.trip else "",
                    s.person_key[:8],
                    s.tube_code,
                    str(labels[queries.sample_state(s, deadline)]),
                    _when(s.result_at),
                ]

        header = [
            _("编号"),
            _("检查站"),
            _("采样时间"),
            _("车牌号"),
            _("目的地单位"),
            _("人员标识"),
            _("采样管编码"),
            _("检测结果"),
            _("结果时间"),
        ]
        return _xlsx(
            _("即采即走采样"),
            header,
            rows(),
            "trip-samples",
            actor=request.user,
            what="trip_samples",
            filters=request.GET.urlencode(),
        )


urlpatterns = [
    path("trips/", TripListView.as_view(), name="trip_list"),
    path("trips/export/", TripExportView.as_view(), name="trip_export"),
    path("trips/new/", TripStartView.as_view(), name="trip_start"),
    path("trips/<int:pk>/", TripDetailView.as_view(), name="trip_detail"),
    path("trips/<int:pk>/arrive/", TripArriveView.as_view(), name="trip_arrive"),
    path("trip-samples/", TripSampleListView.as_view(), name="trip_sample_list"),
    path("trip-samples/export/", TripSampleExportView.as_view(), name="trip_sample_export"),
]
