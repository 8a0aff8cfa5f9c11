import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView
from openpyxl import Workbook

from sibao.accounts.access import can, has_any_grant
from sibao.core import auditchain, rules
from sibao.core.actions import (
    cancel_outbox_message,
    change_rule_parameter,
    record_outbox_export,
    retry_outbox_message,
)
from sibao.core.audit import record_audit_export
from sibao.core.filtersets import AuditLogFilterSet, OutboxMessageFilterSet
from sibao.core.forms import RuleChangeForm
from sibao.core.generic import GrantRequiredMixin, ScopedListView, SignedInMixin
from sibao.core.models import AuditLog, Notification, OutboxMessage, OutboxStatus, RuleSetVersion
from sibao.core.notifications import inbox_counts, mark_read
from sibao.core.tabular import workbook_response
from sibao.enterprises.models import Enterprise


class HomeView(SignedInMixin, TemplateView):
    """The start page: what the user's grants cover, with the numbers they may see."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["grants"] = user.active_grants()
        context["has_grant"] = has_any_grant(user)
        if can(user, Enterprise, "view"):
            enterprises = Enterprise.objects.visible_to(user, "view")
            context["enterprise_total"] = enterprises.count()
            context["by_industry"] = (
                enterprises.values("industry__name")
                .annotate(count=Count("id"), output=Sum(Coalesce("output_value", "investment")))
                .order_by("industry__sort_order")
            )
            if user.roles() == {"enterprise_admin"} or user.roles() == {"liaison_cadre"}:
                context["own_enterprises"] = enterprises.select_related("region", "industry")[:20]
        if can(user, AuditLog, "view"):
            context["recent_audit"] = AuditLog.objects.visible_to(user, "view")[:8]
        return context


class RuleListView(GrantRequiredMixin, TemplateView):
    """PLAT-05: every policy parameter with its value, unit and source, grouped."""

    template_name = "core/rule_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ruleset = rules.current()
        groups: dict[str, list] = {}
        for parameter, value in ruleset.items():
            groups.setdefault(str(parameter.group), []).append((parameter, value))
        context["ruleset"] = ruleset
        context["groups"] = groups
        context["versions"] = RuleSetVersion.objects.select_related("created_by")[:20]
        context["can_change"] = can(self.request.user, RuleSetVersion, "change_rules")
        return context


class RuleChangeView(GrantRequiredMixin, FormView):
    """Change one parameter: a new rule-set version, audited. HTMX swaps the form in place."""

    template_name = "core/rule_change.html"
    form_class = RuleChangeForm
    permission = (RuleSetVersion, "change_rules")

    def dispatch(self, request, *args, **kwargs):
        self.parameter = rules.BY_KEY.get(kwargs["key"])
        if self.parameter is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"value": rules.current()[self.parameter.key]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parameter"] = self.parameter
        context["current_value"] = rules.current()[self.parameter.key]
        return context

    def form_valid(self, form):
        try:
            version = change_rule_parameter(
                self.parameter.key,
                form.cleaned_data["value"],
                actor=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已修改“%(label)s”，规则集版本 v%(version)s 生效。")
            % {"label": self.parameter.label, "version": version.number},
        )
        return redirect("core:rule_list")


class AuditLogListView(ScopedListView):
    """ORG-05: the audit trail within the user's jurisdiction. The security auditor also sees
    the hash chain's state and may verify it (``core.auditchain``)."""

    model = AuditLog
    filterset_class = AuditLogFilterSet
    template_name = "core/auditlog_list.html"
    partial_template_name = "core/auditlog_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_export"] = can(user, AuditLog, "export")
        if can(user, AuditLog, "verify") and not getattr(self.request, "htmx", False):
            context["chain"] = auditchain.chain_status()
        return context


class AuditChainVerifyView(GrantRequiredMixin, View):
    """ORG-05: the auditor's "校验审计链" button (POST): verify the whole chain, show the result
    and audit the verification (``audit.verify``)."""

    permission = (AuditLog, "verify")
    http_method_names = ["post"]

    def post(self, request):
        report = auditchain.verify_chain(actor=request.user)
        if report.ok:
            messages.success(
                request,
                _("审计链校验通过：已核对 %(checked)s 条已封存记录，另有 %(unsealed)s 条待封存。")
                % {"checked": report.checked, "unsealed": report.unsealed},
            )
        else:
            messages.error(
                request, _("审计链校验失败：%(problem)s") % {"problem": report.problem.message()}
            )
        return redirect("core:audit_list")


class AuditLogExportView(GrantRequiredMixin, View):
    """ORG-05: the filtered audit trail of the user's jurisdiction as an Excel file (audited)."""

    permission = (AuditLog, "export")

    def get(self, request):
        queryset = AuditLog.objects.visible_to(request.user, "export")
        filterset = AuditLogFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        header = [
            _("编号"),
            _("时间"),
            _("操作人"),
            _("角色"),
            _("操作"),
            _("对象类型"),
            _("对象编号"),
            _("对象"),
            _("变更"),
            _("说明"),
            _("客户端地址"),
            _("区划代码"),
            _("链序号"),
        ]
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(_("审计日志")))
        sheet.append([str(h) for h in header])
        count = 0
        for row in queryset.order_by("-at", "-id").iterator(chunk_size=500):
            sheet.append(
                [
                    row.pk,
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor_name,
                    row.actor_roles,
                    row.action,
                    row.object_type,
                    row.object_id,
                    row.object_repr,
                    json.dumps(row.changes, ensure_ascii=False) if row.changes else "",
                    row.note,
                    row.client_address or "",
                    row.region_code,
                    row.seq,
                ]
            )
            count += 1
        record_audit_export(actor=request.user, rows=count, filters=request.GET.urlencode())
        return workbook_response(workbook, f"audit-{timezone.localdate():%Y%m%d}.xlsx")


