"""Settings for ecomanalytics, read from the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    # A development key only: production must set SECRET_KEY.
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-dev-only-ecomanalytics")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# Origins allowed to POST forms when they differ from the host, e.g. behind a proxy:
# https://analytics.example.com
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS. Production defaults are the safe ones (redirect to HTTPS, HSTS for a year,
# cookies only over HTTPS); serving plain HTTP (docker-compose's local demo) turns them
# off explicitly. `manage.py check --deploy` is clean with these defaults.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container health checks ask over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
# Subdomains of the analytics host itself (rarely any): safe to include.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
# Preloading is a commitment made by submitting the domain to the browsers' list, a
# decision per site: off by default, and its deploy-check warning silenced.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Behind a TLS-terminating proxy that sets it: "HTTP_X_FORWARDED_PROTO,https". Unset by
# default: trusting the header without such a proxy lets any client claim HTTPS.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "ecomanalytics.ops",
    "ecomanalytics.store",
    "kpi",
    "cohorts",
    "demand",
    "ecomanalytics.rollups",
    "ecomanalytics.api",
]

MIDDLEWARE = [
    # First: every response, redirects and errors included, carries the request id.
    "ecomanalytics.ops.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ecomanalytics.ops.statement_timeout.StatementTimeoutMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ecomanalytics.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "ecomanalytics.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dashboard read while a generator or import writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 30)
# Optional read replica: the metric queries read the shop's data there, writes stay on
# the primary (ecomanalytics/db_router.py, docs/scaling.md).
if env("ANALYTICS_DATABASE_URL", default=""):
    DATABASES["analytics"] = env.db("ANALYTICS_DATABASE_URL")
    DATABASES["analytics"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["ecomanalytics.db_router.AnalyticsReplicaRouter"]

# Keep database connections open between requests (CONN_MAX_AGE seconds; 0 closes them
# after each request): opening a PostgreSQL connection cost each dashboard request
# several milliseconds, as long as the roll-up query itself.
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=300)
# PostgreSQL: no parallel workers per query by default. The dashboard's queries read
# a few thousand roll-up rows; starting workers costs them 10-15 ms each (a 0.3 ms
# query took 13 ms), and on a small machine the requests already use the cores. The
# roll-up refresh turns them back on for its own transaction (rollups/refresh.py).
PG_PARALLEL_WORKERS = env.int("PG_PARALLEL_WORKERS", default=0)
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = CONN_MAX_AGE
    _database["CONN_HEALTH_CHECKS"] = True
    if _database["ENGINE"].startswith("django.db.backends.postgresql"):
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} "
            f"-c max_parallel_workers_per_gather={PG_PARALLEL_WORKERS}"
        ).strip()

# Longest query of a web request, in seconds (0: no limit); beyond it the request gets
# a 503 (ecomanalytics/ops/statement_timeout.py). Commands and imports are not limited.
DB_STATEMENT_TIMEOUT_SECONDS = env.float("DB_STATEMENT_TIMEOUT_SECONDS", default=30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from this
# site only, no inline script or style; images also as data: URIs (Swagger UI's icons).
# The dashboard, the admin, the browsable API and Swagger UI load under it with no
# violation (dashboard/tests/test_csp.py, a real browser). One exception: the
# browsable API's format and filter buttons carry a fixed style attribute
# (rest_framework/base.html), allowed by its hash alone ('unsafe-hashes').
# CSP_REPORT_ONLY=1 reports violations to the browser console instead of blocking.
_csp_self = ["'self'"]
_csp = {
    "DIRECTIVES": {
        "default-src": _csp_self,
        "script-src": _csp_self,
        "style-src": [
            *_csp_self,
            "'unsafe-hashes'",
            # "float: right; margin-right: 10px"
            "'sha256-OfgyIBrd+/vP79JdFMYP+re4T+fIenvkrHPD2HZ8/cs='",
        ],
        "img-src": [*_csp_self, "data:"],
        "font-src": _csp_self,
        "connect-src": _csp_self,
        "object-src": ["'none'"],
        "base-uri": _csp_self,
        "form-action": _csp_self,
        "frame-ancestors": ["'none'"],
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp

# Login rate limit (django-axes) on /accounts/login/ and /admin/login/: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# locked for LOGIN_LOCKOUT_MINUTES (a page says so, HTTP 429); a success resets the
# count. Staff unlock at once: `manage.py axes_reset_username NAME` or Admin → Axes →
# Access attempts (docs/operations.md). The client address is REMOTE_ADDR; behind a
# proxy set LOGIN_PROXY_COUNT (how many proxies add X-Forwarded-For).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ecomanalytics.ops.lockout.lockout_response"
if env.int("LOGIN_PROXY_COUNT", default=0):
    AXES_IPWARE_PROXY_COUNT = env.int("LOGIN_PROXY_COUNT")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The shop's time zone: day, week and month boundaries of every metric are taken here.
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

CURRENCY = env("CURRENCY", default="USD")
REVENUE_STATUSES = tuple(
    env.list("REVENUE_STATUSES", default=["paid", "shipped", "completed"])
)
# The money every metric calls revenue (docs/metrics.md, "Sales"): net_sales (gross
# sales - discounts - returns, as Shopify's reports use), gross_sales (quantity x
# unit price, before discounts) or total_sales (net sales + shipping + taxes). The
# roll-ups keep every term, so changing it needs no refresh.
REVENUE_MEASURE = env("REVENUE_MEASURE", default="net_sales")
if REVENUE_MEASURE not in ("net_sales", "gross_sales", "total_sales"):
    raise ImproperlyConfigured(
        f"REVENUE_MEASURE={REVENUE_MEASURE!r}: use net_sales, gross_sales or total_sales"
    )

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Token clients (integrations) are throttled; the dashboard's session is not.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="1000/hour")
# How long a metric response is cached; entries also die when the data version moves.
# 0 disables the cache (benchmarks measure the queries, not the cache).
METRICS_CACHE_SECONDS = env.int("METRICS_CACHE_SECONDS", default=300)
# Off: loads skip the roll-up refresh (metrics then answer from the raw tables until
# `refresh_rollups` runs); for timing a load on its own.
ROLLUPS_ENABLED = env.bool("ROLLUPS_ENABLED", default=True)
# While a load's refresh is due, the roll-ups answer as they were (flagged
# refreshing); a load killed before its refresh stops counting after this long.
ROLLUPS_PENDING_GRACE_SECONDS = env.int("ROLLUPS_PENDING_GRACE_SECONDS", default=900)
# Off: a refresh does not refit the stored models (customer value, forecasts); run
# their commands yourself. See ecomanalytics/rollups/hooks.py.
FIT_MODELS_ON_REFRESH = env.bool("FIT_MODELS_ON_REFRESH", default=True)
# Worker processes that fit the stored forecasts (pure CPU, one series each at a
# time); 1 fits them in the refreshing process itself.
FORECAST_FIT_PROCESSES = env.int(
    "FORECAST_FIT_PROCESSES", default=len(os.sched_getaffinity(0))
)

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's
    # WWW-Authenticate challenge, so anonymous gets 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "ecomanalytics.api.permissions.CanReadMetrics",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "ecomanalytics.api.throttling.TokenClientRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "DEFAULT_SCHEMA_CLASS": "ecomanalytics.api.schema.MetricAutoSchema",
    "EXCEPTION_HANDLER": "ecomanalytics.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
}

# Who may read /api/schema/ and /api/docs/: anyone (the schema names endpoints and
# parameters, no data), or, when off, only those who may read the metrics.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)

SPECTACULAR_SETTINGS = {
    "TITLE": "ecomanalytics API",
    "DESCRIPTION": (
        "Revenue, conversion, cohort and demand metrics of an online shop. "
        "Every metric's definition is in its endpoint's description and in docs/metrics.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Enum components named for what they are, not for the field ("ModelEnum").
    "ENUM_NAME_OVERRIDES": {
        "ForecastModelEnum": [
            "naive",
            "seasonal_naive",
            "ets",
            "seasonal_ets",
            "croston_sba",
            "none",
        ],
        "TrafficSourceEnum": "ecomanalytics.store.choices.TrafficSource",
        "DeviceEnum": "ecomanalytics.store.choices.Device",
        "OrderStatusEnum": "ecomanalytics.store.choices.OrderStatus",
    },
}

# Two caches. "default" holds metric responses: Redis when REDIS_URL is set (Django's
# own backend; needs the redis package), else each process's local memory, which is
# correct with any number of workers because the entries are keyed by the data
# version, a database row every process reads (ecomanalytics/ops/data_version.py).
# "shared" holds what every worker must count together (API throttle counters): the
# same Redis, else a database table that `migrate` creates (SHARED_CACHE_TABLE).
REDIS_URL = env("REDIS_URL", default="")
SHARED_CACHE_TABLE = "ecomanalytics_shared_cache"
if REDIS_URL:
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
    CACHES = {"default": _redis, "shared": {**_redis, "KEY_PREFIX": "shared"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ecomanalytics",
        },
        "shared": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": SHARED_CACHE_TABLE,
        },
    }

# One console handler, on the root logger. Django's own "django" logger has a console
# handler too (in DEBUG) and propagates to the root: each of its lines was printed
# twice. It keeps its level and hands its records to the root's handler only.
# One line per request (ecomanalytics.request, at REQUEST_LOG_LEVEL), every line with
# the request's id (X-Request-ID); errors with their traceback, never to the client.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ecomanalytics.ops.request_log.RequestIdFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "ecomanalytics.request": {
            "level": env("REQUEST_LOG_LEVEL", default="INFO"),
        },
    },
}
