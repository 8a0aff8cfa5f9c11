"""Whitelist applications (WL-04) and the facts they read: the simplified apply page with the
result per criterion at once, the scoped list, the review queue (city-operation units first),
the application page with its history and the reviewer's form, resubmit and withdraw; and the
facts panel of the enterprise page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from sibao.accounts.access import can, covers
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises import actions
from sibao.enterprises.facts import CATALOGUE, facts_for
from sibao.enterprises.filtersets_criteria import WhitelistApplicationFilterSet
from sibao.enterprises.forms_criteria import (
    ApplicationForm,
    FactForm,
    ResubmitForm,
    ReviewForm,
    WithdrawForm,
)
from sibao.enterprises.models import (
    ApplicationStatus,
    Enterprise,
    EnterpriseFact,
    FactSource,
    SelfAssessment,
    ServiceTier,
    WhitelistApplication,
)
from sibao.enterprises.queries_criteria import current_facts
from sibao.enterprises.views.criteria import add_errors

TIER_STATUS_LABELS = {
    "met": gettext_lazy("达标（可自动纳入）"),
    "not_met": gettext_lazy("不达标"),
    "undetermined": gettext_lazy("待审核确认"),
}


def criterion_status(row) -> str:
    """met / not_met / unknown for one evaluated criterion, as the applicant reads it."""
    if row["result"] is True:
        return "met"
    if row["result"] is False:
        return "not_met"
    return "unknown"


def is_settled(row) -> bool:
    """Met by authoritative data and not reserved to a reviewer (``actions.evaluate``)."""
    return row["result"] is True and row["authoritative"] and not row["needs_review"]


def evaluation_context(evaluation: dict, review: dict | None = None) -> dict:
    review = review or {}
    tier_labels = dict(ServiceTier.choices)
    rows = []
    for row in evaluation.get("criteria", []):
        rows.append(
            {
                **row,
                "status": criterion_status(row),
                "settled": is_settled(row),
                "tier_label": tier_labels.get(row["tier"], _("各层级")),
                "review": review.get(row["code"]),
            }
        )
    tiers = [
        {
            "tier": tier,
            "label": tier_labels.get(tier, tier),
            "status": status,
            "status_label": TIER_STATUS_LABELS.get(status, status),
        }
        for tier, status in evaluation.get("tiers", {}).items()
    ]
    return {
        "rows": rows,
        "tiers": tiers,
        "qualified_label": tier_labels.get(evaluation.get("qualified_tier", ""), ""),
    }


def missing_keys(enterprise, criteria_set) -> set[str]:
    """The sourced attributes the set's rules read that the unit has no value for yet."""
    known = facts_for(enterprise)
    keys = set()
    for criterion in criteria_set.criteria.all():
        if criterion.expression is not None:
            keys |= CATALOGUE.keys(criterion.expression)
    return {k for k in keys if k not in known and not CATALOGUE[k].column}


def declare(enterprise, declarations: dict, *, actor) -> None:
    for key, value in declarations.items():
        actions.record_fact(enterprise, key, value, source=FactSource.SELF_DECLARED, actor=actor)


