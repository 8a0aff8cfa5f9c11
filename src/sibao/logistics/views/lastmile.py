"""Pages of the lastmile area (LOG-05, LOG-06): units' receiving points, county delivery plans,
city supply stations (activated and deactivated by the HQ office, and automatically when the
region enters emergency), road-closure requests decided only by the province, green channels at
airports, rail stations and ports, and the passes eligible for the toll discount. Every write goes
through ``logistics.actions.lastmile``; every scoped read through ``visible_to``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import allowing_grants, can
from sibao.command import queries_emergency
from sibao.core import audit
from sibao.core.forms import errors_to_form as _errors_to_form
from sibao.core.generic import ActionFormView, FilteredListView, GrantRequiredMixin, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.enterprises.models import Enterprise
from sibao.logistics import queries_access
from sibao.logistics.actions import lastmile as actions
from sibao.logistics.filtersets_lastmile import (
    DeliveryPlanFilterSet,
    GreenChannelFilterSet,
    ReceivingPointFilterSet,
    RoadClosureFilterSet,
    SupplyStationFilterSet,
    TollDiscountFilterSet,
)
from sibao.logistics.forms_lastmile import (
    ClosureDecisionForm,
    ClosureForm,
    ClosureLiftForm,
    DeliveryPlanForm,
    ReasonForm,
    ReceivingPointForm,
    StationForm,
)
from sibao.logistics.models import (
    Checkpoint,
    ClosureStatus,
    DeliveryPlan,
    ReceivingPoint,
    RoadClosureRequest,
    SupplyStation,
    VehiclePass,
)
from sibao.regions.models import Region

LIST_TEMPLATE = "logistics/lastmile_list.html"


def _flash(request, messages_list) -> None:
    for message in messages_list:
        messages.error(request, message)


def _region_names(codes) -> dict:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


# --- form pages ---


class LastmileFormView(ActionFormView):
    """A last-mile form page (core.generic.ActionFormView): saved → the list."""

    submit_label = gettext_lazy("保存")
    testid = "lastmile-form"


class _ObjectFormView(LastmileFormView):
    """Editing one scoped row: out of scope is 404; the action checks the write."""

    model = None
    fields: tuple = ()

    def get_object(self):
        if not hasattr(self, "object"):
            queryset = self.model.objects.visible_to(self.request.user, "view")
            self.object = get_object_or_404(queryset, pk=self.kwargs["pk"])
        return self.object

    def get_initial(self):
        obj = self.get_object()
        initial = {name: getattr(obj, name) for name in self.fields}
        if "region" in self.form_class.base_fields:
            initial["region"] = obj.region_code
        return initial


class _RegionCreateView(LastmileFormView):
    """A region-level row (a delivery plan, a station): the form offers the user's regions and
    ``add_action(region, *, actor, **data)`` writes it."""

    add_action = ""

    def form_kwargs(self) -> dict:
        return {"user": self.request.user, "model": self.model}

    def perform(self, data):
        region = data.pop("region")
        getattr(actions, self.add_action)(region, actor=self.request.user, **data)


class _RegionEditView(_ObjectFormView):
    """Editing a region-level row: its region stays; ``change_action(obj, *, actor, **data)``."""

    change_action = ""

    def get_form(self, data=None):
        form = self.form_class(
            data,
            initial=self.get_initial(),
            user=self.request.user,
            model=self.model,
            action="change",
        )
        form.fields["region"].disabled = True
        return form

    def perform(self, data):
        data.pop("region", None)
        getattr(actions, self.change_action)(self.get_object(), actor=self.request.user, **data)


# --- receiving points (LOG-05) ---


class ReceivingPointListView(ScopedListView):
    """LOG-05: units' fixed (contactless) receiving points; a unit's admin sees its own."""

    model = ReceivingPoint
    filterset_class = ReceivingPointFilterSet
    template_name = LIST_TEMPLATE
    partial_template_name = "logistics/lastmile_point_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=_("单位接收点"),
            intro=_(
                "白名单单位设置固定的无接触接收点，物资车辆到点卸货、人员不接触，"
                "减少交叉感染风险（D1 五(二)、D2 三(五)）。"
            ),
            table_template=self.partial_template_name,
            create_url=reverse("logistics:receiving_point_create")
            if can(self.request.user, ReceivingPoint, "add")
            else "",
            create_label=_("新增接收点"),
            can_change=can(self.request.user, ReceivingPoint, "change"),
            testid="receiving-points",
        )
        return context


def _own_units(user):
    """The units whose receiving points the user keeps (enterprise grants allowing ``add``)."""
    ids = [
        g.enterprise_id
        for g in allowing_grants(user, ReceivingPoint._meta.label_lower, "add")
        if g.enterprise_id
    ]
    return Enterprise.objects.filter(pk__in=ids).order_by("pk")


class ReceivingPointCreateView(LastmileFormView):
    permission = (ReceivingPoint, "add")
    form_class = ReceivingPointForm
    title = gettext_lazy("新增接收点")
    intro = gettext_lazy("接收点属于本单位，只有本单位防疫专班可以设置和修改。")
    testid = "receiving-point-form"
    list_name = "logistics:receiving_point_list"

    def perform(self, data):
        unit = _own_units(self.request.user).first()
        if unit is None:
            raise ValidationError(_("您的账户未关联单位，不能设置接收点。"))
        actions.add_receiving_point(unit, actor=self.request.user, **data)


class ReceivingPointEditView(_ObjectFormView):
    permission = (ReceivingPoint, "change")
    model = ReceivingPoint
    form_class = ReceivingPointForm
    fields = ("name", "address", "contactless", "daily_capacity_tonnes", "is_active")
    title = gettext_lazy("修改接收点")
    testid = "receiving-point-form"
    list_name = "logistics:receiving_point_list"

    def perform(self, data):
        actions.change_receiving_point(self.get_object(), actor=self.request.user, **data)


# --- delivery plans (LOG-05) ---


class DeliveryPlanListView(ScopedListView):
    """LOG-05: the counties' last-mile delivery plans and capacity reserve."""

    model = DeliveryPlan
    filterset_class = DeliveryPlanFilterSet
    template_name = LIST_TEMPLATE
    partial_template_name = "logistics/lastmile_plan_table.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["object_list"]
        names = _region_names(row.region_code for row in rows)
        today = timezone.localdate()
        for row in rows:
            row.region_name = names.get(row.region_code, row.region_code)
            row.is_current = row.valid_from <= today <= row.valid_until
            row.can_change = actions.may_keep(
                self.request.user, DeliveryPlan, "change", row.region_code
            )
        context.update(
            page_title=_("末端配送方案"),
            intro=_(
                "各县（市、区）制定末端配送方案，储备运力和驾驶员，保障重点物资和生活必需品"
                "“最后一公里”配送（D1 五(二)）。"
            ),
            table_template=self.partial_template_name,
            create_url=reverse("logistics:delivery_plan_create")
            if can(self.request.user, DeliveryPlan, "add")
            else "",
            create_label=_("制定配送方案"),
            testid="delivery-plans",
        )
        return context


