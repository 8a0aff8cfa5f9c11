"""Small explicit builders and personas for tests (no opaque fixtures)."""

import datetime
import itertools

from django.utils import timezone
from stdnum.cn import uscc

from sibao.accounts import actions as account_actions
from sibao.accounts.models import User
from sibao.accounts.roles import Role
from sibao.enterprises.models import Enterprise
from sibao.regions.models import Department, IndustryDomain, Region

PASSWORD = "Correct-Horse-Battery-42"
OWN_COUNTY = "410102"  # 郑州市中原区: the personas' own county
OTHER_COUNTY = "410202"  # 开封市龙亭区: another city's county
_counter = itertools.count(1)


def _local_midnight(now):
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def earlier_today(hours: float):
    """``hours`` ago, or less shortly after midnight: always earlier today (local time), so that
    a test run across midnight keeps "today"."""
    now = timezone.now()
    return now - min(datetime.timedelta(hours=hours), (now - _local_midnight(now)) * hours / 3)


def yesterday_noon():
    """Noon of yesterday (local time): always yesterday, and at least twelve hours ago."""
    return _local_midnight(timezone.now()) - datetime.timedelta(hours=12)


def credit_code(n: int | None = None, region: str = "410100") -> str:
    """A valid 统一社会信用代码: 91 (enterprise), the region, a serial, the check digit."""
    n = next(_counter) if n is None else n
    body = f"91{region[:6]:0<6}{n:09d}"
    return body + uscc.calc_check_digit(body)


def make_enterprise(region: str = "410102", industry: str = "industry", **fields) -> Enterprise:
    n = next(_counter)
    values = {
        "credit_code": credit_code(n, region),
        "name": f"测试企业{n}有限公司",
        "region": Region.objects.get(code=region),
        "industry": IndustryDomain.objects.get(code=industry),
        "output_value": 10000,
        "employees": 100,
    }
    values.update(fields)
    return Enterprise.objects.create(**values)


def make_user(
    role: str | None = None,
    region: str = "410102",
    *,
    enterprise=None,
    department_kind: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    **fields,
) -> User:
    """A user with one grant of ``role`` over ``region`` (none when ``role`` is None)."""
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(
        username=username, password=password, region=Region.objects.get(code=region), **fields
    )
    if role is not None:
        department = None
        if role == Role.DEPARTMENT_STAFF:
            department = Department.objects.get(
                region_id=region, kind=department_kind or "industry_it"
            )
        account_actions.grant_role(
            user,
            role=role,
            region=Region.objects.get(code=region),
            actor=None,
            enterprise=enterprise,
            department=department,
        )
    return user


def ensure_departments(*regions: str) -> None:
    """Departments for the given regions only (the full set is slow to build per test)."""
    from sibao.regions.actions import DEPARTMENT_NAMES, _department_name

    for code in regions:
        region = Region.objects.get(code=code)
        for kind in DEPARTMENT_NAMES:
            name = _department_name(region, kind)
            if name:
                Department.objects.get_or_create(region=region, kind=kind, defaults={"name": name})


def make_criteria_set(industry: str = "industry", region: str = "41", criteria=(), **fields):
    """A published criteria set of ``industry`` from ``region``'s competent department.

    ``criteria``: (code, tier, expression or None) triples; None needs a reviewer.
    """
    from django.utils import timezone

    from sibao.enterprises.models import CriteriaSet, CriteriaStatus, Criterion

    domain = IndustryDomain.objects.get(code=industry)
    ensure_departments(region)
    department = Department.objects.get(region_id=region, kind=domain.competent_department)
    values = {
        "industry": domain,
        "department": department,
        "version": CriteriaSet.objects.filter(department=department, industry=domain).count() + 1,
        "title": f"{domain.name}白名单入选标准",
        "status": CriteriaStatus.PUBLISHED,
        "published_at": timezone.now(),
        "region_code": region,
    }
    values.update(fields)
    criteria_set = CriteriaSet.objects.create(**values)
    for order, (code, tier, expression) in enumerate(criteria):
        Criterion.objects.create(
            criteria_set=criteria_set,
            code=code,
            title=f"条件{code}",
            tier=tier,
            expression=expression,
            needs_review=expression is None,
            order=order,
        )
    return criteria_set


