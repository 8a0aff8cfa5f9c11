"""Signed QR payloads for place codes and personal badges (EPI-05, EPI-06).

A payload is ``<kind><id in base 36>.<signature>``, e.g. ``P2KQ.7RXW4M2ZJQ9TB6CA``: the kind letter
(``P`` place code, ``B`` badge), the row id, and the first 80 bits of an HMAC-SHA256 of both, in
Crockford-style base 32 (no I, L, O, U: nothing to misread on a printed sheet). About twenty
characters, so the QR (a URL of the public scan page around it) stays small and scans reliably
from a worn sheet on a wall. The row, not the payload, says whether the code is still valid
(revoked, expired): a payload carries no dates, so nothing printed has to change when a code is
renewed or revoked. The signing key is derived from ``settings.DATA_KEY`` (not the secret key,
which may be rotated: codes printed on walls must outlive that); ``docs/operations.md`` says so.
"""

import hashlib
import hmac
import re
from functools import lru_cache

from django.conf import settings

__all__ = ["BadPayload", "PLACE", "BADGE", "sign", "verify", "payload_in"]

PLACE = "P"
BADGE = "B"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SIGNATURE_LENGTH = 16
_PAYLOAD = re.compile(r"([PB])([0-9A-Z]{1,13})\.([0-9A-Z]{16})")


class BadPayload(ValueError):
    """A payload that is malformed or whose signature does not match (forged or altered)."""


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"sibao place codes and badges", hashlib.sha256).digest()


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def _signature(body: str) -> str:
    return _signature_with(settings.DATA_KEY, body)


# A gateway's batches repeat the same few place codes all day: each payload's signature is
# computed once per process (and key), not once per batch.
@lru_cache(maxsize=65_536)
def _signature_with(secret: str, body: str) -> str:
    digest = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:10], "big")  # 80 bits = 16 base-32 digits
    return "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(16)))


def sign(kind: str, row_id: int) -> str:
    if kind not in (PLACE, BADGE) or row_id < 1:
        raise ValueError("unknown kind or id")
    body = f"{kind}{_base36(row_id)}"
    return f"{body}.{_signature(body)}"


def verify(payload: str, kind: str) -> int:
    """The row id of a payload of ``kind``; BadPayload when it is malformed, of another kind, or
    its signature does not match."""
    match = _PAYLOAD.fullmatch(str(payload or "").strip().upper())
    if match is None:
        raise BadPayload("malformed")
    letter, number, signature = match.groups()
    if letter != kind:
        raise BadPayload("wrong kind")
    if not hmac.compare_digest(signature, _signature(f"{letter}{number}")):
        raise BadPayload("bad signature")
    return int(number, 36)


def payload_in(text: str) -> str:
    """The payload in what a scanner read: the bare payload, or the scan page's URL around it."""
    text = str(text or "").strip()
    tail = text.rstrip("/").rsplit("/", 1)[-1]
    return tail.split("?", 1)[0]
