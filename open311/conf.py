"""Open311 settings, read from Django settings first, then the environment.

``OPEN311_JURISDICTION_ID``: the one jurisdiction this endpoint serves (the spec suggests the
city's root domain, e.g. ``sfgov.org``). Clients may omit it; a different value is refused.
``OPEN311_PUBLIC_SOURCES``: the source channels whose cases the public GET requests list.
Hotline calls (12345/110) and leader orders are left out by default: their descriptions carry
callers' personal details or internal instructions that an open, key-less API must not publish.
``OPEN311_MEDIA_FETCH_ALLOW_PRIVATE`` (cityops/settings.py, off): whether the background fetch
of a ``media_url`` photo may connect to private, loopback and link-local addresses.
"""

from __future__ import annotations

from django.conf import settings

from cases.states import SourceChannel
from cityops.env import env_list, env_str

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# mySociety's extension (GET servicerequestupdates), listed in discovery as its own endpoint.
UPDATES_SPECIFICATION = (
    "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Proposed-differences-to-Open311"
)
DEFAULT_JURISDICTION = "cityops.local"
PRIVATE_SOURCES = frozenset(
    {SourceChannel.HOTLINE_12345, SourceChannel.HOTLINE_110, SourceChannel.LEADER_ORDER}
)
DEFAULT_PUBLIC_SOURCES = [s for s in SourceChannel.values if s not in PRIVATE_SOURCES]


def _setting(name: str, default):
    return getattr(settings, name, None) or default


def jurisdiction_id() -> str:
    return _setting(
        "OPEN311_JURISDICTION_ID", env_str("OPEN311_JURISDICTION_ID", DEFAULT_JURISDICTION)
    )


def public_sources() -> list[str]:
    return list(
        _setting(
            "OPEN311_PUBLIC_SOURCES", env_list("OPEN311_PUBLIC_SOURCES", DEFAULT_PUBLIC_SOURCES)
        )
    )


def contact() -> str:
    return _setting(
        "OPEN311_CONTACT",
        env_str("OPEN311_CONTACT", "Contact the city operations centre that runs this CityOps."),
    )


def key_service() -> str:
    return _setting(
        "OPEN311_KEY_SERVICE",
        env_str(
            "OPEN311_KEY_SERVICE",
            "API keys are issued by the operators: manage.py create_open311_key NAME.",
        ),
    )


def endpoint_type() -> str:
    """``production`` or ``test`` (discovery: whether reports will be acted upon)."""
    return _setting("OPEN311_ENDPOINT_TYPE", env_str("OPEN311_ENDPOINT_TYPE", "production"))


def media_fetch_allow_private() -> bool:
    return bool(getattr(settings, "OPEN311_MEDIA_FETCH_ALLOW_PRIVATE", False))
