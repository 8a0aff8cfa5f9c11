"""The policy catalogue and the policy reserve for department staff, HQ offices and enterprises
(POL-01, POL-05): the list with search, filters and export; a policy's page (text, conditions
in words, versions, match counts); the draft's form and condition editor, the preview, publish,
withdraw and new-version buttons; the reserve's list, forms and status buttons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView, View
from openpyxl import Workbook

from sibao.accounts.access import can
from sibao.core import audit
from sibao.core.generic import FilteredListView, GrantRequiredMixin, ScopedListView
from sibao.core.tabular import workbook_response
from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.forms_criteria import ROWS, attribute_hint
from sibao.enterprises.views.criteria import add_errors
from sibao.policies import actions
from sibao.policies.actions.catalogue import POLICY_WORKFLOW, may_write_policy
from sibao.policies.actions.reserve import ACTION_LABELS, RESERVE_WORKFLOW
from sibao.policies.filtersets_catalogue import PolicyDraftFilterSet, PolicyFilterSet
from sibao.policies.forms_catalogue import (
    RESERVE_STATUS_BADGES,
    ConditionForm,
    PolicyForm,
    ReserveAdvanceForm,
    ReserveEntryForm,
    WithdrawForm,
    resolve_source,
)
from sibao.policies.models import DraftStatus, Policy, PolicyDraft, PolicyStatus
from sibao.policies.queries_catalogue import (
    catalogue_rows,
    described_conditions,
    is_active_q,
    match_counts,
    preview,
    readable_policies,
    versions,
)


def refusal(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


# --- the catalogue ------------------------------------------------------------------------------


class PolicyListView(FilteredListView):
    """POL-01: every policy version the user reads — its own jurisdiction's (drafts included for
    those who write them) and the higher levels' that apply in its region; enterprises see the
    published policies that apply to them."""

    permission = (Policy, "view")
    filterset_class = PolicyFilterSet
    template_name = "policies/catalogue_list.html"
    partial_template_name = "policies/catalogue_table.html"
    paginate_by = 30

    def get_base_queryset(self):
        return catalogue_rows(self.request.user).order_by(
            "-published_at", "region_code", "series", "-version"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = can(user, Policy, "add")
        context["can_reserve"] = can(user, PolicyDraft, "view")
        context["today"] = timezone.localdate()
        context["active_ids"] = set(
            Policy.objects.filter(
                is_active_q(context["today"]),
                pk__in=[p.pk for p in context["object_list"]],
            ).values_list("pk", flat=True)
        )
        return context


class PolicyExportView(GrantRequiredMixin, View):
    """The filtered catalogue as .xlsx (policies are public texts, but the export is audited
    like every download)."""

    permission = (Policy, "view")

    def get(self, request):
        queryset = catalogue_rows(request.user).order_by("region_code", "series", "-version")
        filterset = PolicyFilterSet(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound:
            queryset = filterset.qs
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("政策库"))
        sheet.append(
            [
                _("政策编号"),
                _("版本"),
                _("政策名称"),
                _("政策类别"),
                _("发布部门"),
                _("区划代码"),
                _("政策文件"),
                _("支持标准"),
                _("预计享受金额（万元）"),
                _("兑现方式"),
                _("有效期起"),
                _("有效期止"),
                _("状态"),
                _("享受条件"),
            ]
        )
        count = 0
        for policy in queryset.prefetch_related("conditions"):
            conditions = "；".join(
                f"{row['condition'].title}（{row['condition'].clause}）：{row['rule']}"
                for row in described_conditions(policy)
            )
            sheet.append(
                [
                    policy.series,
                    policy.version,
                    policy.title,
                    policy.get_category_display(),
                    policy.department.name,
                    policy.region_code,
                    policy.document,
                    policy.benefit,
                    float(policy.benefit_amount) if policy.benefit_amount is not None else None,
                    policy.get_route_display(),
                    policy.valid_from,
                    policy.valid_to,
                    policy.get_status_display(),
                    conditions,
                ]
            )
            count += 1
        response = workbook_response(workbook, f"policies-{timezone.localdate():%Y%m%d}.xlsx")
        audit.record(
            "policy.export",
            actor=request.user,
            changes={"rows": count, "filters": request.GET.urlencode()},
            region_code=request.user.region_id or "",
        )
        return response


class PolicyMixin(GrantRequiredMixin):
    """A view about one policy version the user may read: a role without policies answers 403,
    a version the user cannot read 404. Writes are checked again by the actions."""

    permission = (Policy, "view")

    def get_policy(self) -> Policy:
        if not hasattr(self, "_policy"):
            self._policy = get_object_or_404(
                readable_policies(self.request.user).select_related(
                    "department", "department__region", "created_by", "draft"
                ),
                pk=self.kwargs["pk"],
            )
        return self._policy

    def may(self, action) -> bool:
        policy = self.get_policy()
        return can(self.request.user, Policy, action) and may_write_policy(
            self.request.user, action, policy.department
        )

    def back(self, policy=None):
        return redirect("policies:catalogue_detail", (policy or self.get_policy()).pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["policy"] = self.get_policy()
        return context


class DraftFormMixin(PolicyMixin):
    """A form that changes a draft: refused (403) to a reader who is not of its department, and
    sent back to the policy's page once the version is no longer a draft."""

    permission = (Policy, "change")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and can(request.user, Policy, "change"):
            policy = self.get_policy()
            if not self.may("change"):
                raise PermissionDenied(_("您无权修改该政策。"))
            if policy.status != PolicyStatus.DRAFT:
                messages.error(request, _("已发布的政策版本不能修改，请新建一个版本。"))
                return self.back()
        return super().dispatch(request, *args, **kwargs)


