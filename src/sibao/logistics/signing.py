"""LOG-02: the signed pass token ("码卡证合一") a checkpoint app verifies offline.

The platform's Ed25519 key pair is derived deterministically from ``settings.DATA_KEY`` (HKDF-SHA256
with a purpose label), so every server of one installation signs with the same key and nothing is
stored; ``key_id`` is a short hash of the public key (checkpoint apps pick the key by it).

A token is ``P1.<payload>.<signature>``: the version prefix, the base64url (unpadded) of a small
canonical payload — number, plate, served unit id, origin and destination region codes, validity
as epoch minutes, separated by ``|`` — and the base64url of the Ed25519 signature over
``P1.<payload>``. About 150 characters: a QR of version 8–10 at medium error correction.

``verify_token`` checks the signature before reading anything, so any altered character answers
"forged" (base64url is checked to be canonical: changing unused trailing bits is caught too);
then the validity window against ``now``. Revocation is not in the token: the revocation list
(``queries_passes.revoked_numbers``) and the online check cover it."""

import base64
import binascii
import datetime
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone

__all__ = [
    "PREFIX",
    "InvalidPass",
    "PassClaims",
    "genuine_claims",
    "key_id",
    "public_key_pem",
    "sign_pass",
    "verify_token",
]

PREFIX = "P1"
PURPOSE = b"sibao/logistics/pass-signing/ed25519/v1"
REASONS = ("forged", "malformed", "expired", "not_yet_valid")
_FIELDS = 7
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class InvalidPass(Exception):
    """A token that is not a valid pass now; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PassClaims:
    number: str
    plate: str
    served_unit_id: int
    origin_region_code: str
    destination_region_code: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime


@lru_cache(maxsize=4)
def _keys(secret: str):
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        secret.encode("utf-8")
    )
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private, public, hashlib.sha256(raw).hexdigest()[:16]


def _current():
    return _keys(settings.DATA_KEY)


def key_id() -> str:
    return _current()[2]


def public_key_pem() -> str:
    """The platform's public key (SubjectPublicKeyInfo PEM) for checkpoint apps."""
    public = _current()[1]
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    """Strict base64url: only the canonical spelling of some bytes is accepted."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidPass("forged") from None
    if _b64e(data) != text:
        raise InvalidPass("forged")
    return data


def _minutes(value: datetime.datetime) -> int:
    return int((value - _EPOCH).total_seconds() // 60)


def _moment(minutes: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(minutes=minutes)


def _payload(p) -> str:
    fields = [
        p.number,
        p.vehicle.plate,
        str(p.served_unit_id),
        p.origin_region_code,
        p.destination_region_code,
        str(_minutes(p.valid_from)),
        str(_minutes(p.valid_until)),
    ]
    if any("|" in field for field in fields):
        raise ValueError("a pass field contains the separator")
    return "|".join(fields)


def sign_pass(vehicle_pass) -> tuple[str, str]:
    """(token, key_id) for an approved pass."""
    private, _public, kid = _current()
    body = f"{PREFIX}.{_b64e(_payload(vehicle_pass).encode('utf-8'))}"
    signature = private.sign(body.encode("ascii"))
    return f"{body}.{_b64e(signature)}", kid


def _claims(payload: bytes) -> PassClaims:
    try:
        parts = payload.decode("utf-8").split("|")
        if len(parts) != _FIELDS:
            raise ValueError
        number, plate, unit, origin, destination, start, end = parts
        return PassClaims(
            number=number,
            plate=plate,
            served_unit_id=int(unit),
            origin_region_code=origin,
            destination_region_code=destination,
            valid_from=_moment(int(start)),
            valid_until=_moment(int(end)),
        )
    except (UnicodeDecodeError, ValueError, OverflowError):
        raise InvalidPass("malformed") from None


def genuine_claims(token: str) -> PassClaims:
    """The claims of a token signed with the platform's key, whatever its validity window;
    ``InvalidPass("malformed" | "forged")`` otherwise."""
    text = (token or "").strip()
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise InvalidPass("malformed")
    if not text.isascii():
        raise InvalidPass("forged")
    signature = _b64d(parts[2])
    try:
        _current()[1].verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        raise InvalidPass("forged") from None
    return _claims(_b64d(parts[1]))


def verify_token(token: str, *, now=None) -> PassClaims:
    """The claims of a genuine token valid at ``now``; ``InvalidPass(reason)`` otherwise."""
    claims = genuine_claims(token)
    now = now or timezone.now()
    if now < claims.valid_from:
        raise InvalidPass("not_yet_valid")
    if now > claims.valid_until:
        raise InvalidPass("expired")
    return claims
