"""CityOps settings, read from the environment.

Embedded profile (default): SQLite in WAL mode under var/, huey on SQLite.
Scale-out profile: DATABASE_URL=postgres://..., REDIS_URL=redis://...
A bad value fails loudly at start through the system checks in cityops/checks.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cityops.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CITYOPS_VAR_DIR", str(BASE_DIR / "var")))

# A development key is generated per checkout (never committed); production must set SECRET_KEY.
_DEV_KEY_FILE = VAR_DIR / "dev-secret-key"


def _dev_secret_key() -> str:
    import secrets

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not _DEV_KEY_FILE.exists():
        # Written aside and linked into place: of processes starting together (two test suites,
        # the demo's children) the first wins and none reads half a key.
        draft = _DEV_KEY_FILE.with_name(f"{_DEV_KEY_FILE.name}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(50))
        try:
            os.link(draft, _DEV_KEY_FILE)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _DEV_KEY_FILE.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _dev_secret_key()
SECRET_KEY_FROM_ENV = bool(env_str("SECRET_KEY"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address citizens open the site at (scheme, host, any path prefix): links in text messages.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",  # two-step verification for administrators and leaders (web.two_factor)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time recovery codes (web.two_factor)
    "ninja",  # the API docs (/api/v1/docs) from its own static files, not a CDN
    "csp",
    "cityops",
    "core",
    "areas",
    "org",
    "catalog",
    "cases",
    "intake",
    "hotline",
    "open311",
    "portal",
    "notify",
    "huey.contrib.djhuey",
    "dispatch",
    "evaluation",
    "signs",
    "iot",
    "components",
    "plans",
    "demo",
    "web",
]

MIDDLEWARE = [
    "cityops.health.HealthMiddleware",  # /healthz, /readyz: before host checks and redirects
    "core.metrics.MetricsMiddleware",  # request latency for /metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cityops.middleware.MachineLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cases.evidence.PhotoBudgetMiddleware",  # the photos of one request together
    "cityops.middleware.NumberOutOfRangeMiddleware",  # a huge id in a URL is a 404, not a 500
]

ROOT_URLCONF = "cityops.urls"
WSGI_APPLICATION = "cityops.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "cityops.sqlite3"
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}"
SUPPORTED_DB_ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
except ValueError as exc:
    raise ImproperlyConfigured(f"cityops.E001: DATABASE_URL is not usable: {exc}") from exc
if _db["ENGINE"] not in SUPPORTED_DB_ENGINES:
    # Fail here, before Django tries to import a driver we do not ship.
    raise ImproperlyConfigured(
        f"cityops.E001: DATABASE_URL uses {_db['ENGINE']}; CityOps supports SQLite and "
        "PostgreSQL only (postgres://user@host:5432/db, or unset for SQLite)."
    )
DATABASES = {"default": _db}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; the busy timeout (seconds) makes a
    # writer wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Tests use an in-memory database (shared-cache for live-server threads): fast, and two test
    # runs on one machine never clobber each other. The mutation runs (make mutants) run the
    # same few test files hundreds of times: TEST_SQLITE_FILE names a file they keep between
    # runs with pytest --reuse-db, so the migrations run once, not once per mutant.
    if env_str("TEST_SQLITE_FILE"):
        DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_SQLITE_FILE")}
else:
    # Several test runs may share one PostgreSQL server (CI, parallel sessions): one test
    # database per process.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # No JIT: every query here is short, and compiling one (50-70 ms for a map viewport over a
    # month of cases, bench/map.py) costs more than it saves. DB_OPTIONS may add settings.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit=off {env_str('DB_OPTIONS', '')}".strip()
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite keeps the key columns only.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env_str("REDIS_URL")
# The Redis tests (queue, shared cache) use this database; CI exports it, parallel runs share it.
REDIS_URL_TEST = env_str("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")

# --- Queue ----------------------------------------------------------------------------------
# huey: SQLite storage under var/ in the embedded profile, Redis when REDIS_URL is set. Never
# ``immediate`` here (djhuey would default it to DEBUG): periodic jobs need the real consumer
# (`manage.py run_huey`); tests switch immediate on where they mean it.
HUEY_SQLITE_PATH = VAR_DIR / "huey.sqlite3"
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "cityops", "url": REDIS_URL}
else:
    HUEY = {"huey_class": "huey.SqliteHuey", "name": "cityops", "filename": str(HUEY_SQLITE_PATH)}
HUEY.update(
    immediate=False,
    utc=True,
    consumer={"workers": env_int("HUEY_WORKERS", 1), "worker_type": "thread"},
)

# --- Accounts ----------------------------------------------------------------------------------
# Failed log-ins (every login form, the admin's too) per account and per client address within
# LOGIN_WINDOW_MINUTES; past them the form says how long to wait (counted in the cache: Redis
# with REDIS_URL, so every web worker counts together).
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_WINDOW_MINUTES = env_int("LOGIN_WINDOW_MINUTES", 15)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "CityOps")  # the name authenticator apps show

# --- Production profile (manage.py serve / make serve, cityops.serving) --------------------
WEB_WORKERS = env_int("WEB_WORKERS", 2)  # gunicorn worker processes (about 2 per core)
WEB_THREADS = env_int("WEB_THREADS", 4)  # threads per worker
HUEY_CONSUMERS = env_int("HUEY_CONSUMERS", 1)  # task consumer processes (Redis: scale freely)
# Post facts (evaluation.posts) written by the worker after each move (False: in the request's
# after-commit hooks, as the tests do).
EVALUATION_POSTS_ASYNC = env_bool("EVALUATION_POSTS_ASYNC", True)
# Readings kept this many months before the current one (iot.partitions; 0: all of them).
READINGS_RETENTION_MONTHS = env_int("READINGS_RETENTION_MONTHS", 0)
MQTT_CONSUMERS = env_int("MQTT_CONSUMERS", 1)  # MQTT ingest processes (shared subscription)
# /readyz fails past these: tasks waiting in the queue, seconds since the SLA scanner finished.
READY_MAX_QUEUE = env_int("READY_MAX_QUEUE", 10_000)
READY_MAX_SCAN_LAG_SECONDS = env_int("READY_MAX_SCAN_LAG_SECONDS", 300)
# /metrics (Prometheus) is on when this is set; scrapers send "Authorization: Bearer <token>".
# N processes add up through files in PROMETHEUS_MULTIPROC_DIR, which `serve` sets for its
# children.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Cache ----------------------------------------------------------------------------------
# Throttles and rate limits (portal look-up, report limits) count in the cache. LocMemCache lives
# in one process: fine for the embedded profile's single server, but behind N workers every limit
# would be N times looser, so the scale-out profile shares one Redis cache.
REDIS_CACHE_TIMEOUT_SECONDS = 5  # a cache on the request path must not hang a worker forever


def cache_config(redis_url: str, cache_dir: str = "") -> dict:
    """CACHES (where throttles 限流 count) for a profile: Redis at ``redis_url`` when set, else
    files in ``cache_dir`` (CACHE_DIR, which `serve` sets for its processes), else per-process
    memory (a single process: tests, management commands).

    The cache shares the Redis database with huey, its keys apart under KEY_PREFIX. Never call
    ``cache.clear()`` there: RedisCache clears with FLUSHDB, which empties huey's queue too.
    """
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "cityops",
                "OPTIONS": {
                    "socket_connect_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
                    "socket_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
                },
            }
        }
    if cache_dir:
        # `serve` without Redis: its processes (N gunicorn workers, recycled now and then) must
        # count log-in failures and look-ups in one place, or each would allow its own share.
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": cache_dir,
            }
        }
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = cache_config(REDIS_URL, env_str("CACHE_DIR", ""))

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:start"  # each role lands where it works (web.views.start)
LOGOUT_REDIRECT_URL = "web:login"

# --- i18n: zh-Hans by default, English available ---------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# --- Maps: grids are the base layer; a tile server is optional -------------------------------
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
# The tiles' coordinate system: wgs84 (天地图, OpenStreetMap) or gcj02 (高德, 腾讯). With gcj02
# every overlay is shifted on its way to the map; stored coordinates stay WGS-84.
MAP_TILE_CRS = env_str("MAP_TILE_CRS", "wgs84").strip().lower()

# --- HTTPS deployments (docs/deploy.md) -------------------------------------------------------
# HTTPS=true is the one switch for a site served over TLS (directly or behind a proxy): redirect
# plain HTTP, HSTS for a year, cookies only over TLS. Each part can be set on its own too.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
# Behind a proxy that terminates TLS: trust its X-Forwarded-Proto (only if it always sets it and
# clients cannot reach the server directly) and, if asked, its X-Forwarded-Host.
# The client's address is then the one the proxy appended to X-Forwarded-For (core.net); with
# PROXY_HOPS proxies in a row, the PROXY_HOPS-th from the right.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
PROXY_HOPS = max(1, env_int("PROXY_HOPS", 1))
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): scripts only from this site (every script is a vendored
# or own file under static/, no inline script or handler); inline styles stay allowed (Leaflet
# and ECharts write style attributes into their markup). Map tiles from MAP_TILE_URL's host.
# CSP_MODE: enforce (default), report-only (to try a policy on a live site), off.
CSP_MODE = env_str("CSP_MODE", "enforce").strip().lower()


def tile_source(url: str) -> str | None:
    """The CSP source of a tile URL template: https://t{s}.tianditu.gov.cn/... ->
    https://*.tianditu.gov.cn (a placeholder in the host becomes a wildcard label)."""
    from urllib.parse import urlsplit

    if not url:
        return None
    parts = urlsplit(url)
    host = parts.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[1] if "." in host else None
    return f"{parts.scheme}://{host}" if parts.scheme and host else None


