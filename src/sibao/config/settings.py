"""The one settings file. Every deployment difference comes from the environment.

Readers fail loudly: a malformed value stops the process with the variable's name in the message,
rather than running with a silent default.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SIBAO_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_mapping(name: str) -> dict[str, str]:
    """``key=value,key=value`` as a dict; a malformed item stops the process."""
    mapping = {}
    for item in env_list(name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} must be key=value pairs, got {item!r}")
        mapping[key.strip()] = value.strip()
    return mapping


def read_database_url(url: str) -> dict:
    try:
        max_age = env_int("SIBAO_DB_CONN_MAX_AGE", 0)
        # a kept connection is checked before reuse: after a database restart it is replaced
        # instead of failing the next request on it
        config = dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=max_age > 0)
    except Exception as exc:  # the library raises several types; all mean the same to an operator
        raise ImproperlyConfigured(f"DATABASE_URL is invalid ({url!r}): {exc}") from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at PostgreSQL or SQLite, got engine {engine!r}"
        )
    if engine == "django.db.backends.sqlite3":
        # WAL lets the web server, worker and scheduler read while one of them writes.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


def read_cache_url(url: str) -> dict:
    """The default cache: Redis shared by every process when ``url`` is given (the board's panel
    data, the public pages' rate limits), else each process's own memory (right for one process,
    as ``make demo`` runs)."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sibao"}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"SIBAO_CACHE_URL must be a redis://, rediss:// or unix:// address, got {url!r}"
        )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "sibao",
    }


