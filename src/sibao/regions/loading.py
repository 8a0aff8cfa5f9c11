"""Loading the vendored region table and the fixed reference data (industries).

Functions take the model classes as arguments so that data migrations can pass historical models.
"""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "henan_regions.csv"

# The five whitelist industries (D1 二(一)) and the kind of department competent for each.
INDUSTRIES = [
    ("industry", "工业生产", "industry_it"),
    ("commerce", "商贸流通", "commerce"),
    ("transport", "交通运输", "transport"),
    ("culture_tourism", "文化旅游", "culture_tourism"),
    ("key_project", "重点项目", "development_reform"),
]


def read_regions() -> list[dict]:
    with open(DATA, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_regions(Region) -> int:
    """Insert or update every region of the table; parents first. Returns the number of rows."""
    rows = read_regions()
    existing = {r.code: r for r in Region.objects.all()}
    for row in rows:  # the file lists parents before children
        values = {
            "name": row["name"],
            "level": row["level"],
            "parent_id": row["parent_code"] or None,
            "is_statistical_zone": row["is_statistical_zone"] == "1",
        }
        region = existing.get(row["code"])
        if region is None:
            Region.objects.create(code=row["code"], **values)
        elif any(getattr(region, k) != v for k, v in values.items()):
            Region.objects.filter(code=row["code"]).update(**values)
    return len(rows)


def load_industries(IndustryDomain) -> None:
    for order, (code, name, department) in enumerate(INDUSTRIES):
        IndustryDomain.objects.update_or_create(
            code=code,
            defaults={"name": name, "competent_department": department, "sort_order": order},
        )
