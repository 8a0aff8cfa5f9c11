"""Pages of the matching area (POL-02, POL-04): "政策找企" (the active policies and, per
policy, the eligible / possibly / not eligible enterprises of the user's jurisdiction, filtered,
paginated, exported), the explanation of one policy × enterprise pair, the enterprise's
self-check ("我的政策"), re-matching a policy, and the departments' bulk fact import.

Scoped reads go through ``queries_matching`` (``visible_to``); writes through
``policies.actions``."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from sibao.accounts.access import can
from sibao.core.generic import GrantRequiredMixin
from sibao.enterprises.actions.registry import ImportRefused
from sibao.enterprises.imports import error_report_xlsx
from sibao.enterprises.models import Enterprise, EnterpriseFact
from sibao.policies import actions, matching, queries_matching
from sibao.policies.actions.catalogue import may_write_policy
from sibao.policies.actions.matching import fact_import_sources, fact_template_xlsx
from sibao.policies.forms_matching import FactImportForm, MatchFilterForm
from sibao.policies.models import MatchResult, PolicyMatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_SALT = "policies.fact-import-report"
TAB_LABELS = {"eligible": _("符合"), "possible": _("可能符合"), "not": _("不符合")}


class _Filters:
    """What ``filter_form.html`` expects of a filterset: a ``form``."""

    def __init__(self, form):
        self.form = form


# --- 政策找企 ------------------------------------------------------------------------------------


class MatchingIndexView(GrantRequiredMixin, TemplateView):
    """政策找企: the active policies the official reads, with how many enterprises of their
    jurisdiction each one reaches. An enterprise's admin is sent to its self-check."""

    permission = (PolicyMatch, "view")
    template_name = "policies/matching_index.html"

    def get(self, request, *args, **kwargs):
        if queries_matching.unit_only(request.user):
            return redirect("policies:matching_mine")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        policies = queries_matching.active_readable(user)
        q = (self.request.GET.get("q") or "").strip()
        if q:
            policies = policies.filter(Q(title__icontains=q) | Q(series__icontains=q))
        page = Paginator(policies, 30).get_page(self.request.GET.get("page"))
        counts = {}
        rows = (
            PolicyMatch.objects.visible_to(user, "view")
            .filter(policy__in=[p.pk for p in page.object_list])
            .values_list("policy_id", "result")
            .annotate(n=Count("id"))
        )
        for policy_id, result, n in rows:
            counts.setdefault(policy_id, {})[result] = n
        context.update(
            page_obj=page,
            rows=[
                {
                    "policy": p,
                    "eligible": counts.get(p.pk, {}).get(MatchResult.ELIGIBLE, 0),
                    "possible": counts.get(p.pk, {}).get(MatchResult.POSSIBLE, 0),
                }
                for p in page.object_list
            ],
            q=q,
            query_without_page=f"q={q}" if q else "",
            can_import=bool(fact_import_sources(user)) and can(user, EnterpriseFact, "add"),
        )
        return context


class PolicyMatchingView(GrantRequiredMixin, TemplateView):
    """One policy's enterprises in the official's jurisdiction, by tab: eligible (with the
    facts that prove it), possibly (with what is missing), not (with the failing condition,
    interpreted for the page shown). Filters: region, industry, name or credit code."""

    permission = (PolicyMatch, "view")
    template_name = "policies/matching_policy.html"
    partial_template_name = "policies/matching_policy_table.html"
    paginate_by = 30

    def get(self, request, pk):
        policy = queries_matching.policy_for(request.user, pk)
        if queries_matching.unit_only(request.user):
            units = queries_matching.own_units(request.user)
            if not units:
                raise Http404
            return redirect("policies:matching_pair", pk=policy.pk, enterprise=units[0].pk)
        tab = request.GET.get("tab") or "eligible"
        if tab not in queries_matching.TABS:
            tab = "eligible"
        form = MatchFilterForm(request.GET or None, policy=policy)
        data = form.cleaned_data if form.is_valid() else {}
        counts = queries_matching.tab_counts(request.user, policy, data)
        conditions = queries_matching.conditions_of(policy)
        if tab == "not":
            page = Paginator(
                queries_matching.not_matching(request.user, policy, data), self.paginate_by
            ).get_page(request.GET.get("page"))
            answers = matching.explain_all_units(policy, list(page.object_list))
            items = [{"enterprise": unit, "answer": answers[unit.pk]} for unit in page.object_list]
        else:
            page = Paginator(
                queries_matching.tab_matches(request.user, policy, tab, data), self.paginate_by
            ).get_page(request.GET.get("page"))
            items = [
                {
                    "enterprise": m.enterprise,
                    "match": m,
                    "explanation": queries_matching.stored_explanation(m, conditions),
                    "missing": queries_matching.missing_labels(m.missing),
                }
                for m in page.object_list
            ]
        query = request.GET.copy()
        query.pop("page", None)
        without_tab = query.copy()
        without_tab.pop("tab", None)
        context = {
            "policy": policy,
            "tab": tab,
            "tabs": [(t, TAB_LABELS[t], counts[t]) for t in queries_matching.TABS],
            "counts": counts,
            "items": items,
            "page_obj": page,
            "filterset": _Filters(form),
            "query_without_page": query.urlencode(),
            "query_without_tab": without_tab.urlencode(),
            "can_export": tab != "not" and can(request.user, PolicyMatch, "export"),
            "can_rematch": matching.is_active(policy)
            and may_write_policy(request.user, "publish", policy.department),
            "is_active": matching.is_active(policy),
        }
        if getattr(request, "htmx", False):
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context)