_tiles = [source] if (source := tile_source(MAP_TILE_URL)) else []
_csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", *_tiles],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browsers report what the policy blocked to /csp-report (core.csp_report): logged and counted.
if env_bool("CSP_REPORT", True):
    _csp_directives["report-uri"] = ["/csp-report"]
if CSP_MODE == "report-only":
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
elif CSP_MODE != "off":
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}

# --- Working-time calendar -----------------------------------------------------------------
WORK_WINDOWS = env_str("WORK_WINDOWS", "08:00-12:00,14:00-18:00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Configured here, huey's run_huey adds no handler of its own (every worker line was
        # printed twice: once by it, once by the root handler).
        "huey": {
            "handlers": ["console"],
            "level": env_str("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
# Serve static/ directly in the embedded profile (no collectstatic step). Without autorefresh,
# whitenoise indexes files once at start: a file edited while the server runs is served with
# its old length, so development servers re-check files on each request.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = env_bool("WHITENOISE_AUTOREFRESH", DEBUG)

# --- Cases ----------------------------------------------------------------------------------
CASE_NUMBER_PREFIX = env_str("CASE_NUMBER_PREFIX", "NB")  # city prefix of case numbers (NB = 宁波)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)  # per photo upload
EVIDENCE_MAX_PIXELS = env_int("EVIDENCE_MAX_PIXELS", 40_000_000)  # refuse decompression bombs
# All photos of one request together (nine 12 MP phone photos fit), and the time after which no
# further photo of the request is started (cases.evidence.photo_budget).
EVIDENCE_MAX_REQUEST_PIXELS = env_int("EVIDENCE_MAX_REQUEST_PIXELS", 120_000_000)
EVIDENCE_MAX_REQUEST_SECONDS = env_int("EVIDENCE_MAX_REQUEST_SECONDS", 10)

# --- Intake ---------------------------------------------------------------------------------
# A report within this distance and time of an open case of the same category is attached to it
# as a duplicate instead of opening a second case (0 switches detection off).
INTAKE_DUPLICATE_METERS = env_int("INTAKE_DUPLICATE_METERS", 50)
INTAKE_DUPLICATE_HOURS = env_int("INTAKE_DUPLICATE_HOURS", 24)
# A report naming a grid with a point further than this outside it is refused (GPS error and
# problems across a grid's edge stay inside).
INTAKE_GRID_TOLERANCE_METERS = env_int("INTAKE_GRID_TOLERANCE_METERS", 500)
# Video-AI webhook: a signed timestamp older (or newer) than this is refused as a replay.
INTAKE_VIDEO_AI_MAX_SKEW_SECONDS = env_int("INTAKE_VIDEO_AI_MAX_SKEW_SECONDS", 300)

# --- Open311 (GeoReport v2) -----------------------------------------------------------------
# The photo behind a POSTed media_url is fetched in the background (open311.fetch) from public
# internet addresses only; on, private, loopback and link-local addresses may be fetched too
# (tests, or clients whose photo server sits in the city's own network). Off for the internet.
OPEN311_MEDIA_FETCH_ALLOW_PRIVATE = env_bool("OPEN311_MEDIA_FETCH_ALLOW_PRIVATE", False)

# --- Portal (市民随手拍) ----------------------------------------------------------------------
# Reports one citizen may send per hour, counted per device (cookie) and per phone number. Many
# phones share one address behind a carrier's NAT, so an IP address gets a larger allowance.
PORTAL_REPORTS_PER_HOUR = env_int("PORTAL_REPORTS_PER_HOUR", 5)
PORTAL_REPORTS_PER_HOUR_PER_IP = env_int("PORTAL_REPORTS_PER_HOUR_PER_IP", 30)
# 随手拍 ("snap and report"): a report comes with a photo unless this is switched off.
PORTAL_REQUIRE_PHOTO = env_bool("PORTAL_REQUIRE_PHOTO", True)
# A closed case may be rated (回访) for this many days after it was closed.
PORTAL_RATING_DAYS = env_int("PORTAL_RATING_DAYS", 30)

# --- Notify ---------------------------------------------------------------------------------
# Webhook channel: POST JSON signed with HMAC-SHA256 (header X-CityOps-Signature); blank URL = off.
NOTIFY_WEBHOOK_URL = env_str("NOTIFY_WEBHOOK_URL", "")
NOTIFY_WEBHOOK_SECRET = env_str("NOTIFY_WEBHOOK_SECRET", "")  # required when the URL is set
NOTIFY_WEBHOOK_TIMEOUT = env_int("NOTIFY_WEBHOOK_TIMEOUT", 10)  # seconds per attempt
# The SMS signature (短信签名) a gateway puts in 【...】 before the text.
NOTIFY_SMS_SENDER = env_str("NOTIFY_SMS_SENDER", "CityOps")

# --- Email ----------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set. Without it (embedded profile, `make demo`) Django would try SMTP on
# localhost:25, which fails or hangs; emails are written as files under var/mail/ instead, one
# readable file per connection. A production site without EMAIL_HOST is flagged by the deploy
# check cityops.W002.
SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
FILE_EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def email_backend(email_host: str) -> str:
    """EMAIL_BACKEND (邮件) for a configuration: SMTP when a mail host is set, else files."""
    return SMTP_EMAIL_BACKEND if email_host else FILE_EMAIL_BACKEND


EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)  # seconds; Django's default (None) waits forever
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")  # Django's default
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_BACKEND = email_backend(EMAIL_HOST)

# --- IoT ------------------------------------------------------------------------------------
# MQTT broker of the telemetry consumer (`manage.py ingest_mqtt`): mqtt://[user:pass@]host:1883
# or mqtts://...; unset = HTTP telemetry only. Tests use MQTT_URL_TEST (the CI Mosquitto).
MQTT_URL = env_str("MQTT_URL", "")
MQTT_URL_TEST = env_str("MQTT_URL_TEST", "mqtt://127.0.0.1:1883")
# The shared-subscription group of the ingest consumers ($share/<group>/cityops/telemetry/+): every
# persistent session in the group takes its turn, so two deployments on one broker need two groups.
MQTT_SHARED_GROUP = env_str("MQTT_SHARED_GROUP", "cityops")
# A device that sent nothing for this long is offline (a device type may set its own window).
IOT_OFFLINE_MINUTES = env_int("IOT_OFFLINE_MINUTES", 30)