class DeliveryPlanCreateView(_RegionCreateView):
    permission = (DeliveryPlan, "add")
    model = DeliveryPlan
    form_class = DeliveryPlanForm
    add_action = "add_delivery_plan"
    title = gettext_lazy("制定末端配送方案")
    intro = gettext_lazy("由县（市、区）指挥部办公室或交通运输部门制定；储备运力随情况更新。")
    testid = "delivery-plan-form"
    list_name = "logistics:delivery_plan_list"


class DeliveryPlanEditView(_RegionEditView):
    permission = (DeliveryPlan, "change")
    model = DeliveryPlan
    form_class = DeliveryPlanForm
    fields = actions.PLAN_FIELDS
    change_action = "change_delivery_plan"
    title = gettext_lazy("修改末端配送方案")
    testid = "delivery-plan-form"
    list_name = "logistics:delivery_plan_list"


# --- supply stations (LOG-05) ---


class StationListView(ScopedListView):
    """LOG-05: transfer stations, connection points and distribution sites with their state and
    the emergency state of their region; the HQ office activates and deactivates them."""

    model = SupplyStation
    filterset_class = SupplyStationFilterSet
    template_name = LIST_TEMPLATE
    partial_template_name = "logistics/lastmile_station_table.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = context["object_list"]
        names = _region_names(row.region_code for row in rows)
        states = {}
        for row in rows:
            row.region_name = names.get(row.region_code, row.region_code)
            if row.region_code not in states:
                states[row.region_code] = queries_emergency.state_of(row.region_code)
            row.region_state = states[row.region_code]
            row.can_switch = actions.may_switch_station(user, row)
            row.can_change = actions.may_keep(user, SupplyStation, "change", row.region_code)
        visible = SupplyStation.objects.visible_to(user, "view")
        context.update(
            page_title=_("中转接驳站点"),
            intro=_(
                "在城市周边或郊区设置零接触物资中转站、接驳转运站和分拨场地，平时储备，"
                "所在地区进入应急状态时自动启用，并通知市交通运输部门（D1 五(五)）。"
            ),
            table_template=self.partial_template_name,
            create_url=reverse("logistics:station_create")
            if can(user, SupplyStation, "add")
            else "",
            create_label=_("新增站点"),
            counts={"active": visible.filter(active=True).count(), "all": visible.count()},
            reason_form=ReasonForm(),
            testid="stations",
        )
        return context