class PolicyMatchingExportView(GrantRequiredMixin, View):
    """The eligible or possibly eligible enterprises of one policy in the user's jurisdiction
    (filtered like the page) as .xlsx; audited."""

    permission = (PolicyMatch, "export")

    def get(self, request, pk):
        policy = queries_matching.policy_for(request.user, pk)
        tab = request.GET.get("tab") or "eligible"
        if tab not in ("eligible", "possible"):
            raise Http404
        form = MatchFilterForm(request.GET or None, policy=policy)
        data = form.cleaned_data if form.is_valid() else {}
        matches = queries_matching.tab_matches(request.user, policy, tab, data, action="export")
        content, count = queries_matching.export_xlsx(policy, tab, matches)
        actions.record_matching_export(
            actor=request.user,
            policy=policy,
            rows=count,
            tab=tab,
            filters={k: str(v) for k, v in data.items() if v},
        )
        response = HttpResponse(content, content_type=XLSX)
        stamp = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = (
            f'attachment; filename="policy-{policy.series}-{tab}-{stamp}.xlsx"'
        )
        return response


@method_decorator(require_POST, name="dispatch")
class PolicyRematchView(GrantRequiredMixin, View):
    """The department's "重新匹配" of one of its active policies."""

    permission = (PolicyMatch, "view")

    def post(self, request, pk):
        policy = queries_matching.policy_for(request.user, pk)
        try:
            counts = actions.rematch_policy(policy, actor=request.user)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _(
                    "已重新匹配：符合 %(eligible)d 家，可能符合 %(possible)d 家，新推送 %(pushed)d 家。"
                )
                % counts,
            )
        return redirect("policies:matching_policy", pk=policy.pk)


# --- one pair ------------------------------------------------------------------------------------


class PairExplanationView(GrantRequiredMixin, TemplateView):
    """Why one enterprise is (or is not, or may be) eligible for one policy: each condition with
    its clause, outcome and the facts read (value, source, date); for "possibly" what to supply
    and where. For officials of the enterprise's jurisdiction and for the enterprise itself."""

    permission = (PolicyMatch, "view")
    template_name = "policies/matching_pair.html"

    def get(self, request, pk, enterprise):
        policy = queries_matching.policy_for(request.user, pk)
        unit = get_object_or_404(Enterprise.objects.visible_to(request.user, "view"), pk=enterprise)
        explanation = matching.explain(policy, unit)
        match = (
            PolicyMatch.objects.visible_to(request.user, "view")
            .filter(policy=policy, enterprise=unit)
            .first()
        )
        own = queries_matching.unit_only(request.user)
        return render(
            request,
            self.template_name,
            {
                "policy": policy,
                "enterprise": unit,
                "explanation": explanation,
                "match": match,
                "own": own,
                "may_declare": can(request.user, EnterpriseFact, "add"),
            },
        )


# --- the self-check ------------------------------------------------------------------------------


