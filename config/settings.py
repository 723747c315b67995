"""Project settings.

Every deploy-time value comes from the environment. With DEBUG off, a missing or unsafe
secret stops start-up with a message naming the variable (DESIGN.md §4.5).
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from xianfeng.core.crypto import validate_field_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XIANFENG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")

# Development-only defaults: never used when DEBUG is off.
_DEV_SECRETS = {
    "SECRET_KEY": "dev-insecure-secret-key-do-not-use-in-production",
    "FIELD_ENCRYPTION_KEY": "ZGV2LWZpZWxkLWtleS0zMi1ieXRlcy1sb25nLSEhISE=",
    "BLIND_INDEX_KEY": "dev-blind-index-key",
}


def secret(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if value:
        if not DEBUG and value == _DEV_SECRETS.get(name):
            raise ImproperlyConfigured(f"{name} is the development default; set a real value.")
        return value
    if DEBUG:
        return _DEV_SECRETS[name]
    raise ImproperlyConfigured(
        f"Environment variable {name} is required when DEBUG is off (see README, section 'Production / 生产部署')."
    )


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"Environment variable {name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}.")
    return value


SECRET_KEY = secret("SECRET_KEY")
# Comma-separated base64 AES-256 keys: the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = [k.strip() for k in secret("FIELD_ENCRYPTION_KEY").split(",") if k.strip()]
BLIND_INDEX_KEY = secret("BLIND_INDEX_KEY")

if not DEBUG:
    # Weak secrets are refused at start-up, each naming its variable (DESIGN.md §4.5).
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak: use at least 50 random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if not FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty.")
    for _field_key in FIELD_ENCRYPTION_KEYS:
        validate_field_key(_field_key)  # names FIELD_ENCRYPTION_KEY in its message
    if len(BLIND_INDEX_KEY) < 32:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is too short: use at least 32 random characters.")

# API bearer tokens expire this many days after they are created.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1)

if DEBUG:
    ALLOWED_HOSTS = ["*"]
else:
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Audit client IP: X-Forwarded-For is believed only when the request comes from one of these
# reverse proxies (comma-separated addresses or CIDRs, e.g. "127.0.0.1,10.0.0.0/8"); empty = never.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network.") from _exc

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_tasks",
    # Before django_tasks_db: its db_worker command is extended with a heartbeat (issue 15).
    "xianfeng.health",
    "django_tasks_db",
    "django_rq",
    "xianfeng.core",
    "xianfeng.audit",
    "xianfeng.accounts",
    "xianfeng.regions",
    "xianfeng.orgs",
    "xianfeng.members",
    "xianfeng.teams",
    "xianfeng.residents",
    "xianfeng.servicelog",
    "xianfeng.programs",
    "xianfeng.reports",
    "xianfeng.hotline",
    "xianfeng.needs",
    "xianfeng.materials",
    "xianfeng.partylife",
    "xianfeng.emergencies",
    "xianfeng.devices",
    "xianfeng.imports",
    "xianfeng.backups",
    "xianfeng.api",
    "xianfeng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xianfeng.core.middleware.SessionMiddleware",  # idle timeout without a write per request
    "xianfeng.core.middleware.InterfaceLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "xianfeng.core.middleware.RequestContextMiddleware",
    "xianfeng.accounts.middleware.ForcePasswordChangeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xianfeng.accounts.context_processors.navigation",
                # Issue 12: open crisis escalations as a red banner on every page (lazy; nothing for
                # users without hotline.view, one query for the others).
                "xianfeng.hotline.alerts.escalation_banner",
            ],
            # {% url %} reversed once per view name instead of once per use (list rows).
            "builtins": ["xianfeng.core.templatetags.fast_url"],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
elif DEBUG:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "xianfeng.sqlite3"}}
else:
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL is required when DEBUG is off "
        "(for example postgres://xianfeng@127.0.0.1:5432/xianfeng)."
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default serves a web process and a task worker at once: WAL lets pages be
    # read while an import writes, IMMEDIATE avoids upgrade deadlocks, and a larger page cache
    # keeps big imports from thrashing the indexes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Timeouts: a hung Redis makes /readyz answer 503 instead of hanging with it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    CACHES["shared"] = CACHES["default"]
else:
    # "shared": what the background worker writes for the web processes to read (the rollups'
    # generation, dashboard pages recounted off the request: reports/dashboard_cache.py). A
    # process's own memory would keep it from them, so without Redis it is files under VAR_DIR.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Totals of paginated lists with at least this many rows are cached this many seconds
# (xianfeng/core/pagination.py): counting 100 000 rows on every page view costs more than the page.
COUNT_CACHE_MIN_ROWS = env_int("COUNT_CACHE_MIN_ROWS", 5_000, minimum=1)
COUNT_CACHE_SECONDS = env_int("COUNT_CACHE_SECONDS", 60, minimum=0)

# Background work: the database queue by default; with Redis, RQ (django-tasks' RQ backend), so
# several worker machines share one queue (`manage.py rqworker default` on each).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 3600}}
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": list(RQ_QUEUES)}}
if env_bool("TASKS_IMMEDIATE"):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
REPORT_JOB_RETENTION_DAYS = env_int("REPORT_JOB_RETENTION_DAYS", 7, minimum=1)
# Issue 12: a crisis escalation of a hotline call must be handled within this many minutes of being
# raised (the hotline figures count the share handled in time).
HOTLINE_ESCALATION_MINUTES = env_int("HOTLINE_ESCALATION_MINUTES", 30, minimum=1)
# Figures from the rollup tables (reports/rollups.py) where they answer exactly; on by default on
# PostgreSQL (province scale), off on the embedded SQLite, where counting the raw rows is fast enough.
REPORTS_ROLLUPS = env_bool("REPORTS_ROLLUPS", DATABASES["default"]["ENGINE"].endswith("postgresql"))
# Issue 15 §3: the dashboard and the home page do not wait for the rollups to count new records;
# the background worker recomputes them at most once per this many seconds
# (reports/rollups_background.py; 0: every time a page finds records waiting). Published
# figures (report, exports, snapshots, the statistics table, drill-downs, the API) always wait.
ROLLUPS_REFRESH_SECONDS = env_int("ROLLUPS_REFRESH_SECONDS", 60, minimum=0)
# The dashboard's figures are cached this many seconds per user, reach, language and filter, and
# recounted by the worker once the rollups move (reports/dashboard_cache.py); 0 turns the cache
# off. Off by default on the embedded SQLite, like the rollups: counting there is cheap, and a
# record should show on the dashboard at once.
DASHBOARD_CACHE_SECONDS = env_int(
    "DASHBOARD_CACHE_SECONDS", 120 if DATABASES["default"]["ENGINE"].endswith("postgresql") else 0, minimum=0
)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# DESIGN.md §3: 5 failures lock the account for 10 minutes; idle sessions end after 30 minutes.
AXES_FAILURE_LIMIT = 5
EXACT_SEARCH_LIMIT = int(os.environ.get("EXACT_SEARCH_LIMIT", "30"))  # exact ID/phone searches per user per hour
AXES_COOLOFF_TIME = timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock the account, not the address: a hospital's staff share one NAT address, and one
# mistyping colleague must not lock everyone out. Hence axes.W006 is silenced on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
SESSION_COOKIE_AGE = 30 * 60
# Each request restarts the 30 idle minutes, but the session is written at most once per
# SESSION_REFRESH_SECONDS (xianfeng.core.middleware.SessionMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS hardening with DEBUG off: browsers keep to HTTPS for a year (HSTS).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy, e.g. SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto:https
# (set it only when the proxy always sets or strips that header).
if os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    _header, _sep, _value = os.environ["SECURE_PROXY_SSL_HEADER"].strip().partition(":")
    if not _header.strip() or not _value.strip():
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must look like X-Forwarded-Proto:https.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _header.strip().upper().replace("-", "_"), _value.strip())

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# No CDN: everything the browser loads comes from this server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The offline field app (xianfeng/devices): a phone that has not reached the server for this many
# days wipes its local data (and the server treats it as lapsed until it registers again); the
# outbox entries one sync request may carry; the residents a phone may keep.
OFFLINE_MAX_DAYS = env_int("OFFLINE_MAX_DAYS", 7, minimum=1)
OFFLINE_SYNC_BATCH = env_int("OFFLINE_SYNC_BATCH", 50, minimum=1)
OFFLINE_MAX_RESIDENTS = env_int("OFFLINE_MAX_RESIDENTS", 2000, minimum=1)

# Uploads larger than this are checked and committed by a background task (progress bar);
# smaller ones are handled within the request.
IMPORT_INLINE_MAX_BYTES = int(os.environ.get("IMPORT_INLINE_MAX_BYTES", str(200 * 1024)))
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 30, minimum=1)  # days an upload is kept

# Operations (issue 15). Backups: `manage.py backup` writes here unless --output-dir says otherwise
# (keep copies off the server too: README, 运维 → 备份与恢复).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# The background worker writes a heartbeat this often; /readyz and the status page call it down
# when the newest heartbeat is older than WORKER_STALE_SECONDS (a stopped worker shows within a minute).
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15, minimum=1)
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 45, minimum=2)
if WORKER_STALE_SECONDS <= WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("WORKER_STALE_SECONDS must be longer than WORKER_HEARTBEAT_SECONDS.")
# Audit logs (change, access, login) stay in the database at least six months (Cybersecurity Law
# art. 21; 等保 2.0): below 183 days is refused, here and by the database trigger itself. Older rows
# are archived to compressed, checksummed files in AUDIT_ARCHIVE_DIR by the nightly retention run
# (RETENTION_HOUR, Beijing time), which also deletes activity photos and attachments older than
# EVIDENCE_RETENTION_DAYS (with a record that it did).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 190, minimum=183)
AUDIT_ARCHIVE_DIR = Path(os.environ.get("AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
EVIDENCE_RETENTION_DAYS = env_int("EVIDENCE_RETENTION_DAYS", 1095, minimum=1)
# /readyz calls the queue "old" (status degraded) when a task has waited longer than this.
QUEUE_MAX_WAIT_SECONDS = env_int("QUEUE_MAX_WAIT_SECONDS", 900, minimum=1)
# The probes stay plain HTTP for a load balancer even when HTTPS is forced.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
RETENTION_HOUR = env_int("RETENTION_HOUR", 2)
if RETENTION_HOUR > 23:
    raise ImproperlyConfigured("RETENTION_HOUR must be an hour of the day, 0 to 23.")
# What one import file may hold, checked while reading and before anything is allocated
# (imports/readers.py): rows and columns of the data sheet, and the bytes a workbook expands
# to (the sum of its zip members; for CSV the file itself). 1 000 000 residents written by
# Excel or WPS expand to about 600 MB; a bigger file is refused with a message to split it.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 1_000_000, minimum=1)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200, minimum=1)
IMPORT_MAX_EXPANDED_BYTES = env_int("IMPORT_MAX_EXPANDED_BYTES", 1024**3, minimum=1024)
# A sheet expanding to more than this is streamed row by row (openpyxl, flat memory) instead
# of loaded whole by calamine (about 3x faster, but it holds ~1.5x the expanded bytes: at 40 MB
# at most ~60 MB, so web and worker stay under 300 MB; bench/RESULTS.md §5).
IMPORT_STREAM_ABOVE_BYTES = env_int("IMPORT_STREAM_ABOVE_BYTES", 40 * 1024**2)

# Reminders (issue 10 §8): the daily digest of due and overdue follow-ups, sent at REMINDER_HOUR
# through each channel named in REMINDER_CHANNELS (console, email, sms). SMS needs SMS_GATEWAY: the
# dotted path of a class implementing xianfeng.programs.channels.SmsGateway (a carrier's API).
REMINDER_CHANNELS = [c.strip() for c in os.environ.get("REMINDER_CHANNELS", "console").split(",") if c.strip()]
_unknown_channels = set(REMINDER_CHANNELS) - {"console", "email", "sms"}
if _unknown_channels:
    raise ImproperlyConfigured(
        f"REMINDER_CHANNELS: unknown channel(s) {sorted(_unknown_channels)}; use console, email, sms."
    )
REMINDER_HOUR = env_int("REMINDER_HOUR", 7)
if REMINDER_HOUR > 23:
    raise ImproperlyConfigured("REMINDER_HOUR must be an hour of the day, 0 to 23.")
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "").strip()
if "sms" in REMINDER_CHANNELS and not SMS_GATEWAY:
    raise ImproperlyConfigured("REMINDER_CHANNELS names sms: set SMS_GATEWAY to the gateway class's dotted path.")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xianfeng@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
