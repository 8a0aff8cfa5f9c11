"""Route expectations of one area of the enterprises app, merged into tests/test_route_personas.py.

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

The chain area: supply links, inclusion proposals, pairings (WL-08, WL-09), spot checks and the
fuse (WL-10), four-party responsibility (ORG-06), and the signed-in user's notification inbox.
"""

UI_LIST = (302, 403, 200, 200, 200)  # scoped lists every persona with a grant may read
OWN_UNIT = (302, 403, 404, 200, 200)  # a page about the own-county enterprise
OWN_UNIT_STAFF = (302, 403, 404, 200, 403)  # ... that the unit's own admin may not use
API_LIST = (401, 403, 200, 200, 200)
API_OWN = (401, 403, 404, 200, 200)


def _own(o):
    return {"pk": o["own_enterprise"].pk}


ROUTES: dict = {
    "enterprises:supply_link_list": (None, UI_LIST),
    "enterprises:supply_link_import": (None, UI_LIST),
    "enterprises:supply_link_template": (None, UI_LIST),
    "enterprises:supply_link_add": (_own, OWN_UNIT),
    # proposals are the departments' work list: the HQ office reads it, a unit does not
    "enterprises:proposal_list": (None, (302, 403, 200, 200, 403)),
    "enterprises:chain_emergency": (None, UI_LIST),
    "enterprises:chain_panel": (_own, OWN_UNIT),
    "enterprises:pairing_list": (None, UI_LIST),
    "enterprises:spot_check_list": (None, UI_LIST),
    "enterprises:spot_check_add": (_own, OWN_UNIT_STAFF),
    "enterprises:spot_check_panel": (_own, OWN_UNIT),
    "enterprises:enterprise_fuse": (_own, OWN_UNIT_STAFF),
    "enterprises:responsibility_panel": (_own, OWN_UNIT),
    "enterprises:responsibility_edit": (_own, OWN_UNIT),
    "core:notification_list": (None, (302, 200, 200, 200, 200)),
    "api:supply-link-list": (None, API_LIST),
    "api:supply-link-detail": (lambda o: {"pk": o["chain_link"].pk}, API_OWN),
    "api:proposal-list": (None, (401, 403, 200, 200, 403)),
    "api:proposal-detail": (lambda o: {"pk": o["chain_proposal"].pk}, (401, 403, 404, 200, 403)),
    "api:pairing-list": (None, API_LIST),
    "api:pairing-detail": (lambda o: {"pk": o["chain_pairing"].pk}, API_OWN),
    "api:spot-check-list": (None, API_LIST),
    "api:spot-check-detail": (lambda o: {"pk": o["chain_spot_check"].pk}, API_OWN),
    "api:responsibility-list": (None, API_LIST),
    "api:responsibility-detail": (lambda o: {"pk": o["chain_responsibility"].pk}, API_OWN),
}

NOT_GET: dict = {
    "enterprises:supply_link_delete": "tests/test_supply_links.py",
    "enterprises:proposal_invite": "tests/test_supply_links.py",
    "enterprises:proposal_dismiss": "tests/test_supply_links.py",
    "enterprises:pairing_propose": "tests/test_pairing.py",
    "enterprises:pairing_confirm": "tests/test_pairing.py",
    "enterprises:pairing_decline": "tests/test_pairing.py",
    "enterprises:pairing_end": "tests/test_pairing.py",
    "core:notification_read": "tests/test_notifications.py",
    "core:notification_read_all": "tests/test_notifications.py",
    "api:proposal-invite": "tests/test_supply_links.py",
    "api:proposal-dismiss": "tests/test_supply_links.py",
    "api:pairing-propose": "tests/test_pairing.py",
    "api:pairing-confirm": "tests/test_pairing.py",
    "api:pairing-decline": "tests/test_pairing.py",
    "api:pairing-end": "tests/test_pairing.py",
    "api:responsibility-set": "tests/test_responsibility.py",
    "api:fuse-blow": "tests/test_spot_checks_and_fuse.py",
}


def build_objects(objects: dict, personas: dict) -> dict:
    """A link, a proposal, a pairing, a spot check and a responsibility row, all of them
    reaching only the own county. The own enterprise is not put on the whitelist here (other
    areas' routes depend on its status)."""
    import datetime

    from django.utils import timezone

    from sibao.core.testing import OWN_COUNTY, make_enterprise
    from sibao.enterprises import actions
    from sibao.enterprises.models import InclusionProposal, Pairing, WhitelistEntry

    own = objects["own_enterprise"]
    office = personas["own_county"]
    supplier = make_enterprise(region=OWN_COUNTY, industry="transport", name="中原测试物流有限公司")
    link = actions.add_supply_link(
        own, supplier, kind="logistics", products="原料运输", actor=office
    )
    listed = make_enterprise(region=OWN_COUNTY, name="中原测试白名单有限公司")
    candidate = make_enterprise(region=OWN_COUNTY, name="中原测试配套有限公司")
    chain = actions.add_supply_link(listed, candidate, kind="supplier", actor=office)
    WhitelistEntry.objects.create(
        enterprise=listed,
        tier="county",
        listed_at=datetime.datetime.now(datetime.UTC),
        region_code=listed.region_id,
        industry_id=listed.industry_id,
    )
    actions.propose_linked_units(listed.pk)
    pairing = Pairing.objects.create(
        unit=own,
        partner=supplier,
        reason="同在中原区",
        region_code=own.region_id,
        partner_region_code=supplier.region_id,
    )
    check = actions.record_spot_check(
        own,
        actor=office,
        checked_on=timezone.localdate(),
        inspectors="张三、李四",
        findings="",
        result="passed",
    )
    row = actions.set_responsibility(
        own,
        party="local_government",
        name="王五",
        position="中原区副区长",
        phone="13800001234",
        duties="属地责任",
        actor=office,
    )
    return {
        "chain_link": link,
        "chain_proposal": InclusionProposal.objects.get(link=chain),
        "chain_pairing": pairing,
        "chain_spot_check": check,
        "chain_responsibility": row,
    }
