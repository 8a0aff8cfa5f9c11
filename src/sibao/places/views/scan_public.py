"""EPI-06: the public scan page a place code's QR opens (``/s/<payload>/``) — no account.

The page shows the unit and the place, or refuses a forged, altered, revoked or expired code
with a page that says so (404 for a code that is not ours, 410 for one that no longer is valid).
A person identifies once per device (name, ID number, phone, consent): the device remembers, in
a signed cookie for ``scan_identity_days`` (rule set), only the person key, a masked name and a
device id — never the ID number or the phone. "确认进入" posts with a hidden event id (a UUID per
rendered form), so a double submit is one scan; the result page shows the time, the place, the
person's health-code colour if the platform knows it, and a warning when the entry raised a risk
alert. "登记离开" ends the stay, "不是本人" forgets the identity. Identifications and entries are
limited per client address.
"""

import datetime
import uuid

from django.core import signing as django_signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from sibao.core import ratelimit, rules
from sibao.core.masking import mask_name
from sibao.core.personal import normalise_id_number, normalise_phone, person_key
from sibao.places import signing
from sibao.places.actions import scans as scan_actions
from sibao.places.models import ExitKind, PlaceCode, Scan, ScanSource

IDENTITY_COOKIE = "sibao_scan_id"
IDENTITY_SALT = "sibao.places.scan-identity"
LAST_COOKIE = "sibao_scan_last"
LAST_SALT = "sibao.places.scan-last"
LAST_MAX_AGE = 24 * 3600
# Budgets per client address and hour: a technical guard against scripted use of the page
# (a canteen's shared Wi-Fi sends many people through one address, hence the generous entries).
IDENTIFY_PER_HOUR = 30
ENTRIES_PER_HOUR = 600
RATE_WINDOW_SECONDS = 3600


def over_budget(request, what: str, limit: int) -> bool:
    """Count one ``what`` against the client address's hourly budget; True once it is spent.
    The client is the one the rate limiter sees (the forwarded address behind a trusted proxy)."""
    return ratelimit.spent_by(request, f"scan-{what}", limit, RATE_WINDOW_SECONDS)


# --- the device's identity ------------------------------------------------------------------


def identity_of(request) -> dict | None:
    """{"k": person key, "n": masked name, "d": device id} from the signed cookie, or None."""
    value = request.COOKIES.get(IDENTITY_COOKIE)
    if not value:
        return None
    days = rules.current()["scan_identity_days"]
    try:
        identity = django_signing.loads(
            value, salt=IDENTITY_SALT, max_age=days * 24 * 3600 if days else None
        )
    except django_signing.BadSignature:
        return None
    if not isinstance(identity, dict) or not all(identity.get(k) for k in ("k", "n", "d")):
        return None
    return identity


def _cookie(response, request, name, value, max_age) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def _remember(response, request, identity: dict) -> None:
    days = rules.current()["scan_identity_days"]
    value = django_signing.dumps(identity, salt=IDENTITY_SALT)
    # 0 days: remembered until the browser closes
    _cookie(response, request, IDENTITY_COOKIE, value, days * 24 * 3600 if days else None)


def _last_of(request) -> dict | None:
    value = request.COOKIES.get(LAST_COOKIE)
    if not value:
        return None
    try:
        last = django_signing.loads(value, salt=LAST_SALT, max_age=LAST_MAX_AGE)
    except django_signing.BadSignature:
        return None
    return last if isinstance(last, dict) else None


def _set_last(response, request, scan, left: bool) -> None:
    value = django_signing.dumps(
        {"id": scan.pk, "at": scan.entered_at.isoformat(), "left": left}, salt=LAST_SALT
    )
    _cookie(response, request, LAST_COOKIE, value, LAST_MAX_AGE)


# --- the code ----------------------------------------------------------------------------------


def _refusal_status(payload: str) -> int:
    """404 for what is not (or no longer) a code of ours, 410 for a revoked or expired one."""
    try:
        code_id = signing.verify(signing.payload_in(payload), signing.PLACE)
    except signing.BadPayload:
        return 404
    return 410 if PlaceCode.objects.filter(pk=code_id).exists() else 404


def _refused(request, payload, exc):
    return render(
        request,
        "places/scans_public_refused.html",
        {"reason": "；".join(exc.messages)},
        status=_refusal_status(payload),
    )


def _open_stay(code, key):
    return (
        scan_actions.open_stays()
        .filter(place_code_id=code.pk, person_key=key)
        .order_by("-entered_at")
        .first()
    )


def _health_code(key: str) -> str:
    from sibao.epidemic.models import PersonStatus

    return (
        PersonStatus.objects.filter(person_key=key).values_list("health_code", flat=True).first()
        or ""
    )