def read_secret_key(variable: str = "SIBAO_SECRET_KEY", filename: str = "secret_key") -> str:
    key = env_str(variable)
    if key:
        return key
    # Without a configured key, one is generated once per installation and kept outside git.
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once on a fresh installation (a server and its workers, two
    # test runs): each writes its candidate to a file of its own, and only the first link to the
    # final name wins (``os.link`` fails when the name exists); every process then reads the
    # winner, so they all sign and hash with the same key. The file is never seen half written.
    candidate = VAR_DIR / f".{filename}.{os.getpid()}.{secrets.token_hex(4)}"
    candidate.write_text(secrets.token_urlsafe(50))
    candidate.chmod(0o600)
    try:
        os.link(candidate, path)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return path.read_text().strip()


DEBUG = env_bool("SIBAO_DEBUG", False)
CACHES = {"default": read_cache_url(env_str("SIBAO_CACHE_URL"))}
SECRET_KEY = read_secret_key()
# Personal data (core.personal): person keys (HMAC of ID numbers) and field encryption. Kept apart
# from SECRET_KEY so that rotating sessions and signatures never orphans the stored personal data.
DATA_KEY = read_secret_key("SIBAO_DATA_KEY", "data_key")
# The key of field encryption only (ID numbers and phones at rest), rotated with
# ``sibao rotate-field-key``; DATA_KEY itself is never rotated: person keys (join keys), place-code
# and pass signatures and tombstones derive from it. Unset, encryption uses DATA_KEY (as before).
FIELD_KEY = env_str("SIBAO_FIELD_KEY") or DATA_KEY
ALLOWED_HOSTS = env_list("SIBAO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("SIBAO_CSRF_TRUSTED_ORIGINS")
DATABASES = {
    "default": read_database_url(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sibao.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "sibao.core",
    "sibao.regions",
    "sibao.accounts",
    "sibao.enterprises",
    "sibao.epidemic",
    "sibao.places",
    "sibao.policies",
    "sibao.command",
    "sibao.workorders",
    "sibao.logistics",
    "sibao.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sibao.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sibao.core.context.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "sibao.core.context.RequestContextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sibao.accounts.middleware.SessionLimitsMiddleware",
    "sibao.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sibao.config.urls"
WSGI_APPLICATION = "sibao.config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sibao.core.context_processors.navigation",
                "sibao.core.context_processors.notifications",
            ]
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "sibao.accounts.validators.RuleSetMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Session limits (idle and absolute) come from the rule set; the cookie itself lives no longer
# than the absolute limit's default and dies with the browser.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS in production set SIBAO_SECURE_COOKIES=true; the embedded demo serves plain HTTP.
SESSION_COOKIE_SECURE = env_bool("SIBAO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts only from the platform itself: no inline scripts or handlers, no eval (docs/operations.md).
SIBAO_CSP = env_str(
    "SIBAO_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)


def read_proxy_ssl_header(name: str, raw: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto`` (value ``https``) or ``X-Forwarded-Proto=https``; empty: none."""
    if not raw.strip():
        return None
    header, _sep, value = raw.partition("=")
    header, value = header.strip(), (value.strip() or "https")
    if not header or not all(c.isalnum() or c == "-" for c in header):
        raise ImproperlyConfigured(f"{name} must be a header name such as X-Forwarded-Proto")
    return "HTTP_" + header.upper().replace("-", "_"), value


def read_trusted_proxies(name: str) -> list[str]:
    import ipaddress

    proxies = env_list(name)
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be IP addresses or networks, got {proxy!r}"
            ) from None
    return proxies


RATE_LIMIT_DEFAULTS = {"login": (20, 60), "public": (120, 60), "ingest": (6000, 60)}


def read_rate_limits(name: str) -> dict[str, tuple[int, int]]:
    """``scope=requests/seconds`` pairs over the defaults, ``scope=off`` for one scope, ``off``
    for all (``core.ratelimit``)."""
    raw = env_str(name).strip()
    if raw.lower() == "off":
        return {}
    limits = dict(RATE_LIMIT_DEFAULTS)
    for scope, value in env_mapping(name).items():
        if scope not in RATE_LIMIT_DEFAULTS:
            raise ImproperlyConfigured(
                f"{name}: unknown scope {scope!r} (known: {', '.join(RATE_LIMIT_DEFAULTS)})"
            )
        if value.lower() == "off":
            limits.pop(scope)
            continue
        count, sep, seconds = value.partition("/")
        if not (sep and count.isdigit() and seconds.isdigit() and int(count) and int(seconds)):
            raise ImproperlyConfigured(
                f"{name}: {scope} must be requests/seconds such as 20/60 or off, got {value!r}"
            )
        limits[scope] = (int(count), int(seconds))
    return limits


# Behind an HTTPS reverse proxy (docs/operations.md, "Deploying on several servers"); each is
# off by default because the embedded demo serves plain HTTP.
SECURE_HSTS_SECONDS = env_int("SIBAO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SIBAO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SIBAO_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SIBAO_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = read_proxy_ssl_header(
    "SIBAO_PROXY_SSL_HEADER", env_str("SIBAO_PROXY_SSL_HEADER")
)
# Proxies (addresses or networks) whose X-Forwarded-For names the client, for audit rows and
# rate limits; empty: the connection's address is the client's.
TRUSTED_PROXIES = read_trusted_proxies("SIBAO_TRUSTED_PROXIES")
# Requests per client within a window, per scope (core.ratelimit): login, public, ingest.
RATE_LIMITS = read_rate_limits("SIBAO_RATE_LIMITS")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # vendored front-end libraries and map data
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic when a front proxy serves /static/
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
# The app serves its own vendored static files (no CDN, no separate web server needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sibao.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sibao.core.api.permissions.HasRoleGrant"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "sibao.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "sibao.core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "sibao API",
    "DESCRIPTION": "四保 dispatch platform: regions, organisations, accounts, enterprises, audit, rule set.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "sibao.regions.models.DepartmentKind",
        "WorkingGroupKindEnum": "sibao.regions.models.WorkingGroupKind",
        "EnterpriseKindEnum": "sibao.enterprises.models.EnterpriseKind",
        "RegionLevelEnum": "sibao.regions.models.RegionLevel",
        # choice sets that recur under several field names across the whitelist API, named once
        # (value lists: the serializers document them as plain enums of values)
        "ServiceTierEnum": "sibao.enterprises.models.ServiceTier.values",
        "WhitelistStatusEnum": "sibao.enterprises.models.WhitelistStatus.values",
        # chain area (WL-08 … WL-10, ORG-06)
        "SupplyLinkKindEnum": "sibao.enterprises.models.SupplyLinkKind",
        "PairingStatusEnum": "sibao.enterprises.models.PairingStatus",
        "ProposalStatusEnum": "sibao.enterprises.models.whitelist.ProposalStatus",
        "SpotCheckResultEnum": "sibao.enterprises.models.SpotCheckResult",
        "ResponsibilityPartyEnum": "sibao.enterprises.models.ResponsibilityParty",
        # epidemic compliance area (EPI-04, EPI-10)
        "AlertKindEnum": "sibao.epidemic.models.AlertKind",
        "AlertStatusEnum": "sibao.epidemic.models.AlertStatus",
        # the outbox (MON-05)
        "OutboxStatusEnum": "sibao.core.models.OutboxStatus",
        # "channel" names both the outbox's and a demand's channel: each named once
        "OutboxChannelEnum": "sibao.core.models.OutboxChannel",
        "DemandChannelEnum": "sibao.workorders.models.DemandChannel",
        # epidemic units area (EPI-14, EPI-16): the models' inline choice lists
        "DrillKindEnum": "sibao.epidemic.api.units.DRILL_KINDS",
        "GoodsDirectionEnum": "sibao.epidemic.api.units.DIRECTIONS",
        # policies and command: choice sets whose field names recur across the API
        "MatchResultEnum": "sibao.policies.models.MatchResult",
        "ShutdownDecisionEnum": "sibao.command.models.ShutdownRequest.Decision",
        "InspectionPurposeEnum": "sibao.command.models.InspectionPurpose",
        "RestrictionKindEnum": "sibao.command.models.Restriction.Kind",
        "RewardPenaltyKindEnum": "sibao.command.models.RewardPenalty.Kind",
        "IncidentKindEnum": "sibao.command.models.Incident.Kind",
        "SpaceKindEnum": "sibao.places.models.SpaceKind",
        "ZoneKindEnum": "sibao.places.models.ZoneKind",
        # workorders intake (DEM-01): demand choice sets whose field names recur across the API
        "DemandStatusEnum": "sibao.workorders.models.DemandStatus",
        "DemandCategoryEnum": "sibao.workorders.models.DemandCategory",
        "RejectReasonEnum": "sibao.workorders.models.RejectReason",
        # the roster's staff category keeps its former name beside the demand category
        "CategoryEnum": "sibao.epidemic.models.StaffCategory",
        # logistics (LOG-01, LOG-03, LOG-05): three "kind" choice sets in the logistics API
        "VehicleKindEnum": "sibao.logistics.models.VehicleKind",
        "CheckpointKindEnum": "sibao.logistics.models.CheckpointKind",
        "StationKindEnum": "sibao.logistics.models.StationKind",
    },
    "SERVE_PERMISSIONS": ["sibao.core.api.permissions.HasRoleGrant"],
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The outbox's sender per channel (core.outbox, MON-05), as dotted paths of callables:
# "sms=pkg.gateway.send_sms,email=sibao.core.outbox.email_sender"; channels not named write a
# log line with the masked recipient. SIBAO_SMS_SENDER (the older setting) names the SMS sender.
SIBAO_OUTBOX_SENDERS = env_mapping("SIBAO_OUTBOX_SENDERS")
SIBAO_SMS_SENDER = env_str("SIBAO_SMS_SENDER")

OTP_TOTP_ISSUER = "sibao"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SIBAO_LOG_LEVEL", "WARNING")},
}
