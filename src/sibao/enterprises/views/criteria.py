"""Selection standards and prevention guides for department staff (WL-03, WL-11): versions,
criteria edited without hand-written JSON, the checklist, the preview of a draft, publishing;
and the enterprise's self-assessment against the published guide."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from sibao.accounts.access import can
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises import actions
from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.filtersets_criteria import CriteriaSetFilterSet
from sibao.enterprises.forms_criteria import (
    ROWS,
    ChecklistItemForm,
    CriteriaDraftForm,
    CriteriaTextForm,
    CriterionForm,
    SelfAssessmentForm,
    attribute_hint,
)
from sibao.enterprises.models import CriteriaSet, Enterprise, SelfAssessment
from sibao.enterprises.models.criteria import ChecklistSection
from sibao.enterprises.queries_criteria import described, preview, tiers_of


def add_errors(form, exc: ValidationError, aliases=None) -> None:
    """An action's refusal shown on the form: field errors on their fields, the rest on top."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def checklist_by_section(items) -> list[tuple]:
    sections = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    return [
        (ChecklistSection(key).label, sections[key])
        for key in ChecklistSection.values
        if key in sections
    ]


class ScopedObjectMixin(GrantRequiredMixin):
    """A view about one criteria set reached through ``visible_to(user, action)``: a role without
    the action answers 403, a set out of scope 404."""

    action = "view"

    def get_permission(self):
        return (CriteriaSet, self.action)

    def get_criteria_set(self) -> CriteriaSet:
        if not hasattr(self, "_criteria_set"):
            self._criteria_set = get_object_or_404(
                CriteriaSet.objects.visible_to(self.request.user, self.action).select_related(
                    "industry", "department"
                ),
                pk=self.kwargs["pk"],
            )
        return self._criteria_set

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["criteria_set"] = self.get_criteria_set()
        return context

    def back(self):
        return redirect("enterprises:criteria_detail", self.get_criteria_set().pk)


class CriteriaSetListView(ScopedListView):
    """WL-03: the criteria versions of the user's jurisdiction and industries."""

    model = CriteriaSet
    filterset_class = CriteriaSetFilterSet
    template_name = "enterprises/criteria/criteriaset_list.html"
    partial_template_name = "enterprises/criteria/criteriaset_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("industry", "department")
            .annotate(criteria_count=Count("criteria", distinct=True))
            .order_by("industry__sort_order", "region_code", "-version")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = can(self.request.user, CriteriaSet, "add")
        return context


class CriteriaSetDetailView(ScopedDetailView):
    """WL-03, WL-11: one version in words, its guide and checklist; on a draft, the editing
    tools, the preview and the publish button for those allowed."""

    model = CriteriaSet
    template_name = "enterprises/criteria/criteriaset_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("industry", "department", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, criteria_set = self.request.user, self.object
        criteria = list(criteria_set.criteria.all())
        context["criteria"] = described(criteria)
        context["tiers"] = tiers_of(criteria)
        context["sections"] = checklist_by_section(criteria_set.checklist.all())
        editable = criteria_set.is_editable
        context["can_change"] = editable and can(user, CriteriaSet, "change", obj=criteria_set)
        context["can_publish"] = editable and can(user, CriteriaSet, "publish", obj=criteria_set)
        return context


