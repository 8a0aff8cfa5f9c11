"""LOG-02: the signed pass token — genuine tokens verify offline with the public key alone;
forged, altered (any one character), expired, not-yet-valid and wrong-key tokens are refused with
the right reason."""

import base64
import datetime
import string

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from sibao.logistics import signing
from tests.log_passes_support import NOW, approved, make_fleet

pytestmark = pytest.mark.req("LOG-02")
ALPHABET = string.ascii_letters + string.digits + "-_"


@pytest.fixture
def vehicle_pass(departments):
    return approved(make_fleet())


def _reason(token, now):
    with pytest.raises(signing.InvalidPass) as caught:
        signing.verify_token(token, now=now)
    return caught.value.reason


def test_genuine_token_verifies_offline_with_the_published_key(vehicle_pass):
    token = vehicle_pass.token
    assert token.startswith("P1.") and len(token) < 200  # small enough for a QR
    claims = signing.verify_token(token, now=NOW + datetime.timedelta(hours=1))
    assert claims.number == vehicle_pass.number
    assert claims.plate == vehicle_pass.vehicle.plate
    assert claims.served_unit_id == vehicle_pass.served_unit_id
    assert (claims.origin_region_code, claims.destination_region_code) == ("410102", "410202")
    assert claims.valid_from == vehicle_pass.valid_from
    assert claims.valid_until == vehicle_pass.valid_until
    assert vehicle_pass.key_id == signing.key_id()
    # a checkpoint app holding only the PEM verifies the signature itself
    body, signature = token.rsplit(".", 1)
    public = load_pem_public_key(signing.public_key_pem().encode())
    public.verify(base64.urlsafe_b64decode(signature + "=="), body.encode())


def test_keys_are_deterministic_from_the_data_key(settings, vehicle_pass):
    first = (signing.public_key_pem(), signing.key_id())
    assert (signing.public_key_pem(), signing.key_id()) == first
    settings.DATA_KEY = "another installation's secret"
    assert signing.key_id() != first[1]
    assert signing.public_key_pem() != first[0]


def test_every_altered_character_is_refused(vehicle_pass):
    token = vehicle_pass.token
    for i, char in enumerate(token):
        if char == ".":
            continue
        other = ALPHABET[(ALPHABET.index(char) + 1) % len(ALPHABET)]
        altered = token[:i] + other + token[i + 1 :]
        # the version prefix is read first: another prefix is an unknown format
        expected = "malformed" if i < 2 else "forged"
        assert _reason(altered, NOW) == expected, (i, altered)


def test_forged_token_with_changed_claims_is_refused(vehicle_pass):
    prefix, payload, signature = vehicle_pass.token.split(".")
    claims = base64.urlsafe_b64decode(payload + "==").decode()
    longer = claims.replace(claims.split("|")[-1], str(int(claims.split("|")[-1]) + 60 * 24 * 365))
    forged_payload = base64.urlsafe_b64encode(longer.encode()).rstrip(b"=").decode()
    assert _reason(f"{prefix}.{forged_payload}.{signature}", NOW) == "forged"
    # a token made up from nothing
    fake = base64.urlsafe_b64encode(b"\0" * 64).rstrip(b"=").decode()
    assert _reason(f"P1.{forged_payload}.{fake}", NOW) == "forged"


def test_malformed_tokens(vehicle_pass):
    for junk in ("", "hello", "P1.abc", "P2." + vehicle_pass.token[3:], "P1..x"):
        assert _reason(junk, NOW) == "malformed", junk


def test_expired_and_not_yet_valid(vehicle_pass):
    token = vehicle_pass.token
    assert _reason(token, vehicle_pass.valid_until + datetime.timedelta(minutes=1)) == "expired"
    assert (
        _reason(token, vehicle_pass.valid_from - datetime.timedelta(minutes=1)) == "not_yet_valid"
    )
    # the bounds themselves are inside the validity
    assert signing.verify_token(token, now=vehicle_pass.valid_until).number == vehicle_pass.number


def test_token_of_another_key_is_refused(settings, vehicle_pass):
    settings.DATA_KEY = "a different platform's key"
    assert _reason(vehicle_pass.token, NOW) == "forged"
