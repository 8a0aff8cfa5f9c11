"""Sensitive personal data (PIPL; architecture §6): ID numbers and phones are validated, stored as
a pseudonymous person key (HMAC-SHA256 with ``settings.DATA_KEY``) for matching plus an encrypted
value (AES-GCM, key derived from ``settings.FIELD_KEY``, which defaults to ``DATA_KEY``) for the
rare audited unmasked read, and shown masked. Event tables carry only the person key.

The two secrets rotate differently: person keys are join keys across every event table and are
never recomputed, so ``DATA_KEY`` stays; ``FIELD_KEY`` is rotated with ``sibao rotate-field-key``,
which re-encrypts every ``*_encrypted`` column (``core.keyrotation``).
"""

import base64
import datetime
import hashlib
import hmac
import operator
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sibao.core.masking import mask_id_number, mask_phone

ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
PHONE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")
_SPACES = re.compile(r"\s+")
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_DIGIT_OFFSET = ord("0") * sum(_WEIGHTS)
_CHECK = "10X98765432"
_ENCRYPTION_PREFIX = "v1:"


def id_check_digit(first17: str) -> str:
    """The check digit (GB 11643) of the first 17 digits, given as a string of ASCII digits."""
    digits = first17.encode("ascii")
    if len(digits) != 17 or not digits.isdigit():
        raise ValueError("17 digits expected")
    # ASCII codes minus 48 are the digits; the offset is taken out of the weighted sum at once
    return _CHECK[(sum(map(operator.mul, digits, _WEIGHTS)) - _DIGIT_OFFSET) % 11]


def normalise_id_number(value: str, today=None) -> str:
    """The 18-character resident ID number, upper-case, checked; ValidationError otherwise.
    ``today`` (the platform's local date) may be passed by callers checking many numbers at once.

    The check digit and the birth date are verified; the region part only for its shape, because
    functional-zone codes (41017x …) and codes newer than the birth year are real (python-stdnum's
    ``cn.ric`` refuses both).
    """
    text = str(value or "").strip().upper()
    if not text.isascii():
        # full-width digits and letters, as Chinese input methods often type them
        text = unicodedata.normalize("NFKC", text).upper()
    if len(text) != 18:
        text = _SPACES.sub("", text)
    if not ID_PATTERN.match(text):
        raise ValidationError(_("身份证号码应为 18 位（末位可为 X）。"))
    if id_check_digit(text[:17]) != text[17]:
        raise ValidationError(_("身份证号码校验位不符。"))

    try:
        born = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。")) from None
    if not (datetime.date(1900, 1, 1) <= born <= (today or timezone.localdate())):
        raise ValidationError(_("身份证号码中的出生日期无效。"))
    return text


def normalise_phone(value: str) -> str:
    text = str(value or "")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s-]+", "", text)
    if text.startswith("+86"):
        text = text[3:]
    if not PHONE_PATTERN.match(text):
        raise ValidationError(_("手机号码应为 11 位，以 1 开头。"))
    return text


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    root = hashlib.sha256(secret.encode()).digest()
    person = hmac.new(root, b"sibao person key", hashlib.sha256).digest()
    encryption = hmac.new(root, b"sibao field encryption", hashlib.sha256).digest()
    return person, encryption


@lru_cache(maxsize=4)
def _person_hmac(secret: str):
    """The keyed HMAC state, copied for each ID number (feeds hash millions of them a day)."""
    person, _encryption = _keys(secret)
    return hmac.new(person, digestmod=hashlib.sha256)


@lru_cache(maxsize=4)
def _person_pads(secret: str):
    """The HMAC's inner and outer SHA-256 states after the padded key (RFC 2104): copying two
    hashlib states is twice as fast per ID number as copying an ``hmac`` object."""
    person, _encryption = _keys(secret)
    block = person.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
    return inner, outer


def person_key_hasher():
    """``hash(normalised_id_number) -> person key`` for many numbers at once (feeds): the data
    key is read once; the number must already be normalised (``normalise_id_number``)."""
    inner, outer = _person_pads(settings.DATA_KEY)
    inner_copy, outer_copy = inner.copy, outer.copy

    def hash_(text: str) -> str:
        digest = inner_copy()
        digest.update(text.encode())
        result = outer_copy()
        result.update(digest.digest())
        return result.hexdigest()

    return hash_


def person_key(id_number: str, today=None) -> str:
    """The pseudonymous key of a person: the same ID number always gives the same 64 hex
    characters, and the ID number cannot be recovered from it without the data key."""
    digest = _person_hmac(settings.DATA_KEY).copy()
    digest.update(normalise_id_number(id_number, today).encode())
    return digest.hexdigest()


def _field_secret(secret: str | None) -> str:
    return secret or getattr(settings, "FIELD_KEY", "") or settings.DATA_KEY


def encrypt(value: str, secret: str | None = None) -> str:
    """AES-GCM with the field key (``secret`` overrides it: key rotation only)."""
    if not value:
        return ""
    _person, key = _keys(_field_secret(secret))
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), None)
    return _ENCRYPTION_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, secret: str | None = None) -> str:
    """The clear value; ``cryptography.exceptions.InvalidTag`` when sealed with another key."""
    if not token:
        return ""
    if not token.startswith(_ENCRYPTION_PREFIX):
        raise ValueError("not an encrypted value")
    _person, key = _keys(_field_secret(secret))
    raw = base64.urlsafe_b64decode(token[len(_ENCRYPTION_PREFIX) :])
    return AESGCM(key).decrypt(raw[:12], raw[12:], None).decode()


def protect_id_number(value: str) -> dict:
    """``{"person_key", "id_encrypted", "id_masked"}`` for a valid ID number."""
    text = normalise_id_number(value)
    return {
        "person_key": person_key(text),
        "id_encrypted": encrypt(text),
        "id_masked": mask_id_number(text),
    }


def protect_phone(value: str) -> dict:
    text = normalise_phone(value)
    return {"phone_encrypted": encrypt(text), "phone_masked": mask_phone(text)}