class SelfCheckView(GrantRequiredMixin, TemplateView):
    """我的政策: an enterprise's every active policy it matches or almost matches, with the
    reason per condition and, for "possibly", what it would need to supply (and a link to
    declare it); the policies it does not meet, with the failing conditions. An official may
    open it for an enterprise of their jurisdiction (``?enterprise=``), e.g. a liaison cadre
    helping the unit."""

    permission = (PolicyMatch, "view")
    template_name = "policies/matching_mine.html"

    def get(self, request):
        user = request.user
        own = queries_matching.own_units(user)
        wanted = request.GET.get("enterprise")
        unit = None
        if wanted:
            if not str(wanted).isdigit():
                raise Http404
            unit = get_object_or_404(
                Enterprise.objects.visible_to(user, "view").active(), pk=wanted
            )
        elif own:
            unit = own[0]
        context = {"own_units": own, "enterprise": unit, "own": queries_matching.unit_only(user)}
        if unit is None:
            q = (request.GET.get("q") or "").strip()
            units = Enterprise.objects.visible_to(user, "view").active().select_related("region")
            if q:
                units = units.filter(Q(name__icontains=q) | Q(credit_code__icontains=q))
            context.update(
                q=q,
                page_obj=Paginator(units.order_by("region_id", "name"), 20).get_page(
                    request.GET.get("page")
                ),
                query_without_page=f"q={q}" if q else "",
            )
            return render(request, self.template_name, context)
        groups = queries_matching.self_check(unit, user)
        context.update(
            groups=groups,
            counts={k: len(v) for k, v in groups.items()},
            may_declare=can(user, EnterpriseFact, "add"),
            facts_url=reverse("enterprises:enterprise_detail", args=[unit.pk]) + "#facts-panel",
        )
        return render(request, self.template_name, context)


# --- the departments' fact import (POL-04) -------------------------------------------------------


class FactImportView(GrantRequiredMixin, View):
    """POL-04: import departmental data as sourced facts (.xlsx/.csv, all rows or none), the
    source being the importer's department's; every problem listed on the page and as a
    download. The touched enterprises are re-matched and newly eligible ones pushed."""

    permission = (EnterpriseFact, "add")
    template_name = "policies/matching_fact_import.html"

    def sources(self):
        sources = fact_import_sources(self.request.user)
        if not sources:
            raise PermissionDenied(_("企业只能逐项登记自报数据，不能批量导入部门数据。"))
        return sources

    def get(self, request):
        return render(request, self.template_name, {"form": FactImportForm(sources=self.sources())})

    def post(self, request):
        form = FactImportForm(request.POST, request.FILES, sources=self.sources())
        context = {"form": form}
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = actions.import_facts(
                    upload.read(),
                    upload.name,
                    actor=request.user,
                    source=form.cleaned_data["source"],
                )
            except ImportRefused as exc:
                errors = [e.as_dict() for e in exc.row_errors]
                context.update(
                    refused=exc.messages[0],
                    errors=errors,
                    rows=exc.rows,
                    report=signing.dumps(errors, salt=REPORT_SALT, compress=True),
                )
                return render(request, self.template_name, context, status=422)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                return render(request, self.template_name, context, status=422)
            messages.success(
                request,
                _(
                    "导入完成：%(rows)d 项数据（%(enterprises)d 家企业，新增 %(created)d 项，"
                    "更新 %(updated)d 项），已重新匹配，新推送 %(pushed)d 条政策。"
                )
                % result,
            )
            return redirect("policies:matching_fact_import")
        return render(request, self.template_name, context, status=422)


class FactTemplateView(GrantRequiredMixin, View):
    """The .xlsx template of the fact import with the attributes and their values."""

    permission = (EnterpriseFact, "add")

    def get(self, request):
        if not fact_import_sources(request.user):
            raise PermissionDenied(_("企业只能逐项登记自报数据，不能批量导入部门数据。"))
        response = HttpResponse(fact_template_xlsx(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="enterprise-facts-template.xlsx"'
        return response


@method_decorator(require_POST, name="dispatch")
class FactImportReportView(GrantRequiredMixin, View):
    """The error report of a refused fact import as .xlsx, handed back signed by the page."""

    permission = (EnterpriseFact, "add")

    def post(self, request):
        try:
            errors = signing.loads(request.POST.get("report", ""), salt=REPORT_SALT)
        except signing.BadSignature:
            raise Http404 from None
        response = HttpResponse(error_report_xlsx(errors), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="fact-import-errors.xlsx"'
        return response


urlpatterns = [
    path("matching/", MatchingIndexView.as_view(), name="matching_index"),
    path("matching/mine/", SelfCheckView.as_view(), name="matching_mine"),
    path("matching/facts/import/", FactImportView.as_view(), name="matching_fact_import"),
    path(
        "matching/facts/import/template/",
        FactTemplateView.as_view(),
        name="matching_fact_template",
    ),
    path(
        "matching/facts/import/report/",
        FactImportReportView.as_view(),
        name="matching_fact_report",
    ),
    path("matching/policies/<int:pk>/", PolicyMatchingView.as_view(), name="matching_policy"),
    path(
        "matching/policies/<int:pk>/export/",
        PolicyMatchingExportView.as_view(),
        name="matching_export",
    ),
    path(
        "matching/policies/<int:pk>/rematch/",
        PolicyRematchView.as_view(),
        name="matching_rematch",
    ),
    path(
        "matching/policies/<int:pk>/enterprises/<int:enterprise>/",
        PairExplanationView.as_view(),
        name="matching_pair",
    ),
]
