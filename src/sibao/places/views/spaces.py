"""Pages of the spaces area (EPI-05): a unit's space tree with the code status of every space and
its coverage check, the forms to add, edit, move and close spaces, issuing, renewing and revoking
codes, the printable A4 code sheet and one code's PNG, the region coverage list (with its export)
for government roles, a unit's badges (EPI-06: workers without a smartphone) and the panel on the
enterprise page. Every write goes through ``places.actions``; every scoped read through
``visible_to``.
"""

import csv
import io

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django_htmx.http import HttpResponseClientRefresh

from sibao.accounts.access import covers
from sibao.core.generic import GrantRequiredMixin
from sibao.enterprises.models import Enterprise
from sibao.epidemic.models import StaffMember
from sibao.epidemic.views.units import RegionPageMixin
from sibao.places import actions, coding_rules, queries_spaces
from sibao.places.forms_spaces import (
    ChildForm,
    MoveForm,
    OptionalReasonForm,
    ReasonForm,
    SiteForm,
    SpaceEditForm,
)
from sibao.places.models import Badge, PlaceCode, Space, SpaceKind, Zone
from sibao.regions.models import Region

TREE_PAGE_SIZE = 200
SHEET_PER_PAGE = 6  # 2 × 3 codes on an A4 page
BADGES_PER_PAGE = 8  # 2 × 4 badges on an A4 page


def scan_url(request, code) -> str:
    """What a code's QR carries: the absolute URL of the public scan page (contracts)."""
    return request.build_absolute_uri(f"/s/{code.payload}/")


def qr_svg(text: str, scale: int = 4) -> str:
    return segno.make(text, error="m").svg_inline(scale=scale, border=2)


def _unit(request, pk):
    """The unit named in the URL, if the user may see it (else 404, like a missing one)."""
    return get_object_or_404(
        Enterprise.objects.visible_to(request.user, "view").select_related("region"), pk=pk
    )


def _may(user, model, action: str, unit) -> bool:
    return covers(user, model, action, region_code=unit.region_id, enterprise_id=unit.pk)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _flash_errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _zones(unit):
    return Zone.objects.filter(enterprise_id=unit.pk).order_by("kind", "name")


def tree_url(unit_id, space_id=None) -> str:
    url = reverse("places:unit_spaces", args=[unit_id])
    return f"{url}#space-{space_id}" if space_id else url


def _done(request, url):
    """After a saved form: a page goes to ``url``; a form opened inside the tree (HTMX) reloads
    the tree page it sits on, keeping its filters (a redirect that changed only the URL's
    fragment would not reload it)."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRefresh()
    return redirect(url)


# --- the tree -------------------------------------------------------------------------------------


class UnitSpacesView(GrantRequiredMixin, View):
    """EPI-05: a unit's space tree: kind badges, the code status of every space (valid until,
    expired, needed, none), the buttons to add, edit, move, close and to issue, renew and revoke
    codes; the coverage panel (spaces that need a code and lack one) with the rules in force.
    ``q``/``kind``/``status`` narrow the rows (each shown with its full path name)."""

    permission = (Space, "view")
    template_name = "places/spaces_tree.html"

    def get(self, request, pk):
        unit = _unit(request, pk)
        user = request.user
        rules = coding_rules.current()
        show_inactive = request.GET.get("inactive") == "1"
        nodes = queries_spaces.unit_tree(unit, user=user, rules=rules)
        coverage = queries_spaces.coverage_of(nodes, rules)
        rows = nodes if show_inactive else [n for n in nodes if n.space.is_active]
        q = request.GET.get("q", "").strip()
        kind = request.GET.get("kind", "")
        status = request.GET.get("status", "")
        filtered = bool(q or kind or status)
        if q:
            rows = [n for n in rows if q in n.space.name]
        if kind in SpaceKind.values:
            rows = [n for n in rows if n.space.kind == kind]
        if status == "gap":
            rows = [n for n in rows if n.needs_code and n.status != queries_spaces.VALID]
        elif status in queries_spaces.STATUS_LABELS:
            rows = [n for n in rows if n.status == status]
        page = Paginator(rows, TREE_PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "unit": unit,
            "page_obj": page,
            "nodes": page.object_list,
            "filtered": filtered,
            "coverage": coverage,
            "rules": rules,
            "kinds": SpaceKind.choices,
            "statuses": [*queries_spaces.STATUS_LABELS.items(), ("gap", _("缺码（需赋码未赋码）"))],
            "q": q,
            "kind": kind,
            "status": status,
            "show_inactive": show_inactive,
            "query_without_page": query.urlencode(),
            "inactive_count": sum(1 for n in nodes if not n.space.is_active),
            "has_spaces": bool(nodes),
            "can_add": not unit.merged_into_id and _may(user, Space, "add", unit),
            "can_change": not unit.merged_into_id and _may(user, Space, "change", unit),
            "can_issue": not unit.merged_into_id and _may(user, PlaceCode, "add", unit),
            "can_revoke": _may(user, PlaceCode, "revoke", unit),
            "can_badges": _may(user, Badge, "view", unit),
            "today": timezone.localdate(),
        }
        return render(request, self.template_name, context)


class SpacesPanelView(GrantRequiredMixin, View):
    """The enterprise page's panel (HTMX): spaces, codes, coverage, and the link to the tree."""

    permission = (Space, "view")

    def get(self, request, pk):
        unit = _unit(request, pk)
        rules = coding_rules.current()
        nodes = queries_spaces.unit_tree(unit, user=request.user, rules=rules)
        context = {
            "unit": unit,
            "coverage": queries_spaces.coverage_of(nodes, rules),
            "spaces": sum(1 for n in nodes if n.space.is_active),
            "codes": sum(1 for n in nodes if n.status == queries_spaces.VALID),
        }
        return render(request, "places/spaces_panel.html", context)


