"""MON-03 demo: four weeks of daily reports for the whitelisted units, one current report each,
the home unit left to report today, and a dip in the county under emergency."""

import pytest

from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_listed
from sibao.enterprises.demo_production import DAYS, seed_production
from sibao.enterprises.models import ProductionReport
from sibao.enterprises.queries_production import province_today
from tests.mon_production_support import day


@pytest.mark.req("MON-03")
def test_the_demo_seeds_weeks_of_reports_with_a_dip_where_the_emergency_is(db):
    home = make_enterprise(region=OWN_COUNTY)
    units = [home] + [make_enterprise(region=OWN_COUNTY) for _n in range(5)]
    units += [make_enterprise(region=OTHER_COUNTY) for _n in range(12)]
    for unit in units:
        make_listed(unit)
    unlisted = make_enterprise(region=OWN_COUNTY)

    summary = seed_production(
        [u.pk for u in [*units, unlisted]], home=home, emergency_regions=[OTHER_COUNTY], seed=7
    )
    assert summary["units"] == len(units) and summary["emergency_units"] == 12
    reports = ProductionReport.objects.all()
    assert summary["reports"] == reports.count() > len(units) * (DAYS - 6)
    assert not reports.filter(enterprise=unlisted).exists()
    assert not reports.filter(reported_on__gt=province_today()).exists()
    assert not reports.filter(enterprise=home, reported_on=day()).exists()
    assert reports.filter(enterprise=home, reported_on=day(-1)).exists()
    # one current report per unit that reported, its latest day
    for unit in units:
        mine = reports.filter(enterprise=unit)
        if mine.exists():
            latest = mine.order_by("-reported_on").first()
            assert list(mine.filter(is_current=True)) == [latest]
    for report in reports:
        if report.state == "suspended":
            assert report.capacity_percent == 0
        assert report.capacity_percent <= 100 and report.staff_on_site <= 100  # employees

    def operating_share(region, first, last):
        rows = reports.filter(region_code=region, reported_on__range=(day(first), day(last)))
        return rows.filter(state="operating").count() / rows.count()

    assert operating_share(OTHER_COUNTY, -3, 0) < 0.5 < operating_share(OTHER_COUNTY, -27, -7)