def id_number(n: int | None = None, region: str = "410102", born: str = "19900101") -> str:
    """A valid 18-digit resident ID number (check digit computed), unique per ``n``."""
    from sibao.core.personal import id_check_digit

    n = next(_counter) if n is None else n
    body = f"{region[:6]}{born}{n % 1000:03d}"
    return body + id_check_digit(body)


def make_staff(enterprise, id_no: str | None = None, **fields):
    """A roster row for ``enterprise`` with a valid ID number (protected as in production)."""
    from sibao.core.personal import protect_id_number, protect_phone
    from sibao.epidemic.models import StaffMember

    n = next(_counter)
    values = {
        **protect_id_number(id_no or id_number(n, born=f"19{80 + n % 20:02d}0101")),
        **protect_phone(f"139{n:08d}"),
        "enterprise": enterprise,
        "name": f"测试员工{n}",
        "region_code": enterprise.region_id,
    }
    values.update(fields)
    return StaffMember.objects.create(**values)


# --- arrivals (EPI-08, EPI-09) ---
def current_totp(user) -> str:
    """The current code of ``user``'s authenticator device (set up by the second-factor page)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def pass_second_factor(client, user):
    """Take a signed-in test client of a privileged user (health office, system admin) through
    the real second-factor step, so that its pages answer instead of redirecting there."""
    client.get("/accounts/two-factor/")
    response = client.post("/accounts/two-factor/", {"token": current_totp(user)})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def make_arrival(enterprise, *, id_no: str | None = None, **fields):
    """An arrival report to ``enterprise`` filed through the public channel and coded."""
    import datetime

    from django.utils import timezone

    from sibao.epidemic import actions

    n = next(_counter)
    values = {
        "id_number": id_no or id_number(n, region="310115"),
        "name": f"测试来访{n}",
        "phone": f"137{n:08d}",
        "origin_region": "310115",
        "origin_name": "上海市浦东新区",
        "expected_arrival": timezone.localdate() + datetime.timedelta(days=1),
    }
    values.update(fields)
    return actions.register_arrival(enterprise, actor=None, **values)


# --- feeds (EPI-02, EPI-03) ---
def make_feed_source(code: str = "lab-test", name: str = "测试检测机构"):
    """A data source with its interface account (data-feed role), as ``sibao simulate`` and
    the system administrator register them."""
    from sibao.epidemic import actions

    return actions.register_data_source(code, name, actor=None)


# --- units: daily reports, preparedness, sampling houses, goods (EPI-11, EPI-14..16) ---
def make_listed(enterprise, tier: str = "county"):
    """Put ``enterprise`` on the whitelist directly (a listed entry, no application)."""
    import datetime

    from sibao.enterprises.models import WhitelistEntry

    return WhitelistEntry.objects.create(
        enterprise=enterprise,
        tier=tier,
        listed_at=datetime.datetime.now(datetime.UTC),
        region_code=enterprise.region_id,
        industry_id=enterprise.industry_id,
    )


# --- places (EPI-05 … EPI-07, EPI-13) ---
def make_site(enterprise, name="一号厂区", venue_type="industrial"):
    """The root space of a unit's tree (through the action, as a unit admin would)."""
    from sibao.places.actions import create_space

    return create_space(enterprise, actor=None, kind="site", name=name, venue_type=venue_type)


def make_space(parent, kind="workshop", name=None, **fields):
    """A space under ``parent`` (same unit)."""
    from sibao.places.actions import create_space

    n = next(_counter)
    return create_space(
        parent.enterprise, actor=None, kind=kind, name=name or f"空间{n}", parent=parent, **fields
    )


def make_place_code(space):
    """A valid place code on ``space``; ``code.payload`` is what its QR carries."""
    from sibao.places.actions import issue_code

    return issue_code(space, actor=None)


def make_scan(code, person_key, entered_at, left_at=None, **fields):
    """One scan row written directly (for reading tests: lists, tracing), with its day's
    partition created on PostgreSQL as every writer must."""
    from django.utils import timezone

    from sibao.places import partitions
    from sibao.places.models import Scan

    partitions.ensure([partitions.day_of(entered_at)])
    n = next(_counter)
    values = {
        "person_key": person_key,
        "place_code_id": code.pk,
        "space_id": code.space_id,
        "enterprise_id": code.enterprise_id,
        "region_code": code.region_code,
        "entered_at": entered_at,
        "left_at": left_at,
        "exit_kind": "manual" if left_at else "",
        "source": "gateway",
        "device": "test-device",
        "event_id": f"e{n}",
        "received_at": timezone.now(),
    }
    values.update(fields)
    return Scan.objects.create(**values)


