"""PLAT-03 (issue 11 item 6): ``sibao rotate-field-key`` re-encrypts every encrypted personal
field from the old field key to the current one, in batches, idempotently, leaving the person keys
(join keys, HMAC with the unrotated ``DATA_KEY``) as they were."""

import re

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import CommandError, call_command

from sibao.accounts.roles import Role
from sibao.core.keyrotation import encrypted_columns
from sibao.core.models import AuditLog
from sibao.core.personal import decrypt, encrypt, person_key
from sibao.core.testing import id_number, make_enterprise, make_staff, make_user
from sibao.epidemic.models import StaffMember
from sibao.logistics.actions import fleet
from sibao.logistics.models import Driver
from tests.test_sec_dump_scan import dump_database

pytestmark = pytest.mark.req("PLAT-03")

OLD, NEW, OTHER = "the old field key", "the new field key", "some other installation's key"
TOKEN = re.compile(r"v1:[A-Za-z0-9_=-]+")


@pytest.fixture
def protected(settings, departments):
    """Three roster rows and a driver, sealed with the old key."""
    settings.FIELD_KEY = OLD
    unit = make_enterprise(region="410102", name="中原轮换测试有限公司")
    ids = [id_number(700 + n) for n in range(3)]
    for number in ids:
        make_staff(unit, number)
    company = make_enterprise(region="410102", industry="transport", name="中原轮换物流有限公司")
    fleet.register_driver(
        company,
        actor=make_user(Role.LOGISTICS_COMPANY, "410102", enterprise=company),
        name="王师傅",
        id_number=id_number(710),
        phone="13912347100",
    )
    return ids + [id_number(710)]


def sealed_values():
    """``{(label, pk, field): token}`` of every non-empty encrypted value."""
    out = {}
    for model, names in encrypted_columns():
        for pk, *tokens in model._base_manager.values_list("pk", *names):
            for name, token in zip(names, tokens, strict=True):
                if token:
                    out[(model._meta.label, pk, name)] = token
    return out


def rotate(monkeypatch, *args):
    monkeypatch.setenv("SIBAO_OLD_FIELD_KEY", OLD)
    call_command("rotate-field-key", "--old-key-env", "SIBAO_OLD_FIELD_KEY", *args)


def test_every_encrypted_field_is_resealed_under_the_new_key_and_person_keys_stay(
    protected, settings, monkeypatch, capsys
):
    labels = {model._meta.label for model, _names in encrypted_columns()}
    assert {"epidemic.StaffMember", "logistics.Driver", "epidemic.ArrivalReport"} <= labels
    before = sealed_values()
    clear = {where: decrypt(token, OLD) for where, token in before.items()}
    keys = sorted(StaffMember.objects.values_list("person_key", flat=True))
    assert keys == sorted(person_key(n) for n in protected[:3])

    settings.FIELD_KEY = NEW
    with pytest.raises(InvalidTag):  # the new key cannot read the old values yet
        decrypt(next(iter(before.values())))
    rotate(monkeypatch, "--batch-size", "2")
    assert "epidemic.StaffMember.id_encrypted: 3 re-encrypted" in capsys.readouterr().out

    after = sealed_values()
    assert after.keys() == before.keys()
    assert {where: decrypt(token) for where, token in after.items()} == clear
    for token in after.values():
        with pytest.raises(InvalidTag):
            decrypt(token, OLD)
    # nothing anywhere in the database is still sealed with the old key
    for text in dump_database().values():
        for token in TOKEN.findall(text):
            decrypt(token)
    # the join keys are untouched: the same ID number still finds the same person
    assert sorted(StaffMember.objects.values_list("person_key", flat=True)) == keys
    assert Driver.objects.get().person_key == person_key(protected[3])
    row = AuditLog.objects.get(action="personal_data.rotate_key")
    assert row.changes["epidemic.StaffMember.id_encrypted"][1].startswith("3 rotated")
    assert not any(n in str(row.changes) + row.note for n in protected)

    # a rerun (or a run resumed after an interruption) changes nothing
    rotate(monkeypatch)
    assert "epidemic.StaffMember.id_encrypted: 0 re-encrypted, 3 already current" in (
        capsys.readouterr().out
    )
    assert sealed_values() == after


def test_a_value_under_neither_key_is_reported_and_left_alone(protected, settings, monkeypatch):
    settings.FIELD_KEY = NEW
    stray = StaffMember.objects.order_by("pk").first()
    foreign = encrypt(protected[0], OTHER)
    StaffMember.objects.filter(pk=stray.pk).update(id_encrypted=foreign)
    with pytest.raises(CommandError, match="1 values open with neither key"):
        rotate(monkeypatch)
    assert StaffMember.objects.get(pk=stray.pk).id_encrypted == foreign
    # the others were still rotated
    assert all(decrypt(s.id_encrypted) for s in StaffMember.objects.exclude(pk=stray.pk))


def test_the_old_key_comes_from_the_environment_only(db, monkeypatch):
    monkeypatch.delenv("SIBAO_OLD_FIELD_KEY", raising=False)
    with pytest.raises(CommandError, match="SIBAO_OLD_FIELD_KEY is not set"):
        call_command("rotate-field-key", "--old-key-env", "SIBAO_OLD_FIELD_KEY")
