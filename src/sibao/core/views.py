from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from sibao.accounts.access import can, has_any_grant
from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.filtersets import AuditLogFilterSet
from sibao.core.forms import RuleChangeForm
from sibao.core.generic import GrantRequiredMixin, ScopedListView, SignedInMixin
from sibao.core.models import AuditLog, RuleSetVersion
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
