"""ORG-05 by hand: the security auditor (second factor passed) opens the audit log from the menu,
reads the chain's state, runs 校验审计链 and sees it pass; after someone edits a sealed row in the
database, the same button names the edited row."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from sibao.accounts.roles import Role
from sibao.core import audit, auditchain
from sibao.core.models import AuditLog
from sibao.core.testing import OWN_COUNTY, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.req("ORG-05")
def test_the_auditor_verifies_the_chain_and_finds_an_edited_row(
    page, live_server, browser_login, browser_second_factor, screenshot
):
    auditor = make_user(Role.AUDITOR, OWN_COUNTY, username="auditor")
    for n in range(3):
        audit.record("test.event", note=f"审计演练记录{n}", region_code=OWN_COUNTY)
    auditchain.seal()
    sealed = AuditLog.objects.filter(seq__isnull=False).count()

    browser_login(auditor)
    browser_second_factor(auditor)
    page.get_by_role("link", name="审计日志").first.click()
    chain = page.get_by_test_id("audit-chain")
    expect(chain).to_be_visible()
    expect(page.get_by_test_id("chain-sealed")).to_contain_text(f"链序号 {sealed}")

    with page.expect_navigation():
        page.get_by_test_id("audit-verify").click()
    expect(page.get_by_text("审计链校验通过")).to_be_visible()
    screenshot(page, "passed")

    edited = AuditLog.objects.filter(action="test.event").order_by("seq")[1]
    with connection.cursor() as cursor:  # behind the platform's back: the ORM refuses updates
        cursor.execute("UPDATE core_auditlog SET note = %s WHERE id = %s", ["被人改过", edited.pk])

    with page.expect_navigation():
        page.get_by_test_id("audit-verify").click()
    failure = page.get_by_text("审计链校验失败")
    expect(failure).to_be_visible()
    expect(failure).to_contain_text(f"第 {edited.seq} 号记录（编号 {edited.pk}）")
    screenshot(page, "edited")
    checks = AuditLog.objects.filter(action="audit.verify").order_by("id")
    assert [row.changes["ok"] for row in checks] == [True, False]
    assert all(row.actor == auditor for row in checks)
