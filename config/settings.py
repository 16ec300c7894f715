"""Settings, all from the environment.

With nothing set the product runs on its embedded default: SQLite in
``var/``, Celery tasks executed in-process, debug on. A deployment sets at
least ``DJANGO_DEBUG=false``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``,
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (Celery broker and cache).
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("QCW_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="insecure-embedded-default-do-not-deploy"
    )
else:
    # No default: a production process without a secret must not start.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")

# The demo users' password (manage.py demo / seed_demo): printed, so a known
# default only on the embedded default; in production none unless set.
DEMO_PASSWORD = env.str(
    "DEMO_PASSWORD",
    default="demo-pass-2026" if DEBUG else "",
)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "warehouse.apps.WarehouseConfig",
    "inspection.apps.InspectionConfig",
    "fulfilment.apps.FulfilmentConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After Locale: it answers in the reader's language.
    "warehouse.common.middleware.RejectUnreadableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After Locale and the session: a signed-in person's own language.
    "warehouse.common.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: it answers a locked-out sign-in (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.i18n",
                "warehouse.common.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------
# SQLite by default; DATABASE_URL switches to PostgreSQL (psycopg 3). A new
# PostgreSQL connection costs ~10 ms, so connections are kept open and checked
# before reuse.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'qcw.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock up front, so two writers
    # queue instead of failing with "database is locked" half way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        # Server-side binding lets psycopg prepare a statement after its 5th
        # use on a connection: the scan path's joins are then planned once per
        # connection instead of on every request (PostgreSQL spent more time
        # planning than running them). Turn off behind a transaction-pooling
        # pgbouncer, which cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
# Outbox (warehouse.common.jobs): beat sends due jobs this often; a job sent this long
# ago and still pending is sent again (its message was lost). Both stay below
# the broker's visibility timeout, which exceeds every task's time limit.
JOBS_DISPATCH_EVERY_SECONDS = env.float("JOBS_DISPATCH_EVERY_SECONDS", default=5.0)
JOBS_RESEND_AFTER_SECONDS = env.int("JOBS_RESEND_AFTER_SECONDS", default=900)
CELERY_RESULT_BACKEND = None
# Embedded default: no broker, every task runs in-process when enqueued.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work (DESIGN.md section 7). A worker started without
# -Q consumes all of them; growing is a deployment change only: a worker of
# its own with `-Q certificates`, the others with `-X certificates`.
# Background work is recorded jobs (warehouse.common.jobs), each naming its queue
# when registered: certificates on "certificates", labels and carrier
# bookings on "labels", e-mail and webhooks on "notifications"; beat's
# periodic tasks run on "default".
# Each queue has an exchange and key of its own name, as Celery gives a queue
# it creates itself: on a broker that routes by exchange (RabbitMQ), queues
# sharing the default binding would each get a copy of every message.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("default", "certificates", "labels", "notifications")
]
# Celery's Django fix-up closes the database connection before and after
# every task unless this is set: a new PostgreSQL connection per task (~10 ms,
# its prepared statements lost; the certificate worker ran at a quarter of
# its in-process speed). Workers keep their connection as web processes do,
# checked around every task (config.celery); this forces a fresh one only
# every so many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# The transparency log (inspection.trust.transparency): a new signed tree head at
# most this often, by the sequencer's job and Celery beat.
TRANSPARENCY_STH_SECONDS = env.float("TRANSPARENCY_STH_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "jobs-dispatch": {
        "task": "warehouse.tasks.jobs_dispatch",
        "schedule": JOBS_DISPATCH_EVERY_SECONDS,
    },
    "idempotency-keys-purge": {
        "task": "warehouse.tasks.idempotency_keys_purge",
        "schedule": crontab(minute=17),
    },
    "promises-sweep": {
        "task": "fulfilment.tasks.promises_sweep",
        "schedule": 60.0,
    },
    "returns-tracking-sweep": {
        "task": "fulfilment.tasks.returns_tracking_sweep",
        "schedule": 300.0,
    },
    "webhooks-sweep": {
        "task": "fulfilment.tasks.webhooks_sweep",
        "schedule": 5.0,
    },
    "scan-log-purge": {
        "task": "warehouse.tasks.scan_log_purge",
        "schedule": crontab(hour=3, minute=41),
    },
    # The transparency log signs a tree head this often (issue 22).
    "transparency-integrate": {
        "task": "inspection.tasks.transparency_integrate",
        "schedule": TRANSPARENCY_STH_SECONDS,
    },
}

# --- Auth, API --------------------------------------------------------------
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

# Reverse proxies in front of gunicorn that each append the address they were
# reached from to X-Forwarded-For (nginx, a load balancer): the client is the
# TRUSTED_PROXY_COUNT-th entry from the right. 0: no proxy is trusted and the
# header is ignored. One function, warehouse.common.proxies.client_address, gives
# the address to the throttles, the sign-in lock-out and the scan log.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is 0 or more proxies.")

# Pages: sign-in with a username and password; django-axes locks a username
# from one client address out after AXES_FAILURE_LIMIT wrong passwords for
# AXES_COOLOFF_MINUTES (recorded in the database, visible in the admin).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "warehouse.common.proxies.client_address"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "warehouse.common.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Refuses what no column can hold (NUL, lone surrogates, 1e400, depth).
    "DEFAULT_PARSER_CLASSES": ["warehouse.common.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "warehouse.common.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "warehouse.common.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "warehouse.common.throttles.ClientAddressAnonThrottle",
        "warehouse.common.throttles.FixedWindowUserThrottle",
    ],
    # Read by DRF's own throttles only; ours use warehouse.common.proxies.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="60/minute"),
        # Per caller (a station, a merchant user …): 50 requests/s on average.
        "user": env.str("THROTTLE_USER", default="3000/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# The per-caller throttle counts in each process and adds its count to Redis's
# once it has admitted this share of the limit or this many seconds after its
# last look; each process may admit one share more than the limit
# (warehouse.common.throttles). A limit under 1/share, or a share of 0, asks
# Redis on every request, exactly.
THROTTLE_SYNC_SHARE = env.float("THROTTLE_SYNC_SHARE", default=0.01)
THROTTLE_SYNC_SECONDS = env.float("THROTTLE_SYNC_SECONDS", default=1.0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Quality-inspection warehouse API",
    "DESCRIPTION": (
        "Scanner stations, merchants, inspectors and the platform. "
        "Authenticate with `Authorization: Token <key>`. Errors are "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: warehouses may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the error answers too (one shape, one handler).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "warehouse.common.schema.error_responses",
    ],
    # Choice sets that share a field name get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "StationKindEnum": "warehouse.models.Station.Kind",
        "CheckKindEnum": "inspection.models.CheckKind",
        "NoticeStatusEnum": "warehouse.models.InboundNotice.Status",
        "InspectionStatusEnum": "inspection.models.Inspection.Status",
        "VerdictEnum": "inspection.models.Verdict",
        "CheckVerdictEnum": "inspection.models.CheckVerdict",
        "CarrierEnum": "warehouse.models.Carrier",
        "StateEnum": "warehouse.models.ItemState",
        "WebhookMessageStateEnum": "fulfilment.models.WebhookMessage.State",
    },
}

# A verified API token is trusted this long in each process before it is
# looked up again (a revoked token keeps working that long in other processes).
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=30)
# Idempotency-Key records are kept this long, then purged by Celery beat.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# A request holding a key this long without finishing is taken as dead (its
# transaction rolled back), and the key may be used again.
IDEMPOTENCY_LOCK_SECONDS = env.int("IDEMPOTENCY_LOCK_SECONDS", default=60)
# Scan-log rows are kept this long (days), then purged by Celery beat.
SCAN_LOG_RETENTION_DAYS = env.int("SCAN_LOG_RETENTION_DAYS", default=180)
# Largest inbound notice accepted in one request (by the API or a file).
INBOUND_NOTICE_MAX_ITEMS = env.int("INBOUND_NOTICE_MAX_ITEMS", default=100_000)
# What one uploaded notice file (CSV, XLSX) may hold besides its items: the
# work spent reading it is bounded by these, whatever the file declares.
INBOUND_UPLOAD_MAX_BLANK_ROWS = env.int("INBOUND_UPLOAD_MAX_BLANK_ROWS", default=10_000)
INBOUND_UPLOAD_MAX_COLUMNS = env.int("INBOUND_UPLOAD_MAX_COLUMNS", default=100)
INBOUND_UPLOAD_MAX_CELLS = env.int("INBOUND_UPLOAD_MAX_CELLS", default=4_000_000)
INBOUND_UPLOAD_MAX_UNPACKED_MB = env.int("INBOUND_UPLOAD_MAX_UNPACKED_MB", default=200)
INBOUND_UPLOAD_MAX_ZIP_RATIO = env.int("INBOUND_UPLOAD_MAX_ZIP_RATIO", default=100)
# Keep it well under GUNICORN_TIMEOUT: the notice is saved after the reading.
INBOUND_UPLOAD_READ_SECONDS = env.float("INBOUND_UPLOAD_READ_SECONDS", default=30.0)
# Certificates: signing keys as "id=secret,id2=secret2" (keep retired keys
# listed so their certificates still verify; the first, or
# CERTIFICATE_SIGNING_KEY_ID, signs new ones). Without keys, one derived from
# DJANGO_SECRET_KEY is used. PUBLIC_BASE_URL is what the QR code points at.
CERTIFICATE_SIGNING_KEYS = env.dict("CERTIFICATE_SIGNING_KEYS", default={})
CERTIFICATE_SIGNING_KEY_ID = env.str("CERTIFICATE_SIGNING_KEY_ID", default="")
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Trust (issue 22, inspection.trust.keys): the operator's keys that sign the
# certificate PDFs (PAdES), the QR seal and the transparency log. TRUST_DIR is a
# directory written by ``manage.py trust_init`` (PEM files + keys.json), never in
# the repository; empty, the keys come from TRUST_*_PEM environment variables
# (docs/DEPLOY.md). On the embedded default (debugging) var/trust is created with
# demo keys on first use (TRUST_DIR_CREATE).
TRUST_DIR = env.str("TRUST_DIR", default=str(VAR_DIR / "trust") if DEBUG else "")
TRUST_DIR_CREATE = env.bool("TRUST_DIR_CREATE", default=DEBUG)
TRUST_OPERATOR = env.str(
    "TRUST_OPERATOR", default="QC Warehouse (demo)" if DEBUG else "QC Warehouse"
)

# --- Fulfilment -------------------------------------------------------------------
# Carrier code -> dotted path of its adapter class; unlisted carriers use the
# sandbox (fulfilment.carriers.SandboxAdapter).
FULFILMENT_CARRIER_ADAPTERS = env.json("FULFILMENT_CARRIER_ADAPTERS", default={})
RETURN_CARRIER = env.str("RETURN_CARRIER", default="sf")
# The sandbox carrier answers after this many seconds (fault drills only).
SANDBOX_CARRIER_DELAY_SECONDS = env.float("SANDBOX_CARRIER_DELAY_SECONDS", default=0.0)
# The sandbox carrier reports a released parcel delivered this many seconds
# after its hand-over (0: at once; the returns tracking sweep applies it).
SANDBOX_DELIVERY_DELAY_SECONDS = env.float(
    "SANDBOX_DELIVERY_DELAY_SECONDS", default=0.0
)
# Webhooks go to public https addresses only; tests and the benchmark turn
# this on to reach a receiver on loopback.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool(
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False
)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qc-warehouse@localhost")
# Public verification pages: requests per minute per client address.
VERIFY_THROTTLE_PER_MINUTE = env.int("VERIFY_THROTTLE_PER_MINUTE", default=30)
# Evidence photos: largest file and picture accepted.
INSPECTION_PHOTO_MAX_BYTES = env.int(
    "INSPECTION_PHOTO_MAX_BYTES", default=10 * 1024 * 1024
)
INSPECTION_PHOTO_MAX_PIXELS = env.int("INSPECTION_PHOTO_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024 * 1024
)

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# whitenoise serves static files (the API docs' assets) from the app server;
# a deployment runs `manage.py collectstatic` first.
WHITENOISE_USE_FINDERS = DEBUG  # in development, straight from the apps
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Media (certificates, photos, labels, manifests) on S3-compatible object
# storage with MEDIA_STORAGE=s3 (pip install -e ".[s3]": django-storages).
# Files are only ever served through the product's views, which check who
# asks, so the bucket stays private. Credentials: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, read by boto3 from the environment.
if env.str("MEDIA_STORAGE", default="filesystem") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            # As on a file system: a new file never replaces another.
            "file_overwrite": False,
        },
    }

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Sign-in attempts are recorded in the database (admin: Access attempts).
        "axes": {"level": "WARNING"},
        "qcw.scans": {"level": env.str("SCAN_LOG_LEVEL", default="INFO")},
    },
}
