"""DEM-05 pages: the order's follow-up panel offers review / rework / visit / close only to those
who may (with the version the user saw); the forms drive the actions; the demand's follow-up panel
shows the enterprise its rating and appeal forms and the office the appeal decision; the history
panel and the printable page list every step; the visit queue lists reviewed orders with their
visit deadline."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sibao.accounts.roles import Role
from sibao.core.testing import OWN_COUNTY, make_user
from sibao.workorders.actions import followup
from sibao.workorders.models import Appeal
from tests.wo_followup_state import filed_demand, replied_order

pytestmark = pytest.mark.req("DEM-05")


@pytest.fixture
def people(personas, own_enterprise):
    return {
        **personas,
        "cadre": make_user(
            Role.LIAISON_CADRE, OWN_COUNTY, enterprise=own_enterprise, username="fp_cadre"
        ),
        "staff": make_user(
            Role.DEPARTMENT_STAFF, OWN_COUNTY, department_kind="transport", username="fp_staff"
        ),
    }


@pytest.fixture
def order(people, own_enterprise):
    demand = filed_demand(
        own_enterprise,
        by=people["enterprise_admin"],
        at=timezone.now() - datetime.timedelta(days=2),
    )
    return replied_order(demand, at=timezone.now() - datetime.timedelta(minutes=5))


def text(response) -> str:
    return response.content.decode()


def panel(client, order):
    return client.get(reverse("workorders:order_followup_panel", args=[order.pk]))


def test_order_panel_shows_only_the_steps_the_user_may_take(people, order, login):
    office, staff = login(people["own_county"]), login(people["staff"])
    page = text(panel(office, order))
    assert 'data-testid="review-form"' in page and 'data-testid="rework-form"' in page
    assert f'name="version" value="{order.version}"' in page
    assert 'data-testid="visit-form"' not in page and 'data-testid="close-form"' not in page
    for client in (staff, login(people["enterprise_admin"])):
        answer = text(panel(client, order))
        assert 'data-testid="order-followup-panel"' in answer and "<form" not in answer
    assert panel(login(people["other_county"]), order).status_code == 404


def test_review_visit_and_close_through_the_forms(people, order, login):
    office = login(people["own_county"])
    step = lambda name: reverse("workorders:order_followup_step", args=[order.pk, name])  # noqa: E731
    answer = office.post(step("review"), {"note": "答复属实", "version": order.version})
    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.status == "reviewed"
    # the cadre of the unit may visit; the form offers it
    cadre = login(people["cadre"])
    assert 'data-testid="visit-form"' in text(panel(cadre, order))
    cadre.post(
        step("visit"),
        {
            "method": "phone",
            "resolution": "unresolved",
            "satisfaction": "unsatisfied",
            "note": "仍受阻",
        },
    )
    order.refresh_from_db()
    assert order.status == "visited"
    page = text(panel(office, order))
    assert 'data-testid="propose-rework"' in page and 'data-testid="needs-approval"' in page
    # closing an unsatisfied verdict without a reason is refused with a message; nothing moves
    refused = office.post(step("close"), {"version": order.version}, follow=True)
    assert "销号须填写理由" in text(refused)
    order.refresh_from_db()
    assert order.status == "visited"
    office.post(step("close"), {"version": order.version, "unsatisfied_reason": "超出政策范围"})
    order.refresh_from_db()
    order.demand.refresh_from_db()
    assert order.status == "closed" and order.demand.status == "closed"


def test_a_stale_form_gets_the_conflict_message(people, order, login):
    office = login(people["own_county"])
    seen = order.version
    followup.review(order, actor=people["own_county"])
    answer = office.post(
        reverse("workorders:order_followup_step", args=[order.pk, "rework"]),
        {"reason": "补充材料", "version": seen},
        follow=True,
    )
    assert "请刷新页面" in text(answer)
    order.refresh_from_db()
    assert order.status == "reviewed" and order.rework_count == 0


def test_demand_panel_for_the_enterprise_rate_and_appeal(people, order, login):
    demand = order.demand
    url = reverse("workorders:demand_followup_panel", args=[demand.pk])
    admin = login(people["enterprise_admin"])
    assert 'data-testid="rate-form"' in text(admin.get(url))
    office_page = text(login(people["own_county"]).get(url))
    assert 'data-testid="rate-form"' not in office_page
    admin.post(
        reverse("workorders:demand_rate", args=[demand.pk]),
        {"resolution": "partly", "satisfaction": "basic", "feedback": "基本解决"},
    )
    demand.refresh_from_db()
    assert (demand.resolution, demand.satisfaction) == ("partly", "basic")
    office = people["own_county"]
    order = followup.review(order, actor=office)
    followup.record_visit(
        order, actor=office, method="phone", resolution="resolved", satisfaction="satisfied"
    )
    order.refresh_from_db()
    followup.close_order(order, actor=office)
    page = text(admin.get(url))
    assert 'data-testid="appeal-form"' in page and 'data-testid="rate-form"' not in page
    assert "部分解决" in page  # the enterprise's own verdict stays
    admin.post(reverse("workorders:demand_appeal", args=[demand.pk]), {"reason": "夜间仍受阻"})
    appeal = Appeal.objects.get(demand=demand)
    page = text(admin.get(url))
    assert (
        'data-testid="appeal-form"' not in page and 'data-testid="appeal-decide-form"' not in page
    )
    office_client = login(office)
    assert 'data-testid="appeal-decide-form"' in text(office_client.get(url))
    office_client.post(
        reverse("workorders:appeal_decide", args=[appeal.pk]),
        {"decision": "reopen", "note": "重办"},
    )
    demand.refresh_from_db()
    assert demand.status == "handling" and demand.reopen_count == 1
    # another county may not decide it
    other = login(people["other_county"])
    assert other.post(reverse("workorders:appeal_decide", args=[appeal.pk]), {}).status_code == 404


def test_history_panel_and_printable_page(people, order, login):
    followup.review(order, actor=people["own_county"], note="审核通过")
    for client in (login(people["enterprise_admin"]), login(people["own_county"])):
        for name in ("demand_history_panel", "demand_history"):
            page = text(client.get(reverse(f"workorders:{name}", args=[order.demand_id])))
            kinds = [k.split('"')[0] for k in page.split('data-kind="')[1:]]
            assert kinds == [
                "demand-submitted",
                "demand-accept",
                "order-dispatch",
                "order-sign",
                "order-start",
                "order-reply",
                "order-review",
            ]
            assert "审核通过" in page


def test_visit_queue_lists_reviewed_orders_oldest_first(people, order, own_enterprise, login):
    office = people["own_county"]
    newer = replied_order(filed_demand(own_enterprise, title="招工难"))
    followup.review(newer, actor=office)
    followup.review(order, actor=office, now=timezone.now() - datetime.timedelta(days=10))
    client = login(office)
    page = text(client.get(reverse("workorders:visit_queue")))
    assert page.index(order.number) < page.index(newer.number)
    assert "已超期" in page  # reviewed ten days ago: past the visit deadline
    assert order.number in text(login(people["cadre"]).get(reverse("workorders:visit_queue")))
    assert (
        login(people["enterprise_admin"]).get(reverse("workorders:visit_queue")).status_code == 403
    )
    filtered = text(client.get(reverse("workorders:visit_queue"), {"q": "招工"}))
    assert newer.number in filtered and order.number not in filtered
    export = client.get(reverse("workorders:visit_queue_export"))
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        order.number,
        newer.number,
    ]
