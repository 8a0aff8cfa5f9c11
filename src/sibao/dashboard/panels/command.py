"""The board's operations panel and its map indicators (MON-01): the region's own emergency state
(CMD-01), the whitelisted units in regions under emergency, the units in closed loop now (CMD-02),
the units under an approved shutdown now (INC-03) and the incidents not yet closed (INC-01).

Each count reads ``visible_to`` with the command area's own definitions (``queries_emergency``,
``queries_oversight``, ``queries_incidents``), and links to that area's list filtered the same
way. The four counts travel in one query (a UNION of four counts); the emergency state comes
from the switched regions, a small table read by the emergency area's functions.

The emergency state as a number (panel figure and map indicator): 1 when the region is in
emergency now (switched itself or through its city), 0 otherwise; a switch announced but not yet
in effect is 0, its figure says "即将进入应急状态" and is coloured as a warning.
"""

from urllib.parse import urlencode

from django.db.models import CharField, Count, Value
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, prefix_range
from sibao.command import queries_emergency, queries_incidents, queries_oversight
from sibao.command.models import (
    Incident,
    LoopStatus,
    RegionState,
    RegionStatus,
    ShutdownRequest,
)
from sibao.dashboard.panels import Figure, Indicator, Panel
from sibao.dashboard.panels.grouping import child_codes, per_child
from sibao.enterprises.models import WhitelistEntry, WhitelistStatus

__all__ = ["EMERGENCY", "IN_LOOP", "OPEN_INCIDENTS", "SHUT_DOWN", "operations"]


def _url(name: str, *args, **params) -> str:
    query = urlencode(params)
    return reverse(name, args=args) + (f"?{query}" if query else "")


# --- what each figure counts, and the list that shows the same rows ------------------------------


def _emergency_units(user, code, emergency):
    return (
        WhitelistEntry.objects.visible_to(user, "view")
        .filter(prefix_range("region_code", code), status=WhitelistStatus.LISTED)
        .filter(queries_emergency.emergency_q("region_code", codes=emergency))
    )


def _emergency_units_url(code):
    return _url(
        "enterprises:whitelist_list", region=code, status=WhitelistStatus.LISTED, emergency="true"
    )


def _loops(user, code, now):
    # the loop list shows open periods unless asked otherwise; "running" keeps those begun
    return (
        LoopStatus.objects.visible_to(user, "view")
        .filter(prefix_range("region_code", code), ended_at__isnull=True)
        .filter(queries_emergency.in_loop_q(now))
    )


def _loops_url(code):
    return _url("command:emergency_loops", region=code, running="true")


def _shutdowns(user, code, now):
    return (
        ShutdownRequest.objects.visible_to(user, "view")
        .filter(prefix_range("region_code", code))
        .filter(queries_oversight.in_force_q(now))
    )


def _shutdowns_url(code):
    return _url("command:shutdown_list", region=code, in_force="true")


def _incidents(user, code, now):
    return Incident.objects.visible_to(user, "view").filter(
        prefix_range("region_code", code), status__in=queries_incidents.ACTIVE
    )


def _incidents_url(code):
    return _url("command:incident_list", region=code, active="true")


def _counts(querysets: dict) -> dict:
    """``{name: count}`` of several querysets over different tables in one round trip (a UNION
    ALL of one-row counts)."""
    if not querysets:
        return {}
    text = CharField()
    parts = [
        queryset.annotate(name=Value(name, output_field=text))
        .values("name")
        .annotate(n=Count("pk"))
        .order_by()
        for name, queryset in querysets.items()
    ]
    counts = dict.fromkeys(querysets, 0)
    # a part that can match nothing (no region in emergency) is left out of the SQL: count 0
    for row in parts[0].union(*parts[1:], all=True):
        counts[row["name"]] = row["n"]
    return counts


def _state(code: str, emergency: set[str], pending: set[str]) -> str:
    """The status of region ``code`` from the switched regions in effect and announced."""
    if any(code.startswith(c) for c in emergency):
        return RegionStatus.EMERGENCY
    if any(code.startswith(c) for c in pending):
        return RegionStatus.PENDING
    return RegionStatus.NORMAL


# --- the panel -----------------------------------------------------------------------------------


