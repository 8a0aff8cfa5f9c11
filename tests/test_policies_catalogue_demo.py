"""The demo catalogue (``sibao seed-demo``): several dozen policies across all ten kinds, by
province, city and county departments, every condition valid and citing its clause, published
and matched; facts from several sources; a reserve; ``--reset`` removes exactly them. The seeded
demo itself is checked in ``tests/test_seed_demo.py`` (one seed serves every module's checks)."""

import io

import pytest
from django.core.management import call_command

from sibao.enterprises.facts import CATALOGUE
from sibao.policies.demo import CATALOGUE as DEMO_POLICIES
from sibao.policies.models import (
    PolicyCategory,
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
