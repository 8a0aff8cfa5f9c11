"""Pages of the zones area (EPI-13, 划小单元): one page per unit with the findings of the checks
on top and its zones (with the spaces linked to them), shifts (a day timeline per zone), teams,
dormitory rooms and bubble groups; add/edit forms (HTMX into the page, or plain pages); a region
page for government roles (units with findings) and its CSV export. Every write goes through
``places.actions``; every scoped read through ``visible_to``."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from sibao.accounts.access import allowing_grants, covers
from sibao.core import audit
from sibao.core.generic import GrantRequiredMixin
from sibao.epidemic.views.units import RegionPageMixin, UnitView
from sibao.places import actions, queries_zones
from sibao.places.forms_zones import (
    BubbleGroupForm,
    DormitoryRoomForm,
    ShiftForm,
    TeamForm,
    ZoneForm,
)
from sibao.places.models import BubbleGroup, DormitoryRoom, Shift, Team, Zone, ZoneKind
from sibao.regions.models import Region

KIND_ORDER = {kind: i for i, kind in enumerate(ZoneKind.values)}


def _may(user, model, action: str, unit) -> bool:
    return covers(user, model, action, region_code=unit.region_id, enterprise_id=unit.pk)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def unit_url(unit_id: int, anchor: str = "") -> str:
    url = reverse("places:zones_unit", args=[unit_id])
    return f"{url}#{anchor}" if anchor else url


def _done(request, unit_id: int, anchor: str):
    """After a write: back to the unit page, at the section (HTMX: a client-side redirect to
    the page's top, where the message and the findings are; a redirect to the same page with
    only another "#section" would not reload it)."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = unit_url(unit_id)
        return response
    return redirect(unit_url(unit_id, anchor))


# --- the unit page -------------------------------------------------------------------------------


class ZonesUnitView(UnitView):
    """EPI-13: a unit's small units and the findings of the checks. Government roles read; the
    unit's admin also adds, edits and deletes. A user whose grants do not reach this unit's zones
    gets 404, as for a missing unit."""

    permission = (Zone, "view")
    template_name = "places/zones_unit.html"

    def get_object(self, queryset=None):
        unit = super().get_object(queryset)
        if not _may(self.request.user, Zone, "view", unit):
            raise Http404
        return unit

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        data = queries_zones.unit_data(unit, user)
        findings = queries_zones.unit_checks(data)
        heads, room_heads = data.team_heads(), data.room_heads()
        shifts_by_zone, shifts_by_team, rooms_by_team = {}, {}, {}
        for shift in data.shifts:
            shifts_by_zone.setdefault(shift.zone_id, []).append(shift)
            shifts_by_team.setdefault(shift.team_id, []).append(shift)
        for room in data.rooms:
            if room.team_id:
                rooms_by_team.setdefault(room.team_id, []).append(room)
        flagged = {"zone": set(), "room": set(), "team": set(), "shift": set()}
        for finding in findings:
            if finding.severity == "info":
                continue
            if finding.zone_id:
                flagged["zone"].add(finding.zone_id)
            if finding.room_id:
                flagged["room"].add(finding.room_id)
            flagged["team"].update(finding.team_ids)
            flagged["shift"].update(finding.shift_ids)
        spaces = queries_zones.linked_spaces(data.zones, user)
        zones = [
            {
                "zone": zone,
                "spaces": spaces.get(zone.pk, []),
                "timeline": queries_zones.hour_grid(shifts_by_zone.get(zone.pk, [])),
                "flagged": zone.pk in flagged["zone"],
            }
            for zone in sorted(data.zones, key=lambda z: (KIND_ORDER.get(z.kind, 9), z.name))
        ]
        teams = [
            {
                "team": team,
                "heads": heads.get(team.name, 0),
                "shifts": shifts_by_team.get(team.pk, []),
                "rooms": rooms_by_team.get(team.pk, []),
                "flagged": team.pk in flagged["team"],
            }
            for team in sorted(data.teams, key=lambda t: t.name)
        ]
        rooms = [
            {
                "room": room,
                "occupants": room_heads.get(room.name, 0),
                "over": room.capacity and room_heads.get(room.name, 0) > room.capacity,
                "flagged": room.pk in flagged["room"],
            }
            for room in sorted(data.rooms, key=lambda r: (r.building, r.name))
        ]
        members = {}
        for team in data.teams:
            if team.bubble_id:
                members.setdefault(team.bubble_id, []).append(team)
        bubbles = [
            {
                "bubble": group,
                "teams": sorted(members.get(group.pk, []), key=lambda t: t.name),
                "heads": sum(heads.get(t.name, 0) for t in members.get(group.pk, [])),
            }
            for group in sorted(data.bubbles, key=lambda b: b.name)
        ]
        problems = [f for f in findings if f.severity != "info"]
        context.update(
            findings=findings,
            problems=len(problems),
            notes=len(findings) - len(problems),
            zones=zones,
            teams=teams,
            rooms=rooms,
            bubbles=bubbles,
            shift_count=len(data.shifts),
            flagged_shifts=flagged["shift"],
            hours=range(24),
            unassigned=sorted((t for t in data.teams if not t.bubble_id), key=lambda t: t.name),
            can_add=_may(user, Zone, "add", unit),
            can_change=_may(user, Zone, "change", unit),
            region_page=bool(
                [g for g in allowing_grants(user, "places.zone", "view") if not g.enterprise_id]
            ),
        )
        return context


