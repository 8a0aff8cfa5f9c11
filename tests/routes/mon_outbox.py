"""Route expectations of the monitoring area 'outbox': inbox and outbox, channels, delivery state and retries (MON-05).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The inbox (``core:notification_*``) is every signed-in user's own and is listed with the chain
area. The outbox is the health office's and the system administrators': none of the personas
holds either role, so every signed-in persona gets 403; the old epidemic address redirects to
the outbox page for those who may read it and answers the same to the others.
"""

OUTBOX = (302, 403, 403, 403, 403)
OUTBOX_API = (401, 403, 403, 403, 403)

ROUTES: dict = {
    "core:outbox_list": (None, OUTBOX),
    "core:outbox_export": (None, OUTBOX),
    "epidemic:outbox_list": (None, OUTBOX),
    "api:outbox-list": (None, OUTBOX_API),
    "api:outbox-detail": (lambda o: {"pk": o["own_outbox_message"].pk}, OUTBOX_API),
}

NOT_GET: dict = {
    "core:outbox_retry": "tests/test_mon_outbox_pages.py",
    "core:outbox_cancel": "tests/test_mon_outbox_pages.py",
    "api:outbox-retry": "tests/test_mon_outbox_pages.py",
    "api:outbox-cancel": "tests/test_mon_outbox_pages.py",
}


def build_objects(found, personas) -> dict:
    """A pending SMS about the own-county enterprise (rows written directly: queuing is the
    area's own tests' subject)."""
    from sibao.core.models import OutboxMessage

    message = OutboxMessage.objects.create(
        body="【四保平台】路由测试消息。",
        phone_masked="138****0000",
        dedupe_key="routes:outbox",
        region_code="410102",
        enterprise_id=found["own_enterprise"].pk,
    )
    return {"own_outbox_message": message}
