"""The demo catalogue (``sibao seed-demo``): several dozen policies across all ten kinds, by
province, city and county departments, every condition valid and citing its clause, published
and matched; facts from several sources; a reserve; ``--reset`` removes exactly them."""

import io

import pytest
from django.core.management import call_command

from sibao.enterprises.facts import CATALOGUE
from sibao.enterprises.models import EnterpriseFact
from sibao.policies.demo import CATALOGUE as DEMO_POLICIES
from sibao.policies.models import (
    DraftStatus,
    Policy,
    PolicyCategory,
    PolicyDraft,
    PolicyMatch,
    PolicyStatus,
)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed-demo", "--enterprises", "60", *args, stdout=out)
    return out.getvalue()


def test_the_demo_texts_are_valid_rules_with_clauses():
    assert len(DEMO_POLICIES) >= 36
    assert {row[2] for row in DEMO_POLICIES} == set(PolicyCategory.values)
    assert {len(row[0]) for row in DEMO_POLICIES} == {2, 4, 6}  # province, city, county
    for row in DEMO_POLICIES:
        for condition in row[10]:
            CATALOGUE.validate(condition["expression"])
            assert condition["clause"] and condition["title"]


@pytest.mark.req("POL-01")
@pytest.mark.req("POL-05")
@pytest.mark.django_db
def test_seed_demo_builds_the_catalogue_and_reset_removes_it():
    output = seed()
    assert "惠企政策：" in output
    policies = Policy.objects.all()
    first_run = policies.count()
    assert first_run >= 40
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

    seed("--reset")
    assert Policy.objects.count() == first_run  # recreated, not doubled
    assert PolicyDraft.objects.count() == 4
