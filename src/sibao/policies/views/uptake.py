"""Pages of the uptake area (POL-03, POL-06): the enterprise's own policies and its uptake steps,
the department's uptake board per policy, the rates per policy and per region, the "应享未享"
lists and follow-up tasks, and the subsidy calculators. Every write goes through
``policies.actions``; every scoped read through ``visible_to`` (``queries_uptake.handleable``
for matches: the model's scope plus the issuing department's line)."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sibao.accounts.access import allowing_grants, can, covers
from sibao.core import rules as rule_set
from sibao.core.generic import FilteredListView, GrantRequiredMixin
from sibao.enterprises.models import Enterprise
from sibao.epidemic.queries_units import jurisdiction_region
from sibao.policies import actions, calculators, matching, queries_uptake
from sibao.policies.actions.uptake import UPTAKE_WORKFLOW
from sibao.policies.filtersets_uptake import (
    BoardFilterSet,
    FollowUpFilterSet,
    SubsidyCalculationFilterSet,
    UptakeFilterSet,
)
from sibao.policies.forms_uptake import (
    ApplyForm,
    CalculatorForm,
    CloseFollowUpForm,
    DeclineForm,
    FollowUpForm,
    GrantForm,
    PayForm,
)
from sibao.policies.models import (
    ApplicationRoute,
    FollowUpTask,
    MatchResult,
    PolicyCategory,
    PolicyMatch,
    SubsidyCalculation,
    UptakeStatus,
)
from sibao.policies.queries_catalogue import readable_policies


def unit_only(user) -> bool:
    """Whether every grant of the user is an enterprise's own (an enterprise admin)."""
    grants = user.active_grants()
    return bool(grants) and all(g.enterprise_id for g in grants)


def _may(user, action: str) -> bool:
    return bool(allowing_grants(user, PolicyMatch._meta.label_lower, action))


def _flash(request, exc) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        for error in getattr(exc, "messages", None) or [str(exc)]:
            messages.error(request, error)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field = name if name in form.fields else f"fact_{name}"
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _csv_response(filename: str, header: list, rows) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.rows = count
    return response


def _xlsx_response(filename: str, header: list, rows) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("兑现跟踪"))
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.rows = count
    return response


def _funnel_header() -> list:
    return [
        _("符合"),
        _("可能符合"),
        _("已推送"),
        _("已申请"),
        _("已批准"),
        _("未批准"),
        _("已拨付"),
        _("已确认到账"),
        _("应享未享"),
        _("预计金额（万元）"),
        _("批准金额（万元）"),
        _("拨付金额（万元）"),
        _("到账金额（万元）"),
        _("兑现率（按户数）%"),
        _("兑现率（按金额）%"),
    ]


def _funnel_cells(f) -> list:
    return [
        f.eligible,
        f.possible,
        f.notified,
        f.applied,
        f.granted,
        f.declined,
        f.paid,
        f.received,
        f.unredeemed,
        str(f.expected_amount),
        str(f.granted_amount),
        str(f.paid_amount),
        str(f.received_amount),
        "" if f.rate_by_count is None else str(f.rate_by_count),
        "" if f.rate_by_amount is None else str(f.rate_by_amount),
    ]


# --- the index: rates per policy (officials) or the unit's own policies -------------------------