# --- notification inbox and outbox (MON-05) ---


class NotificationListView(SignedInMixin, ListView):
    """MON-05: the signed-in user's own inbox, newest first, all or unread only, with a link per
    message. Nobody else's messages are reachable here; an HTMX request (paging, the tabs) gets
    the list only."""

    template_name = "core/notification_list.html"
    partial_template_name = "core/notification_items.html"
    paginate_by = 30
    context_object_name = "notifications"

    def get_queryset(self):
        queryset = Notification.objects.filter(recipient=self.request.user)
        if self.request.GET.get("unread"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    def get_template_names(self):
        if getattr(self.request, "htmx", False):
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        context["unread_only"] = bool(self.request.GET.get("unread"))
        context["counts"] = inbox_counts(self.request.user)
        return context


@method_decorator(require_POST, name="dispatch")
class NotificationReadView(SignedInMixin, View):
    """Mark one of the user's own messages as read, then follow its link (or return to the
    inbox; an HTMX request gets the message again, read, and the header's new count); another
    user's message id answers 404."""

    def post(self, request, pk):
        item = get_object_or_404(Notification, pk=pk, recipient=request.user)
        mark_read(request.user, notification_ids=[item.pk])
        if request.POST.get("follow") and item.url.startswith("/"):
            return redirect(item.url)
        if getattr(request, "htmx", False):
            item.refresh_from_db()
            context = {"n": item, "unread_badge_oob": True, "counts": inbox_counts(request.user)}
            return render(request, "core/notification_item.html", context)
        return redirect("core:notification_list")


@method_decorator(require_POST, name="dispatch")
class NotificationReadAllView(SignedInMixin, View):
    """Mark all of the user's own messages as read."""

    def post(self, request):
        count = mark_read(request.user)
        messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
        return redirect("core:notification_list")


def _outbox_messages(user, action="view"):
    return OutboxMessage.objects.visible_to(user, action).select_related("recipient")


class OutboxListView(ScopedListView):
    """MON-05: messages to phones and other channels in the user's jurisdiction, with their
    delivery state (attempts, next attempt, last error), recipients masked; a failed message
    may be sent again and a pending one cancelled."""

    model = OutboxMessage
    filterset_class = OutboxMessageFilterSet
    template_name = "core/outbox_list.html"
    partial_template_name = "core/outbox_table.html"

    def get_base_queryset(self):
        return _outbox_messages(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_change"] = can(user, OutboxMessage, "change")
        context["can_export"] = can(user, OutboxMessage, "export")
        totals = OutboxMessage.objects.visible_to(user, "view").aggregate(
            **{
                status: Count("id", filter=Q(status=status))
                for status in (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.SENT)
            }
        )
        context["totals"] = totals
        return context


class OutboxExportView(GrantRequiredMixin, View):
    """MON-05: the filtered outbox as an Excel file (recipients masked; audited)."""

    permission = (OutboxMessage, "export")

    def get(self, request):
        queryset = _outbox_messages(request.user, "export")
        filterset = OutboxMessageFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        header = [
            _("编号"),
            _("渠道"),
            _("接收人"),
            _("标题"),
            _("内容"),
            _("状态"),
            _("已尝试次数"),
            _("下次发送时间"),
            _("发送时间"),
            _("最近错误"),
            _("区划代码"),
            _("生成时间"),
        ]

        def when(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(str(_("外发消息")))
        sheet.append([str(h) for h in header])
        count = 0
        for m in queryset.order_by("-created_at", "-id").iterator(chunk_size=500):
            sheet.append(
                [
                    m.pk,
                    str(m.get_channel_display()),
                    m.recipient_label,
                    m.subject,
                    m.body,
                    str(m.get_status_display()),
                    m.attempts,
                    when(m.next_attempt_at) if m.status == OutboxStatus.PENDING else "",
                    when(m.sent_at),
                    m.last_error,
                    m.region_code,
                    when(m.created_at),
                ]
            )
            count += 1
        record_outbox_export(actor=request.user, rows=count, filters=request.GET.urlencode())
        return workbook_response(workbook, f"outbox-{timezone.localdate():%Y%m%d}.xlsx")


class _OutboxActionView(GrantRequiredMixin, View):
    """POST only: one step on one message of the user's scope (else 404), through its action;
    an HTMX request gets the message's table row again, otherwise back to the list."""

    permission = (OutboxMessage, "change")
    http_method_names = ["post"]
    done_message = ""

    def perform(self, message):
        raise NotImplementedError

    def post(self, request, pk):
        message = get_object_or_404(_outbox_messages(request.user), pk=pk)
        error = ""
        try:
            message = self.perform(message)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        if getattr(request, "htmx", False):
            message = _outbox_messages(request.user).get(pk=pk)
            context = {"m": message, "can_change": True, "row_error": error}
            return render(request, "core/outbox_row.html", context)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, self.done_message)
        back = request.POST.get("next", "")
        if back.startswith("/") and not back.startswith("//"):
            return redirect(back)
        return redirect("core:outbox_list")


class OutboxRetryView(_OutboxActionView):
    done_message = gettext_lazy("已重新排队发送。")

    def perform(self, message):
        return retry_outbox_message(message, actor=self.request.user)


class OutboxCancelView(_OutboxActionView):
    done_message = gettext_lazy("已取消发送。")

    def perform(self, message):
        return cancel_outbox_message(message, actor=self.request.user)
