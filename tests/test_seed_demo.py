"""``sibao seed-demo`` and ``sibao demo-totp``: the synthetic demo province and its accounts."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from stdnum.cn import uscc

from sibao.accounts.models import RoleGrant, User
from sibao.accounts.roles import REQUIRES_TWO_FACTOR, Role
from sibao.core.models import AuditLog
from sibao.enterprises.models import Enterprise, EnterpriseKind
from sibao.regions.models import (
    Department,
    Headquarters,
    IndustryDomain,
    Region,
    WorkingGroup,
    WorkingGroupKind,
)

ENTERPRISES = 60
# The reset and determinism drill seeds three times: with fewer units each run takes half as long,
# and every module still seeds its part (one unit of each industry at least).
FEW_ENTERPRISES = 20
DEMO_USERNAMES = importlib.import_module("sibao.core.management.commands.seed-demo").DEMO_USERNAMES
ACCOUNTS = 20


def seeded_enterprises(enterprises: int = ENTERPRISES) -> int:
    """The demo units: ``enterprises``, plus the demo logistics company when none of them was one
    (the logistics seed then makes it, and records it with the units)."""
    from sibao.logistics.demo import COMPANY_NAME

    return enterprises + Enterprise.objects.filter(name=COMPANY_NAME).count()


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # PBKDF2 at Django's cost takes most of a second per account; the flow is the same with MD5.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args, enterprises: int = ENTERPRISES) -> str:
    out = io.StringIO()
    call_command("seed-demo", "--enterprises", str(enterprises), *args, stdout=out)
    return out.getvalue()


def printed_accounts(output: str) -> dict[str, tuple[str, str, str]]:
    """username -> (role label, region, password), from the printed table."""
    accounts, in_table = {}, False
    for line in output.splitlines():
        cells = line.split()
        if cells == ["角色", "区划", "用户名", "密码"]:
            in_table = True
        elif not cells:
            in_table = False
        elif in_table:
            label, region, username, password = cells
            accounts[username] = (label, region, password)
    return accounts


def totp_code(username: str) -> str:
    out = io.StringIO()
    call_command("demo-totp", username, stdout=out)
    return out.getvalue().strip()


# Seeding the demo takes several seconds, so one seed serves many checks: each ``check_*`` below
# looks at one part of the demo, and the tests run them on a shared seed.


def check_accounts(output: str) -> dict:
    accounts = printed_accounts(output)
    assert len(accounts) == len(DEMO_USERNAMES) == ACCOUNTS

    grants = RoleGrant.objects.filter(user__username__startswith="demo-", is_active=True)
    assert {g.role for g in grants} == set(Role.values)
    for grant in grants.select_related("user", "region", "department", "enterprise"):
        user = grant.user
        label, region_name, _password = accounts[user.username]
        assert label == Role(grant.role).label
        assert region_name == grant.region.name
        assert user.region_id == grant.region_id
        assert user.full_name and user.phone.isdigit() and len(user.phone) == 11
        if grant.role == Role.DEPARTMENT_STAFF:
            assert grant.department.region_id == grant.region_id
        if grant.role in (Role.ENTERPRISE_ADMIN, Role.LIAISON_CADRE):
            assert grant.enterprise.region_id == "410102"
        if grant.role == Role.ENTERPRISE_ADMIN:
            assert user.enterprise == grant.enterprise
        assert user.totpdevice_set.filter(name="demo", confirmed=True).exists() == (
            grant.role in REQUIRES_TWO_FACTOR
        )

    hq_levels = {
        (g.role, g.region_id) for g in grants if g.role in (Role.HQ_LEADER, Role.HQ_OFFICE)
    }
    assert hq_levels == {
        (role, code)
        for role in (Role.HQ_LEADER, Role.HQ_OFFICE)
        for code in ("41", "4101", "410102")
    }
    departments = {
        (g.department.region_id, g.department.kind)
        for g in grants.select_related("department")
        if g.role == Role.DEPARTMENT_STAFF
    }
    assert departments == {
        ("41", "industry_it"),
        ("4101", "commerce"),
        # the county departments that handle the demo's work orders
        ("410102", "industry_it"),
        ("410102", "transport"),
        ("410102", "human_resources"),
        ("410102", "commerce"),
    }
    # created through the audited actions
    # the demo accounts, and the feed accounts the simulator registers for its data sources
    from sibao.epidemic.models import DataSource

    accounts_made = ACCOUNTS + DataSource.objects.filter(user__isnull=False).count()
    # feed accounts have no password (token only): their creation is audited with the source link
    assert AuditLog.objects.filter(action="accounts.create_user").count() == ACCOUNTS
    assert (
        AuditLog.objects.filter(action="epidemic.link_data_source").count()
        == accounts_made - ACCOUNTS
    )
    # and the demo cadre's further units (DEM-06: an assignment is a liaison grant)
    assignments = RoleGrant.objects.filter(user__username="demo-liaison-cadre").count() - 1
    assert assignments >= 1
    assert (
        AuditLog.objects.filter(action="accounts.grant_role").count() == accounts_made + assignments
    )
    for username in accounts:
        if User.objects.get(username=username).requires_two_factor:
            assert f"sibao demo-totp {username}" in output
    return accounts


def check_organisations():
    administrative = Region.objects.filter(is_statistical_zone=False)
    assert Headquarters.objects.count() == administrative.count()
    for code in ("41", "4101", "410102", "419001"):
        hq = Headquarters.objects.get(region_id=code)
        assert hq.office_name
        assert {g.kind for g in hq.working_groups.all()} == set(WorkingGroupKind.values)
        assert Department.objects.filter(region_id=code, kind="industry_it").exists()
    assert WorkingGroup.objects.filter(lead_department__isnull=True).count() == 0


def check_enterprises():
    enterprises = list(Enterprise.objects.select_related("region__parent__parent"))
    assert len(enterprises) == seeded_enterprises()
    assert len({e.credit_code for e in enterprises}) == len(enterprises)
    assert len({e.name for e in enterprises}) == len(enterprises)
    for e in enterprises:
        assert uscc.is_valid(e.credit_code), e.credit_code
        assert e.credit_code.startswith("91" + e.region_id)
        assert e.region.level in ("county", "city") and e.region.code.startswith("41")
        assert not e.region.children.exists()
        assert e.address.startswith(e.region.full_name)
        assert e.sub_type and e.contact_name and len(e.contact_phone) == 11
        e.full_clean()
        if e.industry_id == "key_project":
            assert e.kind == EnterpriseKind.PROJECT and e.investment > 0
        else:
            assert e.kind == EnterpriseKind.ENTERPRISE and 2000 <= e.output_value <= 5_000_000
    assert {e.industry_id for e in enterprises} == set(
        IndustryDomain.objects.values_list("code", flat=True)
    )
    # spread over the province, 郑州 weighted more, zones included only as a part
    cities = {e.region_id[:4] for e in enterprises}
    assert len(cities) >= 10
    assert sum(e.region_id.startswith("4101") for e in enterprises) >= 5


def check_logins(accounts: dict):
    for username, (_label, _region, password) in accounts.items():
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 302, (username, response.content.decode()[:300])
        user = User.objects.get(username=username)
        if not user.requires_two_factor:
            continue
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/two-factor/")
        response = client.post("/accounts/two-factor/", {"token": totp_code(username), "next": "/"})
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get("/").status_code == 200


def check_audit_chain(output: str):
    """ORG-05: the demo ends with its audit trail sealed into the hash chain (the sign-ins of
    ``check_logins`` came later) and the chain verifies."""
    from sibao.core import auditchain

    assert "审计链：已封存审计记录" in output
    assert AuditLog.objects.filter(seq__isnull=True, action="demo.seed").count() == 0
    assert auditchain.verify().ok


def check_demo_totp():
    code = totp_code("demo-system-admin")
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(CommandError, match="演示"):
        call_command("demo-totp", "demo-province-leader", stdout=io.StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command("demo-totp", "nobody", stdout=io.StringIO())


def check_whitelist():
    from sibao.core.models import TransitionRecord
    from sibao.enterprises.models import (
        CriteriaSet,
        CriteriaStatus,
        WhitelistApplication,
        WhitelistBatch,
        WhitelistEntry,
    )

    published = CriteriaSet.objects.filter(status=CriteriaStatus.PUBLISHED)
    assert set(published.values_list("industry_id", flat=True)) == set(
        IndustryDomain.objects.values_list("code", flat=True)
    )
    statuses = set(WhitelistApplication.objects.values_list("status", flat=True))
    assert {"auto_admitted", "submitted"} <= statuses, statuses
    # every decision went through the workflow: one transition per decided application
    decided = WhitelistApplication.objects.exclude(status="submitted").count()
    assert (
        TransitionRecord.objects.filter(object_type="enterprises.whitelistapplication").count()
        >= decided
    )
    assert WhitelistBatch.objects.exists()
    assert WhitelistEntry.objects.filter(status="listed").exists()


def command_counts() -> tuple:
    from sibao.command.models import (
        EmergencySwitch,
        Incident,
        Problem,
        RegionState,
        RewardPenalty,
        ShutdownRequest,
    )

    return (
        EmergencySwitch.objects.count(),
        RegionState.objects.count(),
        Incident.objects.count(),
        ShutdownRequest.objects.count(),
        Problem.objects.count(),
        RewardPenalty.objects.count(),
    )


def check_command(output: str):
    counts = command_counts()
    # an incident at the home unit, a problem and a commendation always; a county in emergency
    # with a shutdown request when the demo has whitelisted units outside the home county
    assert counts[2] == 1 and counts[4] == 1 and counts[5] == 1
    if counts[0]:
        assert "处于应急状态" in output and counts[1] == 1 and counts[3] == 1


def check_policies(output: str):
    from sibao.enterprises.models import EnterpriseFact
    from sibao.policies.models import (
        DraftStatus,
        Policy,
        PolicyCategory,
        PolicyDraft,
        PolicyMatch,
        PolicyStatus,
    )

    assert "惠企政策：" in output
    policies = Policy.objects.all()
    assert policies.count() >= 40
    assert set(policies.values_list("category", flat=True)) == set(PolicyCategory.values)
    assert {len(code) for code in policies.values_list("region_code", flat=True)} == {2, 4, 6}
    statuses = set(policies.values_list("status", flat=True))
    assert statuses == {
        PolicyStatus.DRAFT,
        PolicyStatus.PUBLISHED,
        PolicyStatus.SUPERSEDED,
        PolicyStatus.WITHDRAWN,
    }
    assert policies.filter(status=PolicyStatus.PUBLISHED).count() >= 35
    # publishing matched them
    assert PolicyMatch.objects.filter(result="eligible").exists()
    assert PolicyMatch.objects.filter(result="possible").exists()
    # facts from several sources, the self-declared among them
    sources = set(EnterpriseFact.objects.values_list("source", flat=True))
    assert {"tax", "statistics", "industry_department", "platform", "self_declared"} <= sources
    assert EnterpriseFact.objects.filter(key="whitelist_tier").exists()
    # the reserve, with a status of each kind but one, linked to what prompted it
    reserve = PolicyDraft.objects.all()
    assert reserve.count() == 4
    assert {DraftStatus.DRAFTED, DraftStatus.ISSUED, DraftStatus.DROPPED} <= set(
        reserve.values_list("status", flat=True)
    )
    assert reserve.get(status=DraftStatus.ISSUED).policies.exists()


def check_places(output: str) -> set:
    from sibao.places.models import PlaceCode, Scan

    assert "场所码：" in output
    units = set(Scan.objects.values_list("enterprise_id", flat=True))
    assert units and PlaceCode.objects.filter(enterprise_id__in=units).exists()
    return units


@pytest.mark.django_db
@pytest.mark.req("ORG-02")
@pytest.mark.req("ORG-03")
@pytest.mark.req("WL-01")
@pytest.mark.req("WL-04")
@pytest.mark.req("WL-05")
@pytest.mark.req("CMD-01")
@pytest.mark.req("INC-01")
@pytest.mark.req("POL-01")
@pytest.mark.req("POL-05")
@pytest.mark.req("EPI-05")
@pytest.mark.req("EPI-06")
def test_the_demo_province_has_every_role_module_and_account_and_a_second_run_adds_nothing():
    output = seed()
    accounts = check_accounts(output)
    check_organisations()
    check_enterprises()
    check_whitelist()
    check_command(output)
    check_policies(output)
    check_places(output)
    check_logins(accounts)
    check_demo_totp()
    check_audit_chain(output)

    counts = (User.objects.count(), Enterprise.objects.count(), RoleGrant.objects.count())
    output = seed()
    assert "演示数据已存在" in output and "--reset" in output
    assert printed_accounts(output) == {}
    assert (User.objects.count(), Enterprise.objects.count(), RoleGrant.objects.count()) == counts


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_reset_replaces_every_part():
    from sibao.enterprises.models import CriteriaSet
    from sibao.places.models import Scan
    from sibao.policies.models import Policy, PolicyDraft

    def snapshot(output):
        return (
            sorted(
                (u, label, region) for u, (label, region, _pw) in printed_accounts(output).items()
            ),
            sorted(Enterprise.objects.values_list("credit_code", "name", "region_id")),
            sorted(
                (u.username, u.full_name, u.phone)
                for u in User.objects.filter(username__startswith="demo-")
            ),
        )

    first_output = seed("--seed", "7", enterprises=FEW_ENTERPRISES)
    first = snapshot(first_output)
    first_parts = (
        command_counts(),
        CriteriaSet.objects.count(),
        Policy.objects.count(),
        PolicyDraft.objects.count(),
    )
    first_units = set(Enterprise.objects.values_list("pk", flat=True))
    assert Scan.objects.filter(enterprise_id__in=first_units).exists()
    printed_passwords_of_first = printed_accounts(first_output)["demo-system-admin"][2]
    audit_rows = AuditLog.objects.count()
    output = seed("--seed", "7", "--reset", enterprises=FEW_ENTERPRISES)
    deleted = seeded_enterprises(FEW_ENTERPRISES)
    assert f"已删除演示账户 {ACCOUNTS} 个、演示企业 {deleted} 家" in output
    assert snapshot(output) == first
    # every module's demo rows are replaced, not added to
    assert (
        command_counts(),
        CriteriaSet.objects.count(),
        Policy.objects.count(),
        PolicyDraft.objects.count(),
    ) == first_parts
    # the first run's units are gone, and so are their scans (no foreign key: the reset's work)
    units = set(Enterprise.objects.values_list("pk", flat=True))
    assert not first_units & units
    assert set(Scan.objects.values_list("enterprise_id", flat=True)) <= units
    assert Scan.objects.exists()
    # passwords are never derived from the seed
    assert printed_accounts(output)["demo-system-admin"][2] != printed_passwords_of_first
    assert AuditLog.objects.count() > audit_rows  # the audit trail is kept and grows

    other = snapshot(seed("--seed", "8", "--reset", enterprises=FEW_ENTERPRISES))
    assert other[1] != first[1] and other[2] != first[2]
    assert Enterprise.objects.count() == seeded_enterprises(FEW_ENTERPRISES)


@pytest.mark.django_db
def test_a_failure_leaves_nothing_half_seeded(monkeypatch):
    from sibao.accounts import actions

    original = actions.grant_role
    calls = []

    def failing_grant(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "grant_role", failing_grant)
    with pytest.raises(RuntimeError):
        seed()
    assert not Enterprise.objects.exists()
    assert not User.objects.filter(username__startswith="demo-").exists()


@pytest.mark.django_db
def test_too_few_enterprises_is_refused():
    with pytest.raises(CommandError):
        call_command("seed-demo", "--enterprises", "3", stdout=io.StringIO())
