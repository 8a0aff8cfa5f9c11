from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView

from sibao.accounts.access import can, has_any_grant
from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.filtersets import AuditLogFilterSet
from sibao.core.forms import RuleChangeForm
from sibao.core.generic import GrantRequiredMixin, ScopedListView, SignedInMixin
from sibao.core.models import AuditLog, Notification, RuleSetVersion
from sibao.core.notifications import mark_read
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
    """ORG-05: the audit trail within the user's jurisdiction."""

    model = AuditLog
    filterset_class = AuditLogFilterSet
    template_name = "core/auditlog_list.html"
    partial_template_name = "core/auditlog_table.html"


# --- notification inbox (the chain area's helpers) ---


class NotificationListView(SignedInMixin, ListView):
    """The signed-in user's own inbox, newest first; POST marks one message (``id``) or all as
    read. Nobody else's messages are reachable here."""

    template_name = "core/notification_list.html"
    paginate_by = 30
    context_object_name = "notifications"

    def get_queryset(self):
        queryset = Notification.objects.filter(recipient=self.request.user)
        if self.request.GET.get("unread"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


@method_decorator(require_POST, name="dispatch")
class NotificationReadView(SignedInMixin, View):
    """Mark one of the user's own messages as read, then follow its link (or return to the
    inbox); another user's message id answers 404."""

    def post(self, request, pk):
        item = get_object_or_404(Notification, pk=pk, recipient=request.user)
        mark_read(request.user, notification_ids=[item.pk])
        if request.POST.get("follow") and item.url.startswith("/"):
            return redirect(item.url)
        return redirect("core:notification_list")


@method_decorator(require_POST, name="dispatch")
class NotificationReadAllView(SignedInMixin, View):
    """Mark all of the user's own messages as read."""

    def post(self, request):
        count = mark_read(request.user)
        messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
        return redirect("core:notification_list")
