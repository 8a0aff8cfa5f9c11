"""DEM-06: who may assign liaison cadres (包保干部) to whitelisted units, what an assignment is
(a liaison_cadre grant naming the unit) and what it lets the cadre see."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sibao.accounts.models import RoleGrant
from sibao.accounts.roles import Role
from sibao.core.models import AuditLog, Notification
from sibao.core.testing import OTHER_COUNTY, OWN_COUNTY, make_enterprise, make_user
from sibao.workorders import queries_cadres as queries
from sibao.workorders.actions.cadres import assign_cadre, unassign_cadre
from sibao.workorders.models import Demand
from tests.wo_cadres_helpers import cadre_of, demand, listed_unit, official

pytestmark = [pytest.mark.django_db, pytest.mark.req("DEM-06")]


@pytest.fixture
def unit(departments):
    return listed_unit(name="中原包保测试机械有限公司")


def test_the_office_of_the_units_county_assigns_a_cadre(personas, unit):
    office = personas["own_county"]
    cadre = official(full_name="李包保")
    grant = assign_cadre(unit, cadre, actor=office)
    assert grant.role == Role.LIAISON_CADRE
    assert grant.enterprise == unit and grant.region_id == OWN_COUNTY
    assert grant.granted_by == office and grant.is_active
    assert queries.cadres_of(unit) == [cadre]
    assert list(queries.units_of(cadre)) == [unit]
    assert AuditLog.objects.filter(action="workorders.assign_cadre", actor=office).exists()
    assert Notification.objects.filter(recipient=cadre, title__contains=unit.name).exists()


def test_a_city_office_above_the_county_may_assign(departments, unit):
    city_office = make_user(Role.HQ_OFFICE, "4101")
    assign_cadre(unit, official(), actor=city_office)
    assert len(queries.cadres_of(unit)) == 1


def test_the_system_admin_may_assign(departments, unit):
    admin = make_user(Role.SYSTEM_ADMIN, "41")
    assign_cadre(unit, official(), actor=admin)
    assert len(queries.cadres_of(unit)) == 1


@pytest.mark.parametrize("who", ["other_county", "enterprise_admin", "no_grant"])
def test_others_may_not_assign(personas, unit, who):
    with pytest.raises(PermissionDenied):
        assign_cadre(unit, official(), actor=personas[who])
    assert not RoleGrant.objects.filter(role=Role.LIAISON_CADRE).exists()


@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.LIAISON_CADRE, Role.HQ_LEADER])
def test_departments_cadres_and_leaders_may_not_assign(departments, unit, role):
    other = listed_unit()
    actor = make_user(role, OWN_COUNTY, enterprise=other if role == Role.LIAISON_CADRE else None)
    with pytest.raises(PermissionDenied):
        assign_cadre(unit, official(), actor=actor)


def test_only_whitelisted_units_get_cadres(personas):
    unlisted = make_enterprise(region=OWN_COUNTY)
    with pytest.raises(ValidationError, match="不在白名单内"):
        assign_cadre(unlisted, official(), actor=personas["own_county"])


def test_an_enterprise_account_cannot_be_a_cadre(personas, unit):
    with pytest.raises(ValidationError, match="企业账户不能担任包保干部"):
        assign_cadre(unit, personas["enterprise_admin"], actor=personas["own_county"])


def test_the_same_cadre_is_not_assigned_twice(personas, unit):
    cadre = official()
    assign_cadre(unit, cadre, actor=personas["own_county"])
    with pytest.raises(ValidationError, match="已是该企业的包保干部"):
        assign_cadre(unit, cadre, actor=personas["own_county"])
    assert RoleGrant.objects.filter(user=cadre, role=Role.LIAISON_CADRE).count() == 1


def test_an_account_outside_the_offices_jurisdiction_is_refused(personas, unit):
    stranger = official(region=OTHER_COUNTY)
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        assign_cadre(unit, stranger, actor=personas["own_county"])


def test_unassigning_ends_the_grant_and_keeps_it_for_history(personas, unit):
    cadre = cadre_of(unit)
    grant = RoleGrant.objects.get(user=cadre, role=Role.LIAISON_CADRE)
    with pytest.raises(PermissionDenied):
        unassign_cadre(grant, actor=personas["other_county"])
    unassign_cadre(grant, actor=personas["own_county"])
    grant.refresh_from_db()
    assert not grant.is_active
    assert queries.cadres_of(unit) == []
    assert list(queries.units_of(cadre)) == []
    assert AuditLog.objects.filter(action="workorders.unassign_cadre").exists()
    with pytest.raises(ValidationError, match="已解除"):
        unassign_cadre(grant, actor=personas["own_county"])


def test_a_cadre_sees_only_its_units_demands(personas, unit):
    mine = demand(unit, title="钢材供应紧张")
    other_unit = listed_unit()
    theirs = demand(other_unit, title="芯片断供")
    cadre = cadre_of(unit)
    visible = set(Demand.objects.visible_to(cadre, "view"))
    assert mine in visible and theirs not in visible
    grant = RoleGrant.objects.get(user=cadre, role=Role.LIAISON_CADRE)
    unassign_cadre(grant, actor=None)
    cadre.refresh_from_db()
    cadre._active_grants = None
    assert not Demand.objects.visible_to(cadre, "view").exists()
