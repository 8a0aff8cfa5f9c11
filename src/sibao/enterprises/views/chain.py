"""Pages of the chain-linked guarantee and pairing (WL-08, WL-09): supply links and their import,
inclusion proposals, the emergency view of suppliers in controlled regions, the chain panel of
an enterprise and the pairing list. Every write goes through ``enterprises.actions``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from sibao.accounts.access import can, covers
from sibao.core.generic import GrantRequiredMixin, ScopedDetailView, ScopedListView
from sibao.enterprises import actions, chain_queries
from sibao.enterprises.filtersets_chain import (
    InclusionProposalFilterSet,
    PairingFilterSet,
    SupplyLinkFilterSet,
)
from sibao.enterprises.forms_chain import (
    ControlledRegionsForm,
    NoteForm,
    PairingProposeForm,
    ReasonForm,
    SupplyLinkForm,
    SupplyLinkImportForm,
)
from sibao.enterprises.models import Enterprise, InclusionProposal, Pairing, SupplyLink
from sibao.enterprises.models.whitelist import ProposalStatus


def form_errors(form, exc: ValidationError) -> None:
    """Put an action's ``ValidationError`` on the form: field errors where the field exists."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def back(request, default: str):
    """Where a button should return: ``next`` if it is ours, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


class EnterpriseFormView(ScopedDetailView):
    """A form about one enterprise the user sees (404 otherwise); the action decides."""

    model = Enterprise
    form_class = None

    def get_form_kwargs(self):
        return {}

    def get_initial(self):
        return {}

    def render_form(self, form, status=200):
        context = self.get_context_data(object=self.object, form=form)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_form(
            self.form_class(initial=self.get_initial(), **self.get_form_kwargs())
        )

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form_class(request.POST, request.FILES, **self.get_form_kwargs())
        if form.is_valid():
            try:
                return self.form_valid(form)
            except ValidationError as exc:
                form_errors(form, exc)
        return self.render_form(form)


# --- supply links --------------------------------------------------------------------------------


class SupplyLinkListView(ScopedListView):
    """WL-08: the supply-chain links either of whose parties is in the user's scope."""

    model = SupplyLink
    filterset_class = SupplyLinkFilterSet
    template_name = "enterprises/chain/supply_link_list.html"
    partial_template_name = "enterprises/chain/supply_link_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("enterprise__region", "partner__region")
            .order_by("-created_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = can(self.request.user, SupplyLink, "add")
        return context


class SupplyLinkAddView(EnterpriseFormView):
    """WL-08: register a supplier, customer or logistics provider of the unit by credit code."""

    permission = (SupplyLink, "add")
    form_class = SupplyLinkForm
    template_name = "enterprises/chain/supply_link_form.html"

    def form_valid(self, form):
        link = actions.add_supply_link(
            self.object,
            form.cleaned_data["partner"],
            kind=form.cleaned_data["kind"],
            products=form.cleaned_data["products"],
            actor=self.request.user,
        )
        messages.success(
            self.request,
            _("已登记%(partner)s为本单位的%(kind)s。")
            % {"partner": link.partner.name, "kind": link.get_kind_display()},
        )
        return redirect("enterprises:enterprise_detail", self.object.pk)


@method_decorator(require_POST, name="dispatch")
class SupplyLinkDeleteView(ScopedDetailView):
    """WL-08: remove a link (its owning side only; the action checks)."""

    model = SupplyLink

    def post(self, request, *args, **kwargs):
        link = self.get_object()
        owner = link.enterprise_id
        actions.remove_supply_link(link, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("已删除该产业链关系。"))
        return back(request, reverse("enterprises:enterprise_detail", args=[owner]))


class SupplyLinkImportView(GrantRequiredMixin, TemplateView):
    """WL-08: import links from the .xlsx template or a CSV (UTF-8 or GBK); every row is checked
    and nothing is imported while any row is wrong."""

    permission = (SupplyLink, "add")
    template_name = "enterprises/chain/supply_link_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SupplyLinkImportForm())
        return context

    def post(self, request, *args, **kwargs):
        form = SupplyLinkImportForm(request.POST, request.FILES)
        result = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = actions.import_supply_links(
                    upload, actor=request.user, filename=upload.name
                )
            except ValidationError as exc:
                form_errors(form, exc)
        if result is not None and result.ok:
            messages.success(
                request, _("已导入 %(count)s 条产业链关系。") % {"count": result.created}
            )
            return redirect("enterprises:supply_link_list")
        return self.render_to_response(self.get_context_data(form=form, result=result))


class SupplyLinkTemplateView(GrantRequiredMixin, TemplateView):
    """WL-08: the .xlsx import template."""

    permission = (SupplyLink, "add")

    def get(self, request, *args, **kwargs):
        response = HttpResponse(
            actions.supply_link_template(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="supply-links-template.xlsx"'
        return response


# --- inclusion proposals --------------------------------------------------------------------------


class ProposalListView(ScopedListView):
    """WL-08: units proposed for inclusion because a linked unit joined the whitelist; the
    department invites them to apply or dismisses the proposal with a note."""

    model = InclusionProposal
    filterset_class = InclusionProposalFilterSet
    template_name = "enterprises/chain/proposal_list.html"
    partial_template_name = "enterprises/chain/proposal_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("enterprise__region", "because_of", "link", "industry")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_handle"] = can(self.request.user, InclusionProposal, "change")
        context["open_status"] = ProposalStatus.OPEN
        return context


@method_decorator(require_POST, name="dispatch")
class ProposalHandleView(ScopedDetailView):
    """Invite or dismiss one proposal (POST)."""

    model = InclusionProposal
    action = "change"
    decision = ""

    def post(self, request, *args, **kwargs):
        proposal = self.get_object()
        form = NoteForm(request.POST)
        form.is_valid()
        note = form.cleaned_data.get("note", "")
        try:
            if self.decision == "invite":
                actions.invite_proposal(proposal, actor=request.user, note=note)
                messages.success(
                    request, _("已邀请%(unit)s申报白名单。") % {"unit": proposal.enterprise.name}
                )
            else:
                actions.dismiss_proposal(proposal, actor=request.user, note=note)
                messages.success(request, _("已记录不予纳入。"))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return back(request, reverse("enterprises:proposal_list"))


# --- emergency view and the enterprise's chain panel -----------------------------------------------


class ChainEmergencyView(GrantRequiredMixin, TemplateView):
    """WL-08 (emergency): the whitelisted units in scope whose suppliers or logistics providers
    lie in the chosen controlled regions, with those suppliers. ``?regions=410102&regions=…``
    may come from the command module's emergency states."""

    permission = (SupplyLink, "view")
    template_name = "enterprises/chain/emergency.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ControlledRegionsForm(self.request.GET or None)
        codes = form.cleaned_data["regions"] if form.is_bound and form.is_valid() else []
        context["form"] = form
        context["codes"] = codes
        context["units"] = chain_queries.units_with_suppliers_in(self.request.user, codes)
        return context


class ChainPanelView(ScopedDetailView):
    """The enterprise page's chain panel (HTMX): links both ways, open proposals, pairings."""

    model = Enterprise
    permission = (SupplyLink, "view")
    template_name = "enterprises/chain/panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        context["panel"] = chain_queries.chain_panel(user, unit)
        context["can_add_link"] = covers(
            user, SupplyLink, "add", region_code=unit.region_id, enterprise_id=unit.pk
        )
        return context


# --- pairing --------------------------------------------------------------------------------------


class PairingListView(ScopedListView):
    """WL-09: pairings either of whose units is in scope; each side's admin confirms or declines
    its own side; department staff and the HQ office propose pairings for a region."""

    model = Pairing
    filterset_class = PairingFilterSet
    template_name = "enterprises/chain/pairing_list.html"
    partial_template_name = "enterprises/chain/pairing_table.html"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related(
                "unit__region", "unit__industry", "partner__region", "partner__industry"
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_propose"] = can(user, Pairing, "add")
        context["can_confirm"] = can(user, Pairing, "confirm")
        if context["can_propose"]:
            context["propose_form"] = PairingProposeForm(user=user)
        # which side the user administers, per enterprise id (for the confirm buttons)
        context["own_units"] = {g.enterprise_id for g in user.active_grants() if g.enterprise_id}
        return context


class PairingProposeView(GrantRequiredMixin, View):
    """WL-09: propose pairings for a region (POST)."""

    permission = (Pairing, "add")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PairingProposeForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("请选择您辖区内的区划。"))
            return redirect("enterprises:pairing_list")
        created = actions.propose_pairings(form.cleaned_data["region"], actor=request.user)
        if created:
            messages.success(
                request, _("已推荐 %(count)s 对结对合作，等待双方确认。") % {"count": len(created)}
            )
        else:
            messages.info(request, _("没有新的结对可推荐。"))
        return redirect(reverse("enterprises:pairing_list") + "?status=proposed")


@method_decorator(require_POST, name="dispatch")
class PairingStepView(ScopedDetailView):
    """Confirm, decline or end one pairing (POST); the action checks whose side it is."""

    model = Pairing
    step = ""

    def post(self, request, *args, **kwargs):
        pairing = self.get_object()
        form = ReasonForm(request.POST)
        form.is_valid()
        reason = form.cleaned_data.get("reason", "")
        try:
            if self.step == "confirm":
                pairing = actions.confirm_pairing(pairing, actor=request.user)
                messages.success(
                    request,
                    _("结对已达成。")
                    if pairing.status == "confirmed"
                    else _("已确认，等待对方确认。"),
                )
            elif self.step == "decline":
                actions.decline_pairing(pairing, actor=request.user, reason=reason)
                messages.success(request, _("已谢绝该结对推荐。"))
            else:
                actions.end_pairing(pairing, actor=request.user, reason=reason)
                messages.success(request, _("已结束该结对。"))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return back(request, reverse("enterprises:pairing_list"))