class PolicyDetailView(PolicyMixin, DetailView):
    """POL-01: the policy's text, its conditions in words with their clauses, its versions and
    history, what matching found; for its department on a draft, the editor, the preview and
    the publish button."""

    template_name = "policies/catalogue_detail.html"
    context_object_name = "policy"

    def get_object(self, queryset=None):
        return self.get_policy()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy, user = self.get_policy(), self.request.user
        is_draft = policy.status == PolicyStatus.DRAFT
        context["conditions"] = described_conditions(policy)
        context["versions"] = versions(policy, user)
        context["history"] = POLICY_WORKFLOW.history(policy)
        context["is_draft"] = is_draft
        context["can_change"] = is_draft and self.may("change")
        context["can_publish"] = is_draft and self.may("publish")
        context["can_withdraw"] = policy.status == PolicyStatus.PUBLISHED and self.may("publish")
        has_draft = Policy.objects.filter(series=policy.series, status=PolicyStatus.DRAFT).exists()
        context["can_new_version"] = (
            policy.status == PolicyStatus.PUBLISHED and not has_draft and self.may("change")
        )
        context["is_active"] = Policy.objects.filter(
            is_active_q(timezone.localdate()), pk=policy.pk
        ).exists()
        if not is_draft and not any(g.enterprise_id for g in user.active_grants()):
            context["counts"] = match_counts(policy)
        context["withdraw_form"] = WithdrawForm()
        return context