class ApplicationCreateView(GrantRequiredMixin, FormView):
    """WL-04: the unit applies: the registry facts are shown as the criteria read them; missing
    facts may be declared on the same page; the result per criterion is shown at once."""

    permission = (WhitelistApplication, "apply")
    form_class = ApplicationForm
    template_name = "enterprises/criteria/application_form.html"

    def get_enterprise(self):
        if not hasattr(self, "_enterprise"):
            self._enterprise = get_object_or_404(
                Enterprise.objects.visible_to(self.request.user, "view")
                .active()
                .select_related("region", "industry"),
                pk=self.kwargs["pk"],
            )
            self._criteria_set = actions.published_criteria_for(self._enterprise)
        return self._enterprise

    def get_form_kwargs(self):
        enterprise = self.get_enterprise()
        keys = missing_keys(enterprise, self._criteria_set) if self._criteria_set else ()
        return {**super().get_form_kwargs(), "missing_keys": keys}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enterprise = self.get_enterprise()
        context["enterprise"] = enterprise
        context["criteria_set"] = self._criteria_set
        if self._criteria_set is not None:
            context["check"] = evaluation_context(actions.evaluate(enterprise, self._criteria_set))
        context["open_application"] = (
            WhitelistApplication.objects.visible_to(self.request.user, "view")
            .filter(
                enterprise=enterprise,
                status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED],
            )
            .first()
        )
        return context

    def form_valid(self, form):
        enterprise, user = self.get_enterprise(), self.request.user
        try:
            # the declarations and the application stand or fall together
            with transaction.atomic():
                declare(enterprise, form.declarations(), actor=user)
                application = actions.submit_application(
                    enterprise,
                    actor=user,
                    requested_tier=form.cleaned_data["requested_tier"],
                    statement=form.cleaned_data["statement"],
                )
        except ValidationError as exc:
            add_errors(form, exc, aliases={"value": None, "key": None})
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if application.status == ApplicationStatus.AUTO_ADMITTED:
            messages.success(
                self.request,
                _("各项入选条件均已由权威数据核验达标，已自动纳入白名单（%(tier)s）。")
                % {"tier": application.get_granted_tier_display()},
            )
        else:
            messages.info(self.request, _("申报已提交。部分条件需行业主管部门审核，结果将通知您。"))
        return redirect("enterprises:application_detail", application.pk)


class ApplicationListView(ScopedListView):
    """WL-04: the applications of the user's jurisdiction (a unit: its own)."""

    model = WhitelistApplication
    filterset_class = WhitelistApplicationFilterSet
    template_name = "enterprises/criteria/application_list.html"
    partial_template_name = "enterprises/criteria/application_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise__region", "industry")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_review"] = can(self.request.user, WhitelistApplication, "review")
        return context


class ApplicationQueueView(ApplicationListView):
    """WL-04: applications waiting for the user's review, city-operation units first."""

    action = "review"
    template_name = "enterprises/criteria/application_queue.html"

    def get_base_queryset(self):
        return actions.review_queue(self.request.user).select_related(
            "enterprise__region", "industry"
        )


class ApplicationDetailView(ScopedDetailView):
    """WL-04: one application: the check per criterion, the tiers, the history; the reviewer's
    form; resubmit and withdraw for the applicant."""

    model = WhitelistApplication
    template_name = "enterprises/criteria/application_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "enterprise__region", "industry", "criteria_set", "submitted_by", "decided_by"
            )
        )

    def pending(self):
        return [row for row in self.object.evaluation.get("criteria", []) if not is_settled(row)]

    def missing(self):
        return missing_keys(self.object.enterprise, self.object.criteria_set)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application, user = self.object, self.request.user
        context["check"] = evaluation_context(application.evaluation, application.review)
        labels = dict(ApplicationStatus.choices)
        context["history"] = [
            {
                "at": step.at,
                "actor_name": step.actor_name,
                "source_label": labels.get(step.source, step.source),
                "target_label": labels.get(step.target, step.target),
                "note": step.note,
            }
            for step in application.workflow.history(application)
        ]
        is_submitted = application.status == ApplicationStatus.SUBMITTED
        may_review = is_submitted and can(user, WhitelistApplication, "review", obj=application)
        may_apply = application.is_open and can(
            user, WhitelistApplication, "apply", obj=application
        )
        if may_review and "review_form" not in context:
            context["review_form"] = ReviewForm(
                pending=self.pending(),
                initial={"tier": application.qualified_tier or application.requested_tier},
            )
        if may_apply and application.status == ApplicationStatus.RETURNED:
            context.setdefault("resubmit_form", ResubmitForm(missing_keys=self.missing()))
        if may_apply:
            context.setdefault("withdraw_form", WithdrawForm())
        return context


class ApplicationStepView(ApplicationDetailView):
    """A POST on one application; invalid input shows the application again with the errors."""

    http_method_names = ["post"]
    action = "view"
    form_name = ""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.bind()
        if form.is_valid():
            try:
                with transaction.atomic():
                    text = self.perform(form)
            except ValidationError as exc:
                add_errors(form, exc, aliases={"criterion_reviews": None, "value": None})
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, text)
                return redirect("enterprises:application_detail", self.object.pk)
        context = self.get_context_data(object=self.object, **{self.form_name: form})
        return self.render_to_response(context, status=400)