class UptakeIndexView(GrantRequiredMixin, TemplateView):
    """兑现跟踪: for officials the funnel and redemption rates of every policy in their scope
    (filtered by region, category and title; exportable); for an enterprise its own matched
    policies with their progress."""

    permission = (PolicyMatch, "view")
    template_name = "policies/uptake_index.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if unit_only(user):
            rows = (
                queries_uptake.handleable(user)
                .select_related("policy", "enterprise")
                .order_by("-notified_at", "-id")
            )
            page = Paginator(rows, 50).get_page(request.GET.get("page"))
            return render(
                request,
                "policies/uptake_mine_list.html",
                {"page_obj": page, "rows": page.object_list},
            )
        region = jurisdiction_region(user, PolicyMatch, "view", request.GET.get("region"))
        policies = readable_policies(user)
        category = request.GET.get("category") or ""
        if category in PolicyCategory.values:
            policies = policies.filter(category=category)
        q = (request.GET.get("q") or "").strip()
        if q:
            policies = policies.filter(title__icontains=q)
        funnels = queries_uptake.rates_by_policy(user, region_code=region.code, policies=policies)
        total = queries_uptake.total_of(funnels)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            header = [_("政策编号"), _("版本"), _("政策名称"), _("兑现方式"), *_funnel_header()]
            rows = [
                [
                    f.extra["policy"].series,
                    f.extra["policy"].version,
                    f.label,
                    f.extra["policy"].get_route_display(),
                    *_funnel_cells(f),
                ]
                for f in funnels
            ]
            stem = f"policy-uptake-{region.code}-{timezone.localdate():%Y%m%d}"
            maker = _csv_response if export == "csv" else _xlsx_response
            response = maker(f"{stem}.{export}", header, rows)
            actions.record_uptake_export(
                actor=user, policy=None, rows=response.rows, what="rates", file_format=export
            )
            return response
        page = Paginator(funnels, 50).get_page(request.GET.get("page"))
        return render(
            request,
            self.template_name,
            {
                "region": region,
                "funnels": page.object_list,
                "page_obj": page,
                "total": total,
                "categories": PolicyCategory.choices,
                "category": category,
                "q": q,
                "query": request.GET.urlencode(),
            },
        )


class UptakeRegionsView(GrantRequiredMixin, TemplateView):
    """The funnel and rates per region (province → cities → counties), for all policies or one,
    with a bar chart of the redemption rates and a drill-down; exportable."""

    permission = (PolicyMatch, "view")
    template_name = "policies/uptake_regions.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        region = jurisdiction_region(user, PolicyMatch, "view", request.GET.get("region"))
        policy = None
        if request.GET.get("policy"):
            policy = readable_policies(user).filter(pk=request.GET.get("policy")).first()
            if policy is None:
                raise Http404
        funnels = queries_uptake.rates_by_region(user, region, policy=policy)
        total = queries_uptake.funnel_for(user, policy, region.code) if policy else None
        if total is None:
            total = queries_uptake.total_of(funnels, label=region.name)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            header = [_("区划代码"), _("区划"), *_funnel_header()]
            rows = [[f.key, f.label, *_funnel_cells(f)] for f in funnels]
            stem = f"policy-uptake-regions-{region.code}-{timezone.localdate():%Y%m%d}"
            maker = _csv_response if export == "csv" else _xlsx_response
            response = maker(f"{stem}.{export}", header, rows)
            actions.record_uptake_export(
                actor=user, policy=policy, rows=response.rows, what="regions", file_format=export
            )
            return response
        chart = {
            "names": [f.label for f in funnels],
            "codes": [f.key for f in funnels],
            "drill": [not f.extra.get("own") and f.key != region.code for f in funnels],
            "by_count": [
                None if f.rate_by_count is None else float(f.rate_by_count) for f in funnels
            ],
            "by_amount": [
                None if f.rate_by_amount is None else float(f.rate_by_amount) for f in funnels
            ],
            "labels": {"count": _("兑现率（按户数）"), "amount": _("兑现率（按金额）")},
        }
        return render(
            request,
            self.template_name,
            {
                "region": region,
                "ancestors": queries_uptake.region_path(region),
                "policy": policy,
                "policies": readable_policies(user)
                .filter(status="published")
                .order_by("title")[:300],
                "funnels": funnels,
                "total": total,
                "chart": chart,
            },
        )


# --- one policy: the department's board, the unit's redirect ------------------------------------


def _policy_for(user, pk):
    return get_object_or_404(readable_policies(user).select_related("department"), pk=pk)


class UptakeMineView(GrantRequiredMixin, View):
    """Where a push notification leads: the user's own match of the policy (an enterprise), or
    the policy's board (an official)."""

    permission = (PolicyMatch, "view")

    def get(self, request, pk):
        policy = _policy_for(request.user, pk)
        if not unit_only(request.user):
            return redirect("policies:uptake_board", policy.pk)
        own = queries_uptake.handleable(request.user).filter(policy=policy).order_by("id").first()
        if own is None:
            raise Http404
        return redirect("policies:uptake_match", own.pk)