class ZonesFindingsExportView(ZonesUnitView):
    """EPI-13: a unit's findings as CSV (for the unit's task force or an inspecting official)."""

    def render_to_response(self, context, **response_kwargs):
        unit = self.object
        audit.record("place.zone.findings_export", actor=self.request.user, obj=unit)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="zones-{unit.pk}-{stamp}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([_("单位"), _("检查项"), _("级别"), _("说明")])
        levels = {"danger": _("需整改"), "warning": _("需关注"), "info": _("提示")}
        for finding in context["findings"]:
            writer.writerow([unit.name, finding.label, levels[finding.severity], finding.message])
        return response


# --- add, edit, delete ---------------------------------------------------------------------------


class _RowForm:
    """What a form page needs: the model, its form, its title, the anchor on the unit page."""

    model = None
    form_class = None
    title = ""
    anchor = ""
    template_name = "places/zones_form.html"
    partial_template_name = "places/zones_form_partial.html"

    def render_form(self, form, unit, row=None):
        context = {
            "form": form,
            "unit": unit,
            "row": row,
            "title": self.title,
            "anchor": self.anchor,
            "action_url": self.request.path,
        }
        template = (
            self.partial_template_name
            if getattr(self.request, "htmx", False)
            else self.template_name
        )
        return render(self.request, template, context)

    def make_form(self, unit, data=None, initial=None):
        kwargs = {"initial": initial or {}}
        if self.form_class is not ZoneForm:
            kwargs["unit"] = unit
        return self.form_class(data, **kwargs)


class _AddView(_RowForm, UnitView):
    """Add a row to a unit (its admin only: ``add`` on the model)."""

    def get_permission(self):
        return (self.model, "add")

    def get_object(self, queryset=None):
        unit = super().get_object(queryset)
        if not _may(self.request.user, self.model, "add", unit):
            raise PermissionDenied(_("您无权管理该单位的划小单元。"))
        return unit

    def initial(self, unit):
        return {}

    def get(self, request, *args, **kwargs):
        unit = self.object = self.get_object()
        return self.render_form(self.make_form(unit, initial=self.initial(unit)), unit)

    def post(self, request, *args, **kwargs):
        unit = self.object = self.get_object()
        form = self.make_form(unit, request.POST)
        if form.is_valid():
            try:
                row = self.create(unit, form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, self.done % {"name": str(row)})
                return _done(request, unit.pk, self.anchor)
        return self.render_form(form, unit)


