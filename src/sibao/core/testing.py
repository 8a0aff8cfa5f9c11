"""Small explicit builders and personas for tests (no opaque fixtures)."""

import itertools

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