class CriteriaSetCreateView(GrantRequiredMixin, FormView):
    """WL-03: start a new version (a copy of the published one) for a department's industry."""

    permission = (CriteriaSet, "add")
    form_class = CriteriaDraftForm
    template_name = "enterprises/criteria/criteriaset_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        department, industry = form.cleaned_data["target"]
        try:
            draft = actions.create_criteria_draft(
                department,
                industry,
                actor=self.request.user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                guide=form.cleaned_data["guide"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("已创建第 %(version)s 版草稿。") % {"version": draft.version}
        )
        return redirect("enterprises:criteria_detail", draft.pk)


class CriteriaSetUpdateView(ScopedObjectMixin, FormView):
    """A draft's title, explanation and prevention guide."""

    action = "change"
    form_class = CriteriaTextForm
    template_name = "enterprises/criteria/criteriaset_form.html"

    def get_initial(self):
        criteria_set = self.get_criteria_set()
        return {
            "title": criteria_set.title,
            "summary": criteria_set.summary,
            "guide": criteria_set.guide,
        }

    def form_valid(self, form):
        try:
            actions.update_criteria_draft(
                self.get_criteria_set(), actor=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return self.back()


class CriterionFormView(ScopedObjectMixin, FormView):
    """Add or change a criterion of a draft: rows of attribute + operator + value, or JSON."""

    action = "change"
    form_class = CriterionForm
    template_name = "enterprises/criteria/criterion_form.html"

    def get_criterion(self):
        if "criterion" not in self.kwargs:
            return None
        return get_object_or_404(self.get_criteria_set().criteria, pk=self.kwargs["criterion"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criterion": self.get_criterion()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["criterion"] = self.get_criterion()
        context["attributes"] = [(a, attribute_hint(a)) for a in CATALOGUE]
        context["row_count"] = ROWS
        return context

    def form_valid(self, form):
        criterion = self.get_criterion()
        try:
            if criterion is None:
                actions.add_criterion(
                    self.get_criteria_set(), actor=self.request.user, **form.action_kwargs()
                )
            else:
                actions.update_criterion(criterion, actor=self.request.user, **form.action_kwargs())
        except ValidationError as exc:
            add_errors(form, exc, aliases={"expression": "advanced"})
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存条件。"))
        return self.back()


class ChecklistItemFormView(ScopedObjectMixin, FormView):
    """Add or change an item of a draft's self-assessment checklist (WL-11)."""

    action = "change"
    form_class = ChecklistItemForm
    template_name = "enterprises/criteria/checklist_form.html"

    def get_item(self):
        if "item" not in self.kwargs:
            return None
        return get_object_or_404(self.get_criteria_set().checklist, pk=self.kwargs["item"])

    def get_initial(self):
        item = self.get_item()
        if item is None:
            return {"is_mandatory": True}
        return {
            "section": item.section,
            "text": item.text,
            "is_mandatory": item.is_mandatory,
            "order": item.order,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["item"] = self.get_item()
        return context

    def form_valid(self, form):
        item = self.get_item()
        try:
            if item is None:
                actions.add_checklist_item(
                    self.get_criteria_set(), actor=self.request.user, **form.cleaned_data
                )
            else:
                actions.update_checklist_item(item, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("已保存自查项。"))
        return self.back()


class ScopedPostView(ScopedObjectMixin, View):
    """A button: POST only, then back to the criteria set with the outcome as a message."""

    http_method_names = ["post"]

    def perform(self):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            text = self.perform()
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, text)
        return self.back()


class CriterionDeleteView(ScopedPostView):
    action = "change"

    def perform(self):
        criterion = get_object_or_404(self.get_criteria_set().criteria, pk=self.kwargs["criterion"])
        actions.delete_criterion(criterion, actor=self.request.user)
        return _("已删除条件 %(code)s。") % {"code": criterion.code}


class ChecklistItemDeleteView(ScopedPostView):
    action = "change"

    def perform(self):
        item = get_object_or_404(self.get_criteria_set().checklist, pk=self.kwargs["item"])
        actions.delete_checklist_item(item, actor=self.request.user)
        return _("已删除自查项。")


class CriteriaSetPublishView(ScopedPostView):
    """WL-03: publish a draft; the previous version is superseded."""

    action = "publish"

    def perform(self):
        criteria_set = actions.publish_criteria_set(
            self.get_criteria_set(), actor=self.request.user
        )
        return _("第 %(version)s 版已发布，公示页面即时可见。") % {"version": criteria_set.version}


class CriteriaSetPreviewView(ScopedObjectMixin, TemplateView):
    """WL-03: how many enterprises of the department's region and industry would meet each tier
    now (an HTMX panel of the draft's page; counting is one query per tier and outcome)."""

    template_name = "enterprises/criteria/criteriaset_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = preview(self.get_criteria_set(), self.request.user)
        return context


class SelfAssessmentCreateView(GrantRequiredMixin, FormView):
    """WL-11: the enterprise answers the published prevention guide's checklist of its
    industry; the result becomes the platform fact ``self_assessment_passed``."""

    permission = (SelfAssessment, "add")
    form_class = SelfAssessmentForm
    template_name = "enterprises/criteria/self_assessment_form.html"

    def get_enterprise(self):
        if not hasattr(self, "_enterprise"):
            self._enterprise = get_object_or_404(
                Enterprise.objects.visible_to(self.request.user, "view").active(),
                pk=self.kwargs["pk"],
            )
        return self._enterprise

    def get_criteria_set(self):
        if not hasattr(self, "_criteria_set"):
            self._criteria_set = actions.published_criteria_for(self.get_enterprise())
        return self._criteria_set

    def get_form_kwargs(self):
        criteria_set = self.get_criteria_set()
        items = criteria_set.checklist.all() if criteria_set else []
        return {**super().get_form_kwargs(), "items": items}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enterprise = self.get_enterprise()
        criteria_set = self.get_criteria_set()
        context["enterprise"] = enterprise
        context["criteria_set"] = criteria_set
        context["sections"] = (
            checklist_by_section(criteria_set.checklist.all()) if criteria_set else []
        )
        context["latest"] = (
            SelfAssessment.objects.visible_to(self.request.user, "view")
            .filter(enterprise=enterprise)
            .first()
        )
        return context

    def form_valid(self, form):
        criteria_set = self.get_criteria_set()
        if criteria_set is None:
            raise Http404
        try:
            assessment = actions.submit_self_assessment(
                self.get_enterprise(), criteria_set, form.answers(), actor=self.request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if assessment.passed:
            messages.success(self.request, _("自查完成：全部必查项达标。"))
        else:
            messages.warning(self.request, _("自查完成：有必查项未达标，请整改后重新自查。"))
        return redirect("enterprises:enterprise_detail", self.get_enterprise().pk)
