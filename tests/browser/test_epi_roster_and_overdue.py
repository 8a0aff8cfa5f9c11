"""EPI-01, EPI-02, EPI-04 by hand: an enterprise imports its roster from a spreadsheet; after a
simulated laboratory feed the unit sees exactly the staff whose test is overdue."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sibao.core.testing import id_number, make_staff
from sibao.epidemic.ingest import ingest
from sibao.epidemic.models import DataSource, FeedKind, StaffMember
from tests.epi_roster_files import row, xlsx

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("EPI-01")
def test_an_enterprise_imports_its_roster(
    page, live_server, browser_login, screenshot, personas, own_enterprise, tmp_path
):
    good = tmp_path / "花名册.xlsx"
    good.write_bytes(xlsx([row(1), row(2, post_class="流动性、接触性岗位"), row(3)]))
    bad = tmp_path / "花名册-有误.xlsx"
    bad.write_bytes(xlsx([row(4), row(5, id_number="410102198803150000")]))

    browser_login(personas["enterprise_admin"])
    page.goto(f"{live_server.url}/epidemic/units/{own_enterprise.pk}/staff/import/")

    # a file with one bad row imports nothing and says which row and why
    page.locator('input[type="file"]').set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并导入").click()
    expect(page.locator('[data-testid="import-errors"]')).to_contain_text("校验位")
    assert "410102198803150000" not in page.content()
    screenshot(page, "refused")
    assert not StaffMember.objects.filter(enterprise=own_enterprise).exists()

    page.locator('input[type="file"]').set_input_files(str(good))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("body")).to_contain_text("导入员工1")
    expect(page.locator("body")).to_contain_text("导入员工3")
    screenshot(page, "imported")
    assert StaffMember.objects.filter(enterprise=own_enterprise).count() == 3


@pytest.mark.req("EPI-04")
@pytest.mark.req("EPI-02")
def test_the_unit_sees_its_overdue_staff_after_a_laboratory_feed(
    page, live_server, browser_login, screenshot, personas, own_enterprise
):
    now = timezone.now()
    tested = make_staff(own_enterprise, id_number(501), name="按时检测员工")
    late = make_staff(own_enterprise, id_number(502), name="超时未检员工")
    mobile = make_staff(own_enterprise, id_number(503), name="流动岗位员工", post_class="mobile")
    lab = DataSource.objects.create(code="lab-test", name="测试检测机构")
    sample = now - datetime.timedelta(hours=30)  # within 48 h, beyond 24 h
    records = [
        {
            "id_number": id_no,
            "lab": "测试检测机构",
            "sample_no": f"S{n}",
            "sampled_at": sample.isoformat(),
            "result": "negative",
        }
        for n, id_no in ((1, id_number(501)), (2, id_number(503)))
    ]
    batch = ingest(FeedKind.TEST_RESULT, records, source=lab, actor=None)
    assert (batch.accepted, batch.rejected) == (2, 0), batch.errors

    browser_login(personas["enterprise_admin"])
    page.goto(f"{live_server.url}/epidemic/compliance/overdue/")
    table = page.locator('[data-testid="overdue-table"]')
    expect(table).to_contain_text(late.name)  # never tested
    expect(table).to_contain_text(mobile.name)  # 30 h ago, but a 24 h post
    expect(table).not_to_contain_text(tested.name)
    screenshot(page)
