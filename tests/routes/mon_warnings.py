"""Route expectations of the monitoring area 'warnings': early warnings, seven dimensions, one-click response (MON-02).

Answers are in PERSONAS order: anonymous, no_grant, other_county (HQ office of 410202),
own_county (HQ office of 410102), enterprise_admin (admin of the own-county enterprise).

Warnings are read by government roles within their jurisdiction (an enterprise's admin has no
access: 403); the responses are POST-only and covered by the area's tests. ``make_warning``
writes one warning row directly (the rules that raise them are tested on their own) and is
shared by the area's tests.
"""

import datetime
import itertools

from django.utils import timezone

UI_BOARD = (302, 403, 200, 200, 403)
UI_OWN = (302, 403, 404, 200, 403)
API_READ = (401, 403, 200, 200, 403)
API_OWN = (401, 403, 404, 200, 403)

ACTIONS = "tests/test_mon_warnings_actions.py"
PAGES = "tests/test_mon_warnings_pages.py"

ROUTES: dict = {
    "command:warning_list": (None, UI_BOARD),
    "command:warning_export": (None, UI_BOARD),
    "command:warning_detail": (lambda o: {"pk": o["own_warning"].pk}, UI_OWN),
    "api:warning-list": (None, API_READ),
    "api:warning-detail": (lambda o: {"pk": o["own_warning"].pk}, API_OWN),
}

NOT_GET: dict = {
    "command:warning_acknowledge": PAGES,
    "command:warning_assign": PAGES,
    "command:warning_work_order": PAGES,
    "command:warning_consult": PAGES,
    "command:warning_resolve": PAGES,
    "command:warning_dismiss": PAGES,
    "api:warning-acknowledge": ACTIONS,
    "api:warning-assign": ACTIONS,
    "api:warning-work-order": ACTIONS,
    "api:warning-consult": ACTIONS,
    "api:warning-resolve": ACTIONS,
    "api:warning-dismiss": ACTIONS,
}

_serial = itertools.count(1)


def make_warning(
    enterprise=None,
    *,
    region=None,
    rule="preparedness_incomplete",
    dimension="prevention",
    level="warning",
    status="open",
    hours_left=24,
    now=None,
    **fields,
):
    """One warning about ``enterprise`` (or a region-level one in ``region``), raised at ``now``
    with a deadline ``hours_left`` hours later (negative: already overdue)."""
    from sibao.command.models import EarlyWarning
    from sibao.core import rules

    now = now or timezone.now()
    n = next(_serial)
    region = region or enterprise.region_id
    values = {
        "rule": rule,
        "dimension": dimension,
        "level": level,
        "key": f"test:{n}",
        "title": f"测试预警{n}" + (f"：{enterprise.name}" if enterprise else ""),
        "detail": "测试用预警情况。",
        "facts": {"parameters": {"warning_preparedness_grace_days": 7}, "figures": {"n": n}},
        "rule_set_version": rules.current().version,
        "enterprise": enterprise,
        "region_code": region,
        "industry_id": enterprise.industry_id if enterprise else None,
        "status": status,
        "raised_at": now,
        "last_seen_at": now,
        "deadline": now + datetime.timedelta(hours=hours_left),
    }
    values.update(fields)
    return EarlyWarning.objects.create(**values)


def listed_unit(region="410102", *, days_ago=60, industry="industry"):
    """An enterprise on the whitelist since ``days_ago`` days (past the rules' grace periods)."""
    from sibao.core.testing import make_enterprise, make_listed
    from sibao.enterprises.models import WhitelistEntry

    unit = make_enterprise(region=region, industry=industry)
    entry = make_listed(unit)
    WhitelistEntry.objects.filter(pk=entry.pk).update(
        listed_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return unit


def change(key, value):
    """A new rule-set version with ``key`` set to ``value``, by the province HQ office (the
    audited rule-change action)."""
    from sibao.accounts.models import User
    from sibao.accounts.roles import Role
    from sibao.core.actions import change_rule_parameter
    from sibao.core.testing import make_user

    office = User.objects.filter(username="province_rules").first() or make_user(
        Role.HQ_OFFICE, "41", username="province_rules"
    )
    change_rule_parameter(key, value, actor=office, reason="测试阈值")


def build_objects(objects: dict, personas: dict) -> dict:
    """An open warning about the own-county enterprise."""
    return {"own_warning": make_warning(objects["own_enterprise"])}
