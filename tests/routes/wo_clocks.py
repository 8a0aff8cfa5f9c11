"""Route expectations of the work-orders area 'clocks': reminders, urging, automatic escalation, metrics, supervisor view (DEM-03).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Metrics and the supervision page are the government's: a unit's admin has neither "export" nor
"urge" on work orders (403). The clock panel of an own-county order is readable by whoever may see
the order (its unit too); another county's office gets 404. Also holds ``dispatched_order``, the
builder the area's tests share.
"""

UI_GOV = (302, 403, 200, 200, 403)
UI_ORDER = (302, 403, 404, 200, 200)
API_GOV = (401, 403, 200, 200, 403)
API_URGING = (401, 403, 404, 200, 200)

ROUTES: dict = {
    "workorders:metrics": (None, UI_GOV),
    "workorders:metrics_export": (None, UI_GOV),
    "workorders:metrics_orders": (None, UI_GOV),
    "workorders:supervision": (None, UI_GOV),
    "workorders:order_clock_panel": (lambda o: {"pk": o["clocks_order"].pk}, UI_ORDER),
    "api:work-order-metrics-list": (None, API_GOV),
    "api:urging-list": (None, (401, 403, 200, 200, 200)),
    "api:urging-detail": (lambda o: {"pk": o["clocks_urging"].pk}, API_URGING),
}

NOT_GET: dict = {
    "workorders:order_urge": "tests/test_wo_clocks_pages.py",
}


def dispatched_order(
    enterprise,
    *,
    now,
    department=None,
    category="raw_materials",
    urgency="normal",
    role="lead",
    demand=None,
):
    """A demand filed and accepted and its order dispatched at ``now`` by the platform, to the
    own county's industry department unless ``department`` is given."""
    from sibao.regions.models import Department
    from sibao.workorders.actions import intake, orders

    if demand is None:
        demand = intake.file_demand(
            enterprise,
            actor=None,
            category=category,
            title="原料钢材供应中断",
            description="上游钢厂停产，急需协调替代货源。",
            urgency=urgency,
            now=now,
        )
        demand = intake.accept_demand(demand, actor=None, now=now)
    if department is None:
        department = Department.objects.get(region_id=enterprise.region_id, kind="industry_it")
    return orders.dispatch(demand, actor=None, department=department, role=role, now=now)


def build_objects(objects: dict, personas: dict) -> dict:
    """An own-county order dispatched three weeks ago (overdue now) and urged by the office."""
    import datetime

    from django.utils import timezone

    from sibao.workorders.actions import clocks

    order = dispatched_order(
        objects["own_enterprise"], now=timezone.now() - datetime.timedelta(days=21)
    )
    urging = clocks.urge(order, actor=personas["own_county"], note="请加快办理")
    return {"clocks_order": order, "clocks_urging": urging}


def overdue_and_closed(enterprise):
    """Two own-county orders dispatched three weeks ago: one never handled (open, overdue), one
    replied an hour after dispatch and closed (on time) — an on-time close rate of 1 ÷ (1 + 1)."""
    import datetime

    from django.utils import timezone

    from sibao.workorders.actions import followup, orders

    start = timezone.now() - datetime.timedelta(days=21)
    overdue = dispatched_order(enterprise, now=start)
    done = dispatched_order(enterprise, now=start)
    done = orders.reply(
        orders.start(done, actor=None, now=start),
        actor=None,
        answer="已协调解决",
        now=start + datetime.timedelta(hours=1),
    )
    later = start + datetime.timedelta(days=1)
    done = followup.review(done, actor=None, now=later)
    followup.record_visit(
        done, actor=None, method="phone", resolution="resolved", satisfaction="satisfied", now=later
    )
    done = followup.close_order(done.__class__.objects.get(pk=done.pk), actor=None, now=later)
    return overdue, done
