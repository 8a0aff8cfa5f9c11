"""Template helpers of the one-screen dashboard (MON-01)."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from sibao.dashboard.access import board_regions

register = template.Library()

TONES = {"success": "text-green", "warning": "text-orange", "danger": "text-red"}


@register.filter
def figure_value(value) -> str:
    """A board number: thousands separated, at most one decimal; "—" when unknown."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | Decimal):
        rounded = round(float(value), 1)
        if rounded.is_integer():
            return intcomma(int(rounded))
        return intcomma(f"{rounded:.1f}")
    if isinstance(value, int):
        return intcomma(value)
    return str(value)


@register.filter
def tone_class(tone: str) -> str:
    return TONES.get(tone or "", "")


@register.filter
def beside_table(width) -> int:
    """A panel's width of 12 columns when the panels fill 8 of them (beside the indicator
    table): two panels a row, a wide panel (more than half the page) a row of its own."""
    return 6 if int(width or 4) <= 6 else 12


@register.filter
def table_header(panel) -> tuple[str, list]:
    """``(label column, figure columns)`` of a panel's small table: ``columns`` names the figure
    columns, optionally preceded by the heading of the label column."""
    columns = list(panel.columns)
    width = len(panel.rows[0][1]) if panel.rows else len(columns)
    if len(columns) == width + 1:
        return columns[0], columns[1:]
    return "", columns


@register.inclusion_tag("dashboard/_board_link.html", takes_context=True)
def board_link(context):
    """A prominent link to the board on the home page, for users who may see it."""
    user = context["request"].user
    regions = board_regions(user) if user.is_authenticated else []
    return {"region": regions[0] if regions else None}
