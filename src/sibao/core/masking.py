"""Masking of personal data for display (PLAT-03). Masked values never round-trip to the original."""

import re

_DIGITS = re.compile(r"\s+")


def mask_id_number(value: str | None) -> str:
    """410102199003071234 -> 410***********1234: region prefix and last four only."""
    if not value:
        return ""
    value = _DIGITS.sub("", value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678; short numbers keep only their last two characters."""
    if not value:
        return ""
    value = _DIGITS.sub("", value)
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) <= 2:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def mask_name(value: str | None) -> str:
    """张三丰 -> 张**: the family name only."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