# --- policies catalogue ---
def make_policy(
    region: str = "41",
    department_kind: str = "finance",
    conditions=(),
    *,
    publish: bool = True,
    **fields,
):
    """A policy of ``region``'s ``department_kind`` department, written through the catalogue
    actions as the platform (``actor=None``); published (matched and pushed) unless ``publish``
    is False.

    ``conditions``: rule trees, or (title, clause, tree) triples.
    """
    import datetime

    from sibao.policies import actions as policy_actions

    ensure_departments(region)
    department = Department.objects.get(region_id=region, kind=department_kind)
    n = next(_counter)
    values = {
        "title": f"测试政策{n}",
        "category": "fiscal_award",
        "benefit": "一次性奖补 10 万元",
        "valid_from": datetime.date(2022, 1, 1),
        "valid_to": None,
    }
    values.update(fields)
    rows = []
    for i, condition in enumerate(conditions):
        if isinstance(condition, dict):
            rows.append(
                {"title": f"条件{i + 1}", "clause": f"第{i + 1}条", "expression": condition}
            )
        else:
            title, clause, expression = condition
            rows.append({"title": title, "clause": clause, "expression": expression})
    policy = policy_actions.create_policy(department, actor=None, conditions=rows, **values)
    if publish:
        policy = policy_actions.publish_policy(policy, actor=None)
    return policy


# --- policies matching ---
def make_published_policy(conditions=(), region: str = "41", *, match: bool = True, **fields):
    """A published policy written directly (no push: its matches stay ``matched``), matched in
    bulk unless ``match`` is False. ``conditions``: rule trees."""
    import datetime

    from sibao.policies import matching
    from sibao.policies.models import Policy, PolicyCondition, PolicyStatus

    ensure_departments(region)
    n = next(_counter)
    values = {
        "series": f"T{n:05d}",
        "title": f"匹配测试政策{n}",
        "department": Department.objects.get(region_id=region, kind="finance"),
        "category": "fiscal_award",
        "benefit": "一次性奖补",
        "valid_from": datetime.date(2022, 1, 1),
        "status": PolicyStatus.PUBLISHED,
        "region_code": region,
    }
    values.update(fields)
    policy = Policy.objects.create(**values)
    for i, tree in enumerate(conditions):
        PolicyCondition.objects.create(
            policy=policy, title=f"条件{i + 1}", clause=f"第{i + 1}条", expression=tree, order=i
        )
    if match:
        matching.match_policy(policy)
    return policy


# --- policies uptake ---
def advance_uptake(match, to: str, *, unit_admin, department, amount=None, reason: str = ""):
    """Drive a pushed match through the uptake actions up to ``to`` (applied, granted,
    declined, paid or received): the unit's admin applies and confirms, ``department`` grants
    (``amount`` 万元; the policy's expected amount by default), declines or pays. A 免申即享
    policy skips the application."""
    from sibao.policies import actions
    from sibao.policies.models import ApplicationRoute

    order = ["applied", "granted", "paid", "received"]
    if match.policy.route != ApplicationRoute.NO_APPLICATION:
        match = actions.apply_match(match, actor=unit_admin)
    if to == "applied":
        return match
    if to == "declined":
        return actions.decline_match(match, actor=department, reason=reason or "不符合兑现要求")
    if amount is None:
        amount = match.policy.benefit_amount
    match = actions.grant_match(match, actor=department, amount=amount, reason=reason)
    if order.index(to) >= order.index("paid"):
        match = actions.pay_match(match, actor=department)
    if to == "received":
        match = actions.confirm_receipt(match, actor=unit_admin)
    return match


# --- command incidents ---
def make_preparedness(enterprise, *, rooms: int = 2, plan: bool = True, **fields):
    """The unit's preparedness record with its contingency plan (一企一策) and observation rooms."""
    from sibao.epidemic.models import Preparedness

    values = {
        "task_force_leader": "王专班",
        "has_prevention_plan": plan,
        "has_contingency_plan": plan,
        "observation_rooms": rooms,
    }
    values.update(fields)
    preparedness, _created = Preparedness.objects.update_or_create(
        enterprise=enterprise, defaults={"region_code": enterprise.region_id, **values}
    )
    return preparedness


