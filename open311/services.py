"""Writes of the Open311 endpoint: api keys, and a POSTed service request becoming a report.

``submit`` checks the service definition's attributes, then hands the report to
``intake.services.receive_report(source="open311")`` (which places it on its grid, files it as
a duplicate of an open case of the same problem nearby, or opens a case) and records the
Submission (token) in the same transaction. A ``media_url`` is only recorded here: its photo is
fetched after the commit, in the background (open311.media), never while the client waits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.limits import DESCRIPTION_MAX
from cases.states import SourceChannel
from core.errors import DomainError, PermissionDenied, ValidationFailed
from intake import services as intake_services
from open311 import media, w3c
from open311.models import (
    DEFAULT_RATE_PER_HOUR,
    LIST_DATATYPES,
    MEDIA_URL_MAX,
    Client,
    Datatype,
    MediaStatus,
    Service,
    ServiceAttribute,
    Submission,
)
from open311.selectors import COMPONENT_ATTRIBUTE
from org.services import token_digest

KEY_BYTES = 32
TOKEN_BYTES = 16
RATE_WINDOW = timedelta(hours=1)
_CJK = re.compile(r"[\u3400-\u9fff]")
# Longest value each reporter field keeps (the intake report's columns): longer is refused,
# not cut, so nothing a client sent is lost silently.
FIELD_MAX = {"address_string": 200, "phone": 30, "first_name + last_name": 60}


class RateLimited(DomainError):
    """The api key has used up its POSTs for this hour."""

    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class Accepted:
    submission: Submission
    case_number: str
    duplicate: bool


# --- api keys --------------------------------------------------------------------------------


def client_create(
    *,
    name: str,
    key: str | None = None,
    rate_per_hour: int = DEFAULT_RATE_PER_HOUR,
    contact: str = "",
) -> tuple[Client, str]:
    """A new api key; returns (row, clear key). The clear key is never stored.

    ``key`` may be given so the demo city can publish a known key (deterministic for a seed).
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name the api key (who will use it)."), details={"field": "name"})
    if Client.objects.filter(name=name).exists():
        raise ValidationFailed(
            _("An api key named %(name)r exists already.") % {"name": name},
            details={"field": "name"},
        )
    key = key or secrets.token_urlsafe(KEY_BYTES)
    client = Client.objects.create(
        name=name,
        digest=token_digest(key),
        prefix=key[:8],
        rate_per_hour=rate_per_hour,
        contact=contact,
    )
    return client, key


def client_for_key(key: str) -> Client | None:
    """The active client of ``key``, or None (unknown, empty or deactivated)."""
    key = (key or "").strip()
    if not key:
        return None
    return Client.objects.filter(digest=token_digest(key), is_active=True).first()


# --- attributes ------------------------------------------------------------------------------


def _check_attribute(attribute: ServiceAttribute, values: list[str]) -> tuple[object, list[str]]:
    """(clean value, problems) for one attribute's submitted values."""
    code = attribute.code
    values = [v.strip() for v in values if v is not None and v.strip() != ""]
    if not values:
        if attribute.required:
            return None, [
                _("attribute[%(code)s] is required: %(description)s")
                % {"code": code, "description": attribute.description}
            ]
        return None, []
    if attribute.datatype != Datatype.MULTIVALUELIST and len(values) > 1:
        return None, [_("attribute[%(code)s] takes one value.") % {"code": code}]
    if attribute.datatype in LIST_DATATYPES:
        keys = attribute.value_keys()
        unknown = [v for v in values if v not in keys]
        if unknown:
            return None, [
                _("attribute[%(code)s]: %(values)s not among the keys %(keys)s.")
                % {"code": code, "values": ", ".join(unknown), "keys": ", ".join(keys)}
            ]
        return (values if attribute.datatype == Datatype.MULTIVALUELIST else values[0]), []
    value = values[0]
    if attribute.datatype == Datatype.NUMBER:
        try:
            float(value)
        except ValueError:
            return None, [
                _("attribute[%(code)s] must be a number; got %(value)r.")
                % {"code": code, "value": value}
            ]
    if attribute.datatype == Datatype.DATETIME:
        try:
            w3c.parse(value)
        except w3c.W3CError as exc:
            return None, [_("attribute[%(code)s]: %(error)s") % {"code": code, "error": exc}]
    return value, []


def check_attributes(service: Service, submitted: dict[str, list[str]]) -> dict[str, object]:
    """The answers to the service definition, or ValidationFailed listing every problem."""
    from open311.selectors import service_attributes

    definition = {a.code: a for a in service_attributes(service)}
    problems: list[str] = []
    unknown = sorted(set(submitted) - set(definition))
    if unknown:
        problems.append(
            _("Service %(service)s has no attribute %(codes)s.")
            % {"service": service.service_code, "codes": ", ".join(unknown)}
        )
    answers: dict[str, object] = {}
    for code, attribute in definition.items():
        if not attribute.variable:
            continue
        value, found = _check_attribute(attribute, submitted.get(code, []))
        problems += found
        if value is not None:
            answers[code] = value
    if problems:
        raise ValidationFailed(problems[0], details={"errors": problems})
    return answers