class StationCreateView(_RegionCreateView):
    permission = (SupplyStation, "add")
    model = SupplyStation
    form_class = StationForm
    add_action = "add_station"
    title = gettext_lazy("新增中转接驳站点")
    intro = gettext_lazy("新增的站点处于储备状态，由指挥部办公室启用，或在应急状态下自动启用。")
    testid = "station-form"
    list_name = "logistics:station_list"


class StationEditView(_RegionEditView):
    permission = (SupplyStation, "change")
    model = SupplyStation
    form_class = StationForm
    fields = actions.STATION_FIELDS
    change_action = "change_station"
    title = gettext_lazy("修改中转接驳站点")
    testid = "station-form"
    list_name = "logistics:station_list"


class _StationSwitchView(GrantRequiredMixin, View):
    permission = (SupplyStation, "activate")
    active = True

    def post(self, request, pk):
        station = get_object_or_404(SupplyStation.objects.visible_to(request.user, "view"), pk=pk)
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        action = actions.activate_station if self.active else actions.deactivate_station
        try:
            station = action(station, actor=request.user, reason=reason)
        except ValidationError as exc:
            _flash(request, exc.messages)
        else:
            if self.active:
                messages.success(request, _("%(name)s 已启用。") % {"name": station.name})
            else:
                messages.success(request, _("%(name)s 已停用。") % {"name": station.name})
        return redirect("logistics:station_list")


class StationActivateView(_StationSwitchView):
    active = True


class StationDeactivateView(_StationSwitchView):
    active = False


# --- road closures (LOG-06) ---


class ClosureListView(ScopedListView):
    """LOG-06: road-closure requests and their provincial decisions."""

    model = RoadClosureRequest
    filterset_class = RoadClosureFilterSet
    template_name = LIST_TEMPLATE
    partial_template_name = "logistics/lastmile_closure_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("requested_by", "decided_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["object_list"]
        names = _region_names(row.region_code for row in rows)
        for row in rows:
            row.region_name = names.get(row.region_code, row.region_code)
        visible = RoadClosureRequest.objects.visible_to(self.request.user, "view")
        context.update(
            page_title=_("道路管控"),
            intro=_(
                "关闭高速公路、普通公路及其出入口、服务区，须报省指挥部批准（D1 五(三)）。"
                "本平台不存在未经批准的道路关闭：只有省级批准的申请才是有效的关闭。"
            ),
            table_template=self.partial_template_name,
            create_url=reverse("logistics:closure_create")
            if can(self.request.user, RoadClosureRequest, "add")
            else "",
            create_label=_("申请关闭道路"),
            counts={
                "pending": visible.filter(status=ClosureStatus.PENDING).count(),
                "approved": visible.filter(status=ClosureStatus.APPROVED).count(),
            },
            testid="closures",
        )
        return context