@method_decorator(ratelimit.limit("public"), name="dispatch")
class ScanPageView(View):
    """GET: the place and, for an identified device, the entry button (or the identification
    form). POST ``step``: identify, enter, leave, forget."""

    template_name = "places/scans_public_place.html"

    def render_page(self, request, code, *, form_values=None, errors=None, status=200):
        identity = identity_of(request)
        context = {
            "code": code,
            "place": scan_actions.place_label_parts(code),
            "identity": identity,
            "event_id": uuid.uuid4().hex,
            "open_stay": _open_stay(code, identity["k"]) if identity else None,
            "values": form_values or {},
            "errors": errors or {},
            "identity_days": rules.current()["scan_identity_days"],
            "retention_days": rules.current()["scan_retention_days"],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, payload):
        try:
            code = scan_actions.resolve_code(payload)
        except ValidationError as exc:
            return _refused(request, payload, exc)
        return self.render_page(request, code)

    def post(self, request, payload):
        try:
            code = scan_actions.resolve_code(payload)
        except ValidationError as exc:
            return _refused(request, payload, exc)
        step = request.POST.get("step", "")
        if step == "forget":
            response = redirect("scan:place", payload=payload)
            response.delete_cookie(IDENTITY_COOKIE)
            response.delete_cookie(LAST_COOKIE)
            return response
        if step == "identify":
            return self.identify(request, code, payload)
        identity = identity_of(request)
        if identity is None:
            return self.render_page(
                request,
                code,
                errors={"page": [_("请先填写身份信息（本机记住后无需重复填写）。")]},
                status=400,
            )
        if step == "enter":
            return self.enter(request, code, payload, identity)
        if step == "leave":
            return self.leave(request, code, payload, identity)
        return self.render_page(
            request, code, errors={"page": [_("无法识别的操作，请重试。")]}, status=400
        )

    def identify(self, request, code, payload):
        values = {
            "name": (request.POST.get("name") or "").strip(),
            "phone": (request.POST.get("phone") or "").strip(),
        }
        errors = {}
        if over_budget(request, "identify", IDENTIFY_PER_HOUR):
            errors["page"] = [_("提交过于频繁，请稍后再试（每小时提交次数有限制）。")]
            return self.render_page(request, code, form_values=values, errors=errors, status=429)
        if not values["name"]:
            errors["name"] = [_("请填写姓名。")]
        elif len(values["name"]) > 32:
            errors["name"] = [_("姓名过长。")]
        key = ""
        try:
            id_number = normalise_id_number(request.POST.get("id_number"))
            key = person_key(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        try:
            normalise_phone(values["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
        if request.POST.get("consent") != "yes":
            errors["consent"] = [_("请阅读并同意个人信息处理说明。")]
        if errors:
            return self.render_page(request, code, form_values=values, errors=errors)
        response = redirect("scan:place", payload=payload)
        _remember(
            response,
            request,
            {"k": key, "n": mask_name(values["name"]), "d": uuid.uuid4().hex},
        )
        return response

    def enter(self, request, code, payload, identity):
        event_id = request.POST.get("event_id", "")
        try:
            event_id = uuid.UUID(event_id).hex
        except ValueError:
            return self.render_page(
                request,
                code,
                errors={"page": [_("页面已过期，请刷新后重新确认。")]},
                status=400,
            )
        if over_budget(request, "enter", ENTRIES_PER_HOUR):
            return self.render_page(
                request,
                code,
                errors={"page": [_("提交过于频繁，请稍后再试（每小时提交次数有限制）。")]},
                status=429,
            )
        try:
            scan = scan_actions.record_scan(
                code,
                person_key=identity["k"],
                source=ScanSource.MOBILE,
                device=f"m:{identity['d']}",
                event_id=event_id,
            )
        except ValidationError as exc:
            return self.render_page(request, code, errors={"page": exc.messages}, status=400)
        response = redirect("scan:done", payload=payload)
        _set_last(response, request, scan, left=False)
        return response

    def leave(self, request, code, payload, identity):
        stay = _open_stay(code, identity["k"])
        if stay is None:
            return self.render_page(
                request,
                code,
                errors={"page": [_("您在此场所没有未离开的进入记录。")]},
                status=400,
            )
        try:
            scan_actions.check_out(stay, kind=ExitKind.MANUAL)
        except ValidationError as exc:
            return self.render_page(request, code, errors={"page": exc.messages}, status=400)
        response = redirect("scan:done", payload=payload)
        _set_last(response, request, stay, left=True)
        return response


@method_decorator(ratelimit.limit("public"), name="dispatch")
class ScanDoneView(View):
    """The result of this device's last entry or exit at this place: time, place, health-code
    colour if known, and a warning when the entry raised a risk alert. Only the device that
    made the scan sees it (its signed cookies name both the person and the scan)."""

    template_name = "places/scans_public_done.html"

    def get(self, request, payload):
        try:
            code = scan_actions.resolve_code(payload)
        except ValidationError as exc:
            return _refused(request, payload, exc)
        identity = identity_of(request)
        last = _last_of(request)
        scan = None
        if identity and last:
            try:
                entered_at = datetime.datetime.fromisoformat(last["at"])
                scan = Scan.objects.filter(
                    pk=last["id"],
                    entered_at=entered_at,
                    person_key=identity["k"],
                    place_code_id=code.pk,
                ).first()
            except (KeyError, TypeError, ValueError):
                scan = None
        context = {
            "code": code,
            "place": scan_actions.place_label_parts(code),
            "identity": identity,
            "scan": scan,
            "left": bool(last and last.get("left")),
            "stay_end": scan_actions.stay_end(scan) if scan else None,
            "health_code": _health_code(identity["k"]) if identity and scan else "",
            "auto_checkout_hours": rules.current()["auto_checkout_hours"],
        }
        return render(request, self.template_name, context)