def operations(ctx) -> Panel | None:
    """Emergency, closed loop, shutdowns and open incidents of the board's region."""
    user, code, now = ctx.user, ctx.region.code, ctx.now
    may = {
        "state": can(user, RegionState, "view"),
        "emergency_units": can(user, WhitelistEntry, "view"),
        "in_loop": can(user, LoopStatus, "view"),
        "shut_down": can(user, ShutdownRequest, "view"),
        "incidents": can(user, Incident, "view"),
    }
    if not any(may.values()):
        return None
    emergency = queries_emergency.emergency_codes(now)
    querysets = {}
    if may["emergency_units"]:
        querysets["emergency_units"] = _emergency_units(user, code, emergency)
    if may["in_loop"]:
        querysets["in_loop"] = _loops(user, code, now)
    if may["shut_down"]:
        querysets["shut_down"] = _shutdowns(user, code, now)
    if may["incidents"]:
        querysets["incidents"] = _incidents(user, code, now)
    counts = _counts(querysets)

    figures = []
    if may["state"]:
        # a state, not a count of rows: no list stands behind it, so it links nowhere (the
        # panel's "联合办公" opens the regions in emergency)
        status = _state(code, emergency, queries_emergency.pending_codes(now))
        figures.append(
            Figure(
                _("本级应急状态"),
                1 if status == RegionStatus.EMERGENCY else 0,
                key="region_state",
                tone={RegionStatus.EMERGENCY: "danger", RegionStatus.PENDING: "warning"}.get(
                    status, ""
                ),
                hint=_("%(status)s（1 为应急状态，0 为常态）")
                % {"status": RegionStatus(status).label},
            )
        )
    shown = [
        ("emergency_units", _("应急区域内白名单单位"), _emergency_units_url, _("家"), "danger"),
        ("in_loop", _("闭环生产单位"), _loops_url, _("家"), ""),
        ("shut_down", _("停产停工停运单位"), _shutdowns_url, _("家"), "warning"),
        ("incidents", _("处置中事件"), _incidents_url, _("起"), "danger"),
    ]
    for key, label, url, unit, tone in shown:
        if key in counts:
            figures.append(
                Figure(
                    label,
                    counts[key],
                    url(code),
                    key=key,
                    unit=unit,
                    tone=tone if counts[key] else "",
                )
            )
    return Panel(
        key="operations",
        title=_("应急状态、闭环与停产"),
        figures=figures,
        more_url=reverse("command:emergency_index") if may["state"] else "",
        more_label=_("联合办公"),
        width=6,
    )


# --- map indicators ------------------------------------------------------------------------------


def _count_values(model, rows):
    """An indicator's ``values``: the rows of ``rows(user, code, now)`` counted per child."""

    def values(ctx, children):
        if not can(ctx.user, model, "view"):
            return None
        counts = per_child(
            rows(ctx.user, ctx.region.code, ctx.now), ctx.region, children, n=Count("pk")
        )
        return {code: c["n"] for code, c in counts.items()}

    return values


def emergency_values(ctx, children) -> dict | None:
    """1 for a child region in emergency now (itself or through its city), else 0."""
    if not can(ctx.user, RegionState, "view"):
        return None
    codes = child_codes(children)
    if not codes:
        return {}
    emergency = queries_emergency.emergency_codes(ctx.now)
    return {
        code: 1 if _state(code, emergency, set()) == RegionStatus.EMERGENCY else 0 for code in codes
    }


EMERGENCY = Indicator(
    key="emergency",
    label=gettext_lazy("应急状态（1 应急，0 常态）"),
    values=emergency_values,
    url=lambda ctx, code: _url("command:emergency_region", code),
)
IN_LOOP = Indicator(
    key="in_loop",
    label=gettext_lazy("闭环生产单位"),
    values=_count_values(LoopStatus, _loops),
    url=lambda ctx, code: _loops_url(code),
    unit=gettext_lazy("家"),
)
SHUT_DOWN = Indicator(
    key="shut_down",
    label=gettext_lazy("停产停工停运单位"),
    values=_count_values(ShutdownRequest, _shutdowns),
    url=lambda ctx, code: _shutdowns_url(code),
    unit=gettext_lazy("家"),
)
OPEN_INCIDENTS = Indicator(
    key="open_incidents",
    label=gettext_lazy("处置中事件"),
    values=_count_values(Incident, _incidents),
    url=lambda ctx, code: _incidents_url(code),
    unit=gettext_lazy("起"),
)
