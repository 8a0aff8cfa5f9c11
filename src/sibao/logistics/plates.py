"""Chinese vehicle plates (GA 36): checked and brought to one written form (LOG-01).

A plate is the province's one-character abbreviation, the issuing office's letter and then:

- five letters or digits (ordinary plates; letters I and O are never issued), a trailer's four
  followed by 挂; or
- six characters for new-energy plates (8 characters in all): a small car's D (electric) or F
  (hybrid) and five more with the last four digits, or a large vehicle's five digits and D/F.

Input typed on phones often comes full-width (豫Ａ１２３４５), lower-case or with the separators
printed on the plate (豫A·12345, 豫A 12345); all of these give the same normal form ``豫A12345``.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

__all__ = ["PROVINCES", "is_new_energy", "normalise_plate"]

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # no I, no O
_CHAR = f"[{_LETTER}0-9]"
_ORDINARY = re.compile(f"^[{PROVINCES}][{_LETTER}]({_CHAR}{{5}}|{_CHAR}{{4}}挂)$")
_NEW_ENERGY = re.compile(f"^[{PROVINCES}][{_LETTER}]([DF]{_CHAR}[0-9]{{4}}|[0-9]{{5}}[DF])$")
_SEPARATORS = re.compile(r"[\s·•.\-_]+")


def normalise_plate(text: str) -> str:
    """The plate in its normal form (half-width, upper-case, no separators).

    Raises ``ValueError`` with a Chinese message when the text is not a Chinese plate."""
    plate = unicodedata.normalize("NFKC", str(text or "")).upper()
    plate = _SEPARATORS.sub("", plate)
    if not plate:
        raise ValueError(_("请填写车牌号。"))
    if plate[0] not in PROVINCES:
        raise ValueError(
            _("车牌号应以省份简称开头（如“豫”），“%(text)s”不是有效的车牌号。") % {"text": plate}
        )
    if _ORDINARY.match(plate) or _NEW_ENERGY.match(plate):
        return plate
    raise ValueError(
        _(
            "“%(text)s”不是有效的车牌号：省份简称 + 发牌机关字母 + 5 位字母或数字"
            "（新能源车牌为 6 位，含 D 或 F）。"
        )
        % {"text": plate}
    )


def is_new_energy(plate: str) -> bool:
    """Whether a normalised plate is a new-energy (green) plate."""
    return bool(_NEW_ENERGY.match(plate))
