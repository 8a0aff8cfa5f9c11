import pytest

from sibao.core import rules
from sibao.core.actions import change_rule_parameter
from sibao.core.models import AuditLog, RuleSetVersion
from sibao.core.testing import make_user


@pytest.mark.req("PLAT-05")
def test_every_seed_number_is_a_parameter_with_its_source(db):
    current = rules.current()
    assert current.version >= 1  # written at migrate
    expected = {
        "coverage_target_pct": 70,
        "nat_interval_hours": 48,
        "nat_interval_hours_mobile_post": 24,
        "nat_interval_hours_emergency": 24,
        "arrival_nat_within_hours": 24,
        "arrival_isolation_days": 7,
        "pooled_retest_hours": 6,
        "shutdown_max_days": 3,
        "sampling_house_subsidy_pct": 50,
        "sampling_house_province_share": 7,
        "sampling_house_local_share": 3,
        "sampling_house_staff_threshold": 1000,
        "checkpoint_nat_valid_hours": 48,
    }
    for key, value in expected.items():
        assert current[key] == value, key
    for parameter in rules.PARAMETERS:
        assert parameter.source and parameter.label, parameter.key


@pytest.mark.req("PLAT-05")
def test_the_rules_page_lists_parameters_with_sources(personas, login):
    page = login(personas["other_county"]).get("/rules/").content.decode()
    assert "常态化核酸检测间隔" in page and "D2 二(一)" in page and "48 h" in page
    assert "/rules/nat_interval_hours/change/" not in page  # a county office may not change


@pytest.mark.req("PLAT-05")
@pytest.mark.req("ORG-05")
def test_a_change_makes_a_new_audited_version_and_old_versions_stay(db, login):
    officer = make_user("hq_office", "41")
    before = rules.current()
    client = login(officer)
    response = client.post(
        "/rules/nat_interval_hours/change/", {"value": "72", "reason": "省指挥部会议决定"}
    )
    assert response.status_code == 302
    after = rules.current()
    assert after.version == before.version + 1 and after["nat_interval_hours"] == 72
    assert rules.at_version(before.version)["nat_interval_hours"] == 48
    row = AuditLog.objects.get(action="rules.change")
    assert row.rule_version == after.version and row.actor == officer


@pytest.mark.req("PLAT-05")
def test_bad_values_are_refused_with_a_clear_message_and_no_version(db, login):
    officer = make_user("hq_office", "41")
    client = login(officer)
    count = RuleSetVersion.objects.count()
    for value, message in [("abc", "整数"), ("150", "不能大于"), ("", "必填")]:
        page = client.post(
            "/rules/coverage_target_pct/change/", {"value": value, "reason": "测试"}
        ).content.decode()
        assert message in page or "请填写" in page, (value, page[:300])
    no_reason = client.post("/rules/coverage_target_pct/change/", {"value": "80", "reason": ""})
    assert no_reason.status_code == 200
    same = client.post("/rules/coverage_target_pct/change/", {"value": "70", "reason": "同值"})
    assert "未产生新版本" in same.content.decode()
    assert RuleSetVersion.objects.count() == count


@pytest.mark.req("PLAT-05")
def test_only_province_wide_offices_and_admins_may_change(db):
    from django.core.exceptions import PermissionDenied

    for role, region in [("hq_office", "4101"), ("hq_leader", "41"), ("department_staff", "41")]:
        kwargs = {"department_kind": "industry_it"} if role == "department_staff" else {}
        if role == "department_staff":
            from sibao.core.testing import ensure_departments

            ensure_departments("41")
        user = make_user(role, region, **kwargs)
        with pytest.raises(PermissionDenied):
            change_rule_parameter("shutdown_max_days", 5, actor=user, reason="x")
    assert rules.current()["shutdown_max_days"] == 3


@pytest.mark.req("PLAT-05")
def test_a_new_parameter_gets_its_default_in_a_new_version(db, monkeypatch):
    extra = rules.Parameter("test_only_hours", 12, "int", "h", "test", "测试参数", "测试")
    monkeypatch.setattr(rules, "PARAMETERS", rules.PARAMETERS + (extra,))
    monkeypatch.setitem(rules.BY_KEY, extra.key, extra)
    before = rules.current().version
    assert rules.ensure_complete() == before + 1
    assert rules.current()["test_only_hours"] == 12
    assert rules.ensure_complete() == before + 1  # complete now: no further version


@pytest.mark.req("PLAT-05")
def test_a_request_reads_the_rule_set_once_and_anew_after_a_change(db, django_assert_num_queries):
    from sibao.core.context import request_cache

    user = make_user("hq_office", "41")
    token = request_cache.set({})
    try:
        first = rules.current()
        with django_assert_num_queries(0):
            assert rules.current() is first
        change_rule_parameter("shutdown_max_days", 5, actor=user, reason="x")
        assert rules.current()["shutdown_max_days"] == 5
    finally:
        request_cache.reset(token)
