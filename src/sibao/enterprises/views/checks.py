"""Pages of spot checks and the fuse (WL-10) and of the four-party responsibility list (ORG-06).
Every write goes through ``enterprises.actions``."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from sibao.accounts.access import covers
from sibao.core.generic import ScopedDetailView, ScopedListView
from sibao.enterprises import actions, chain_queries
from sibao.enterprises.filtersets_chain import SpotCheckFilterSet
from sibao.enterprises.forms_chain import FuseForm, ResponsibilityForm, SpotCheckForm
from sibao.enterprises.models import (
    Enterprise,
    Responsibility,
    ResponsibilityParty,
    SpotCheck,
    WhitelistChange,
    WhitelistChangeKind,
    WhitelistEntry,
)
from sibao.enterprises.views.chain import EnterpriseFormView


def _may(user, model, action, enterprise) -> bool:
    return covers(
        user,
        model,
        action,
        region_code=enterprise.region_id,
        industry=enterprise.industry_id,
        enterprise_id=enterprise.pk,
    )


def _listed_entry(user, enterprise, action="view"):
    return WhitelistEntry.objects.visible_to(user, action).filter(enterprise=enterprise).first()


class SpotCheckListView(ScopedListView):
    """WL-10: spot checks of prevention measures in the user's scope."""

    model = SpotCheck
    filterset_class = SpotCheckFilterSet
    template_name = "enterprises/checks/spot_check_list.html"
    partial_template_name = "enterprises/checks/spot_check_table.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("enterprise__region", "industry")


class SpotCheckAddView(EnterpriseFormView):
    """WL-10: record a spot check of the unit. A check that found the unit caused import or
    spread of infection leads on to the fuse form, prefilled, when the unit is listed and the
    user may fuse it."""

    permission = (SpotCheck, "add")
    form_class = SpotCheckForm
    template_name = "enterprises/checks/spot_check_form.html"

    def form_valid(self, form):
        user, unit = self.request.user, self.object
        check = actions.record_spot_check(unit, actor=user, **form.cleaned_data)
        messages.success(self.request, _("已登记防控抽查。"))
        entry = _listed_entry(user, unit, "fuse")
        if check.caused_spread and entry is not None and entry.is_listed:
            messages.warning(
                self.request,
                _("该单位经抽查导致疫情输入或扩散，请依规作出熔断决定。"),
            )
            return redirect(
                reverse("enterprises:enterprise_fuse", args=[unit.pk]) + f"?spot_check={check.pk}"
            )
        return redirect("enterprises:enterprise_detail", unit.pk)


class SpotCheckPanelView(ScopedDetailView):
    """The enterprise page's spot-check panel (HTMX): recent checks and fuse decisions."""

    model = Enterprise
    permission = (SpotCheck, "view")
    template_name = "enterprises/checks/panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        context["checks"] = SpotCheck.objects.visible_to(user, "view").filter(enterprise=unit)[:10]
        context["fuses"] = WhitelistChange.objects.visible_to(user, "view").filter(
            enterprise=unit, kind=WhitelistChangeKind.FUSED
        )
        context["entry"] = _listed_entry(user, unit)
        context["can_add"] = _may(user, SpotCheck, "add", unit)
        context["can_fuse"] = _may(user, WhitelistEntry, "fuse", unit)
        return context


class FuseView(EnterpriseFormView):
    """WL-10: remove the unit from the whitelist for causing import or spread of infection, with
    the evidence and the decision (熔断). Prefilled from ``?spot_check=``."""

    permission = (WhitelistEntry, "fuse")
    form_class = FuseForm
    template_name = "enterprises/checks/fuse_form.html"

    def spot_checks(self):
        return SpotCheck.objects.visible_to(self.request.user, "view").filter(
            enterprise=self.object
        )

    def get_form_kwargs(self):
        return {"spot_checks": self.spot_checks()}

    def get_initial(self):
        raw = self.request.GET.get("spot_check", "")
        check = self.spot_checks().filter(pk=raw).first() if raw.isdigit() else None
        if check is None:
            return {}
        return {
            "spot_check": check.pk,
            "evidence": _("%(date)s 防控抽查（%(inspectors)s）：%(findings)s")
            % {
                "date": check.checked_on,
                "inspectors": check.inspectors,
                "findings": check.findings,
            },
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entry"] = _listed_entry(self.request.user, self.object, "fuse")
        return context

    def form_valid(self, form):
        entry = _listed_entry(self.request.user, self.object, "fuse")
        if entry is None:
            form.add_error(None, _("该单位不在白名单内，无需熔断。"))
            return self.render_form(form)
        actions.fuse_unit(
            entry,
            actor=self.request.user,
            evidence=form.cleaned_data["evidence"],
            decision=form.cleaned_data["decision"],
            spot_check=form.cleaned_data["spot_check"],
        )
        messages.success(
            self.request, _("已熔断：%(unit)s 移出白名单。") % {"unit": self.object.name}
        )
        return redirect("enterprises:enterprise_detail", self.object.pk)


class ResponsibilityPanelView(ScopedDetailView):
    """ORG-06: the unit's four-party responsibility list (HQ and department, local government,
    enterprise, individual duty rules); a party not yet named shows as 未落实."""

    model = Enterprise
    permission = (Responsibility, "view")
    template_name = "enterprises/checks/responsibility_panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        context["rows"] = chain_queries.responsibility_rows(user, unit)
        context["can_change"] = _may(user, Responsibility, "change", unit)
        return context


class ResponsibilityEditView(EnterpriseFormView):
    """ORG-06: name one party's responsible person (``?party=``)."""

    permission = (Responsibility, "change")
    form_class = ResponsibilityForm
    template_name = "enterprises/checks/responsibility_form.html"

    def party(self):
        party = self.request.POST.get("party") or self.request.GET.get("party")
        return (
            party if party in ResponsibilityParty.values else ResponsibilityParty.LOCAL_GOVERNMENT
        )

    def current(self):
        return (
            Responsibility.objects.visible_to(self.request.user, "view")
            .filter(enterprise=self.object, party=self.party())
            .first()
        )

    def get_initial(self):
        row = self.current()
        initial = {"party": self.party()}
        if row is not None:
            # the phone is not shown in the clear: left empty, it keeps its value
            initial.update(name=row.name, position=row.position, duties=row.duties)
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["party_label"] = ResponsibilityParty(self.party()).label
        context["current"] = self.current()
        return context

    def form_valid(self, form):
        values = dict(form.cleaned_data)
        row = self.current()
        if not values["phone"] and row is not None and not self.request.POST.get("clear_phone"):
            values["phone"] = row.phone
        actions.set_responsibility(self.object, actor=self.request.user, **values)
        messages.success(self.request, _("已更新四方责任。"))
        return redirect("enterprises:enterprise_detail", self.object.pk)
