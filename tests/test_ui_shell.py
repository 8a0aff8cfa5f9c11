import re

import pytest
from django.test import Client


@pytest.mark.req("PLAT-01")
def test_static_files_are_vendored_and_served_by_the_app(db):
    page = Client().get("/accounts/login/").content.decode()
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', page)
    assert assets, "the page loads its styles and scripts"
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} would need a CDN"
        assert Client().get(asset).status_code == 200, asset
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page


@pytest.mark.req("ORG-03")
def test_the_navigation_shows_only_what_the_role_may_use(personas, login):
    officer = login(personas["own_county"]).get("/").content.decode()
    admin = login(personas["enterprise_admin"]).get("/").content.decode()
    nav = re.compile(r'data-testid="main-nav">(.*?)</ul>', re.S)
    officer_nav, admin_nav = nav.search(officer).group(1), nav.search(admin).group(1)
    for label in ("企业（项目）", "用户", "审计日志", "规则参数"):
        assert label in officer_nav
    assert "企业（项目）" in admin_nav
    assert "用户" not in admin_nav and "审计日志" not in admin_nav
    assert 'data-testid="own-enterprises"' in admin  # the unit's own card on its home page
