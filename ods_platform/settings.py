"""Settings for the ODS platform, read from the environment.

One module for every run mode. Local defaults are safe: with DEBUG off (the default), the
platform refuses to start without SECRET_KEY and ALLOWED_HOSTS. `make run` and `make test`
write a `.env` with DEBUG=true for local work; production sets real values in the
environment. The README lists every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (written by `make run`/`make test`, never committed) fills in what the real
# environment leaves unset; variables already set always win.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required(name: str, local_default):
    """A value production must set; with DEBUG on, the local default is used instead."""
    value = env(name, default=None)
    if value:
        return value
    if DEBUG:
        return local_default
    raise ImproperlyConfigured(
        f"{name} is not set. It is required when DEBUG is off; set {name} in the "
        f"environment (see README.md, 'Configuration')."
    )


SECRET_KEY = _required("SECRET_KEY", "insecure-local-development-key-only-used-when-debug-is-on")
ALLOWED_HOSTS = [
    h.strip()
    for h in _required("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# GDAL 3.6 (Debian 12) cannot block file and network access from spatial references. The
# platform never passes user-supplied SRIDs, WKT or SRS strings to GeoDjango: geometries are
# built from numbers and the SRIDs are fixed in code, so the warning is acknowledged here.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on for organisations that have it (OpenID Connect, Entra ID, SAML 2.0);
    # each organisation's identity provider is a SocialApp linked to it (actors.SignOn).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "axes",
    "guardian",
    "pgtrigger",
    "leaflet",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_celery_beat",
    "django_htmx",
    "csp",
    # The platform itself: settings, navigation, and the commands that span the apps (reference
    # and demo data, backup, restore, verify_reports).
    "ods_platform",
    "actors",
    "audit",
    "scenes",
    "sara",
    "followup",
    "situation_reports",
]

MIDDLEWARE = [
    # First: every request gets an id (X-Request-ID), logged with every line it causes.
    "ods_platform.errors.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ods_platform.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ods_platform.middleware.RejectNulMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ods_platform.middleware.SessionLimitsMiddleware",
    # Who acts, from where (for the change triggers), and the request's reads, logged.
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the CSP: the log-in pages may send a form on to the organisations' providers.
    "ods_platform.middleware.SignOnFormActionMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth's: an account without two-factor authentication sets it up first.
    "ods_platform.middleware.RequireMFAMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ods_platform.urls"
WSGI_APPLICATION = "ods_platform.wsgi.application"

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
                "csp.context_processors.nonce",
                "ods_platform.context_processors.navigation",
                "ods_platform.context_processors.platform",
            ],
            # ods_platform is not an app: its template library is named here.
        },
    }
]

# --- Data ---------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default="postgis://postgres@127.0.0.1:5432/ods")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
# Give up on an unreachable database after a few seconds, so pages say so instead of hanging.
DATABASES["default"]["OPTIONS"]["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
# PostgreSQL's JIT compiler off for every connection: the platform's queries are interactive,
# and JIT cost 0.8–1 s per grid query on the scene page at 1 M observations while saving
# nothing measurable (bench/README.md, "Performance"). DATABASE_JIT=true turns it back on.
if not env.bool("DATABASE_JIT", default=False):
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
# A pool of connections per web process (psycopg_pool, opened lazily in each process after
# gunicorn forks). gunicorn.conf.py turns it on for the web processes; Celery workers keep one
# plain connection each (their advisory locks must die with their process). With a pool,
# CONN_MAX_AGE must be 0: the pool keeps the connections.
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=0)
if DATABASE_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # How long a request waits for a free connection before it is told to try again.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
    }
    # (With CONN_HEALTH_CHECKS, Django has the pool check each connection before handing it
    # out, so a database restart costs no failed request.)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

# The cache holds rate-limit counters only. It is not Redis on purpose: the pages must keep
# answering while Redis is down (reports wait in the database until it is back).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Accounts -----------------------------------------------------------------------------

AUTH_USER_MODEL = "actors.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Accounts are created by administrators; nobody signs up.
ACCOUNT_ADAPTER = "actors.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "actors.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed log-ins are counted and locked out by django-axes alone, so there is one rule and
# one message; allauth's own failed-login limit is switched off to match.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ODS] "
# Single sign-on signs in people who already have an account and a membership of the
# organisation whose identity provider vouches for them; it never creates an account
# (actors.adapters.SocialAccountAdapter refuses everyone else, with a message).
SOCIALACCOUNT_ADAPTER = "actors.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ODS-plattformen"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "actors.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
# Behind a reverse proxy, the number of proxies in front of the app decides which
# X-Forwarded-For entry is the client's address.
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# django-guardian: no anonymous user; object grants hang on each organisation's group.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Sessions end after 30 minutes without a request and 12 hours after log-in, whichever
# comes first (ods_platform.middleware.SessionLimitsMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Language and time --------------------------------------------------------------------

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Finished reports (PDFs) live outside MEDIA_ROOT and are served only by the
# permission-checked download view, never as plain media files.
REPORTS_ROOT = Path(env.str("REPORTS_ROOT", default=str(BASE_DIR / "private" / "reports")))
# Uploaded import files wait here, outside MEDIA_ROOT, until their check has run; no URL
# serves them.
IMPORTS_ROOT = Path(env.str("IMPORTS_ROOT", default=str(BASE_DIR / "private" / "imports")))
# Finished XLSX exports (built by a worker) wait here for their download, outside MEDIA_ROOT;
# only the permission-checked download view serves them, and they are removed after
# ODS_EXPORT_KEEP_HOURS.
EXPORTS_ROOT = Path(env.str("EXPORTS_ROOT", default=str(BASE_DIR / "private" / "exports")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "imports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": IMPORTS_ROOT, "base_url": "/no-direct-access/"},
    },
    "reports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": REPORTS_ROOT, "base_url": "/no-direct-access/"},
    },
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EXPORTS_ROOT, "base_url": "/no-direct-access/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail -------------------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ODS-plattformen <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers ---------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The load balancer asks /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

MAP_TILES_URL = env.str("MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
_tiles_origin = "/".join(MAP_TILES_URL.split("/")[:3])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", _tiles_origin],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    # Field staff may place an observation at the phone's position.
    "geolocation": ["self"],
}

# --- API ----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first, so that a request without credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ods_platform.api.Pagination",
    "PAGE_SIZE": 100,
    # Every error body carries the request id; an unexpected error is JSON, not a page.
    "EXCEPTION_HANDLER": "ods_platform.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": ["ods_platform.api.JSONParser"],
}
SPECTACULAR_SETTINGS = {
    # The schema describes the data model: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "TITLE": "ODS-plattformen API",
    "DESCRIPTION": "Regional coordination against open drug scenes in Stockholm County.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ActionStatusEnum": "sara.models.ActionStatus"},
}

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only when it has finished, and handed to another worker if its
# worker dies; every task is written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 400_000  # KiB
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The visibility timeout is at least twice the task time limit, so that a long task is
# not handed out a second time while it still runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Reminders of actions due within 7 days and overdue ones; at most one per action and day.
    "sara-action-reminders": {
        "task": "sara.tasks.send_action_reminders",
        "schedule": crontab(hour=7, minute=0),  # CELERY_TIMEZONE: Europe/Stockholm
        "options": {"expires": 12 * 60 * 60},
    },
    # Reports whose task never reached a worker (the broker was down) or whose worker died
    # are handed out again, and retries when they are due; a broker outage delays reports but
    # loses none, and a dead build is restarted within about 15 s.
    "reports-republish-stuck": {
        "task": "situation_reports.tasks.republish_stuck_reports",
        "schedule": timedelta(seconds=5),
        "options": {"expires": 4},
    },
    # The scene list's and county map's observation counts are recomputed from the
    # observations (a trigger keeps them exact on every write; this repairs bulk loads).
    "scenes-refresh-observation-rollup": {
        "task": "scenes.tasks.refresh_observation_rollup",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 10 * 60},
    },
    # The daily rollup behind the long-period figures of the scene page: stale days, the days
    # since the last refresh and the last two days are made again (scenes/rollups.py).
    "scenes-refresh-observation-days": {
        "task": "scenes.tasks.refresh_observation_days",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 9 * 60},
    },
    # The audit chain is checked and its head recorded (and logged) every night.
    "audit-verify-chain": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 12 * 60 * 60},
    },
    # The county's evaluation report for the last ended quarter, once per quarter however
    # often it runs (daily, so that a missed day is made up the next).
    "reports-quarterly-evaluation": {
        "task": "situation_reports.tasks.create_quarterly_evaluation_report",
        "schedule": crontab(hour=5, minute=30),
        "options": {"expires": 12 * 60 * 60},
    },
    # Imports: checks whose message never reached a worker are handed out again, and
    # previews older than ODS_IMPORT_KEEP_MINUTES are removed with their rows and file.
    "imports-sweep": {
        "task": "scenes.tasks.sweep_imports",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # XLSX exports: builds whose message never reached a worker are handed out again, and
    # files older than ODS_EXPORT_KEEP_HOURS are removed with their job.
    "exports-sweep": {
        "task": "ods_platform.tasks.sweep_exports",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Subscribed weekly and monthly lägesbilder, once per ended period.
    "reports-scheduled": {
        "task": "situation_reports.tasks.create_scheduled_reports",
        "schedule": crontab(hour=6, minute=0),
        "options": {"expires": 12 * 60 * 60},
    },
}
# PDFs are built on their own queue, so that a long report never holds up an e-mail.
CELERY_TASK_ROUTES = {"situation_reports.tasks.build_report": {"queue": "reports"}}

# --- The platform -------------------------------------------------------------------------

# The platform's own address, for links in e-mails.
ODS_BASE_URL = env.str("ODS_BASE_URL", default="http://127.0.0.1:8000")

# Demo personas and scenes are loaded only where this is on (never in production).
ODS_DEMO_DATA = env.bool("ODS_DEMO_DATA", default=DEBUG)
# Every account must turn on two-factor authentication before it sees any data; off by
# default only in demo installations, whose fictional personas log in with a password.
ODS_REQUIRE_MFA = env.bool("ODS_REQUIRE_MFA", default=not ODS_DEMO_DATA)
ODS_DEMO_PASSWORD = env.str("ODS_DEMO_PASSWORD", default="demo-ods-2026")

# An observation may lie at most this far outside its scene's boundary (metres).
ODS_OBSERVATION_MAX_DISTANCE_M = env.int("ODS_OBSERVATION_MAX_DISTANCE_M", default=200)
# Possible duplicates: observations at the same scene, of the same category, at most this
# far apart (metres, SWEREF 99 TM) and this many minutes apart are offered as the same event.
ODS_DUPLICATE_DISTANCE_M = env.int("ODS_DUPLICATE_DISTANCE_M", default=50)
ODS_DUPLICATE_WINDOW_MINUTES = env.int("ODS_DUPLICATE_WINDOW_MINUTES", default=30)
# Hotspot grid cell size on the scene page (metres, SWEREF 99 TM).
ODS_HOTSPOT_CELL_M = env.int("ODS_HOTSPOT_CELL_M", default=50)
# Below this many observations in a period, no share, peak, hotspot or change is stated
# (pages, API and reports say why instead): with fewer, they are chance.
ODS_MIN_OBSERVATIONS = env.int("ODS_MIN_OBSERVATIONS", default=30)
# Counts from 1 to this minus one are shown as "<5" in everything STAD or another
# organisation receives (follow-up pages, exports, evaluation reports): see
# ods_platform/lib/suppression.py.
ODS_SUPPRESS_BELOW = env.int("ODS_SUPPRESS_BELOW", default=5)
# An offline basemap: a PMTiles file (vector tiles, e.g. an extract of the Protomaps
# basemap for Stockholm County) that the platform serves itself. Empty: no basemap; the maps
# draw the scene's own context (boundary, sub-places, landmarks) without tiles.
ODS_BASEMAP_PMTILES = env.str("ODS_BASEMAP_PMTILES", default="")
# Long lists (a scene's observations, the audit log) count at most this many rows past the
# page shown; beyond, the page says "more than" (ods_platform/lib/paging.py).
ODS_LIST_COUNT_AHEAD = env.int("ODS_LIST_COUNT_AHEAD", default=10_000)
# Past this many observation points in view, the map is sent grid aggregates instead.
ODS_MAP_POINT_LIMIT = env.int("ODS_MAP_POINT_LIMIT", default=3000)
# At most this many grid cells in a map response: the cells grow (doubling) until they fit.
ODS_MAP_CELL_LIMIT = env.int("ODS_MAP_CELL_LIMIT", default=4000)
# The county map sends scenes as outlines up to this many (and ODS_MAP_MAX_BYTES), and
# past it counts of scenes per grid cell.
ODS_MAP_FEATURE_LIMIT = env.int("ODS_MAP_FEATURE_LIMIT", default=2000)
ODS_MAP_MAX_BYTES = env.int("ODS_MAP_MAX_BYTES", default=450_000)
# Periods longer than this many days are figured from the daily rollup (scenes/rollups.py)
# for their whole past days, and from the observations for the rest; shorter ones from the
# observations only. Equal figures either way. Six: a week already reads six whole days from
# the rollup (at 1 M the 7-day page's figure queries took 0.6 s of 1 s from the rows).
ODS_DAY_ROLLUP_MIN_DAYS = env.int("ODS_DAY_ROLLUP_MIN_DAYS", default=6)
# The beat refresh makes the last this many days again each time (besides the stale ones).
ODS_DAY_ROLLUP_RECENT_DAYS = env.int("ODS_DAY_ROLLUP_RECENT_DAYS", default=2)
# A period with more stale days than this (just after a big backdated import) is read from
# the observations until the next refresh.
ODS_DAY_ROLLUP_MAX_STALE_DAYS = env.int("ODS_DAY_ROLLUP_MAX_STALE_DAYS", default=60)
# A queued report whose message is neither in the broker nor was taken by a worker this many
# seconds after it was handed out is handed out again by the sweeper (beat, every 5 s).
ODS_REPORT_REPUBLISH_AFTER_S = env.int("ODS_REPORT_REPUBLISH_AFTER_S", default=10)
# A build writes a heartbeat this often; one silent for the timeout (while its lock is still
# held: a hung worker or a lost machine) has its database session ended and is restarted.
ODS_REPORT_HEARTBEAT_S = env.float("ODS_REPORT_HEARTBEAT_S", default=2.0)
ODS_REPORT_HEARTBEAT_TIMEOUT_S = env.int("ODS_REPORT_HEARTBEAT_TIMEOUT_S", default=60)
# Reports that failed for a passing cause (storage full or read-only, database gone) are
# tried again after 15 s, 30 s, 60 s, ... at most 10 min apart, up to 30 times (about 4 h).
ODS_REPORT_RETRY_BASE_S = env.float("ODS_REPORT_RETRY_BASE_S", default=15)
ODS_REPORT_RETRY_MAX_S = env.float("ODS_REPORT_RETRY_MAX_S", default=600)
ODS_REPORT_MAX_RETRIES = env.int("ODS_REPORT_MAX_RETRIES", default=30)
# A municipality's or the county's lägesbild describes this many scenes in a short section of
# their own (those whose count changed most against the previous period); every other scene
# is one row of its appendix table.
ODS_REPORT_TOP_SCENES = env.int("ODS_REPORT_TOP_SCENES", default=10)
# /healthz calls the report storage down when less than this is free (MB).
# An uploaded import's preview (its rows and errors) is kept this long, then removed.
ODS_IMPORT_KEEP_MINUTES = env.int("ODS_IMPORT_KEEP_MINUTES", default=60)
# A finished XLSX export can be downloaded this long, then its file and job are removed.
ODS_EXPORT_KEEP_HOURS = env.int("ODS_EXPORT_KEEP_HOURS", default=24)
ODS_REPORTS_MIN_FREE_MB = env.int("ODS_REPORTS_MIN_FREE_MB", default=200)
# /healthz checks that the files of this many most recent finished reports are there.
ODS_HEALTH_REPORT_FILES_CHECKED = env.int("ODS_HEALTH_REPORT_FILES_CHECKED", default=50)

# Where `manage.py backup` writes its archives unless told otherwise.
ODS_BACKUP_DIR = Path(env.str("ODS_BACKUP_DIR", default=str(BASE_DIR / "backups")))

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (59.33, 18.06),
    "DEFAULT_ZOOM": 10,
    "MIN_ZOOM": 7,
    "MAX_ZOOM": 19,
    "TILES": [("OpenStreetMap", MAP_TILES_URL, {"attribution": "&copy; OpenStreetMap"})],
    "RESET_VIEW": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line says which request it belongs to ("-" outside a request): the id is shown on
    # error pages and sent as the X-Request-ID header, so a user's report finds the log.
    "filters": {"request_id": {"()": "ods_platform.errors.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes announces itself on every start of every command; only its warnings matter.
    # WeasyPrint and fontTools report every page and font step at INFO: only problems matter.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