def make_zone(enterprise, name: str | None = None, kind: str = "production"):
    """A zone of the unit (划小单元)."""
    from sibao.places.models import Zone

    n = next(_counter)
    return Zone.objects.create(
        enterprise=enterprise, region_code=enterprise.region_id, name=name or f"区域{n}", kind=kind
    )


def make_nat_result(staff, sampled_at, result: str = "negative", *, pooled: bool = False):
    """One NAT result of a roster row, stored as a laboratory feed stores it (no hooks run)."""
    from django.utils import timezone

    from sibao.epidemic.models import DataSource, TestResult

    source, _created = DataSource.objects.get_or_create(
        code="lab-incidents", defaults={"name": "应急处置测试检测机构"}
    )
    n = next(_counter)
    return TestResult.objects.create(
        person_key=staff.person_key,
        source=source,
        received_at=timezone.now(),
        region_code=staff.region_code,
        enterprise_id=staff.enterprise_id,
        lab="应急处置测试检测机构",
        sample_no=f"INC-{n}",
        sampled_at=sampled_at,
        result=result,
        is_pooled=pooled,
    )


# --- command emergency ---
def make_whitelisted(region: str = "410102", industry: str = "industry", **fields):
    """An enterprise on the whitelist (a listed entry), for the closed-loop tests."""
    enterprise = make_enterprise(region=region, industry=industry, **fields)
    make_listed(enterprise)
    return enterprise


def put_in_emergency(region: str, *, hours_ago: float | None = None, actor=None, reason="测试"):
    """Switch ``region`` into emergency through the action, announced ``hours_ago`` hours ago
    (default: just long enough ago for the advance notice to have run out, so it is in force)."""
    import datetime

    from django.utils import timezone

    from sibao.command import actions
    from sibao.core import rules

    if hours_ago is None:
        hours_ago = rules.current()["emergency_advance_notice_hours"] + 1
    now = timezone.now() - datetime.timedelta(hours=hours_ago)
    return actions.switch_to_emergency(region, actor=actor, reason=reason, now=now)


# --- command oversight ---
def make_province_deciders():
    """The two provincial bodies that decide a shutdown jointly (INC-03): the provincial health
    office (epidemic HQ office) and the provincial HQ office (dispatch HQ), province-wide."""
    health = make_user(Role.HEALTH_OFFICE, "41")
    dispatch = make_user(Role.HQ_OFFICE, "41")
    return health, dispatch


def make_shutdown(enterprise, *, days: int = 2, approve: bool = True, now=None, actor=None):
    """A shutdown request of ``enterprise`` (whitelisted) filed at ``now`` by the platform, and,
    unless ``approve`` is False, approved by both provincial sides at the same moment."""
    from sibao.command import actions

    request = actions.request_shutdown(
        enterprise, actor=actor, reason="测试停产：厂区发现阳性病例", days=days, now=now
    )
    if approve:
        actions.decide_shutdown(request, actor=None, side="epidemic", approve=True, now=now)
        request = actions.decide_shutdown(
            request, actor=None, side="dispatch", approve=True, now=now
        )
    return request


# --- command escalation ---
def ensure_headquarters(*regions: str):
    """The HQs of the given regions only (``ensure_organisations`` builds all of them, slowly);
    returns them in the order given."""
    from sibao.regions.actions import _prefix
    from sibao.regions.models import Headquarters

    found = []
    for code in regions:
        region = Region.objects.get(code=code)
        prefix = _prefix(region)
        hq, _created = Headquarters.objects.get_or_create(
            region=region,
            defaults={
                "name": f"{prefix}统筹疫情防控和经济社会发展调度指挥部",
                "office_name": f"{prefix}统筹疫情防控和经济社会发展调度指挥部办公室",
            },
        )
        found.append(hq)
    return found


def make_problem(actor=None, *, enterprise=None, headquarters=None, title="原料运输车辆通行受阻"):
    """A problem raised through the action (by the platform unless ``actor`` is given)."""
    from sibao.command import actions

    return actions.raise_problem(
        actor=actor,
        title=title,
        description="白名单单位原料运输车辆在县界卡口受阻，县级协调无果。",
        enterprise=enterprise,
        headquarters=headquarters,
    )
