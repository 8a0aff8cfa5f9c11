"""Pages of the checkpoint area: checkpoints, green-channel verification, check log (LOG-03).

Every write goes through ``logistics.actions.checkpoint``; every scoped read through
``visible_to``. The verification page is built for a phone at the roadside: one column, large
touch targets, a text field a hardware scanner types the pass token into, the answer in big green
or red with the reasons in Chinese."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook

from sibao.accounts.access import has_any_grant
from sibao.core.forms import errors_to_form as _errors_to_form
from sibao.core.generic import GrantRequiredMixin, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.logistics import green_channel
from sibao.logistics.actions import checkpoint as actions
from sibao.logistics.filtersets_checkpoint import CheckFilterSet, CheckpointFilterSet
from sibao.logistics.forms_checkpoint import CheckpointForm, VerifyForm
from sibao.logistics.models import Check, Checkpoint

EXPORT_LIMIT = 50_000


class CheckpointListView(ScopedListView):
    model = Checkpoint
    filterset_class = CheckpointFilterSet
    template_name = "logistics/checkpoint_list.html"
    partial_template_name = "logistics/checkpoint_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = actions.may_keep_checkpoints(user)
        context["can_change"] = actions.may_keep_checkpoints(user, action="change")
        context["verifiable"] = {
            c.pk for c in context["object_list"] if actions.may_verify(user, c)
        }
        return context


class CheckpointFormView(GrantRequiredMixin, View):
    """Create (no pk) or edit (pk) a checkpoint."""

    template_name = "logistics/checkpoint_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def dispatch(self, request, *args, **kwargs):
        if not has_any_grant(request.user):  # the login page or 403, as every page
            return super().dispatch(request, *args, **kwargs)
        pk = kwargs.get("pk")
        if pk is not None:
            self.object = get_object_or_404(
                Checkpoint.objects.visible_to(request.user, "view"), pk=pk
            )
            allowed = actions.may_keep_checkpoints(request.user, self.object.region_code, "change")
        else:
            allowed = actions.may_keep_checkpoints(request.user)
        if not allowed:
            raise PermissionDenied(_("只有指挥部办公室或交通运输部门可以设置检查站。"))
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        initial = {}
        if self.object is not None:
            initial = {f: getattr(self.object, f) for f in actions.CHECKPOINT_FIELDS}
        return CheckpointForm(
            data, user=self.request.user, editing=self.object is not None, initial=initial
        )

    def render_form(self, form, status=200):
        title = _("编辑检查站") if self.object else _("新增检查站")
        context = {"form": form, "title": title, "object": self.object}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.form())

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=422)
        data = dict(form.cleaned_data)
        try:
            if self.object is None:
                region = data.pop("region")
                actions.create_checkpoint(actor=request.user, region_code=region.code, **data)
            else:
                actions.update_checkpoint(self.object, actor=request.user, **data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.render_form(form, status=422)
        return redirect("logistics:checkpoint_list")


class CheckpointVerifyView(GrantRequiredMixin, View):
    """LOG-03: the mobile verification page of one checkpoint."""

    template_name = "logistics/checkpoint_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if not has_any_grant(request.user):  # the login page or 403, as every page
            return super().dispatch(request, *args, **kwargs)
        self.checkpoint = get_object_or_404(
            Checkpoint.objects.visible_to(request.user, "view"), pk=kwargs["pk"]
        )
        if not actions.may_verify(request.user, self.checkpoint):
            raise PermissionDenied(_("只有该检查站所在地区的执勤人员可以核验车辆。"))
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form, check=None, status=200):
        context = {"checkpoint": self.checkpoint, "form": form, "check": check}
        if check is not None:
            context["reason_labels"] = green_channel.reason_labels(check.reasons)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page(VerifyForm())

    def post(self, request, *args, **kwargs):
        form = VerifyForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=422)
        data = form.cleaned_data
        try:
            check = actions.verify(
                self.checkpoint,
                actor=request.user,
                token=data["token"],
                occupants=form.occupant_lines(),
                plate=data["plate"],
                client_event_id=data["client_event_id"],
                sample=data["sample"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.render_page(form, status=422)
        # a fresh form for the next vehicle, the answer above it
        return self.render_page(VerifyForm(), check=check)


class CheckListView(ScopedListView):
    model = Check
    filterset_class = CheckFilterSet
    template_name = "logistics/check_list.html"
    partial_template_name = "logistics/check_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("checkpoint", "officer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for row in context["object_list"]:
            row.reason_labels = green_channel.reason_labels(row.reasons)
        return context


class CheckExportView(CheckListView):
    action = "export"

    def get(self, request, *args, **kwargs):
        rows = self.get_queryset()[:EXPORT_LIMIT]
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("核验记录"))
        header = [
            _("核验时间"),
            _("检查站"),
            _("车牌号"),
            _("通行证编号"),
            _("核验结果"),
            _("原因"),
            _("随车人数"),
            _("即采即走"),
            _("执勤人员"),
        ]
        sheet.append(header)
        count = 0
        for row in rows:
            sheet.append(
                [
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.checkpoint.name,
                    row.plate,
                    row.pass_number,
                    row.get_result_display(),
                    "；".join(green_channel.reason_labels(row.reasons)),
                    len(row.occupant_keys),
                    _("是") if row.sampled else _("否"),
                    str(row.officer or ""),
                ]
            )
            count += 1
        actions.record_check_export(actor=request.user, rows=count, filters=request.GET.urlencode())
        filename = f"checks-{timezone.localdate():%Y%m%d}.xlsx"
        return workbook_response(workbook, filename)


urlpatterns = [
    path("checkpoints/", CheckpointListView.as_view(), name="checkpoint_list"),
    path("checkpoints/new/", CheckpointFormView.as_view(), name="checkpoint_create"),
    path("checkpoints/<int:pk>/edit/", CheckpointFormView.as_view(), name="checkpoint_edit"),
    path("checkpoints/<int:pk>/verify/", CheckpointVerifyView.as_view(), name="checkpoint_verify"),
    path("checks/", CheckListView.as_view(), name="check_list"),
    path("checks/export/", CheckExportView.as_view(), name="check_export"),
]
