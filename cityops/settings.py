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
        _DEV_KEY_FILE.write_text(secrets.token_urlsafe(50))
    return _DEV_KEY_FILE.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _dev_secret_key()
SECRET_KEY_FROM_ENV = bool(env_str("SECRET_KEY"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "cityops",
    "core",
    "areas",
    "org",
    "catalog",
    "cases",
    "demo",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cityops.middleware.MachineLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    # runs on one machine never clobber each other.
else:
    # Several test runs may share one PostgreSQL server (CI, parallel sessions): one test
    # database per process.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
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

# --- Working-time calendar -----------------------------------------------------------------
WORK_WINDOWS = env_str("WORK_WINDOWS", "08:00-12:00,14:00-18:00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
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