class ApplicationReviewView(ApplicationStepView):
    """WL-04: approve, refuse or return, with reasons and a judgement per unsettled criterion."""

    action = "review"
    form_name = "review_form"

    def bind(self):
        return ReviewForm(self.request.POST, pending=self.pending())

    def perform(self, form):
        data = form.cleaned_data
        application = actions.review_application(
            self.object,
            actor=self.request.user,
            decision=data["decision"],
            reason=data["reason"],
            tier=data.get("tier") or "",
            criterion_reviews=form.criterion_reviews(),
        )
        return _("审核结论已保存：%(status)s。") % {"status": application.get_status_display()}


class ApplicationResubmitView(ApplicationStepView):
    """A returned application comes back, with more declared facts if the unit has them."""

    action = "apply"
    form_name = "resubmit_form"

    def bind(self):
        return ResubmitForm(self.request.POST, missing_keys=self.missing())

    def perform(self, form):
        declare(self.object.enterprise, form.declarations(), actor=self.request.user)
        application = actions.resubmit_application(
            self.object, actor=self.request.user, statement=form.cleaned_data["statement"]
        )
        return _("已重新提交，核验结果：%(status)s。") % {
            "status": application.get_status_display()
        }


class ApplicationWithdrawView(ApplicationStepView):
    action = "apply"
    form_name = "withdraw_form"

    def bind(self):
        return WithdrawForm(self.request.POST)

    def perform(self, form):
        actions.withdraw_application(
            self.object, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        return _("申报已撤回。")


class EnterpriseFactsPanelView(GrantRequiredMixin, TemplateView):
    """The facts panel of the enterprise page (HTMX): current facts with source and date, the
    latest self-assessment, the unit's applications, and a form to record a fact."""

    permission = (EnterpriseFact, "view")
    template_name = "enterprises/criteria/facts_panel.html"

    def get_enterprise(self):
        if not hasattr(self, "_enterprise"):
            self._enterprise = get_object_or_404(
                Enterprise.objects.visible_to(self.request.user, "view"), pk=self.kwargs["pk"]
            )
        return self._enterprise

    def own_unit_only(self) -> bool:
        return all(g.enterprise_id for g in self.request.user.active_grants())

    def may_record(self) -> bool:
        enterprise = self.get_enterprise()
        return covers(
            self.request.user,
            EnterpriseFact,
            "add",
            region_code=enterprise.region_id,
            enterprise_id=enterprise.pk,
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user, enterprise = self.request.user, self.get_enterprise()
        context["enterprise"] = enterprise
        context["rows"] = current_facts(enterprise)
        if self.may_record():
            context["form"] = form or FactForm(own_unit_only=self.own_unit_only())
        if can(user, SelfAssessment, "view"):
            context["assessment"] = (
                SelfAssessment.objects.visible_to(user, "view")
                .filter(enterprise=enterprise)
                .select_related("criteria_set")
                .first()
            )
        scope = {"region_code": enterprise.region_id, "enterprise_id": enterprise.pk}
        context["can_self_assess"] = covers(user, SelfAssessment, "add", **scope)
        context["can_apply"] = not enterprise.merged_into_id and covers(
            user, WhitelistApplication, "apply", industry=enterprise.industry_id, **scope
        )
        if can(user, WhitelistApplication, "view"):
            context["applications"] = WhitelistApplication.objects.visible_to(user, "view").filter(
                enterprise=enterprise
            )[:5]
        return context

    def post(self, request, *args, **kwargs):
        enterprise = self.get_enterprise()
        form = FactForm(request.POST, own_unit_only=self.own_unit_only())
        if form.is_valid():
            try:
                actions.record_fact(
                    enterprise,
                    form.cleaned_data["key"],
                    form.cleaned_data["typed"],
                    source=form.cleaned_data["source"],
                    actor=request.user,
                    as_of=form.cleaned_data.get("as_of"),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                context = self.get_context_data()
                context["saved"] = True
                return self.render_to_response(context)
        # HTMX swaps only successful answers: the form comes back with its errors as a 200
        return self.render_to_response(self.get_context_data(form=form))
