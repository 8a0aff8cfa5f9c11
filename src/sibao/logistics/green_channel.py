"""LOG-03: the green-channel decision of a checkpoint (D2 三(五)), pure — no database, no clock.

The seed: "各交通防疫检查点开辟专用'绿色'通道，对同乘人员健康码绿色、行程码正常（含带*号）、持有 48
小时核酸阴性证明和通行证的，予以优先、快速通行". So a vehicle takes the green channel when

- its pass is valid (genuine, inside its validity, approved and not revoked): ``pass_state`` is
  ``PASS_VALID`` or the reason code why not;
- every occupant is known (has a current 两码一证: ``PersonStatus``) and
  - has a green health code,
  - has a normal itinerary code — a starred one (带*) counts as normal,
  - holds a negative NAT sampled within ``nat_valid_hours`` (48 h) before ``now``, with no
    positive sampled after it.

Every failing rule is reported at once (the officer tells the driver everything in one go), in
the order of ``REASONS``; ``Decision.occupants`` keeps each occupant's own reasons, by position.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from sibao.logistics.models import CheckResult

__all__ = [
    "PASS_VALID",
    "REASONS",
    "Decision",
    "decide",
    "occupant_reasons",
    "reason_labels",
]

PASS_VALID = "valid"

# code -> Chinese label, in the order they are shown
REASONS = {
    "pass_invalid": _("通行证无效（伪造、篡改、无法识别或非本车）"),
    "pass_expired": _("通行证已过期"),
    "pass_revoked": _("通行证已吊销"),
    "pass_not_yet_valid": _("通行证尚未生效"),
    "occupant_unknown": _("随车人员无两码一证信息"),
    "occupant_not_green": _("随车人员健康码非绿码"),
    "itinerary_abnormal": _("随车人员行程码异常"),
    "no_recent_nat": _("随车人员无 48 小时内核酸阴性证明"),
}
PASS_REASONS = ("pass_invalid", "pass_expired", "pass_revoked", "pass_not_yet_valid")
NORMAL_ITINERARIES = frozenset({"normal", "starred"})


@dataclass(frozen=True)
class Decision:
    result: str
    reasons: tuple[str, ...]
    # one tuple of reason codes per occupant, in the order given
    occupants: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def green(self) -> bool:
        return self.result == CheckResult.GREEN


def reason_labels(codes) -> list[str]:
    """The Chinese labels of reason codes (unknown codes shown as they are)."""
    return [str(REASONS.get(code, code)) for code in codes]


def _recent_negative(status, now, window: datetime.timedelta) -> bool:
    negative = status.last_negative_at
    if negative is None or now - negative > window:
        return False
    positive = status.last_positive_at
    return positive is None or positive <= negative


def occupant_reasons(status, *, now, nat_valid_hours: int) -> tuple[str, ...]:
    """The reasons one occupant (a ``PersonStatus``, or None when unknown) keeps the vehicle out
    of the green channel; empty when the occupant is in order."""
    if status is None:
        return ("occupant_unknown",)
    reasons = []
    if status.health_code != "green":
        reasons.append("occupant_not_green")
    if status.itinerary not in NORMAL_ITINERARIES:
        reasons.append("itinerary_abnormal")
    if not _recent_negative(status, now, datetime.timedelta(hours=nat_valid_hours)):
        reasons.append("no_recent_nat")
    return tuple(reasons)


def decide(*, pass_state: str, occupants: Sequence, now, nat_valid_hours: int) -> Decision:
    """The answer for one vehicle: ``pass_state`` is ``PASS_VALID`` or a pass reason code;
    ``occupants`` the occupants' ``PersonStatus`` (None for an unknown person). A vehicle with no
    occupant given cannot be cleared: it answers "occupant_unknown"."""
    if pass_state != PASS_VALID and pass_state not in PASS_REASONS:
        raise ValueError(f"unknown pass state {pass_state!r}")
    per_occupant = tuple(
        occupant_reasons(status, now=now, nat_valid_hours=nat_valid_hours) for status in occupants
    )
    found = set().union(*per_occupant) if per_occupant else {"occupant_unknown"}
    if pass_state != PASS_VALID:
        found.add(pass_state)
    reasons = tuple(code for code in REASONS if code in found)
    result = CheckResult.NOT_GREEN if reasons else CheckResult.GREEN
    return Decision(result=str(result), reasons=reasons, occupants=per_occupant)