def _answers_text(service: Service, answers: dict[str, object]) -> str:
    """The answers as lines for the operators reading the case description."""
    lines = []
    from open311.selectors import service_attributes

    for attribute in service_attributes(service):
        if attribute.code not in answers:
            continue
        value = answers[attribute.code]
        names = {str(v["key"]): str(v["name"]) for v in attribute.values}
        shown = [names.get(v, v) for v in (value if isinstance(value, list) else [value])]
        lines.append(f"{attribute.description}: {', '.join(shown)}")
    return "\n".join(lines)


def reporter_name(first_name: str, last_name: str) -> str:
    """Chinese names are family name first, without a space; others "first last"."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


# --- submit ----------------------------------------------------------------------------------


def _check_rate(client: Client, now: datetime) -> None:
    if client.rate_per_hour == 0:
        return
    used = Submission.objects.filter(client=client, created_at__gte=now - RATE_WINDOW).count()
    if used >= client.rate_per_hour:
        raise RateLimited(
            _("The api key %(name)s has sent %(n)d service requests in the last hour, its limit.")
            % {"name": client.name, "n": used}
        )


def _check_lengths(values: dict[str, str]) -> None:
    for field, value in values.items():
        if len(value) > FIELD_MAX[field]:
            raise ValidationFailed(
                _("%(field)s is %(n)d characters long; at most %(max)d are kept.")
                % {"field": field, "n": len(value), "max": FIELD_MAX[field]},
                details={"field": field},
            )


def _check_url(url: str) -> None:
    try:
        if len(url) > MEDIA_URL_MAX:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationFailed(
            _("media_url must be an http(s) URL of at most %(max)d characters.")
            % {"max": MEDIA_URL_MAX},
            details={"field": "media_url"},
        ) from exc


@transaction.atomic
def submit(
    *,
    client: Client,
    service: Service,
    description: str = "",
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    email: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    media_url: str = "",
    attributes: dict[str, list[str]] | None = None,
    device_id: str = "",
    account_id: str = "",
    address_id: str = "",
    photos=(),
    now: datetime | None = None,
) -> Accepted:
    """Take one POSTed service request to a case (see the module docstring)."""
    now = now or timezone.now()
    if not client.is_active:
        raise PermissionDenied(_("This api key is deactivated."))
    _check_rate(client, now)
    if len(description or "") > DESCRIPTION_MAX:
        raise ValidationFailed(
            _("description is %(n)d characters long; GeoReport v2 allows %(max)d.")
            % {"n": len(description), "max": DESCRIPTION_MAX},
            details={"field": "description"},
        )
    _check_lengths(
        {
            "address_string": address or "",
            "phone": (phone or "").strip(),
            "first_name + last_name": reporter_name(first_name, last_name),
        }
    )
    media_url = (media_url or "").strip()
    if media_url:
        _check_url(media_url)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed(
                _("email %(email)r is not an email address.") % {"email": email},
                details={"field": "email"},
            ) from exc
    answers = check_attributes(service, attributes or {})
    component = answers.get(COMPONENT_ATTRIBUTE) or None
    if component is not None and not re.fullmatch(r"\d{17}", str(component)):
        raise ValidationFailed(
            _("attribute[component] is a 17-digit component identifier; got %(value)r.")
            % {"value": component},
            details={"field": "attribute[component]"},
        )
    text = (description or "").strip() or service.name
    extra = _answers_text(service, answers)
    if extra:
        text = f"{text}\n\n{extra}"[:DESCRIPTION_MAX]
    result = intake_services.receive_report(
        source=SourceChannel.OPEN311,
        description=text,
        lon=lon,
        lat=lat,
        crs="wgs84",  # GeoReport v2 coordinates are WGS-84
        address=address,
        category=service.category,
        reporter_name=reporter_name(first_name, last_name),
        reporter_phone=(phone or "").strip(),
        reporter_email=email,
        photos=photos,
        component=component,
        data={
            "open311": {
                "client": client.name,
                "service_code": service.service_code,
                "attributes": answers,
                "media_url": media_url,
                "device_id": device_id,
                "account_id": account_id,
                "address_id": address_id,
            }
        },
        now=now,
    )
    submission = Submission.objects.create(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        client=client,
        service=service,
        report=result.report,
        media_url=media_url,
        media_status=MediaStatus.PENDING if media_url else MediaStatus.NONE,
        created_at=now,
    )
    if media_url:
        transaction.on_commit(partial(media.queue_fetch, submission.pk), robust=True)
    Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return Accepted(
        submission=submission,
        case_number=result.case.number,
        duplicate=result.duplicate_of is not None,
    )
