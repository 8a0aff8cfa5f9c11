"""The dashboard's panels (MON-01): what each panel shows, as plain data the page renders.

A panel provider is ``provider(ctx) -> Panel | None`` (``None``: the user may not read what the
panel counts). ``ctx`` is a ``BoardContext``: the user, the region the board shows (a province,
city or county the user's grants cover), the rule set and the day. Every ``Figure`` carries the
address of the list behind it, filtered to exactly the rows it counts: a number on the board
always equals the count on the list it links to (tested per figure).

``PANELS`` lists the providers in the order the board shows them; ``INDICATORS`` the per-child
figures the map can be coloured by.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class BoardContext:
    user: object
    region: object  # regions.Region: the province, a city or a county
    rules: object  # core.rules.RuleSet
    today: datetime.date
    now: datetime.datetime


@dataclass
class Figure:
    label: str
    value: int | Decimal | float | None
    url: str = ""  # the list behind the number, filtered to the rows it counts
    key: str = ""  # stable identifier (tests, data-testid)
    unit: str = ""
    tone: str = ""  # "" | "success" | "warning" | "danger"
    hint: str = ""  # a short explanation (a title attribute)


@dataclass
class Panel:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    # an optional small table: each row a label and figures (same columns as ``columns``)
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[Figure]]] = field(default_factory=list)
    chart: dict | None = None  # an ECharts option (JSON-serialisable)
    more_url: str = ""  # the module's own page
    more_label: str = ""
    width: int = 4  # grid columns of 12 on a laptop screen


@dataclass(frozen=True)
class Indicator:
    """A map colouring: ``values(ctx, children) -> {child region code: number}`` for the direct
    children of ``ctx.region``; ``url(ctx, child_code)`` the list behind one child's number."""

    key: str
    label: str
    values: object
    url: object = None
    unit: str = ""


# dotted paths, so that a panel module may import what it needs without an import cycle
PANEL_PATHS: list[str] = [
    # --- panels-a: whitelist units and coverage by industry, emergency / closed loop / shutdown, incidents ---
    "sibao.dashboard.panels.whitelist.whitelist",
    "sibao.dashboard.panels.command.operations",
    # --- panels-b: staff test compliance, sentinel alerts, demand SLA, policy redemption ---
    "sibao.dashboard.panels.epidemic.testing",
    "sibao.dashboard.panels.epidemic.alerts",
    "sibao.dashboard.panels.demands.demands",
    "sibao.dashboard.panels.policies.policies",
    # --- production: production status (MON-03) ---
    "sibao.dashboard.panels.production.production",
    # --- warnings: open warnings by dimension (MON-02) ---
    "sibao.dashboard.panels.warnings.warnings_panel",
]
INDICATOR_PATHS: list[str] = [
    # --- panels-a indicators ---
    "sibao.dashboard.panels.whitelist.WHITELISTED",
    "sibao.dashboard.panels.whitelist.COVERAGE",
    "sibao.dashboard.panels.command.IN_LOOP",
    "sibao.dashboard.panels.command.SHUT_DOWN",
    "sibao.dashboard.panels.command.OPEN_INCIDENTS",
    "sibao.dashboard.panels.command.EMERGENCY",
    # --- panels-b indicators ---
    "sibao.dashboard.panels.epidemic.COMPLIANCE",
    "sibao.dashboard.panels.epidemic.OVERDUE_STAFF",
    "sibao.dashboard.panels.epidemic.OPEN_ALERTS",
    "sibao.dashboard.panels.demands.OVERDUE_ORDERS",
    "sibao.dashboard.panels.policies.REDEMPTION_RATE",
    # --- production indicators ---
    "sibao.dashboard.panels.production.OPERATING_SHARE",
    "sibao.dashboard.panels.production.AVERAGE_CAPACITY",
    # --- warnings indicators ---
    "sibao.dashboard.panels.warnings.ACTIVE_WARNINGS",
]


def providers() -> list:
    return [import_string(path) for path in PANEL_PATHS]


def indicators() -> list[Indicator]:
    return [import_string(path) for path in INDICATOR_PATHS]
