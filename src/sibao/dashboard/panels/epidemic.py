"""The board's epidemic panels (MON-01): staff test compliance and the electronic sentinel.

Compliance uses the epidemic module's own rule (``epidemic.compliance``: a post's rolling
window, tightened in an emergency or a closed loop) over the per-person state kept on the roster
row (``last_negative_at``), so that even a province's millions of roster rows are counted from
the ``staff_overdue_region`` index, never from test history. Each figure links to the list that
shows exactly its rows: the roster (active staff), the overdue list, the compliance page's units
with overdue staff, the alert list (open, past the deadline, by kind).
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sibao.accounts.access import can, prefix_range
from sibao.dashboard.panels import Figure, Indicator, Panel
from sibao.dashboard.panels.grouping import per_child
from sibao.epidemic import compliance
from sibao.epidemic.models import AlertKind, AlertStatus, SentinelAlert, StaffMember


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _staff(ctx):
    """The roster rows the user may read, or None (no figure at all)."""
    if not can(ctx.user, StaffMember, "view"):
        return None
    return StaffMember.objects.visible_to(ctx.user, "view")


def _alerts(ctx):
    if not can(ctx.user, SentinelAlert, "view"):
        return None
    return SentinelAlert.objects.visible_to(ctx.user, "view")


# --- staff test compliance ---------------------------------------------------------------------


def testing(ctx) -> Panel | None:
    """Active staff of the region's rosters, those overdue for their rolling test, the
    compliance rate (1 − overdue ÷ staff, as on the compliance page) and the units with overdue
    staff: one aggregate query (and the emergency scope's)."""
    staff = _staff(ctx)
    if staff is None:
        return None
    code = ctx.region.code
    overdue = compliance.overdue_q(ctx.now, ctx.rules, compliance.emergency_scope())
    counts = staff.filter(prefix_range("region_code", code)).aggregate(
        staff=Count("pk", filter=Q(is_active=True)),
        overdue=Count("pk", filter=overdue),
        units=Count("enterprise_id", filter=overdue, distinct=True),
    )
    rate = compliance.RateRow(code, ctx.region.name, counts["staff"], counts["overdue"])
    return Panel(
        key="testing",
        title=_("人员核酸检测"),
        figures=[
            Figure(
                _("在岗人员"),
                counts["staff"],
                _url("epidemic:staff_list", region=code, active="true"),
                key="staff",
                unit=_("人"),
            ),
            Figure(
                _("超时未检测"),
                counts["overdue"],
                _url("epidemic:compliance_overdue", region=code),
                key="overdue",
                unit=_("人"),
                tone="danger" if counts["overdue"] else "success",
                hint=_("在岗且最近一次阴性采样已超出所在岗位的检测周期，或从无阴性记录"),
            ),
            Figure(
                _("检测合规率"),
                rate.compliance_pct,
                key="compliance_pct",
                unit="%",
                hint=_("1 − 超时未检测人数 ÷ 在岗人数"),
            ),
            Figure(
                _("有超时人员的单位"),
                counts["units"],
                _url("epidemic:compliance_regions", region=code, overdue="true"),
                key="units_overdue",
                unit=_("家"),
                tone="warning" if counts["units"] else "",
            ),
        ],
        more_url=_url("epidemic:compliance_regions", region=code),
        more_label=_("检测合规率"),
    )


def _staff_counts(ctx, children) -> dict | None:
    staff = _staff(ctx)
    if staff is None:
        return None
    overdue = compliance.overdue_q(ctx.now, ctx.rules, compliance.emergency_scope())
    return per_child(
        staff,
        ctx.region,
        children,
        staff=Count("pk", filter=Q(is_active=True)),
        overdue=Count("pk", filter=overdue),
    )


def compliance_values(ctx, children) -> dict:
    counts = _staff_counts(ctx, children)
    if counts is None:
        return {}
    values = {}
    for code, c in counts.items():
        pct = compliance.RateRow(code, "", c["staff"], c["overdue"]).compliance_pct
        values[code] = None if pct is None else float(pct)
    return values


def overdue_values(ctx, children) -> dict:
    counts = _staff_counts(ctx, children)
    return {} if counts is None else {code: c["overdue"] for code, c in counts.items()}


def overdue_url(ctx, code: str) -> str:
    return _url("epidemic:compliance_overdue", region=code)


COMPLIANCE = Indicator(
    key="test_compliance", label=gettext_lazy("核酸检测合规率"), values=compliance_values, unit="%"
)
OVERDUE_STAFF = Indicator(
    key="overdue_staff",
    label=gettext_lazy("超时未检测人员"),
    values=overdue_values,
    url=overdue_url,
    unit=gettext_lazy("人"),
)


# --- sentinel alerts -----------------------------------------------------------------------------

OPEN = Q(status=AlertStatus.OPEN)


def alerts(ctx) -> Panel | None:
    """Open sentinel alerts by kind and those past their deadline: one aggregate query."""
    rows = _alerts(ctx)
    if rows is None:
        return None
    code = ctx.region.code
    by_kind = {kind.value: Count("pk", filter=OPEN & Q(kind=kind.value)) for kind in AlertKind}
    counts = rows.filter(prefix_range("region_code", code)).aggregate(
        open=Count("pk", filter=OPEN),
        late=Count("pk", filter=OPEN & Q(due_at__lt=ctx.now)),
        **{f"kind_{key}": count for key, count in by_kind.items()},
    )
    return Panel(
        key="alerts",
        title=_("电子哨预警"),
        figures=[
            Figure(
                _("待处置预警"),
                counts["open"],
                _url("epidemic:alert_list", status=AlertStatus.OPEN, region=code),
                key="open",
                unit=_("条"),
                tone="warning" if counts["open"] else "success",
            ),
            Figure(
                _("超过处置时限"),
                counts["late"],
                _url("epidemic:alert_list", overdue="true", region=code),
                key="late",
                unit=_("条"),
                tone="danger" if counts["late"] else "",
            ),
        ],
        columns=[_("待处置")],
        rows=[
            (
                str(kind.label),
                [
                    Figure(
                        _("待处置"),
                        counts[f"kind_{kind.value}"],
                        _url(
                            "epidemic:alert_list",
                            status=AlertStatus.OPEN,
                            kind=kind.value,
                            region=code,
                        ),
                        key="open",
                    )
                ],
            )
            for kind in AlertKind
        ],
        more_url=_url("epidemic:alert_counts", region=code),
        more_label=_("预警统计"),
    )


def open_alert_values(ctx, children) -> dict:
    rows = _alerts(ctx)
    if rows is None:
        return {}
    counts = per_child(rows, ctx.region, children, open=Count("pk", filter=OPEN))
    return {code: c["open"] for code, c in counts.items()}


def open_alert_url(ctx, code: str) -> str:
    return _url("epidemic:alert_list", status=AlertStatus.OPEN, region=code)


OPEN_ALERTS = Indicator(
    key="open_alerts",
    label=gettext_lazy("待处置电子哨预警"),
    values=open_alert_values,
    url=open_alert_url,
    unit=gettext_lazy("条"),
)