class ClosureCreateView(LastmileFormView):
    permission = (RoadClosureRequest, "add")
    form_class = ClosureForm
    title = gettext_lazy("申请关闭道路")
    intro = gettext_lazy(
        "市、县指挥部办公室申请关闭本辖区内的道路；申请报省指挥部审批，批准前道路不得关闭。"
    )
    submit_label = gettext_lazy("报省指挥部审批")
    testid = "closure-form"
    list_name = "logistics:closure_list"

    def get_form(self, data=None):
        return self.form_class(
            data, initial=self.get_initial(), user=self.request.user, model=RoadClosureRequest
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=422)
        data = form.cleaned_data
        region = data.pop("region")
        try:
            closure = actions.request_closure(region, actor=request.user, **data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.render_form(form, status=422)
        messages.success(request, _("申请已报省指挥部审批。"))
        return redirect("logistics:closure_detail", closure.pk)


def _closure(request, pk):
    queryset = RoadClosureRequest.objects.visible_to(request.user, "view").select_related(
        "requested_by", "decided_by"
    )
    return get_object_or_404(queryset, pk=pk)


ACTION_LABELS = {
    "approve": gettext_lazy("省级批准"),
    "refuse": gettext_lazy("省级不予批准"),
    "lift": gettext_lazy("解除关闭"),
}


def _history(closure) -> list:
    steps = list(RoadClosureRequest.workflow.history(closure).order_by("at", "id"))
    for step in steps:
        step.action_label = ACTION_LABELS.get(step.action, step.action)
        step.target_label = ClosureStatus(step.target).label
    return steps


class ClosureDetailView(GrantRequiredMixin, View):
    """LOG-06: one request with its history; the province's decision form, the lift form."""

    permission = (RoadClosureRequest, "view")

    def get(self, request, pk):
        closure = _closure(request, pk)
        user = request.user
        context = {
            "closure": closure,
            "region": Region.objects.filter(code=closure.region_code).first(),
            "history": _history(closure),
            "can_decide": closure.status == ClosureStatus.PENDING
            and actions.may_decide_closure(user),
            "can_lift": closure.status == ClosureStatus.APPROVED
            and actions.may_lift_closure(user, closure),
            "decision_form": ClosureDecisionForm(initial={"version": closure.version}),
            "lift_form": ClosureLiftForm(initial={"version": closure.version}),
        }
        return render(request, "logistics/lastmile_closure_detail.html", context)


class _ClosurePost(GrantRequiredMixin, View):
    permission = (RoadClosureRequest, "view")
    form_class = None

    def post(self, request, pk):
        closure = _closure(request, pk)
        form = self.form_class(request.POST)
        if not form.is_valid():
            _flash(request, [e for errors in form.errors.values() for e in errors])
        else:
            try:
                self.perform(closure, form.cleaned_data)
            except ValidationError as exc:
                _flash(request, exc.messages)
        return redirect("logistics:closure_detail", closure.pk)


class ClosureDecideView(_ClosurePost):
    form_class = ClosureDecisionForm

    def perform(self, closure, data):
        approve = data["decision"] == "approve"
        actions.decide_closure(
            closure,
            actor=self.request.user,
            approve=approve,
            note=data["note"],
            version=data["version"],
        )
        messages.success(self.request, _("已批准。") if approve else _("已不予批准。"))


class ClosureLiftView(_ClosurePost):
    form_class = ClosureLiftForm

    def perform(self, closure, data):
        actions.lift_closure(
            closure, actor=self.request.user, note=data["note"], version=data["version"]
        )
        messages.success(self.request, _("道路关闭已解除。"))


# --- green channels (LOG-06) ---


class GreenChannelListView(FilteredListView):
    """LOG-06: green channels at airports, rail stations and ports (checkpoints with a green
    channel; the checkpoint pages keep them)."""

    model = Checkpoint
    permission = (Checkpoint, "view")
    filterset_class = GreenChannelFilterSet
    template_name = LIST_TEMPLATE
    partial_template_name = "logistics/lastmile_green_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return queries_access.green_channels(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["object_list"]
        names = _region_names(row.region_code for row in rows)
        for row in rows:
            row.region_name = names.get(row.region_code, row.region_code)
        context.update(
            page_title=_("机场、铁路、港口绿色通道"),
            intro=_(
                "机场、铁路站场、港口开辟“绿色通道”，对持通行证、司乘人员符合条件的"
                "物资运输车辆优先快速通行（D1 五(三)）。站点由检查站管理维护。"
            ),
            table_template=self.partial_template_name,
            testid="green-channels",
        )
        return context


# --- toll discounts (LOG-06) ---


class TollDiscountListView(FilteredListView):
    """LOG-06: the passes (vehicles) whose freight is eligible for the toll discount today."""

    model = VehiclePass
    permission = (VehiclePass, "view")
    filterset_class = TollDiscountFilterSet
    template_name = LIST_TEMPLATE
    partial_template_name = "logistics/lastmile_toll_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return queries_access.toll_discount_rows(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=_("通行费减免资格"),
            intro=_(
                "为白名单单位运输物资的车辆，凭当日有效的通行证享受通行费减免（D1 六(二)）。"
                "单位移出白名单或通行证失效、吊销后自动不再列入。"
            ),
            table_template=self.partial_template_name,
            export_url=reverse("logistics:toll_discount_export"),
            on=timezone.localdate(),
            testid="toll-discounts",
        )
        return context