class _EditView(_RowForm, GrantRequiredMixin, View):
    """Edit one row of a unit the user may ``change`` (another unit's row: 404)."""

    def get_permission(self):
        return (self.model, "change")

    def get_row(self):
        return get_object_or_404(
            self.model.objects.visible_to(self.request.user, "change").select_related("enterprise"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, *args, **kwargs):
        row = self.get_row()
        form = self.make_form(row.enterprise, initial=self.initial(row))
        return self.render_form(form, row.enterprise, row)

    def post(self, request, *args, **kwargs):
        row = self.get_row()
        form = self.make_form(row.enterprise, request.POST)
        if form.is_valid():
            try:
                row = self.update(row, form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已保存“%(name)s”。") % {"name": str(row)})
                return _done(request, row.enterprise_id, self.anchor)
        return self.render_form(form, row.enterprise, row)


class _DeleteView(GrantRequiredMixin, View):
    """Delete one row (POST); a refusal (something depends on it) is shown on the unit page."""

    model = None
    anchor = ""
    delete_action = None
    http_method_names = ["post"]

    def get_permission(self):
        return (self.model, "change")

    def post(self, request, pk):
        row = get_object_or_404(self.model.objects.visible_to(request.user, "change"), pk=pk)
        unit_id, name = row.enterprise_id, str(row)
        try:
            type(self).delete_action(row, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("已删除“%(name)s”。") % {"name": name})
        return _done(request, unit_id, self.anchor)


# zones


class ZoneAddView(_AddView):
    model, form_class, anchor = Zone, ZoneForm, "zones"
    title = gettext_lazy("新增区域")
    done = gettext_lazy("已新增区域“%(name)s”。")

    def create(self, unit, data):
        return actions.create_zone(unit, actor=self.request.user, **data)


class ZoneEditView(_EditView):
    model, form_class, anchor = Zone, ZoneForm, "zones"
    title = gettext_lazy("修改区域")

    def initial(self, row):
        return {"name": row.name, "kind": row.kind, "risk_grade": row.risk_grade, "note": row.note}

    def update(self, row, data):
        return actions.update_zone(row, actor=self.request.user, **data)


class ZoneDeleteView(_DeleteView):
    model, anchor = Zone, "zones"
    delete_action = staticmethod(actions.delete_zone)


# teams


class TeamAddView(_AddView):
    model, form_class, anchor = Team, TeamForm, "teams"
    title = gettext_lazy("新增班组")
    done = gettext_lazy("已新增班组“%(name)s”。")

    def create(self, unit, data):
        return actions.create_team(unit, actor=self.request.user, **data)


class TeamEditView(_EditView):
    model, form_class, anchor = Team, TeamForm, "teams"
    title = gettext_lazy("修改班组")

    def initial(self, row):
        return {"name": row.name, "bubble": row.bubble_id}

    def update(self, row, data):
        return actions.update_team(row, actor=self.request.user, **data)


class TeamDeleteView(_DeleteView):
    model, anchor = Team, "teams"
    delete_action = staticmethod(actions.delete_team)


# bubble groups


class BubbleGroupAddView(_AddView):
    model, form_class, anchor = BubbleGroup, BubbleGroupForm, "bubbles"
    title = gettext_lazy("新增气泡组")
    done = gettext_lazy("已新增气泡组“%(name)s”。")

    def create(self, unit, data):
        return actions.create_bubble_group(unit, actor=self.request.user, **data)


class BubbleGroupEditView(_EditView):
    model, form_class, anchor = BubbleGroup, BubbleGroupForm, "bubbles"
    title = gettext_lazy("修改气泡组")

    def initial(self, row):
        return {
            "name": row.name,
            "note": row.note,
            "teams": list(Team.objects.filter(bubble=row).values_list("pk", flat=True)),
        }

    def update(self, row, data):
        return actions.update_bubble_group(row, actor=self.request.user, **data)


class BubbleGroupDeleteView(_DeleteView):
    model, anchor = BubbleGroup, "bubbles"
    delete_action = staticmethod(actions.delete_bubble_group)


# shifts


class ShiftAddView(_AddView):
    model, form_class, anchor = Shift, ShiftForm, "shifts"
    title = gettext_lazy("新增班次")
    done = gettext_lazy("已新增班次“%(name)s”。")

    def initial(self, unit):
        initial = {}
        for key, model in (("zone", Zone), ("team", Team)):
            raw = self.request.GET.get(key, "")
            if raw.isdigit() and model.objects.filter(enterprise=unit, pk=raw).exists():
                initial[key] = int(raw)
        return initial

    def create(self, unit, data):
        return actions.create_shift(unit, actor=self.request.user, **data)


class ShiftEditView(_EditView):
    model, form_class, anchor = Shift, ShiftForm, "shifts"
    title = gettext_lazy("修改班次")

    def initial(self, row):
        return {
            "team": row.team_id,
            "zone": row.zone_id,
            "name": row.name,
            "starts": row.starts,
            "ends": row.ends,
        }

    def update(self, row, data):
        return actions.update_shift(row, actor=self.request.user, **data)


class ShiftDeleteView(_DeleteView):
    model, anchor = Shift, "shifts"
    delete_action = staticmethod(actions.delete_shift)


# dormitory rooms


class DormitoryRoomAddView(_AddView):
    model, form_class, anchor = DormitoryRoom, DormitoryRoomForm, "rooms"
    title = gettext_lazy("新增宿舍房间")
    done = gettext_lazy("已新增宿舍房间“%(name)s”。")

    def create(self, unit, data):
        return actions.create_dormitory_room(unit, actor=self.request.user, **data)


class DormitoryRoomEditView(_EditView):
    model, form_class, anchor = DormitoryRoom, DormitoryRoomForm, "rooms"
    title = gettext_lazy("修改宿舍房间")

    def initial(self, row):
        return {
            "name": row.name,
            "building": row.building,
            "capacity": row.capacity,
            "team": row.team_id,
        }

    def update(self, row, data):
        return actions.update_dormitory_room(row, actor=self.request.user, **data)


class DormitoryRoomDeleteView(_DeleteView):
    model, anchor = DormitoryRoom, "rooms"
    delete_action = staticmethod(actions.delete_dormitory_room)


# --- the region ----------------------------------------------------------------------------------


class ZonesRegionView(RegionPageMixin, TemplateView):
    """EPI-13: for government roles, the units of a region that registered small units, with
    the findings per check, those with problems first; a click opens the unit's page. A unit
    admin is sent to its own unit's page."""

    permission = (Zone, "view")
    unit_url_name = "places:zones_unit"
    template_name = "places/zones_region.html"

    def summary(self, region):
        return queries_zones.region_summary(self.units(region), self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.region()
        rows = self.summary(region)
        show = self.request.GET.get("show", "problems")
        listed = [r for r in rows if r.problems] if show == "problems" else rows
        page = Paginator(listed, 50).get_page(self.request.GET.get("page"))
        totals = {key: sum(r.counts.get(key, 0) for r in rows) for key in queries_zones.CHECKS}
        context.update(
            region=region,
            crumbs=self.breadcrumbs(region),
            children=Region.objects.filter(parent=region).order_by("code"),
            checks=[
                (key, label, severity) for key, (label, severity) in queries_zones.CHECKS.items()
            ],
            totals=totals,
            total_cells=[totals[key] for key in queries_zones.CHECKS],
            units_total=len(rows),
            units_with_problems=sum(1 for r in rows if r.problems),
            rows=page.object_list,
            page_obj=page,
            show=show,
            query_without_page=f"region={region.code}&show={show}",
            extra_query=f"&show={show}",
        )
        return context


class _Echo:
    def write(self, value):
        return value


class ZonesRegionExportView(ZonesRegionView):
    """EPI-13: the region's units with their findings per check, as CSV (audited)."""

    def get(self, request, *args, **kwargs):
        region = self.region()
        rows = self.summary(region)
        audit.record(
            "place.zone.region_export",
            actor=request.user,
            note=request.GET.urlencode(),
            region_code=region.code,
        )
        writer = csv.writer(_Echo())
        header = [
            _("单位"),
            _("统一社会信用代码"),
            _("区划代码"),
            _("区域"),
            _("班组"),
            _("班次"),
            _("宿舍房间"),
            *[str(label) for label, _severity in queries_zones.CHECKS.values()],
        ]

        def lines():
            yield "\ufeff" + writer.writerow(header)
            for row in rows:
                yield writer.writerow(
                    [
                        row.unit.name,
                        row.unit.credit_code,
                        row.unit.region_id,
                        row.zones,
                        row.teams,
                        row.shifts,
                        row.rooms,
                        *[row.counts.get(key, 0) for key in queries_zones.CHECKS],
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="zones-{region.code}-{stamp}.csv"'
        return response


# --- the routes (included by ``places/urls.py``; names in the ``places`` namespace) --------------

urlpatterns = [
    path("zones/", ZonesRegionView.as_view(), name="zones_region"),
    path("zones/export.csv", ZonesRegionExportView.as_view(), name="zones_region_export"),
    path("units/<int:pk>/zones/", ZonesUnitView.as_view(), name="zones_unit"),
    path(
        "units/<int:pk>/zones/findings.csv",
        ZonesFindingsExportView.as_view(),
        name="zones_unit_export",
    ),
    path("units/<int:pk>/zones/zones/new/", ZoneAddView.as_view(), name="zone_add"),
    path("zones/zone/<int:pk>/edit/", ZoneEditView.as_view(), name="zone_edit"),
    path("zones/zone/<int:pk>/delete/", ZoneDeleteView.as_view(), name="zone_delete"),
    path("units/<int:pk>/zones/teams/new/", TeamAddView.as_view(), name="team_add"),
    path("zones/team/<int:pk>/edit/", TeamEditView.as_view(), name="team_edit"),
    path("zones/team/<int:pk>/delete/", TeamDeleteView.as_view(), name="team_delete"),
    path("units/<int:pk>/zones/bubbles/new/", BubbleGroupAddView.as_view(), name="bubble_add"),
    path("zones/bubble/<int:pk>/edit/", BubbleGroupEditView.as_view(), name="bubble_edit"),
    path("zones/bubble/<int:pk>/delete/", BubbleGroupDeleteView.as_view(), name="bubble_delete"),
    path("units/<int:pk>/zones/shifts/new/", ShiftAddView.as_view(), name="shift_add"),
    path("zones/shift/<int:pk>/edit/", ShiftEditView.as_view(), name="shift_edit"),
    path("zones/shift/<int:pk>/delete/", ShiftDeleteView.as_view(), name="shift_delete"),
    path("units/<int:pk>/zones/rooms/new/", DormitoryRoomAddView.as_view(), name="room_add"),
    path("zones/room/<int:pk>/edit/", DormitoryRoomEditView.as_view(), name="room_edit"),
    path("zones/room/<int:pk>/delete/", DormitoryRoomDeleteView.as_view(), name="room_delete"),
]
