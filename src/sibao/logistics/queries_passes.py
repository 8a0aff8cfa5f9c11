"""Reads of the passes area (LOG-02): the revocation list for offline checkpoint apps and the state
of a scanned pass for the online check (signature and validity from the token, revocation and
status from the database)."""

from django.utils import timezone

from sibao.logistics import signing
from sibao.logistics.models import PassStatus, VehiclePass

__all__ = ["revoked_numbers", "row_state", "token_claims"]

# verify_token's reasons -> the green-channel reason codes (logistics.green_channel)
_TOKEN_REASONS = {
    "forged": "pass_invalid",
    "malformed": "pass_invalid",
    "expired": "pass_expired",
    "not_yet_valid": "pass_not_yet_valid",
}
VALID = "valid"


def revoked_numbers(now=None) -> list[str]:
    """Numbers of revoked passes still inside their validity (after it, the token itself fails)."""
    now = now or timezone.now()
    return list(
        VehiclePass.objects.filter(status=PassStatus.REVOKED, valid_until__gte=now)
        .order_by("number")
        .values_list("number", flat=True)
    )


def token_claims(token: str, *, now) -> tuple[str | None, signing.PassClaims | None]:
    """(reason code or None, claims) of a scanned token at ``now``: a forged or malformed token
    names no pass; a genuine one outside its validity still does (for the check log)."""
    try:
        return None, signing.verify_token(token, now=now)
    except signing.InvalidPass as exc:
        if exc.reason in ("forged", "malformed"):
            return _TOKEN_REASONS[exc.reason], None
        return _TOKEN_REASONS[exc.reason], signing.genuine_claims(token)


def row_state(claims, row, token: str, plate: str = "") -> str:
    """The state of a genuine token inside its validity, given its pass row (None when there is
    none): the row must carry this very token, be approved and not revoked; a ``plate`` typed
    at the checkpoint (normalised) must be the pass's."""
    if row is None or row.token != token.strip():
        return "pass_invalid"
    if row.status == PassStatus.REVOKED:
        return "pass_revoked"
    if row.status != PassStatus.APPROVED:
        return "pass_invalid"
    if plate and plate != claims.plate:
        return "pass_invalid"  # the pass of another vehicle
    return VALID
