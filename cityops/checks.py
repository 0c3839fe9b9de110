"""Named system checks that fail loudly on a bad configuration (STYLE.md rule 6)."""

from __future__ import annotations

from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

SUPPORTED_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


@register(Tags.database, deploy=False)
def check_database(app_configs=None, **kwargs):
    errors = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine not in SUPPORTED_ENGINES:
        errors.append(
            Error(
                f"DATABASE_URL uses {engine}; CityOps supports SQLite and PostgreSQL only.",
                hint="Set DATABASE_URL=postgres://user@host:5432/db or leave it unset for SQLite.",
                id="cityops.E001",
            )
        )
    return errors


@register()
def check_redis_url(app_configs=None, **kwargs):
    url = settings.REDIS_URL
    if url and urlparse(url).scheme not in {"redis", "rediss", "unix"}:
        return [
            Error(
                f"REDIS_URL={url!r} is not a redis:// URL.",
                hint="Use redis://host:6379/0, or unset REDIS_URL to queue jobs in SQLite.",
                id="cityops.E002",
            )
        ]
    return []


@register()
def check_time_zone(app_configs=None, **kwargs):
    try:
        ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return [
            Error(
                f"TIME_ZONE={settings.TIME_ZONE!r} is not a known IANA time zone.",
                hint="Use e.g. Asia/Shanghai.",
                id="cityops.E003",
            )
        ]
    return []


@register()
def check_language(app_configs=None, **kwargs):
    codes = {code for code, _name in settings.LANGUAGES}
    if settings.LANGUAGE_CODE not in codes:
        return [
            Error(
                f"LANGUAGE_CODE={settings.LANGUAGE_CODE!r} is not one of {sorted(codes)}.",
                id="cityops.E004",
            )
        ]
    return []


@register()
def check_work_windows(app_configs=None, **kwargs):
    from core.workcalendar import WorkWindowError, parse_windows

    try:
        parse_windows(settings.WORK_WINDOWS)
    except WorkWindowError as exc:
        return [
            Error(f"WORK_WINDOWS: {exc}", hint="e.g. 08:00-12:00,14:00-18:00", id="cityops.E005")
        ]
    return []


@register()
def check_public_base_url(app_configs=None, **kwargs):
    # Citizens open it from a text message: an http(s) address of a host, paths appended to it.
    url = settings.PUBLIC_BASE_URL
    try:
        parts = urlparse(url)
        ok = parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed [IPv6 literal
        ok = False
    if not ok or "?" in url or "#" in url:
        return [
            Error(
                f"PUBLIC_BASE_URL={url!r} is not an http(s) URL.",
                hint="Use the address citizens open the site at, e.g. https://city.example.cn "
                "(the tracking links in text messages start with it).",
                id="cityops.E006",
            )
        ]
    return []


@register(deploy=True)
def check_secret_key(app_configs=None, **kwargs):
    if not settings.SECRET_KEY_FROM_ENV:
        return [
            Warning(
                "SECRET_KEY is not set; a per-checkout development key from var/ is in use.",
                hint="Set SECRET_KEY in the environment for any shared deployment.",
                id="cityops.W001",
            )
        ]
    return []


@register()
def check_email_tls(app_configs=None, **kwargs):
    # Django refuses both only when the first mail is sent, inside the outbox worker: say it now.
    if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
        return [
            Error(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both on; they are mutually exclusive.",
                hint="EMAIL_USE_TLS=1 for STARTTLS (port 587) or EMAIL_USE_SSL=1 for implicit "
                "TLS (port 465), not both.",
                id="cityops.E007",
            )
        ]
    return []


@register(deploy=True)
def check_email_backend(app_configs=None, **kwargs):
    # A production site without EMAIL_HOST "sends" every email into var/mail/ and nobody gets it.
    if not settings.DEBUG and settings.EMAIL_BACKEND == settings.FILE_EMAIL_BACKEND:
        return [
            Warning(
                f"EMAIL_HOST is not set: emails are written to files in {settings.EMAIL_FILE_PATH}, "
                "not sent.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
                "EMAIL_USE_TLS or EMAIL_USE_SSL) to send email through SMTP.",
                id="cityops.W002",
            )
        ]
    return []


MAP_TILE_CRSES = ("wgs84", "gcj02")


@register()
def check_map_tile_crs(app_configs=None, **kwargs):
    if settings.MAP_TILE_CRS not in MAP_TILE_CRSES:
        return [
            Error(
                f"MAP_TILE_CRS={settings.MAP_TILE_CRS!r} is not one of {', '.join(MAP_TILE_CRSES)}.",
                hint="wgs84 for 天地图/OpenStreetMap tiles, gcj02 for 高德/腾讯 tiles.",
                id="cityops.E008",
            )
        ]
    return []
