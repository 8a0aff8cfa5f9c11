"""Small panels and an indicator of the board area's own tests: the frame must render whatever a
panel module registers, so these count enterprises (a list that filters by region and industry)
the way a real panel would: scoped through ``visible_to``, one aggregate query each."""

import pytest
from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse

from sibao.accounts.access import prefix_range
from sibao.dashboard import panels
from sibao.dashboard.panels import Figure, Indicator, Panel

HERE = "tests.mon_board_support"


def _units(ctx):
    from sibao.enterprises.models import Enterprise

    return (
        Enterprise.objects.visible_to(ctx.user, "view")
        .active()
        .filter(prefix_range("region__code", ctx.region.code))
    )


def _list(region_code: str, **filters) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"region": region_code, **filters}.items())
    return f"{reverse('enterprises:enterprise_list')}?{query}"


def units_panel(ctx):
    """Units of the region and how many are listed, with a row per industry and a chart."""
    from sibao.enterprises.models import WhitelistStatus

    listed = Q(whitelist_entry__status=WhitelistStatus.LISTED)
    rows = list(
        _units(ctx)
        .values("industry_id", "industry__name")
        .annotate(total=Count("id"), listed=Count("id", filter=listed))
        .order_by("industry_id")
    )
    total = sum(r["total"] for r in rows)
    on_list = sum(r["listed"] for r in rows)
    code = ctx.region.code
    return Panel(
        key="units",
        title="测试单位",
        figures=[
            Figure("单位总数", total, _list(code), key="total", unit="家"),
            Figure(
                "白名单单位",
                on_list,
                _list(code, whitelist="listed"),
                key="listed",
                unit="家",
                tone="warning" if on_list < total else "success",
                hint="在册的白名单单位",
            ),
            Figure("覆盖率", round(100 * on_list / total, 1) if total else None, key="ratio"),
        ],
        columns=["行业", "总数", "在册"],
        rows=[
            (
                r["industry__name"],
                [
                    Figure("总数", r["total"], _list(code, industry=r["industry_id"]), key="total"),
                    Figure(
                        "在册",
                        r["listed"],
                        _list(code, industry=r["industry_id"], whitelist="listed"),
                        key="listed",
                    ),
                ],
            )
            for r in rows
        ],
        chart={
            "xAxis": {"type": "category", "data": [r["industry__name"] for r in rows]},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "data": [r["total"] for r in rows]}],
        },
        more_url=reverse("enterprises:enterprise_list"),
        more_label="企业名录",
        width=8,
    )


def hidden_panel(ctx):
    """A panel whose reader may not see it."""
    return None


def _by_child(rows, children):
    counts = dict(rows.values("region_id").annotate(n=Count("id")).values_list("region_id", "n"))
    return {
        child.code: sum(n for code, n in counts.items() if code.startswith(child.code))
        for child in children
    }


units_indicator = Indicator(
    key="units",
    label="单位数",
    values=lambda ctx, children: _by_child(_units(ctx), children),
    url=lambda ctx, code: _list(code),
    unit="家",
)
listed_indicator = Indicator(
    key="listed",
    label="白名单单位数",
    values=lambda ctx, children: _by_child(
        _units(ctx).filter(whitelist_entry__status="listed"), children
    ),
    url=lambda ctx, code: _list(code, whitelist="listed"),
    unit="家",
)


@pytest.fixture
def board_panels(monkeypatch):
    """The board with the test panels and the unit-count indicator registered, and an empty
    cache (the board caches its figures for up to a minute)."""
    monkeypatch.setattr(panels, "PANEL_PATHS", [f"{HERE}.units_panel", f"{HERE}.hidden_panel"])
    monkeypatch.setattr(
        panels, "INDICATOR_PATHS", [f"{HERE}.units_indicator", f"{HERE}.listed_indicator"]
    )
    cache.clear()
    yield
    cache.clear()
