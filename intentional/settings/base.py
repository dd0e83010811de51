"""All settings, read from the environment with embedded defaults that need no server.

Development and `make run` use the defaults (SQLite, local-memory cache, eager Celery, local
files, console email). Production is this module plus environment variables; every variable
is listed in README.md ("Configuration") and `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see README.md, Configuration)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in emails and invitation links (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    # Two-factor login and passkeys (SPEC §11): pages under /accounts/2fa/.
    "allauth.mfa",
    "django_prometheus",
    "intentional",
    "connections",
    "social",
    "digest",
    # manage.py bench (docs/performance.md): above every product app, no models or URLs.
    "bench",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "intentional.middleware.RequestContextMiddleware",
    # The language (SPEC §12) is chosen before any middleware answers on its own (413, 414, a
    # bad Host), so those answers are in it too, and it is let go after each response.
    # Accept-Language here; the signed-in person's own language a little further down
    # (UserLanguageMiddleware) and, for the API, once DRF has authenticated them.
    "intentional.middleware.LocaleMiddleware",
    # The header middleware come before anything that answers on its own (the HTTPS
    # redirect, a bad Host, static files, a 413), so every response carries SPEC §7's headers.
    "intentional.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "intentional.middleware.DisallowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "intentional.middleware.ApiErrorsMiddleware",
    # No middleware above reads the body.
    "intentional.middleware.RequestSizeLimitMiddleware",
    "intentional.middleware.HostileInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "intentional.middleware.ViewerTimezoneMiddleware",
    "intentional.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "intentional.middleware.ExceptionAnswersMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "intentional.urls"
WSGI_APPLICATION = "intentional.wsgi.application"
AUTH_USER_MODEL = "social.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intentional.context_processors.site",
                "social.context_processors.notifications",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("DATABASE_REPLICA_URL", default=""):
    # Read by the digest batch only (see intentional/routers.py): interactive reads stay on the
    # primary so replica lag never shows a post after a permission change.
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if "postgresql" in DATABASES["replica"]["ENGINE"]:
        # A replica that does not answer is given up quickly: the batch reads the primary.
        DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
            "DATABASE_REPLICA_CONNECT_TIMEOUT", default=3
        )
for _database in DATABASES.values():
    if "postgresql" in _database["ENGINE"] and not env.bool("DATABASE_JIT", default=False):
        # PostgreSQL's JIT compiles for hundreds of ms when a plan's estimate is high, for
        # queries that run in a few ms (docs/performance.md): off for this kind of load.
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    if "postgresql" in _database["ENGINE"] and env.bool(
        "DATABASE_PREPARED_STATEMENTS", default=True
    ):
        # The precompiled queries (intentional.db) run as prepared statements, from their first
        # run on a connection: psycopg prepares only what the server binds, and only that SQL
        # is bound on the server. Off for a pooler that cannot keep a session's statements
        # (PgBouncer in transaction mode before 1.21).
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = 0
        # Planned once too: PostgreSQL would otherwise plan each run again for its values
        # (a "custom" plan, most of the feed query's time), since the generic plan's estimate
        # looks dearer than it runs. Nothing else of the project has a plan cache (no PL/pgSQL).
        generic = "-c plan_cache_mode=force_generic_plan"
        _database["OPTIONS"]["options"] = f"{_database['OPTIONS'].get('options', '')} {generic}"
DATABASE_ROUTERS = ["intentional.routers.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # An outage slows the site but breaks nothing (SPEC §7).
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
            "KEY_PREFIX": "intentional",
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker every task runs in-process, at once (development, tests, `make run`).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# A task whose worker dies (killed, out of memory) goes back to the queue and runs again; the
# digest's claims make a second run harmless (digest.services.digest_deliver).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis gives a task taken by a worker that vanished to another worker after this many seconds
# (workers look for such tasks every 10 s: kombu's default is every 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Separate queues (README "Scaling"), each can get its own workers: the Procfile's worker
# consumes all four. Glob patterns, so new tasks of these kinds land on the right queue.
# Heavy file work (storage deletes, export zips) runs on the worker's "media" queue (Procfile),
# away from emails and digests.
CELERY_TASK_ROUTES = {
    "digest.tasks.*": {"queue": "digest"},
    "social.tasks.notification_email*": {"queue": "email"},
    "social.tasks.storage_*": {"queue": "media"},
    "social.tasks.data_export_build": {"queue": "media"},
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    # Hourly: whoever's local Monday 08:00 has passed gets last week's digest (digest/tasks.py).
    "digest-schedule": {
        "task": "digest.tasks.digest_schedule",
        "schedule": env.float("DIGEST_SCHEDULE_SECONDS", default=3600.0),
    },
}

# --- Storage ----------------------------------------------------------------------------------

# Private files (photos, avatars). Never served under a public URL: local files go through a
# permission-checked view, S3/R2 objects through short-lived presigned URLs.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-public/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# A storage outage fails an upload within seconds instead of holding a web worker for the
# SDK's default retries (SPEC §7: no post is created, and the person is told).
AWS_S3_CLIENT_CONFIG = BotoConfig(
    signature_version="s3v4",
    connect_timeout=3,
    read_timeout=20,
    retries={"mode": "standard", "max_attempts": 2},
)

# --- Email ------------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
vars().update(env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Intentional <hello@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Accounts (django-allauth) ----------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
# Names that would collide with URL segments (e.g. /api/v1/connections/requests/) or mislead.
ACCOUNT_USERNAME_BLACKLIST = [
    "admin",
    "api",
    "accounts",
    "requests",
    "members",
    "me",
    "new",
    "edit",
    "delete",
    "settings",
    "support",
    "staff",
    "intentional",
    "root",
    "system",
    "avatar",
]
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "social.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "social.adapters.SocialAccountAdapter"
# Like the site's other emails: no "[example.com] " (the sites framework's placeholder name).
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# The site's wording on allauth's forms ("Remember me"); its pages are in templates/account/.
ACCOUNT_FORMS = {
    "login": "social.account_forms.LoginForm",
    "change_password": "social.account_forms.ChangePasswordForm",
    "reset_password_from_key": "social.account_forms.ResetPasswordKeyForm",
}
# Two-factor (SPEC §11): an authenticator app with recovery codes, and passkeys both as a second
# factor and to log in without a password.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Intentional"
# Authenticator secrets encrypted at rest (key derived from SECRET_KEY and its fallbacks).
MFA_ADAPTER = "social.mfa.MFAAdapter"
# The site's wording on allauth.mfa's passkey forms; a passkey is added to log in without a
# password unless the person unticks it.
MFA_FORMS = {
    "add_webauthn": "social.account_forms.AddPasskeyForm",
    "edit_webauthn": "social.account_forms.EditPasskeyForm",
}
# WebAuthn needs a secure context: https in production; http://localhost is one for browsers.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Our own rate limits (django-ratelimit, RATELIMITS below) apply; allauth's would double them.
ACCOUNT_RATE_LIMITS = False
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {
    "google": {
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        # No app configured means no "Sign in with Google" button anywhere.
        "APPS": (
            [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}]
            if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET
            else []
        ),
    }
}
SOCIALACCOUNT_LOGIN_ON_GET = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- API (DRF, simplejwt, drf-spectacular) ----------------------------------------------------

REST_FRAMEWORK = {
    # JWT first: an unauthenticated API request answers 401 with WWW-Authenticate: Bearer.
    # Both answer in the authenticated person's language (intentional.api): DRF authenticates
    # after every middleware has run.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "intentional.api.JWTAuthentication",
        "intentional.api.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "intentional.api.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "intentional.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry a digest of the password hash: changing the password revokes them all.
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_REFRESH_SERIALIZER": "social.api.serializers.TokenRefreshSerializer",
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Intentional Social API",
    "DESCRIPTION": "Stay close to the few people who matter. Errors are always "
    '`{"error": {"type", "message", "fields"?}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name for the choice every notification kind takes (SPEC §8), not one per kind.
    "ENUM_NAME_OVERRIDES": {"NotificationEmailEnum": "social.models.EmailChoice"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "intentional.schema.add_error_responses",
    ],
}

# --- Protection (SPEC §7) ---------------------------------------------------------------------

# How many reverse proxies in front of the app append to X-Forwarded-For. The client address
# is read that many hops from the right, so a forged header cannot change it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "intentional.errors.csrf_failure"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# Request bodies (SPEC §7): refused with 413 from Content-Length before anything is read.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
MAX_UPLOAD_BODY_BYTES = env.int("MAX_UPLOAD_BODY_BYTES", default=45 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# Seconds a read of the request body may wait for data before the request is given up and its
# connection closed (intentional.runtime.body_read_timeout): a stalled upload frees its thread.
REQUEST_BODY_TIMEOUT = env.float("REQUEST_BODY_TIMEOUT", default=20.0)
# Path and query string: longer is refused with 414. Gunicorn reads request lines of up to
# 8190 bytes (--limit-request-line in the Procfile), so this answers before it would.
MAX_URL_LENGTH = 4096
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_USE_CACHE = "default"
# "count/period" with period s, m, h or d (SPEC §7). Each can be set as RATELIMIT_<NAME>.
RATELIMITS = {
    "login": env.str("RATELIMIT_LOGIN", default="10/m"),
    "register": env.str("RATELIMIT_REGISTER", default="5/h"),
    "post": env.str("RATELIMIT_POST", default="30/h"),
    "comment": env.str("RATELIMIT_COMMENT", default="60/h"),
    "connection_request": env.str("RATELIMIT_CONNECTION_REQUEST", default="50/d"),
    "invitation": env.str("RATELIMIT_INVITATION", default="20/d"),
    # Not in SPEC §7: building a zip of a whole account is costly, so it is limited too.
    "export": env.str("RATELIMIT_EXPORT", default="10/h"),
    # Two-factor codes (SPEC §11), per account, pages and API alike: the sign-in code, the
    # reauthentication code, and confirming or removing an authenticator app. allauth's own
    # per-account pace for codes (its limits are off, ACCOUNT_RATE_LIMITS): at 10 a minute, a
    # six-digit code would be guessed in a month with a one-in-three chance.
    "mfa": env.str("RATELIMIT_MFA", default="5/5m"),
}
# A cache outage must not lock everyone out (SPEC §7): limits are skipped while it lasts.
RATELIMIT_FAIL_OPEN = True
# The local-memory cache is per process: fine for development, where limits are best-effort.
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003"]

# Origins besides 'self' that pages may load images from / post forms to: the S3/R2 endpoint
# serving presigned photo URLs, Google's sign-in page.
CSP_EXTRA_IMG_SRC = env.list("CSP_EXTRA_IMG_SRC", default=[])
if AWS_STORAGE_BUCKET_NAME:
    CSP_EXTRA_IMG_SRC.append(
        env.str("AWS_S3_ENDPOINT_URL", default="") or "https://*.amazonaws.com"
    )
CSP_EXTRA_FORM_ACTION = ["https://accounts.google.com"] if GOOGLE_CLIENT_ID else []

METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Product ----------------------------------------------------------------------------------

INTENTIONAL_MAX_CONNECTIONS = env.int("INTENTIONAL_MAX_CONNECTIONS", default=150)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
AVATAR_MAX_SIDE = 512
POST_MAX_PHOTOS = 4
POST_MAX_AUDIENCE_TAGS = 10
PHOTO_DISPLAY_MAX_SIDE = 2048
PHOTO_THUMB_MAX_SIDE = 480
# How long a photo link in an email keeps working (it still obeys the audience rule).
PHOTO_LINK_MAX_AGE = env.int("PHOTO_LINK_MAX_AGE", default=60 * 60 * 24 * 30)
FEED_PAGE_SIZE = env.int("FEED_PAGE_SIZE", default=20)
FEED_MAX_PAGE_SIZE = 50
COMMENTS_PAGE_SIZE = 50
# Notifications (SPEC §8): a page of the list; instant emails wait this long so that several
# within it go out as one email.
NOTIFICATIONS_PAGE_SIZE = 30
NOTIFICATION_EMAIL_BATCH_SECONDS = env.int("NOTIFICATION_EMAIL_BATCH_SECONDS", default=600)
# Data export (SPEC §7): up to this many photos the zip is a direct download; past it a Celery
# task builds it into storage and emails a link, kept for EXPORT_KEEP_DAYS.
EXPORT_SYNC_MAX_PHOTOS = env.int("EXPORT_SYNC_MAX_PHOTOS", default=50)
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)

# --- Digest (SPEC §5) -------------------------------------------------------------------------

# Selection thresholds (SPEC §5 steps 1-4).
DIGEST_MIN_IMPORTANCE = env.float("DIGEST_MIN_IMPORTANCE", default=1.5)
DIGEST_EVENT_IMPORTANCE = env.float("DIGEST_EVENT_IMPORTANCE", default=7.0)
DIGEST_LOW_PRIORITY_IMPORTANCE = env.float("DIGEST_LOW_PRIORITY_IMPORTANCE", default=3.0)
DIGEST_PER_PERSON_PER_DAY = env.int("DIGEST_PER_PERSON_PER_DAY", default=2)
DIGEST_MAX_PAGES = env.int("DIGEST_MAX_PAGES", default=12)
# Local hour on Monday after which the previous week's digest is emailed.
DIGEST_SEND_HOUR = env.int("DIGEST_SEND_HOUR", default=8)
# Seconds after which a claimed, unsent digest email counts as abandoned and is claimed again by
# the next scheduled run: the task time limit, since no task outlives it.
DIGEST_CLAIM_LEASE = CELERY_TASK_TIME_LIMIT
# Optional OpenAI-compatible chat endpoint for summaries; empty = the built-in generator only.
LLM_API_URL = env.str("LLM_API_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=10)

# --- Internationalisation ---------------------------------------------------------------------

# SPEC §12. No language prefix in URLs: a signed-in person's `language` decides, before login
# (and for a person who has none) the browser's Accept-Language; emails are written in the
# recipient's `language`, else LANGUAGE_CODE. Catalogues: locale/<code>/LC_MESSAGES/*.po,
# compiled to .mo by `manage.py compile_catalogues` (README "Languages").
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging ----------------------------------------------------------------------------------

# JSON lines in production (one per request, with its request id); readable text in development.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "intentional.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request line replaces Django's own; errors still go through django.request.
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}