class TollDiscountExportView(GrantRequiredMixin, View):
    permission = (VehiclePass, "view")

    def get(self, request):
        queryset = queries_access.toll_discount_rows(request.user)
        filterset = TollDiscountFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("通行费减免资格"))
        sheet.append(
            [
                _("车牌号"),
                _("通行证编号"),
                _("申请企业"),
                _("服务的白名单单位"),
                _("起点"),
                _("终点"),
                _("主要货物"),
                _("有效期起"),
                _("有效期止"),
            ]
        )
        count = 0
        for p in queryset.iterator(chunk_size=500):
            sheet.append(
                [
                    p.vehicle.plate,
                    p.number,
                    p.company.name,
                    p.served_unit.name,
                    p.origin,
                    p.destination,
                    p.cargo,
                    timezone.localtime(p.valid_from).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(p.valid_until).strftime("%Y-%m-%d %H:%M"),
                ]
            )
            count += 1
        audit.record(
            "toll_discount.export",
            actor=request.user,
            changes={"rows": [None, count]},
            note=request.GET.urlencode(),
            region_code=request.user.region_id or "",
        )
        filename = f"toll-discounts-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, filename)


urlpatterns = [
    path("receiving-points/", ReceivingPointListView.as_view(), name="receiving_point_list"),
    path(
        "receiving-points/new/",
        ReceivingPointCreateView.as_view(),
        name="receiving_point_create",
    ),
    path(
        "receiving-points/<int:pk>/edit/",
        ReceivingPointEditView.as_view(),
        name="receiving_point_edit",
    ),
    path("delivery-plans/", DeliveryPlanListView.as_view(), name="delivery_plan_list"),
    path("delivery-plans/new/", DeliveryPlanCreateView.as_view(), name="delivery_plan_create"),
    path(
        "delivery-plans/<int:pk>/edit/", DeliveryPlanEditView.as_view(), name="delivery_plan_edit"
    ),
    path("supply-stations/", StationListView.as_view(), name="station_list"),
    path("supply-stations/new/", StationCreateView.as_view(), name="station_create"),
    path("supply-stations/<int:pk>/edit/", StationEditView.as_view(), name="station_edit"),
    path(
        "supply-stations/<int:pk>/activate/",
        StationActivateView.as_view(),
        name="station_activate",
    ),
    path(
        "supply-stations/<int:pk>/deactivate/",
        StationDeactivateView.as_view(),
        name="station_deactivate",
    ),
    path("road-closures/", ClosureListView.as_view(), name="closure_list"),
    path("road-closures/new/", ClosureCreateView.as_view(), name="closure_create"),
    path("road-closures/<int:pk>/", ClosureDetailView.as_view(), name="closure_detail"),
    path("road-closures/<int:pk>/decide/", ClosureDecideView.as_view(), name="closure_decide"),
    path("road-closures/<int:pk>/lift/", ClosureLiftView.as_view(), name="closure_lift"),
    path("green-channels/", GreenChannelListView.as_view(), name="green_channel_list"),
    path("toll-discounts/", TollDiscountListView.as_view(), name="toll_discount_list"),
    path(
        "toll-discounts/export.xlsx",
        TollDiscountExportView.as_view(),
        name="toll_discount_export",
    ),
]