# --- adding, editing, moving, closing -------------------------------------------------------------


class _FormView(GrantRequiredMixin, View):
    """A form shown as a page or, for HTMX, as a fragment inside the tree (errors re-rendered
    with 200 so that HTMX swaps them in)."""

    template_name = "places/spaces_form.html"
    partial_template_name = "places/spaces_form_partial.html"
    title = ""

    def render_form(self, form, status=200):
        htmx = getattr(self.request, "htmx", False)
        context = {
            "form": form,
            "unit": self.unit,
            "title": self.title,
            "action_url": self.request.path,
            "space": getattr(self, "space", None),
        }
        template = self.partial_template_name if htmx else self.template_name
        return render(self.request, template, context, status=200 if htmx else status)


class SiteAddView(_FormView):
    """EPI-05: add a site (厂区、场所) with its venue type: the root of a tree."""

    permission = (Space, "add")

    def setup_unit(self, pk):
        self.unit = _unit(self.request, pk)
        self.title = _("添加厂区（场所）")
        if not _may(self.request.user, Space, "add", self.unit):
            raise PermissionDenied(_("您无权管理该单位的场所。"))

    def get(self, request, pk):
        self.setup_unit(pk)
        return self.render_form(SiteForm(zones=_zones(self.unit)))

    def post(self, request, pk):
        self.setup_unit(pk)
        form = SiteForm(request.POST, zones=_zones(self.unit))
        if form.is_valid():
            try:
                space = actions.create_space(
                    self.unit, actor=request.user, kind=SpaceKind.SITE, **form.cleaned_data
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已添加“%(name)s”。") % {"name": space.name})
                return _done(request, tree_url(self.unit.pk, space.pk))
        return self.render_form(form, status=422)


class _SpaceFormView(_FormView):
    """Forms about one space: it must be visible for ``scope_action`` (else 404)."""

    scope_action = "change"

    def setup_space(self, pk):
        self.space = get_object_or_404(
            Space.objects.visible_to(self.request.user, self.scope_action).select_related(
                "enterprise", "enterprise__region"
            ),
            pk=pk,
        )
        self.unit = self.space.enterprise


class ChildAddView(_SpaceFormView):
    """EPI-05: add a space under a parent (building, floor, workshop, area, room, door,
    enclosed space); in the tree the form opens under the parent's row (HTMX)."""

    permission = (Space, "add")
    scope_action = "add"

    def get(self, request, pk):
        self.setup_space(pk)
        self.title = _("在“%(name)s”下添加空间") % {"name": self.space.name}
        return self.render_form(ChildForm(zones=_zones(self.unit)))

    def post(self, request, pk):
        self.setup_space(pk)
        self.title = _("在“%(name)s”下添加空间") % {"name": self.space.name}
        form = ChildForm(request.POST, zones=_zones(self.unit))
        if form.is_valid():
            try:
                space = actions.create_space(
                    self.unit, actor=request.user, parent=self.space, **form.cleaned_data
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已添加“%(name)s”。") % {"name": space.name})
                return _done(request, tree_url(self.unit.pk, space.pk))
        return self.render_form(form, status=422)


class SpaceEditView(_SpaceFormView):
    """EPI-05: rename a space, change its kind or zone, or a site's venue type."""

    permission = (Space, "change")

    def form(self, data=None):
        space = self.space
        initial = {"name": space.name, "zone": space.zone_id}
        initial["kind" if space.parent_id else "venue_type"] = (
            space.kind if space.parent_id else space.venue_type
        )
        return SpaceEditForm(data, initial=initial, space=space, zones=_zones(self.unit))

    def get(self, request, pk):
        self.setup_space(pk)
        self.title = _("编辑“%(name)s”") % {"name": self.space.name}
        return self.render_form(self.form())

    def post(self, request, pk):
        self.setup_space(pk)
        self.title = _("编辑“%(name)s”") % {"name": self.space.name}
        form = self.form(request.POST)
        if form.is_valid():
            try:
                space = actions.update_space(self.space, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已保存“%(name)s”。") % {"name": space.name})
                return _done(request, tree_url(self.unit.pk, space.pk))
        return self.render_form(form, status=422)


class SpaceMoveView(_SpaceFormView):
    """EPI-05: move a space with everything under it to another parent of the same unit."""

    permission = (Space, "change")

    def form(self, data=None):
        nodes = queries_spaces.unit_tree(self.unit, user=self.request.user)
        choices = queries_spaces.space_choices(nodes, exclude_path=self.space.path)
        return MoveForm(data, initial={"parent": self.space.parent_id}, choices=choices)

    def get(self, request, pk):
        self.setup_space(pk)
        self.title = _("移动“%(name)s”") % {"name": self.space.name}
        return self.render_form(self.form())

    def post(self, request, pk):
        self.setup_space(pk)
        self.title = _("移动“%(name)s”") % {"name": self.space.name}
        form = self.form(request.POST)
        if form.is_valid():
            parent = Space.objects.filter(pk=form.cleaned_data["parent"]).first()
            try:
                space = actions.move_space(self.space, actor=request.user, parent=parent)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已移动“%(name)s”。") % {"name": space.name})
                return _done(request, tree_url(self.unit.pk, space.pk))
        return self.render_form(form, status=422)


@method_decorator(require_POST, name="dispatch")
class SpaceDeactivateView(GrantRequiredMixin, View):
    """EPI-05: close a space and everything under it; their valid codes are revoked."""

    permission = (Space, "change")

    def post(self, request, pk):
        space = get_object_or_404(Space.objects.visible_to(request.user, "change"), pk=pk)
        form = OptionalReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            actions.deactivate_space(space, actor=request.user, reason=reason)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("已停用“%(name)s”及其下级空间，相关场所码已作废。") % {"name": space.name},
            )
        return redirect(tree_url(space.enterprise_id))


@method_decorator(require_POST, name="dispatch")
class SpaceReactivateView(GrantRequiredMixin, View):
    """EPI-05: open a closed space again (its codes stay revoked: issue a new one)."""

    permission = (Space, "change")

    def post(self, request, pk):
        space = get_object_or_404(Space.objects.visible_to(request.user, "change"), pk=pk)
        try:
            actions.reactivate_space(space, actor=request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("已启用“%(name)s”。") % {"name": space.name})
        return redirect(f"{tree_url(space.enterprise_id)}?inactive=1#space-{space.pk}")


# --- codes ----------------------------------------------------------------------------------------


@method_decorator(require_POST, name="dispatch")
class CodeIssueView(GrantRequiredMixin, View):
    """EPI-05: issue a code for a space, or renew it (the old one is revoked)."""

    permission = (PlaceCode, "add")

    def post(self, request, pk):
        space = get_object_or_404(
            Space.objects.visible_to(request.user, "view").select_related("enterprise"), pk=pk
        )
        try:
            code = actions.issue_code(space, actor=request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(
                request,
                _("已为“%(name)s”生成场所码，有效期至 %(date)s。")
                % {"name": space.name, "date": code.expires_on.isoformat()},
            )
        return redirect(tree_url(space.enterprise_id, space.pk))


@method_decorator(require_POST, name="dispatch")
class MissingCodesView(GrantRequiredMixin, View):
    """EPI-05: issue a code for every space the coverage check lists."""

    permission = (PlaceCode, "add")

    def post(self, request, pk):
        unit = _unit(request, pk)
        try:
            issued = actions.issue_missing_codes(unit, actor=request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("已生成 %(n)d 个场所码。") % {"n": len(issued)})
        return redirect(tree_url(unit.pk))


@method_decorator(require_POST, name="dispatch")
class CodeRevokeView(GrantRequiredMixin, View):
    """EPI-05: revoke a code (the unit's admin, or the health office of its region)."""

    permission = (PlaceCode, "revoke")

    def post(self, request, pk):
        code = get_object_or_404(
            PlaceCode.objects.visible_to(request.user, "revoke").select_related("space"), pk=pk
        )
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写作废原因。"))
        else:
            try:
                actions.revoke_code(code, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(
                    request, _("已作废“%(name)s”的场所码。") % {"name": code.space.name}
                )
        return redirect(tree_url(code.enterprise_id, code.space_id))


class CodePngView(GrantRequiredMixin, View):
    """EPI-05: one valid code's QR as a PNG (the scan page's absolute URL)."""

    permission = (PlaceCode, "view")

    def get(self, request, pk):
        today = timezone.localdate()
        code = get_object_or_404(
            PlaceCode.objects.visible_to(request.user, "view").filter(
                queries_spaces.valid_code_q(today)
            ),
            pk=pk,
        )
        buffer = io.BytesIO()
        segno.make(scan_url(request, code), error="m").save(buffer, kind="png", scale=10, border=4)
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
        response["Content-Disposition"] = f'inline; filename="place-code-{code.pk}.png"'
        return response


class CodeSheetView(GrantRequiredMixin, View):
    """EPI-05: the unit's valid codes on A4 pages for printing, six to a page: the QR (inline
    SVG of the scan page's absolute URL), the unit, the space's full path name, its kind, the
    expiry and the instruction. ``under=<space id>``: one subtree; ``space=<id>``: one code."""

    permission = (PlaceCode, "view")

    def get(self, request, pk):
        unit = _unit(request, pk)
        today = timezone.localdate()
        nodes = queries_spaces.unit_tree(unit, user=request.user)
        under = request.GET.get("under", "")
        single = request.GET.get("space", "")
        root = None
        if under.isdigit():
            root = next((n for n in nodes if n.space.pk == int(under)), None)
            if root is None:
                raise Http404
        cards = []
        for node in nodes:
            if node.status != queries_spaces.VALID:
                continue
            if root is not None and not node.space.path.startswith(root.space.path):
                continue
            if single.isdigit() and node.space.pk != int(single):
                continue
            url = scan_url(request, node.code)
            cards.append({"node": node, "url": url, "svg": qr_svg(url, scale=5)})
        pages = [cards[i : i + SHEET_PER_PAGE] for i in range(0, len(cards), SHEET_PER_PAGE)]
        context = {"unit": unit, "pages": pages, "count": len(cards), "today": today, "root": root}
        return render(request, "places/spaces_sheet.html", context)


# --- region coverage ------------------------------------------------------------------------------


COVERAGE_STATES = (
    ("gaps", _("有缺码或未建空间")),
    ("missing", _("有缺码")),
    ("no_tree", _("未建空间")),
    ("complete", _("已全覆盖")),
    ("all", _("全部")),
)


class CoverageView(RegionPageMixin, TemplateView):
    """EPI-05: 场所码全覆盖 for government roles: per child region the units, those with a space
    tree, those with gaps and the missing codes; then the units themselves (default: those with
    gaps or no tree yet), each leading to its tree. A unit admin is taken to its own tree."""

    permission = (Space, "view")
    unit_url_name = "places:unit_spaces"
    template_name = "places/spaces_coverage.html"
    page_size = 50

    def select(self, region, state: str, q: str):
        """(rows per child region, totals, the units of ``state`` annotated, the rules)."""
        user = self.request.user
        rules = coding_rules.current()
        spaces = Space.objects.visible_to(user, "view").filter(region_code__startswith=region.code)
        units = queries_spaces.units_with_state(self.units(region).active(), spaces, rules=rules)
        children = {c.code: c for c in Region.objects.filter(parent=region).order_by("code")}
        if not children:
            children = {region.code: region}
        keys = ("units", "with_tree", "with_gaps", "needed", "missing")
        table = {
            code: {"region": child, **dict.fromkeys(keys, 0)} for code, child in children.items()
        }

        def row_of(code):
            for length in (len(region.code) + 2, 6):
                if code[:length] in table:
                    return table[code[:length]]
            return None

        per_region = (
            units.order_by()
            .values("region_id")
            .annotate(
                n=Count("pk"),
                tree=Count("pk", filter=Q(has_tree=True)),
                gaps=Count("pk", filter=Q(has_gaps=True)),
            )
        )
        for entry in per_region:
            row = row_of(entry["region_id"])
            if row is not None:
                row["units"] += entry["n"]
                row["with_tree"] += entry["tree"]
                row["with_gaps"] += entry["gaps"]
        for code, entry in queries_spaces.space_stats(
            spaces, by="region_code", rules=rules
        ).items():
            row = row_of(code)
            if row is not None:
                row["needed"] += entry["needed"]
                row["missing"] += entry["missing"]
        for row in table.values():
            row["no_tree"] = row["units"] - row["with_tree"]
        totals = {key: sum(r[key] for r in table.values()) for key in keys}
        if state == "missing":
            units = units.filter(has_gaps=True)
        elif state == "no_tree":
            units = units.filter(has_tree=False)
        elif state == "complete":
            units = units.filter(has_tree=True, has_gaps=False)
        elif state == "gaps":
            units = units.filter(Q(has_gaps=True) | Q(has_tree=False))
        if q:
            units = units.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
        units = units.select_related("region").order_by("region_id", "name", "pk")
        return list(table.values()), totals, units, spaces, rules

    def stats_for(self, units, spaces, rules) -> dict:
        ids = [u.pk for u in units]
        return queries_spaces.space_stats(spaces.filter(enterprise_id__in=ids), rules=rules)

    def params(self):
        state = self.request.GET.get("state", "gaps")
        if state not in dict(COVERAGE_STATES):
            state = "gaps"
        return state, self.request.GET.get("q", "").strip()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.region()
        state, q = self.params()
        rows, totals, units, spaces, rules = self.select(region, state, q)
        page = Paginator(units, self.page_size).get_page(self.request.GET.get("page"))
        stats = self.stats_for(page.object_list, spaces, rules)
        empty = {"spaces": 0, "needed": 0, "missing": 0}
        for unit in page.object_list:
            entry = dict(stats.get(unit.pk, empty))
            entry["covered"] = entry["needed"] - entry["missing"]
            unit.coverage = entry
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            region=region,
            crumbs=self.breadcrumbs(region),
            rows=rows,
            totals=totals,
            drill_down=region.code not in {r["region"].code for r in rows},
            page_obj=page,
            units=page.object_list,
            state=state,
            states=COVERAGE_STATES,
            q=q,
            rules=rules,
            query_without_page=query.urlencode(),
            extra_query=f"&state={state}",
        )
        return context


class CoverageExportView(CoverageView):
    """EPI-05: the coverage list as CSV (Excel opens it), filtered like the page."""

    def get(self, request, *args, **kwargs):
        region = self.region()
        state, q = self.params()
        _rows, _totals, units, spaces, rules = self.select(region, state, q)
        stats = queries_spaces.space_stats(spaces, rules=rules)
        empty = {"spaces": 0, "needed": 0, "missing": 0}
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
        writer = csv.writer(buffer)
        writer.writerow(
            [
                _("单位"),
                _("统一社会信用代码"),
                _("区划"),
                _("空间数"),
                _("需赋码"),
                _("已赋码"),
                _("缺码"),
                _("状态"),
            ]
        )
        for unit in units.iterator(chunk_size=2000):
            entry = stats.get(unit.pk, empty)
            if not entry["spaces"]:
                label = _("未建空间")
            elif entry["missing"]:
                label = _("有缺码")
            else:
                label = _("已全覆盖")
            writer.writerow(
                [
                    unit.name,
                    unit.credit_code,
                    unit.region.full_name,
                    entry["spaces"],
                    entry["needed"],
                    entry["needed"] - entry["missing"],
                    entry["missing"],
                    label,
                ]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stem = f"place-code-coverage-{region.code}-{timezone.localdate():%Y%m%d}"
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response


# --- badges (EPI-06: workers without a smartphone) --------------------------------------------------


class UnitBadgesView(GrantRequiredMixin, View):
    """A unit's active staff with their badge status; issue (one or the selected), revoke, and
    print the badge sheet. ``q`` name, ``team``, ``badge`` (has / none) narrow the list."""

    permission = (Badge, "view")
    page_size = 50

    def get(self, request, pk):
        unit = _unit(request, pk)
        user = request.user
        badges = Badge.objects.visible_to(user, "view").filter(
            staff_id=OuterRef("pk"), revoked_at__isnull=True
        )
        staff = (
            StaffMember.objects.visible_to(user, "view")
            .filter(enterprise_id=unit.pk, is_active=True)
            .annotate(has_badge=Exists(badges))
        )
        q = request.GET.get("q", "").strip()
        team = request.GET.get("team", "").strip()
        badge = request.GET.get("badge", "")
        teams = sorted({t for t in staff.values_list("team", flat=True).distinct() if t})
        if q:
            staff = staff.filter(name__icontains=q)
        if team:
            staff = staff.filter(team=team)
        if badge in ("has", "none"):
            staff = staff.filter(has_badge=badge == "has")
        page = Paginator(staff.order_by("team", "name", "pk"), self.page_size).get_page(
            request.GET.get("page")
        )
        valid = {
            b.staff_id: b
            for b in Badge.objects.visible_to(user, "view").filter(
                staff_id__in=[s.pk for s in page.object_list], revoked_at__isnull=True
            )
        }
        for person in page.object_list:
            person.badge = valid.get(person.pk)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "unit": unit,
            "page_obj": page,
            "staff": page.object_list,
            "teams": teams,
            "q": q,
            "team": team,
            "badge": badge,
            "query_without_page": query.urlencode(),
            "can_issue": not unit.merged_into_id and _may(user, Badge, "add", unit),
            "can_revoke": _may(user, Badge, "revoke", unit),
            "valid_count": Badge.objects.visible_to(user, "view")
            .filter(enterprise_id=unit.pk, revoked_at__isnull=True)
            .count(),
        }
        return render(request, "places/spaces_badges.html", context)


@method_decorator(require_POST, name="dispatch")
class BadgeIssueView(GrantRequiredMixin, View):
    """Issue badges to the selected staff of a unit (``staff`` ids); those who already hold a
    valid badge are skipped and named."""

    permission = (Badge, "add")

    def post(self, request, pk):
        unit = _unit(request, pk)
        ids = [int(v) for v in request.POST.getlist("staff") if v.isdigit()]
        people = StaffMember.objects.visible_to(request.user, "view").filter(
            enterprise_id=unit.pk, pk__in=ids
        )
        issued, refused = 0, []
        for person in people.select_related("enterprise"):
            try:
                actions.issue_badge(person, actor=request.user)
                issued += 1
            except ValidationError as exc:
                refused.append(f"{person.name}：{'；'.join(exc.messages)}")
        if not ids:
            messages.error(request, _("请选择要发放工牌码的人员。"))
        if issued:
            messages.success(request, _("已发放 %(n)d 个工牌码。") % {"n": issued})
        for line in refused:
            messages.error(request, line)
        return redirect(request.POST.get("next") or reverse("places:unit_badges", args=[unit.pk]))


@method_decorator(require_POST, name="dispatch")
class BadgeRevokeView(GrantRequiredMixin, View):
    permission = (Badge, "revoke")

    def post(self, request, pk):
        badge = get_object_or_404(
            Badge.objects.visible_to(request.user, "revoke").select_related("staff"), pk=pk
        )
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写作废原因。"))
        else:
            try:
                actions.revoke_badge(badge, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _flash_errors(request, exc)
            else:
                messages.success(
                    request, _("已作废“%(name)s”的工牌码。") % {"name": badge.staff.name}
                )
        return redirect(reverse("places:unit_badges", args=[badge.enterprise_id]))


class BadgeSheetView(GrantRequiredMixin, View):
    """The unit's valid badges on A4 pages (eight to a page): name, masked ID number, team and
    the QR of the badge's signed payload (a gate device reads it; no page behind it).
    ``team``: one team only."""

    permission = (Badge, "view")

    def get(self, request, pk):
        unit = _unit(request, pk)
        badges = (
            Badge.objects.visible_to(request.user, "view")
            .filter(enterprise_id=unit.pk, revoked_at__isnull=True, staff__is_active=True)
            .select_related("staff")
            .order_by("staff__team", "staff__name", "pk")
        )
        team = request.GET.get("team", "").strip()
        if team:
            badges = badges.filter(staff__team=team)
        cards = [{"badge": b, "svg": qr_svg(b.payload, scale=4)} for b in badges]
        pages = [cards[i : i + BADGES_PER_PAGE] for i in range(0, len(cards), BADGES_PER_PAGE)]
        context = {"unit": unit, "pages": pages, "count": len(cards), "team": team}
        return render(request, "places/spaces_badge_sheet.html", context)


# --- addresses (included by places/urls.py under the "places" namespace) ------------------------

urlpatterns = [
    path("units/<int:pk>/spaces/", UnitSpacesView.as_view(), name="unit_spaces"),
    path("units/<int:pk>/spaces/add/", SiteAddView.as_view(), name="site_add"),
    path("units/<int:pk>/spaces/panel/", SpacesPanelView.as_view(), name="spaces_panel"),
    path("spaces/<int:pk>/add/", ChildAddView.as_view(), name="space_add"),
    path("spaces/<int:pk>/edit/", SpaceEditView.as_view(), name="space_edit"),
    path("spaces/<int:pk>/move/", SpaceMoveView.as_view(), name="space_move"),
    path(
        "spaces/<int:pk>/deactivate/",
        SpaceDeactivateView.as_view(),
        name="space_deactivate",
    ),
    path(
        "spaces/<int:pk>/reactivate/",
        SpaceReactivateView.as_view(),
        name="space_reactivate",
    ),
    path("spaces/<int:pk>/code/", CodeIssueView.as_view(), name="code_issue"),
    path(
        "units/<int:pk>/codes/issue-missing/",
        MissingCodesView.as_view(),
        name="codes_issue_missing",
    ),
    path("units/<int:pk>/codes/sheet/", CodeSheetView.as_view(), name="code_sheet"),
    path("codes/<int:pk>.png", CodePngView.as_view(), name="code_png"),
    path("codes/<int:pk>/revoke/", CodeRevokeView.as_view(), name="code_revoke"),
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("coverage/export/", CoverageExportView.as_view(), name="coverage_export"),
    path("units/<int:pk>/badges/", UnitBadgesView.as_view(), name="unit_badges"),
    path("units/<int:pk>/badges/issue/", BadgeIssueView.as_view(), name="badge_issue"),
    path("units/<int:pk>/badges/sheet/", BadgeSheetView.as_view(), name="badge_sheet"),
    path("badges/<int:pk>/revoke/", BadgeRevokeView.as_view(), name="badge_revoke"),
]
