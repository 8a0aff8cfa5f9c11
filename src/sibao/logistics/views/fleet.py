"""Pages of the fleet area (LOG-01): vehicles (logistics companies', units' own and fixed
outsourced ones) and drivers with masked ID numbers and phones, the transport whitelist toggle,
filters, search, pagination and xlsx exports. Every write goes through
``logistics.actions.fleet``; every read through ``visible_to``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import has_any_grant
from sibao.core.generic import ActionFormView, GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.logistics.actions import fleet as actions
from sibao.logistics.filtersets_fleet import DriverFilterSet, VehicleFilterSet
from sibao.logistics.forms_fleet import (
    DriverForm,
    OptionalReasonForm,
    ReasonForm,
    VehicleForm,
    owners_for,
)
from sibao.logistics.models import Driver, Vehicle, VehiclePass

EXPORT_LIMIT = 20000


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _xlsx(request, title, header, rows, *, what, stem):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([str(h) for h in header])
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    actions.record_fleet_export(
        actor=request.user, what=what, rows=count, filters=request.GET.urlencode()
    )
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(workbook, filename)


class FleetFormView(ActionFormView):
    """A registration page (core.generic.ActionFormView) open to the accounts that own vehicles
    and drivers: a logistics company's or a whitelisted unit's."""

    testid = "fleet-form"
    submit_label = gettext_lazy("登记")

    def form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and not owners_for(request.user, self.permission[0]).exists()
        ):
            if has_any_grant(request.user):
                raise PermissionDenied(
                    _("只有物流企业账户或白名单单位防疫专班可以登记车辆和驾驶员。")
                )
        return super().dispatch(request, *args, **kwargs)


# --- vehicles ---


class VehicleListView(ScopedListView):
    """LOG-01: the vehicles in the user's scope (a company's own, a unit's own and those serving
    it, all of a jurisdiction for officials)."""

    model = Vehicle
    filterset_class = VehicleFilterSet
    template_name = "logistics/fleet_vehicle_list.html"
    partial_template_name = "logistics/fleet_vehicle_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("owner", "served_unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = Vehicle.objects.visible_to(self.request.user, "view")
        context["counts"] = {
            "active": mine.filter(is_active=True).count(),
            "serving": mine.filter(is_active=True, served_unit__isnull=False).count(),
            "inactive": mine.filter(is_active=False).count(),
        }
        context["can_register"] = owners_for(self.request.user, Vehicle).exists()
        context["tab"] = "vehicles"
        return context


class VehicleExportView(VehicleListView):
    """LOG-01: the filtered vehicle list as an xlsx file (audited)."""

    paginate_by = None

    def get(self, request, *args, **kwargs):
        rows = (
            [
                v.plate,
                v.get_kind_display(),
                v.get_relation_display(),
                v.owner.name,
                v.served_unit.name if v.served_unit else "",
                float(v.load_tonnes) if v.load_tonnes is not None else None,
                _("在用") if v.is_active else _("停用"),
                v.region_code,
                _when(v.created_at),
            ]
            for v in self.get_queryset()[:EXPORT_LIMIT]
        )
        header = [
            _("车牌号"),
            _("车辆类型"),
            _("车辆性质"),
            _("所属企业"),
            _("服务的白名单单位"),
            _("核定载质量（吨）"),
            _("状态"),
            _("区划代码"),
            _("登记时间"),
        ]
        return _xlsx(request, _("车辆"), header, rows, what="vehicles", stem="vehicles")


class VehicleCreateView(FleetFormView):
    permission = (Vehicle, "add")
    form_class = VehicleForm
    title = gettext_lazy("登记车辆")
    intro = gettext_lazy(
        "物流企业登记本企业车辆（可注明长期服务的白名单单位）和为白名单单位固定外包的车辆；"
        "白名单单位登记自有车辆和固定外包车辆（D2 三(五)）。"
    )
    testid = "vehicle-form"
    list_name = "logistics:vehicle_list"

    def perform(self, data):
        vehicle = actions.register_vehicle(
            data["owner"],
            actor=self.request.user,
            plate=data["plate"],
            kind=data["kind"],
            relation=data["relation"],
            served_unit=data["served_unit"],
            load_tonnes=data["load_tonnes"],
        )
        messages.success(self.request, _("车辆 %(plate)s 已登记。") % {"plate": vehicle.plate})
        return redirect("logistics:vehicle_detail", vehicle.pk)


class VehicleDetailView(ScopedDetailView):
    """LOG-01: one vehicle with its passes and, for its owner, the deactivate form."""

    model = Vehicle
    template_name = "logistics/fleet_vehicle_detail.html"
    context_object_name = "vehicle"

    def get_queryset(self):
        return super().get_queryset().select_related("owner__region", "served_unit", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, vehicle = self.request.user, self.object
        context.update(
            passes=VehiclePass.objects.visible_to(user, "view")
            .filter(vehicle=vehicle)
            .select_related("served_unit")[:20],
            can_change=vehicle.is_active
            and owners_for(user, Vehicle).filter(pk=vehicle.owner_id).exists(),
            reason_form=ReasonForm(),
            tab="vehicles",
        )
        return context


class VehicleDeactivateView(GrantRequiredMixin, View):
    permission = (Vehicle, "change")

    def post(self, request, pk):
        vehicle = get_object_or_404(Vehicle.objects.visible_to(request.user, "change"), pk=pk)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请说明停用原因。"))
            return redirect("logistics:vehicle_detail", pk)
        try:
            actions.deactivate_vehicle(
                vehicle, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("车辆 %(plate)s 已停用。") % {"plate": vehicle.plate})
        return redirect("logistics:vehicle_detail", pk)


# --- drivers ---


class DriverListView(ScopedListView):
    """LOG-01: drivers in scope, masked, with their transport-whitelist state."""

    model = Driver
    filterset_class = DriverFilterSet
    template_name = "logistics/fleet_driver_list.html"
    partial_template_name = "logistics/fleet_driver_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mine = Driver.objects.visible_to(self.request.user, "view")
        context["counts"] = {
            "active": mine.filter(is_active=True).count(),
            "whitelisted": mine.filter(on_whitelist=True).count(),
        }
        context["can_register"] = owners_for(self.request.user, Driver).exists()
        context["tab"] = "drivers"
        return context


class DriverExportView(DriverListView):
    """LOG-01: the filtered driver list as an xlsx file, masked (audited)."""

    paginate_by = None

    def get(self, request, *args, **kwargs):
        rows = (
            [
                d.name,
                d.id_masked,
                d.phone_masked,
                d.licence_class,
                d.owner.name,
                _("是") if d.on_whitelist else _("否"),
                _when(d.whitelisted_at),
                _("在职") if d.is_active else _("离职"),
                d.region_code,
            ]
            for d in self.get_queryset()[:EXPORT_LIMIT]
        )
        header = [
            _("姓名"),
            _("身份证号"),
            _("手机号码"),
            _("准驾车型"),
            _("所属企业"),
            _("纳入运输白名单"),
            _("纳入时间"),
            _("状态"),
            _("区划代码"),
        ]
        return _xlsx(request, _("驾驶员"), header, rows, what="drivers", stem="drivers")


class DriverCreateView(FleetFormView):
    permission = (Driver, "add")
    form_class = DriverForm
    title = gettext_lazy("登记驾驶员")
    intro = gettext_lazy(
        "身份证号经校验后加密保存，页面只显示脱敏号码；同一人员在本单位只登记一次。"
        "服务白名单单位车辆的驾驶员可纳入运输白名单。"
    )
    testid = "driver-form"
    list_name = "logistics:driver_list"

    def perform(self, data):
        driver = actions.register_driver(
            data["owner"],
            actor=self.request.user,
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            licence_class=data["licence_class"],
        )
        messages.success(self.request, _("驾驶员 %(name)s 已登记。") % {"name": driver.name})
        return redirect("logistics:driver_detail", driver.pk)


class DriverDetailView(ScopedDetailView):
    """LOG-01: one driver (masked), the passes naming them and the whitelist toggle."""

    model = Driver
    template_name = "logistics/fleet_driver_detail.html"
    context_object_name = "driver"

    def get_queryset(self):
        return super().get_queryset().select_related("owner__region", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, driver = self.request.user, self.object
        context.update(
            passes=VehiclePass.objects.visible_to(user, "view")
            .filter(drivers=driver)
            .select_related("vehicle", "served_unit")[:20],
            can_change=owners_for(user, Driver).filter(pk=driver.owner_id).exists(),
            serves_whitelisted=actions.serves_whitelisted_unit(driver.owner),
            reason_form=OptionalReasonForm(),
            tab="drivers",
        )
        return context


class DriverWhitelistView(GrantRequiredMixin, View):
    """LOG-01: the driver joins (``on=1``) or leaves (``on=0``) the transport whitelist."""

    permission = (Driver, "change")

    def post(self, request, pk):
        driver = get_object_or_404(Driver.objects.visible_to(request.user, "change"), pk=pk)
        form = OptionalReasonForm(request.POST)
        form.is_valid()
        try:
            if request.POST.get("on") == "1":
                actions.add_to_whitelist(driver, actor=request.user)
                messages.success(request, _("%(name)s 已纳入运输白名单。") % {"name": driver.name})
            else:
                actions.remove_from_whitelist(
                    driver, actor=request.user, reason=form.cleaned_data.get("reason", "")
                )
                messages.success(request, _("%(name)s 已移出运输白名单。") % {"name": driver.name})
        except ValidationError as exc:
            _flash_errors(request, exc)
        return redirect("logistics:driver_detail", pk)


urlpatterns = [
    path("vehicles/", VehicleListView.as_view(), name="vehicle_list"),
    path("vehicles/export/", VehicleExportView.as_view(), name="vehicle_export"),
    path("vehicles/new/", VehicleCreateView.as_view(), name="vehicle_create"),
    path("vehicles/<int:pk>/", VehicleDetailView.as_view(), name="vehicle_detail"),
    path(
        "vehicles/<int:pk>/deactivate/",
        VehicleDeactivateView.as_view(),
        name="vehicle_deactivate",
    ),
    path("drivers/", DriverListView.as_view(), name="driver_list"),
    path("drivers/export/", DriverExportView.as_view(), name="driver_export"),
    path("drivers/new/", DriverCreateView.as_view(), name="driver_create"),
    path("drivers/<int:pk>/", DriverDetailView.as_view(), name="driver_detail"),
    path("drivers/<int:pk>/whitelist/", DriverWhitelistView.as_view(), name="driver_whitelist"),
]