class UptakeBoardView(GrantRequiredMixin, TemplateView):
    """The department's uptake board of one policy: its funnel, the matched enterprises with
    filters, grant / decline / pay inline (HTMX), export. An enterprise is sent to its own row."""

    permission = (PolicyMatch, "view")
    template_name = "policies/uptake_board.html"

    def get(self, request, pk):
        user = request.user
        policy = _policy_for(user, pk)
        if unit_only(user):
            return redirect("policies:uptake_mine", policy.pk)
        rows = (
            queries_uptake.handleable(user)
            .filter(policy=policy)
            .select_related("enterprise", "enterprise__region", "policy")
            .order_by("region_code", "enterprise__name")
        )
        filterset = BoardFilterSet(request.GET or None, queryset=rows, request=request)
        if filterset.is_bound and filterset.is_valid():
            rows = filterset.qs
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            if not can(user, PolicyMatch, "export"):
                raise PermissionDenied(_("您的角色无权导出政策兑现数据。"))
            response = self._export(policy, rows, export)
            actions.record_uptake_export(
                actor=user, policy=policy, rows=response.rows, what="board", file_format=export
            )
            return response
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        context = {
            "policy": policy,
            "funnel": queries_uptake.funnel_for(user, policy),
            "filterset": filterset,
            "page_obj": page,
            "rows": [_row_context(user, m) for m in page.object_list],
            "query_without_page": _without_page(request),
            "may_export": can(user, PolicyMatch, "export"),
        }
        if getattr(request, "htmx", False) and not request.htmx.boosted:
            return render(request, "policies/uptake_board_table.html", context)
        return render(request, self.template_name, context)

    def _export(self, policy, rows, file_format):
        header = [
            _("企业名称"),
            _("统一社会信用代码"),
            _("区划"),
            _("匹配结果"),
            _("待补充信息"),
            _("兑现进度"),
            _("推送时间"),
            _("申请时间"),
            _("批准金额（万元）"),
            _("批准时间"),
            _("拨付时间"),
            _("确认到账时间"),
        ]

        def when(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

        data = (
            [
                m.enterprise.name,
                m.enterprise.credit_code,
                m.enterprise.region.name,
                m.get_result_display(),
                "、".join(_attribute_label(k) for k in m.missing),
                m.get_uptake_display(),
                when(m.notified_at),
                when(m.applied_at),
                "" if m.granted_amount is None else str(m.granted_amount),
                when(m.granted_at),
                when(m.paid_at),
                when(m.received_at),
            ]
            for m in rows.iterator(chunk_size=2000)
        )
        stem = f"policy-{policy.series}-v{policy.version}-uptake-{timezone.localdate():%Y%m%d}"
        maker = _csv_response if file_format == "csv" else _xlsx_response
        return maker(f"{stem}.{file_format}", header, data)


class UptakeMatchListView(FilteredListView):
    """The matches of every policy the user sees (the model's scope plus the issuing department's
    line), filtered by policy, result, progress, the funnel step reached, region and name — the
    list behind the dashboard's redemption figures; exportable."""

    model = PolicyMatch
    permission = (PolicyMatch, "view")
    filterset_class = UptakeFilterSet
    template_name = "policies/uptake_matches.html"
    partial_template_name = "policies/uptake_matches_table.html"
    paginate_by = 50

    def get_base_queryset(self):
        return (
            queries_uptake.handleable(self.request.user)
            .select_related("policy", "enterprise", "enterprise__region")
            .order_by("policy_id", "region_code", "pk")
        )

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export not in ("csv", "xlsx"):
            return super().get(request, *args, **kwargs)
        if not can(request.user, PolicyMatch, "export"):
            raise PermissionDenied(_("您的角色无权导出政策兑现数据。"))
        response = _matches_export(self.get_queryset(), export)
        actions.record_uptake_export(
            actor=request.user, policy=None, rows=response.rows, what="matches", file_format=export
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for name in ("page", "export"):
            query.pop(name, None)
        context["query_without_page"] = query.urlencode()
        context["may_export"] = can(self.request.user, PolicyMatch, "export")
        return context


def _matches_export(rows, file_format):
    header = [
        _("政策编号"),
        _("政策名称"),
        _("企业名称"),
        _("统一社会信用代码"),
        _("区划"),
        _("匹配结果"),
        _("兑现进度"),
        _("推送时间"),
        _("申请时间"),
        _("批准金额（万元）"),
        _("批准时间"),
        _("拨付时间"),
        _("确认到账时间"),
    ]

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    data = (
        [
            m.policy.series,
            m.policy.title,
            m.enterprise.name,
            m.enterprise.credit_code,
            m.enterprise.region.name,
            m.get_result_display(),
            m.get_uptake_display(),
            when(m.notified_at),
            when(m.applied_at),
            "" if m.granted_amount is None else str(m.granted_amount),
            when(m.granted_at),
            when(m.paid_at),
            when(m.received_at),
        ]
        for m in rows.iterator(chunk_size=2000)
    )
    stem = f"policy-matches-{timezone.localdate():%Y%m%d}"
    maker = _csv_response if file_format == "csv" else _xlsx_response
    return maker(f"{stem}.{file_format}", header, data)


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


def _attribute_label(key: str) -> str:
    from sibao.enterprises.facts import CATALOGUE

    return str(CATALOGUE[key].label) if key in CATALOGUE else key


def _row_context(user, match) -> dict:
    """One board row with the steps the user may take on it."""
    direct = match.policy.route == ApplicationRoute.NO_APPLICATION
    steps = UPTAKE_WORKFLOW.actions_from(match.uptake, user.roles())
    may_grant = _may(user, "grant") and match.result == MatchResult.ELIGIBLE
    return {
        "match": match,
        "missing": [_attribute_label(k) for k in match.missing],
        "can_grant": may_grant and ("grant_direct" if direct else "grant") in steps,
        "can_decline": _may(user, "grant") and ("decline_direct" if direct else "decline") in steps,
        "can_pay": _may(user, "pay") and "pay" in steps,
    }


# --- one match: the enterprise's policy page and the steps --------------------------------------


def _match_for(user, pk, action="view"):
    return get_object_or_404(
        queries_uptake.handleable(user, action).select_related(
            "policy", "policy__department", "enterprise", "enterprise__region"
        ),
        pk=pk,
    )


class UptakeMatchView(GrantRequiredMixin, TemplateView):
    """One enterprise's match of one policy: the policy, why it matches (each condition with the
    facts read, their source and date), what is missing, the progress and its history, and the
    steps the user may take. The enterprise's admin opening it marks it read."""

    permission = (PolicyMatch, "view")
    template_name = "policies/uptake_match.html"

    def get(self, request, pk):
        match = _match_for(request.user, pk)
        match = actions.read_match(match, actor=request.user)
        return render(request, self.template_name, self.context(match))

    def context(self, match, apply_form=None, grant_form=None):
        user = self.request.user
        policy = match.policy
        own = unit_only(user)
        steps = UPTAKE_WORKFLOW.actions_from(match.uptake, user.roles())
        explanation = matching.explain(policy, match.enterprise)
        history = [
            {
                "at": h.at,
                "actor_name": h.actor_name,
                "source": _status_label(h.source),
                "target": _status_label(h.target),
                "note": h.note,
            }
            for h in UPTAKE_WORKFLOW.history(match).order_by("at", "id")
        ]
        may_apply = (
            own
            and _may(user, "apply")
            and "apply" in steps
            and policy.route != ApplicationRoute.NO_APPLICATION
            and match.result in (MatchResult.ELIGIBLE, MatchResult.POSSIBLE)
        )
        missing = match.missing if match.result == MatchResult.POSSIBLE else []
        row = _row_context(user, match)
        return {
            "match": match,
            "policy": policy,
            "explanation": explanation,
            "history": history,
            "own": own,
            "may_apply": may_apply,
            "may_confirm": own and _may(user, "confirm") and "confirm" in steps,
            "apply_form": apply_form or ApplyForm(missing=missing),
            "grant_form": grant_form or GrantForm(initial={"amount": policy.benefit_amount}),
            "decline_form": DeclineForm(),
            "pay_form": PayForm(),
            "row": row,
            "stages": _stages(match),
        }


def _status_label(status: str) -> str:
    try:
        return str(UptakeStatus(status).label)
    except ValueError:
        return status


def _stages(match) -> list[dict]:
    """The progress bar: each stage with its time, done or not (免申即享 has no application)."""
    stages = [
        (UptakeStatus.NOTIFIED, match.notified_at),
    ]
    if match.policy.route != ApplicationRoute.NO_APPLICATION:
        stages.append((UptakeStatus.APPLIED, match.applied_at))
    if match.uptake == UptakeStatus.DECLINED:
        stages.append((UptakeStatus.DECLINED, None))
    else:
        stages += [
            (UptakeStatus.GRANTED, match.granted_at),
            (UptakeStatus.PAID, match.paid_at),
            (UptakeStatus.RECEIVED, match.received_at),
        ]
    return [
        {
            "label": UptakeStatus(status).label,
            "at": at,
            "done": at is not None or (status == UptakeStatus.DECLINED),
            "declined": status == UptakeStatus.DECLINED,
        }
        for status, at in stages
    ]


class _MatchStep(GrantRequiredMixin, View):
    """A POST step on one match the user may ``action`` (else 404). From the board (HTMX) the
    answer is the row again; otherwise the match page."""

    action = "view"
    http_method_names = ["post"]

    def get_permission(self):
        return (PolicyMatch, self.action)

    def post(self, request, pk):
        match = _match_for(request.user, pk, "view")
        form = self.form_class(request.POST, **self.form_kwargs(match))
        if form.is_valid():
            try:
                match = self.apply(match, form)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                _form_errors(form, exc)
        failed = bool(form.errors)
        if getattr(request, "htmx", False) and request.POST.get("from") == "board":
            match = _match_for(request.user, pk, "view")
            return render(
                request,
                "policies/uptake_board_row.html",
                {
                    "r": _row_context(request.user, match),
                    "errors": [e for errs in form.errors.values() for e in errs] if failed else [],
                },
            )
        if failed:
            if self.form_name:
                view = UptakeMatchView()
                view.request = request
                context = view.context(match, **{self.form_name: form})
                return render(request, UptakeMatchView.template_name, context, status=200)
            for errs in form.errors.values():
                for e in errs:
                    messages.error(request, e)
        else:
            messages.success(request, self.done)
        return redirect("policies:uptake_match", match.pk)

    def form_kwargs(self, match):
        return {}

    form_name = None


class UptakeApplyView(_MatchStep):
    action = "apply"
    form_class = ApplyForm
    form_name = "apply_form"
    done = _("已提交申请，请等待主管部门办理。")

    def form_kwargs(self, match):
        return {"missing": match.missing if match.result == MatchResult.POSSIBLE else []}

    def apply(self, match, form):
        return actions.apply_match(
            match,
            actor=self.request.user,
            facts=form.facts(),
            note=form.cleaned_data["note"],
        )


class UptakeGrantView(_MatchStep):
    action = "grant"
    form_class = GrantForm
    form_name = "grant_form"
    done = _("已批准。")

    def apply(self, match, form):
        return actions.grant_match(
            match,
            actor=self.request.user,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
        )


class UptakeDeclineView(_MatchStep):
    action = "grant"
    form_class = DeclineForm
    done = _("已登记不予批准。")

    def apply(self, match, form):
        return actions.decline_match(
            match, actor=self.request.user, reason=form.cleaned_data["reason"]
        )


class UptakePayView(_MatchStep):
    action = "pay"
    form_class = PayForm
    done = _("已登记拨付。")

    def apply(self, match, form):
        return actions.pay_match(match, actor=self.request.user, note=form.cleaned_data["note"])


class _NoFields(PayForm):
    pass


class UptakeConfirmView(_MatchStep):
    action = "confirm"
    form_class = _NoFields
    done = _("已确认到账，感谢反馈。")

    def apply(self, match, form):
        return actions.confirm_receipt(match, actor=self.request.user)


# --- 应享未享 and follow-up tasks ------------------------------------------------------------------


class UnredeemedView(GrantRequiredMixin, TemplateView):
    """应享未享: one policy's eligible enterprises that have not received the benefit, in a region;
    exportable; a department turns the list into a follow-up task."""

    permission = (PolicyMatch, "view")
    template_name = "policies/uptake_unredeemed.html"

    def get(self, request, pk):
        user = request.user
        policy = _policy_for(user, pk)
        region = jurisdiction_region(user, PolicyMatch, "view", request.GET.get("region"))
        rows = queries_uptake.unredeemed_matches(user, policy, region.code)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            if not can(user, PolicyMatch, "export"):
                raise PermissionDenied(_("您的角色无权导出政策兑现数据。"))
            header = [_("企业名称"), _("统一社会信用代码"), _("区划"), _("兑现进度"), _("推送时间")]
            data = (
                [
                    m.enterprise.name,
                    m.enterprise.credit_code,
                    m.enterprise.region.name,
                    m.get_uptake_display(),
                    timezone.localtime(m.notified_at).strftime("%Y-%m-%d") if m.notified_at else "",
                ]
                for m in rows.iterator(chunk_size=2000)
            )
            stem = f"policy-{policy.series}-unredeemed-{region.code}-{timezone.localdate():%Y%m%d}"
            maker = _csv_response if export == "csv" else _xlsx_response
            response = maker(f"{stem}.{export}", header, data)
            actions.record_uptake_export(
                actor=user, policy=policy, rows=response.rows, what="unredeemed", file_format=export
            )
            return response
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        by_region = [
            f for f in queries_uptake.rates_by_region(user, region, policy=policy) if f.unredeemed
        ]
        open_tasks = {
            t.region_code: t
            for t in queries_uptake.follow_ups(user, status=FollowUpTask.Status.OPEN).filter(
                policy=policy
            )
        }
        for f in by_region:
            f.extra["task"] = open_tasks.get(f.key)
        return render(
            request,
            self.template_name,
            {
                "policy": policy,
                "region": region,
                "ancestors": queries_uptake.region_path(region),
                "page_obj": page,
                "rows": page.object_list,
                "by_region": by_region,
                "may_follow_up": can(user, FollowUpTask, "change"),
                "may_export": can(user, PolicyMatch, "export"),
                "ruleset": rule_set.current(),
            },
        )


class FollowUpAddView(GrantRequiredMixin, View):
    """Turn one policy's 应享未享 list in a region into a follow-up task."""

    permission = (FollowUpTask, "change")
    http_method_names = ["post"]

    def post(self, request, pk):
        policy = _policy_for(request.user, pk)
        form = FollowUpForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择区划。"))
            return redirect("policies:uptake_unredeemed", policy.pk)
        code = form.cleaned_data["region_code"]
        try:
            task = actions.create_follow_up(policy, actor=request.user, region_code=code)
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(
                request,
                _("已生成跟进任务：%(count)s 家企业，责任部门 %(department)s，%(due)s 前完成。")
                % {
                    "count": task.enterprise_count,
                    "department": task.department,
                    "due": task.due_on.isoformat(),
                },
            )
        return redirect(f"{reverse('policies:uptake_unredeemed', args=[policy.pk])}?region={code}")


class FollowUpListView(GrantRequiredMixin, TemplateView):
    """The follow-up tasks in the user's scope, overdue ones flagged, with filters."""

    permission = (FollowUpTask, "view")
    template_name = "policies/uptake_follow_ups.html"

    def get(self, request):
        tasks = queries_uptake.follow_ups(request.user).order_by("status", "due_on", "id")
        filterset = FollowUpFilterSet(request.GET or None, queryset=tasks, request=request)
        if filterset.is_bound and filterset.is_valid():
            tasks = filterset.qs
        page = Paginator(tasks, 50).get_page(request.GET.get("page"))
        return render(
            request,
            self.template_name,
            {
                "filterset": filterset,
                "page_obj": page,
                "tasks": page.object_list,
                "close_form": CloseFollowUpForm(),
                "may_close": can(request.user, FollowUpTask, "change"),
                "query_without_page": _without_page(request),
            },
        )


class FollowUpCloseView(GrantRequiredMixin, View):
    permission = (FollowUpTask, "change")
    http_method_names = ["post"]

    def post(self, request, pk):
        task = get_object_or_404(FollowUpTask.objects.visible_to(request.user, "change"), pk=pk)
        form = CloseFollowUpForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写跟进结果。"))
        else:
            try:
                actions.close_follow_up(
                    task, actor=request.user, outcome=form.cleaned_data["outcome"]
                )
            except (ValidationError, PermissionDenied) as exc:
                _flash(request, exc)
            else:
                messages.success(request, _("跟进任务已完成。"))
        return redirect("policies:follow_up_list")


# --- calculators (POL-06) -------------------------------------------------------------------------


def _own_units(user):
    if not unit_only(user):
        return []
    ids = [g.enterprise_id for g in user.active_grants()]
    return list(Enterprise.objects.filter(pk__in=ids).order_by("name"))


class SubsidyIndexView(GrantRequiredMixin, TemplateView):
    """补贴测算: the calculators with the rule-set parameters they read, and the history of
    calculations in the user's scope."""

    permission = (SubsidyCalculation, "view")
    template_name = "policies/uptake_subsidies.html"

    def get(self, request):
        user = request.user
        rows = (
            SubsidyCalculation.objects.visible_to(user, "view")
            .select_related("enterprise", "calculated_by")
            .order_by("-calculated_at", "-id")
        )
        filterset = SubsidyCalculationFilterSet(request.GET or None, queryset=rows, request=request)
        if filterset.is_bound and filterset.is_valid():
            rows = filterset.qs
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        ruleset = rule_set.current()
        cards = [
            {
                "calculator": c,
                "parameters": [
                    (rule_set.BY_KEY[key].label, ruleset[key], rule_set.BY_KEY[key].unit)
                    for key in c.parameters
                ],
            }
            for c in calculators.CALCULATORS.values()
        ]
        return render(
            request,
            self.template_name,
            {
                "cards": cards,
                "ruleset": ruleset,
                "filterset": filterset,
                "page_obj": page,
                "rows": page.object_list,
                "labels": {c.key: c.label for c in calculators.CALCULATORS.values()},
                "may_add": can(user, SubsidyCalculation, "add"),
                "query_without_page": _without_page(request),
            },
        )


class SubsidyCalculateView(GrantRequiredMixin, TemplateView):
    """One calculator's form (departments and enterprises); the result is stored with the rule
    version and shown on its own page."""

    permission = (SubsidyCalculation, "add")
    template_name = "policies/uptake_subsidy_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("key") not in calculators.CALCULATORS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data=None):
        units = _own_units(self.request.user)
        initial = {}
        if units and self.kwargs["key"] in ("sampling_house", "nat_testing"):
            initial["staff"] = units[0].employees
        return CalculatorForm(data, calculator=self.kwargs["key"], own_units=units, initial=initial)

    def _render(self, form):
        calculator = calculators.CALCULATORS[self.kwargs["key"]]
        ruleset = rule_set.current()
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "calculator": calculator,
                "ruleset": ruleset,
                "parameters": [
                    (rule_set.BY_KEY[key].label, ruleset[key], rule_set.BY_KEY[key].unit)
                    for key in calculator.parameters
                ],
            },
        )

    def get(self, request, key):
        return self._render(self._form())

    def post(self, request, key):
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(form)
        user = request.user
        enterprise, region_code = None, None
        if "enterprise" in form.cleaned_data:
            enterprise = next(u for u in form.own_units if u.pk == form.cleaned_data["enterprise"])
        else:
            code = (form.cleaned_data.get("credit_code") or "").strip().upper()
            if code:
                # a unit of the user's jurisdiction (calculations are scoped by region only)
                enterprise = next(
                    (
                        e
                        for e in Enterprise.objects.active().filter(credit_code=code)
                        if covers(
                            user,
                            SubsidyCalculation,
                            "add",
                            region_code=e.region_id,
                            enterprise_id=e.pk,
                        )
                    ),
                    None,
                )
                if enterprise is None:
                    form.add_error("credit_code", _("您的辖区内没有该统一社会信用代码的单位。"))
                    return self._render(form)
            region_code = form.cleaned_data.get("region_code") or None
            if enterprise is None and not region_code:
                regions = [g.region_id for g in user.active_grants() if not g.enterprise_id]
                region_code = min(regions, key=len) if regions else None
        try:
            calculation = actions.calculate_subsidy(
                key,
                actor=user,
                inputs=form.inputs(),
                enterprise=enterprise,
                region_code=region_code,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self._render(form)
        messages.success(request, _("测算完成。"))
        return redirect("policies:subsidy_detail", calculation.pk)


class SubsidyDetailView(GrantRequiredMixin, TemplateView):
    """One stored calculation: inputs, result lines, the rule-set version it read."""

    permission = (SubsidyCalculation, "view")
    template_name = "policies/uptake_subsidy_detail.html"

    def get(self, request, pk):
        calculation = get_object_or_404(
            SubsidyCalculation.objects.visible_to(request.user, "view").select_related(
                "enterprise", "calculated_by"
            ),
            pk=pk,
        )
        calculator = calculators.CALCULATORS.get(calculation.calculator)
        labels = {f.name: f.label for f in calculator.fields} if calculator else {}
        choices = {f.name: dict(f.choices) for f in calculator.fields} if calculator else {}
        inputs = []
        for name, value in calculation.inputs.items():
            if isinstance(value, bool):
                shown = _("是") if value else _("否")
            else:
                shown = choices.get(name, {}).get(value, value)
            inputs.append((labels.get(name, name), shown))
        current = rule_set.current()
        return render(
            request,
            self.template_name,
            {
                "calculation": calculation,
                "calculator": calculator,
                "inputs": inputs,
                "current_version": current.version,
                "parameters": [
                    (rule_set.BY_KEY[k].label if k in rule_set.BY_KEY else k, v)
                    for k, v in (calculation.result.get("parameters") or {}).items()
                ],
            },
        )


urlpatterns = [
    path("uptake/", UptakeIndexView.as_view(), name="uptake_index"),
    path("uptake/regions/", UptakeRegionsView.as_view(), name="uptake_regions"),
    path("uptake/policies/<int:pk>/", UptakeBoardView.as_view(), name="uptake_board"),
    path("uptake/policies/<int:pk>/mine/", UptakeMineView.as_view(), name="uptake_mine"),
    path(
        "uptake/policies/<int:pk>/unredeemed/",
        UnredeemedView.as_view(),
        name="uptake_unredeemed",
    ),
    path(
        "uptake/policies/<int:pk>/follow-ups/add/",
        FollowUpAddView.as_view(),
        name="follow_up_add",
    ),
    path("uptake/matches/", UptakeMatchListView.as_view(), name="uptake_matches"),
    path("uptake/matches/<int:pk>/", UptakeMatchView.as_view(), name="uptake_match"),
    path(
        "uptake/matches/<int:pk>/apply/",
        UptakeApplyView.as_view(),
        name="uptake_apply",
    ),
    path(
        "uptake/matches/<int:pk>/grant/",
        UptakeGrantView.as_view(),
        name="uptake_grant",
    ),
    path(
        "uptake/matches/<int:pk>/decline/",
        UptakeDeclineView.as_view(),
        name="uptake_decline",
    ),
    path("uptake/matches/<int:pk>/pay/", UptakePayView.as_view(), name="uptake_pay"),
    path(
        "uptake/matches/<int:pk>/confirm/",
        UptakeConfirmView.as_view(),
        name="uptake_confirm",
    ),
    path("uptake/follow-ups/", FollowUpListView.as_view(), name="follow_up_list"),
    path(
        "uptake/follow-ups/<int:pk>/close/",
        FollowUpCloseView.as_view(),
        name="follow_up_close",
    ),
    path("subsidies/", SubsidyIndexView.as_view(), name="subsidy_index"),
    path(
        "subsidies/history/<int:pk>/",
        SubsidyDetailView.as_view(),
        name="subsidy_detail",
    ),
    path(
        "subsidies/<slug:key>/",
        SubsidyCalculateView.as_view(),
        name="subsidy_calculate",
    ),
]
