"""EPI-05 actions: a unit's space tree (paths, moves), scope, place codes (issue, renew, revoke,
expiry from the rule set, deactivation) and personal badges."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sibao.accounts.roles import Role
from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_staff, make_user
from sibao.places import actions, signing
from sibao.places.models import Badge, PlaceCode, Space


@pytest.fixture
def unit(own_enterprise):
    return own_enterprise


@pytest.fixture
def admin(unit):
    return make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=unit)


@pytest.fixture
def tree(unit, admin):
    """site → building → floor → workshop, and a second building."""
    site = actions.create_space(
        unit, actor=admin, kind="site", name="一号厂区", venue_type="industrial"
    )
    b1 = actions.create_space(unit, actor=admin, kind="building", name="一号楼", parent=site)
    floor = actions.create_space(unit, actor=admin, kind="floor", name="三层", parent=b1)
    shop = actions.create_space(unit, actor=admin, kind="workshop", name="装配车间", parent=floor)
    b2 = actions.create_space(unit, actor=admin, kind="building", name="二号楼", parent=site)
    return {"site": site, "b1": b1, "floor": floor, "shop": shop, "b2": b2}


def fresh(space):
    return Space.objects.get(pk=space.pk)


@pytest.mark.req("EPI-05")
def test_a_tree_is_built_with_paths_from_the_site_down(tree):
    site, b1, floor, shop = tree["site"], tree["b1"], tree["floor"], tree["shop"]
    assert site.path == f"{site.pk}/"
    assert b1.path == f"{site.pk}/{b1.pk}/"
    assert shop.path == f"{site.pk}/{b1.pk}/{floor.pk}/{shop.pk}/"
    assert shop.region_code == OWN_COUNTY


@pytest.mark.req("EPI-05")
def test_only_a_site_is_a_root_and_it_names_its_venue_type(unit, admin, tree):
    with pytest.raises(ValidationError) as exc:
        actions.create_space(unit, actor=admin, kind="workshop", name="无上级车间")
    assert "上级空间" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        actions.create_space(unit, actor=admin, kind="site", name="无类型厂区")
    assert "场所类型" in str(exc.value)
    with pytest.raises(ValidationError):
        actions.create_space(unit, actor=admin, kind="site", name="二级厂区", parent=tree["b1"])


@pytest.mark.req("EPI-05")
def test_moving_a_space_rewrites_the_paths_of_its_whole_subtree(tree, admin):
    site, b1, b2, floor, shop = tree["site"], tree["b1"], tree["b2"], tree["floor"], tree["shop"]
    actions.move_space(floor, actor=admin, parent=b2)
    assert fresh(floor).parent_id == b2.pk
    assert fresh(floor).path == f"{site.pk}/{b2.pk}/{floor.pk}/"
    assert fresh(shop).path == f"{site.pk}/{b2.pk}/{floor.pk}/{shop.pk}/"
    assert fresh(b1).path == f"{site.pk}/{b1.pk}/"  # the old parent is untouched
    log = AuditLog.objects.get(action="place.space.move")
    assert log.changes["path"] == [f"{site.pk}/{b1.pk}/{floor.pk}/", fresh(floor).path]


@pytest.mark.req("EPI-05")
def test_a_move_under_itself_or_its_descendants_or_another_unit_is_refused(tree, admin, unit):
    with pytest.raises(ValidationError) as exc:
        actions.move_space(tree["b1"], actor=admin, parent=tree["shop"])
    assert "下级空间" in str(exc.value)
    with pytest.raises(ValidationError):
        actions.move_space(tree["b1"], actor=admin, parent=tree["b1"])
    with pytest.raises(ValidationError) as exc:
        actions.move_space(tree["site"], actor=admin, parent=tree["b2"])
    assert "不能移动" in str(exc.value)
    other = make_enterprise(region=OWN_COUNTY)
    other_site = actions.create_space(
        other, actor=None, kind="site", name="他厂", venue_type="industrial"
    )
    with pytest.raises(ValidationError) as exc:
        actions.move_space(tree["b1"], actor=admin, parent=other_site)
    assert "本单位" in str(exc.value)
    assert fresh(tree["b1"]).path == tree["b1"].path


@pytest.mark.req("EPI-05")
def test_another_units_admin_and_the_county_office_cannot_touch_the_tree(tree, unit):
    stranger = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=make_enterprise())
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    for actor in (stranger, office):
        with pytest.raises(PermissionDenied):
            actions.create_space(unit, actor=actor, kind="building", name="X", parent=tree["site"])
        with pytest.raises(PermissionDenied):
            actions.update_space(tree["b1"], actor=actor, name="改名")
        with pytest.raises(PermissionDenied):
            actions.move_space(tree["floor"], actor=actor, parent=tree["b2"])
        with pytest.raises(PermissionDenied):
            actions.deactivate_space(tree["b1"], actor=actor)
        with pytest.raises(PermissionDenied):
            actions.issue_code(tree["shop"], actor=actor)
    assert fresh(tree["b1"]).name == "一号楼"
    assert not PlaceCode.objects.exists()


@pytest.mark.req("EPI-05")
def test_update_renames_sets_the_zone_and_a_sites_venue_type(tree, admin, unit):
    from sibao.places.models import Zone

    zone = Zone.objects.create(
        enterprise=unit, region_code=unit.region_id, name="生产区", kind="production"
    )
    actions.update_space(tree["shop"], actor=admin, name="总装车间", zone=zone)
    actions.update_space(tree["site"], actor=admin, venue_type="park")
    assert fresh(tree["shop"]).name == "总装车间"
    assert fresh(tree["shop"]).zone_id == zone.pk
    assert fresh(tree["site"]).venue_type == "park"
    with pytest.raises(ValidationError):
        actions.update_space(tree["shop"], actor=admin, venue_type="mall")
    with pytest.raises(ValidationError):
        actions.update_space(tree["shop"], actor=admin, kind="site")
    audit = AuditLog.objects.filter(action="place.space.update", object_id=str(tree["shop"].pk))
    assert audit.get().changes["name"] == ["装配车间", "总装车间"]


@pytest.mark.req("EPI-05")
def test_issuing_again_renews_the_code_and_keeps_one_valid_code(tree, admin):
    first = actions.issue_code(tree["shop"], actor=admin)
    second = actions.issue_code(tree["shop"], actor=admin)
    first.refresh_from_db()
    assert first.revoked_at is not None and first.revoked_reason == "已重新生成"
    assert PlaceCode.objects.filter(space=tree["shop"], revoked_at__isnull=True).get() == second
    assert signing.verify(second.payload, signing.PLACE) == second.pk
    # the database keeps it so even if a writer forgot
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceCode.objects.create(
            space=tree["shop"],
            enterprise_id=second.enterprise_id,
            expires_on=second.expires_on,
            region_code=second.region_code,
        )


@pytest.mark.req("EPI-05")
def test_the_expiry_follows_the_rule_set(tree, admin):
    code = actions.issue_code(tree["shop"], actor=admin)
    assert code.expires_on == timezone.localdate() + datetime.timedelta(days=365)
    province = make_user(Role.HQ_OFFICE, "41")
    change_rule_parameter("place_code_valid_days", "30", actor=province, reason="季度换码")
    renewed = actions.issue_code(tree["shop"], actor=admin)
    assert renewed.expires_on == timezone.localdate() + datetime.timedelta(days=30)
    log = AuditLog.objects.filter(action="place.code.issue").order_by("-pk").first()
    assert log.rule_version == rules.current().version


@pytest.mark.req("EPI-05")
def test_the_unit_admin_and_the_health_office_revoke_with_a_reason(tree, admin):
    code = actions.issue_code(tree["shop"], actor=admin)
    with pytest.raises(ValidationError) as exc:
        actions.revoke_code(code, actor=admin, reason=" ")
    assert "作废原因" in str(exc.value)
    actions.revoke_code(code, actor=admin, reason="码牌损毁")
    code.refresh_from_db()
    assert code.revoked_at is not None and code.revoked_reason == "码牌损毁"
    with pytest.raises(ValidationError):
        actions.revoke_code(code, actor=admin, reason="再次作废")

    second = actions.issue_code(tree["b1"], actor=admin)
    health = make_user(Role.HEALTH_OFFICE, OWN_COUNTY)
    actions.revoke_code(second, actor=health, reason="疫情处置需要")
    assert AuditLog.objects.filter(action="place.code.revoke").count() == 2

    third = actions.issue_code(tree["b2"], actor=admin)
    for outsider in (
        make_user(Role.HEALTH_OFFICE, OTHER_COUNTY),
        make_user(Role.HQ_OFFICE, OWN_COUNTY),
        make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=make_enterprise()),
    ):
        with pytest.raises(PermissionDenied):
            actions.revoke_code(third, actor=outsider, reason="越权")


@pytest.mark.req("EPI-05")
def test_deactivating_a_space_closes_its_subtree_and_revokes_their_codes(tree, admin):
    codes = [actions.issue_code(tree[k], actor=admin) for k in ("b1", "floor", "shop", "b2")]
    actions.deactivate_space(tree["b1"], actor=admin, reason="停产")
    assert not fresh(tree["b1"]).is_active
    assert not fresh(tree["shop"]).is_active
    assert fresh(tree["b2"]).is_active
    states = {c.space_id: PlaceCode.objects.get(pk=c.pk).revoked_at for c in codes}
    assert states[tree["b1"].pk] and states[tree["floor"].pk] and states[tree["shop"].pk]
    assert states[tree["b2"].pk] is None
    with pytest.raises(ValidationError):
        actions.issue_code(fresh(tree["shop"]), actor=admin)
    with pytest.raises(ValidationError):
        actions.create_space(
            tree["b1"].enterprise, actor=admin, kind="room", name="新房间", parent=fresh(tree["b1"])
        )
    # the child opens only under an open parent
    with pytest.raises(ValidationError):
        actions.reactivate_space(fresh(tree["shop"]), actor=admin)
    actions.reactivate_space(fresh(tree["b1"]), actor=admin)
    assert fresh(tree["b1"]).is_active and not fresh(tree["floor"]).is_active


@pytest.mark.req("EPI-06")
def test_a_worker_gets_one_valid_badge_and_a_lost_one_is_revoked_first(unit, admin):
    staff = make_staff(unit, team="一班")
    badge = actions.issue_badge(staff, actor=admin)
    assert signing.verify(badge.payload, signing.BADGE) == badge.pk
    with pytest.raises(ValidationError) as exc:
        actions.issue_badge(staff, actor=admin)
    assert "已有有效的工牌码" in str(exc.value)
    actions.revoke_badge(badge, actor=admin, reason="遗失")
    again = actions.issue_badge(staff, actor=admin)
    assert Badge.objects.filter(staff=staff, revoked_at__isnull=True).get() == again
    assert AuditLog.objects.filter(action__startswith="place.badge.").count() == 3


@pytest.mark.req("EPI-06")
def test_badges_are_the_units_own_business(unit, admin):
    staff = make_staff(unit)
    office = make_user(Role.HQ_OFFICE, OWN_COUNTY)
    stranger = make_user(Role.ENTERPRISE_ADMIN, OWN_COUNTY, enterprise=make_enterprise())
    for actor in (office, stranger):
        with pytest.raises(PermissionDenied):
            actions.issue_badge(staff, actor=actor)
    badge = actions.issue_badge(staff, actor=admin)
    with pytest.raises(PermissionDenied):
        actions.revoke_badge(badge, actor=stranger, reason="越权")
    staff.is_active = False
    staff.save()
    other = make_staff(unit, is_active=False)
    with pytest.raises(ValidationError):
        actions.issue_badge(other, actor=admin)