class PolicyCreateView(GrantRequiredMixin, FormView):
    """POL-01: a new policy, as a draft of one of the user's departments."""

    permission = (Policy, "add")
    form_class = PolicyForm
    template_name = "policies/catalogue_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"valid_from": timezone.localdate()}

    def form_valid(self, form):
        draft = None
        reserve_id = self.request.GET.get("reserve")
        if reserve_id:
            draft = (
                PolicyDraft.objects.visible_to(self.request.user, "view")
                .filter(pk=reserve_id)
                .first()
            )
        try:
            policy = actions.create_policy(
                form.cleaned_data["department"],
                actor=self.request.user,
                series=form.cleaned_data.get("series") or None,
                draft=draft,
                **form.action_kwargs(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已创建政策草稿 %(series)s，请添加享受条件。") % {"series": policy.series},
        )
        return redirect("policies:catalogue_detail", policy.pk)


class PolicyUpdateView(DraftFormMixin, FormView):
    """A draft's own fields."""

    form_class = PolicyForm
    template_name = "policies/catalogue_form.html"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "policy": self.get_policy(),
        }

    def form_valid(self, form):
        try:
            actions.update_policy(
                self.get_policy(), actor=self.request.user, **form.action_kwargs()
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return self.back()


class ConditionFormView(DraftFormMixin, FormView):
    """Add or change a condition of a draft: rows of attribute + operator + value combined with
    all/any, or a JSON tree; the clause it implements is required."""

    form_class = ConditionForm
    template_name = "policies/catalogue_condition_form.html"

    def get_condition(self):
        if "condition" not in self.kwargs:
            return None
        return get_object_or_404(self.get_policy().conditions, pk=self.kwargs["condition"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "condition": self.get_condition()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["condition"] = self.get_condition()
        context["attributes"] = [(a, attribute_hint(a)) for a in CATALOGUE]
        context["row_count"] = ROWS
        return context

    def form_valid(self, form):
        condition = self.get_condition()
        try:
            if condition is None:
                actions.add_condition(
                    self.get_policy(), actor=self.request.user, **form.action_kwargs()
                )
            else:
                actions.update_condition(condition, actor=self.request.user, **form.action_kwargs())
        except ValidationError as exc:
            add_errors(form, exc, aliases={"expression": "advanced"})
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存条件。"))
        return self.back()


class PolicyPostView(PolicyMixin, View):
    """A button: POST only, then back to the policy with the outcome as a message."""

    http_method_names = ["post"]

    def perform(self):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            text, target = self.perform()
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal(exc))
            return self.back()
        messages.success(request, text)
        return target


class ConditionDeleteView(PolicyPostView):
    permission = (Policy, "change")

    def perform(self):
        condition = get_object_or_404(self.get_policy().conditions, pk=self.kwargs["condition"])
        actions.delete_condition(condition, actor=self.request.user)
        return _("已删除条件“%(title)s”。") % {"title": condition.title}, self.back()


class ConditionMoveView(PolicyPostView):
    permission = (Policy, "change")

    def perform(self):
        condition = get_object_or_404(self.get_policy().conditions, pk=self.kwargs["condition"])
        if self.kwargs["direction"] not in ("up", "down"):
            raise Http404
        offset = -1 if self.kwargs["direction"] == "up" else 1
        actions.move_condition(condition, actor=self.request.user, offset=offset)
        return _("已调整条件顺序。"), self.back()


class PolicyPublishView(PolicyPostView):
    """POL-01: publish the draft; matching and push follow at once."""

    permission = (Policy, "publish")

    def perform(self):
        policy = actions.publish_policy(self.get_policy(), actor=self.request.user)
        counts = match_counts(policy)
        text = _(
            "第 %(version)s 版已发布：匹配到符合条件的企业 %(eligible)s 家、可能符合 %(possible)s 家，已推送。"
        ) % {"version": policy.version, **counts}
        return text, self.back(policy)


class PolicyWithdrawView(PolicyPostView):
    permission = (Policy, "publish")

    def perform(self):
        form = WithdrawForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(_("请填写废止原因。"))
        policy = actions.withdraw_policy(
            self.get_policy(), actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        return _("政策已废止。"), self.back(policy)


class PolicyNewVersionView(PolicyPostView):
    permission = (Policy, "change")

    def perform(self):
        draft = actions.new_policy_version(self.get_policy(), actor=self.request.user)
        return (
            _("已创建第 %(version)s 版草稿（复制自现行版本）。") % {"version": draft.version},
            self.back(draft),
        )


class PolicyDeleteView(PolicyPostView):
    permission = (Policy, "change")

    def perform(self):
        policy = self.get_policy()
        actions.delete_policy_draft(policy, actor=self.request.user)
        return _("已删除草稿。"), redirect("policies:catalogue_list")


class PolicyPreviewView(PolicyMixin, TemplateView):
    """POL-01: how many enterprises of the policy's region would be eligible, possibly eligible
    or not, overall and per condition (an HTMX panel of the policy's page; compiled counts)."""

    template_name = "policies/catalogue_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = self.get_policy()
        if any(g.enterprise_id for g in self.request.user.active_grants()):
            raise PermissionDenied(_("企业用户不能查看测算结果。"))
        context["preview"] = preview(policy)
        return context


# --- the reserve (POL-05) -----------------------------------------------------------------------


class ReserveListView(ScopedListView):
    model = PolicyDraft
    filterset_class = PolicyDraftFilterSet
    template_name = "policies/catalogue_reserve_list.html"
    partial_template_name = "policies/catalogue_reserve_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("department")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = can(self.request.user, PolicyDraft, "add")
        context["badges"] = RESERVE_STATUS_BADGES
        return context


class ReserveMixin(GrantRequiredMixin):
    action = "view"

    def get_permission(self):
        return (PolicyDraft, self.action)

    def get_entry(self) -> PolicyDraft:
        if not hasattr(self, "_entry"):
            self._entry = get_object_or_404(
                PolicyDraft.objects.visible_to(self.request.user, self.action).select_related(
                    "department", "source_type", "created_by"
                ),
                pk=self.kwargs["pk"],
            )
        return self._entry

    def back(self):
        return redirect("policies:reserve_detail", self.get_entry().pk)


class ReserveCreateView(GrantRequiredMixin, FormView):
    """POL-05: a policy idea for the reserve. Linked to the record that prompted it when reached
    with ``?source=app_label.model&source_id=…`` (e.g. from a sentinel alert or a common issue)."""

    permission = (PolicyDraft, "add")
    form_class = ReserveEntryForm
    template_name = "policies/catalogue_reserve_form.html"

    def get_source(self):
        if not hasattr(self, "_source"):
            type_key = self.request.GET.get("source") or self.request.POST.get("source_type")
            object_id = self.request.GET.get("source_id") or self.request.POST.get("source_id")
            self._source = resolve_source(type_key, object_id) if type_key and object_id else None
        return self._source

    def get_initial(self):
        from sibao.policies.actions.reserve import source_label_of

        source = self.get_source()
        if source is None:
            return {}
        return {
            "source_type": f"{source._meta.app_label}.{source._meta.model_name}",
            "source_id": str(source.pk),
            "source_label": source_label_of(source),
            "title": "",
        }

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["source"] = self.get_source()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            entry = actions.create_reserve_entry(
                data["department"],
                actor=self.request.user,
                title=data["title"],
                problem=data["problem"],
                category=data["category"],
                proposal=data["proposal"],
                source=data["source"],
                source_label=data["source_label"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已登记到政策储备。"))
        return redirect("policies:reserve_detail", entry.pk)


class ReserveDetailView(ReserveMixin, TemplateView):
    template_name = "policies/catalogue_reserve_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry, user = self.get_entry(), self.request.user
        context["entry"] = entry
        context["badge"] = RESERVE_STATUS_BADGES.get(entry.status, "")
        context["history"] = [
            {
                "record": record,
                "source": DraftStatus(record.source).label if record.source else "",
                "target": DraftStatus(record.target).label,
            }
            for record in RESERVE_WORKFLOW.history(entry)
        ]
        context["policies"] = readable_policies(user).filter(draft=entry).order_by("-version")
        may_change = can(user, PolicyDraft, "change", obj=entry)
        context["can_change"] = may_change and entry.status in ("researching", "drafted")
        context["next_actions"] = (
            [(a, ACTION_LABELS[a]) for a in RESERVE_WORKFLOW.actions_from(entry.status)]
            if may_change
            else []
        )
        context["can_write_policy"] = can(user, Policy, "add")
        context["advance_form"] = ReserveAdvanceForm(policies=self.issue_choices())
        return context

    def issue_choices(self):
        return (
            readable_policies(self.request.user)
            .exclude(status=PolicyStatus.DRAFT)
            .order_by("-published_at")[:200]
        )


class ReserveUpdateView(ReserveMixin, FormView):
    action = "change"
    form_class = ReserveEntryForm
    template_name = "policies/catalogue_reserve_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "entry": self.get_entry()}

    def get_initial(self):
        entry = self.get_entry()
        return {
            "title": entry.title,
            "category": entry.category,
            "problem": entry.problem,
            "proposal": entry.proposal,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entry"] = self.get_entry()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            actions.update_reserve_entry(
                self.get_entry(),
                actor=self.request.user,
                title=data["title"],
                problem=data["problem"],
                category=data["category"],
                proposal=data["proposal"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return self.back()


class ReserveAdvanceView(ReserveMixin, View):
    """POL-05: researching → drafted → issued (naming the policy) / dropped (with a reason)."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk, step):
        entry = self.get_entry()
        policies = readable_policies(request.user).exclude(status=PolicyStatus.DRAFT)
        form = ReserveAdvanceForm(request.POST, policies=policies)
        if not form.is_valid():
            messages.error(request, _("所选政策无效。"))
            return self.back()
        try:
            actions.advance_reserve_entry(
                entry,
                step,
                actor=request.user,
                note=form.cleaned_data["note"],
                policy=form.cleaned_data["policy"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal(exc))
        else:
            messages.success(request, _("状态已更新。"))
        return self.back()


# --- routes (included by policies/urls.py under the catalogue marker) ---------------------------

urlpatterns = [
    path("catalogue/", PolicyListView.as_view(), name="catalogue_list"),
    path("catalogue/export/", PolicyExportView.as_view(), name="catalogue_export"),
    path("catalogue/new/", PolicyCreateView.as_view(), name="catalogue_create"),
    path("catalogue/<int:pk>/", PolicyDetailView.as_view(), name="catalogue_detail"),
    path("catalogue/<int:pk>/edit/", PolicyUpdateView.as_view(), name="catalogue_update"),
    path("catalogue/<int:pk>/preview/", PolicyPreviewView.as_view(), name="catalogue_preview"),
    path("catalogue/<int:pk>/publish/", PolicyPublishView.as_view(), name="catalogue_publish"),
    path(
        "catalogue/<int:pk>/withdraw/",
        PolicyWithdrawView.as_view(),
        name="catalogue_withdraw",
    ),
    path(
        "catalogue/<int:pk>/new-version/",
        PolicyNewVersionView.as_view(),
        name="catalogue_new_version",
    ),
    path("catalogue/<int:pk>/delete/", PolicyDeleteView.as_view(), name="catalogue_delete"),
    path(
        "catalogue/<int:pk>/conditions/new/",
        ConditionFormView.as_view(),
        name="catalogue_condition_create",
    ),
    path(
        "catalogue/<int:pk>/conditions/<int:condition>/",
        ConditionFormView.as_view(),
        name="catalogue_condition_update",
    ),
    path(
        "catalogue/<int:pk>/conditions/<int:condition>/delete/",
        ConditionDeleteView.as_view(),
        name="catalogue_condition_delete",
    ),
    path(
        "catalogue/<int:pk>/conditions/<int:condition>/move/<str:direction>/",
        ConditionMoveView.as_view(),
        name="catalogue_condition_move",
    ),
    path("reserve/", ReserveListView.as_view(), name="reserve_list"),
    path("reserve/new/", ReserveCreateView.as_view(), name="reserve_create"),
    path("reserve/<int:pk>/", ReserveDetailView.as_view(), name="reserve_detail"),
    path("reserve/<int:pk>/edit/", ReserveUpdateView.as_view(), name="reserve_update"),
    path(
        "reserve/<int:pk>/advance/<str:step>/",
        ReserveAdvanceView.as_view(),
        name="reserve_advance",
    ),
]
