"""Uploaded files at /media/<name>: each answered only to someone who may see it.

Every upload reachable over HTTP is a case photo (Evidence, 证据照片: the full size and its
thumbnail). A request gets the file when either

- it carries a valid, unexpired signature (``?expires=<unix time>&sig=...``) made by
  ``signed_url``. The citizen portal (a reporter's tracking page) and Open311 sign the photos
  they have decided to show; a signature opens that one stored name until ``expires``, like the
  tracking link it came with, and nothing else;
- or the caller is logged in (session) or sends an API token (``Authorization: Bearer <token>``
  or ``X-API-Key``, as /api/v1/ accepts) and may see the case: the rule of the case page and
  the API (``cases.api_selectors.visible_cases``: area scope, disposers by department).

Out of scope, unknown, not a case photo or a bad signature: 404, so a file's existence does not
leak. Anonymous callers without a signature are sent to log in; a token that does not
authenticate is a 401; an expired signature is a 403 saying to reload the page it came from.
Hotline import files (imports/) are never served: they hold callers' phone numbers.
The name must resolve inside MEDIA_ROOT (no ``..``, no symlink out), whatever the database says.
"""

from __future__ import annotations

import math
import mimetypes
from enum import Enum
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotModified,
    JsonResponse,
)
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from cases.api_selectors import visible_cases
from cases.evidence import stored_case_number
from cases.models import Evidence

SIGNING_SALT = "cases.media"
EXPIRES_PARAM = "expires"
SIGNATURE_PARAM = "sig"
# Expiry times are rounded up to this step: a page reloaded within it hands out the same URLs,
# so the browser cache still works, and a link lives at least as long as asked.
EXPIRY_STEP_SECONDS = 600
# Browsers may keep a photo this long (private caches only): a photo never changes (its name
# carries its hash), but a user who loses the case from their scope should lose it soon too.
CACHE_SECONDS = 600


class Signature(Enum):
    NONE = "none"
    VALID = "valid"
    EXPIRED = "expired"
    BAD = "bad"


def _now() -> int:
    return int(timezone.now().timestamp())


def _signed_value(name: str, expires: int) -> str:
    return f"{name}\n{expires}"


def signed_url(file: FieldFile, *, seconds: int) -> str:
    """``file.url`` with a signature letting anyone open it for at least ``seconds``."""
    expires = math.ceil((_now() + seconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS
    signer = signing.Signer(salt=SIGNING_SALT)
    signature = signer.sign(_signed_value(file.name, expires)).rsplit(signer.sep, 1)[1]
    return f"{file.url}?{urlencode({EXPIRES_PARAM: expires, SIGNATURE_PARAM: signature})}"


def _signature(request: HttpRequest, name: str) -> tuple[Signature, int]:
    """What the query string's signature is worth for ``name``, and its expiry time."""
    signature = request.GET.get(SIGNATURE_PARAM)
    if signature is None:
        return Signature.NONE, 0
    try:
        expires = int(request.GET.get(EXPIRES_PARAM, ""))
        signer = signing.Signer(salt=SIGNING_SALT)
        # unsign also accepts signatures made with SECRET_KEY_FALLBACKS (key rotation).
        signer.unsign(f"{_signed_value(name, expires)}{signer.sep}{signature}")
    except (ValueError, signing.BadSignature):
        return Signature.BAD, 0
    return (Signature.VALID if expires > _now() else Signature.EXPIRED), expires


def _clean_name(path: str) -> str | None:
    """The storage name asked for, or None when it tries to leave MEDIA_ROOT."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return None
    parts = PurePosixPath(path).parts
    if any(part in (".", "..") for part in parts) or "/".join(parts) != path:
        return None
    return path


def _file_path(name: str) -> Path | None:
    """The file on disk, only if it resolves (symlinks followed) to a file under MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def _evidence_rows(name: str, number: str):
    return Evidence.objects.filter(Q(file=name) | Q(thumbnail=name), case__number=number)


def _signed_evidence(name: str) -> Evidence | None:
    """The photo stored under ``name`` on any case (the signature already said yes)."""
    number = stored_case_number(name)
    return _evidence_rows(name, number).first() if number is not None else None


def _visible_evidence(name: str, user) -> Evidence | None:
    """The photo stored under ``name`` if it is on a case ``user`` may see."""
    number = stored_case_number(name)
    if number is None:
        return None
    # The case is picked by its unique number (an index), then checked against the scope.
    case_id = visible_cases(user).filter(number=number).values_list("pk", flat=True).first()
    return _evidence_rows(name, number).filter(case_id=case_id).first() if case_id else None


def _token_caller(request: HttpRequest):
    """(user, refused): the API token's user, or refused when a token was sent but is no good."""
    # Imported here: cityops.api imports every app's API when it loads.
    from cityops.api import TokenAuth, TokenHeaderAuth

    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if not bearer and "X-API-Key" not in request.headers:
        return None, False
    user = TokenAuth()(request) or TokenHeaderAuth()(request)
    return user, user is None


def _unauthorized() -> JsonResponse:
    response = JsonResponse(
        {"code": "unauthorized", "message": _("The API token is unknown or revoked.")},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _expired() -> HttpResponse:
    return HttpResponseForbidden(
        _("This photo link has expired. Reload the page it came from to get a new one."),
        content_type="text/plain; charset=utf-8",
    )


def _respond(request: HttpRequest, evidence: Evidence, name: str, max_age: int) -> HttpResponse:
    path = _file_path(name)
    if path is None:
        raise Http404("No such file.")
    mtime = path.stat().st_mtime
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(mtime)):
        response = HttpResponseNotModified()
    else:
        content_type = evidence.content_type if name == evidence.file.name else None
        content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Last-Modified"] = http_date(mtime)
    response["Cache-Control"] = f"private, max-age={max(max_age, 0)}"
    return response


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """/media/<path>: a case photo for whoever may see it (see the module docstring)."""
    name = _clean_name(path)
    if name is None:
        raise Http404("No such file.")
    signature, expires = _signature(request, name)
    if signature is Signature.VALID:
        evidence = _signed_evidence(name)
        max_age = min(CACHE_SECONDS, expires - _now())
    else:
        user, refused = _token_caller(request)
        if refused:
            return _unauthorized()
        if user is None and request.user.is_authenticated:
            user = request.user
        if user is None:
            if signature is Signature.EXPIRED:
                return _expired()
            if signature is Signature.BAD:
                raise Http404("No such file.")
            return redirect_to_login(request.get_full_path())
        evidence = _visible_evidence(name, user)
        max_age = CACHE_SECONDS
    if evidence is None:
        raise Http404("No such file.")
    return _respond(request, evidence, name, max_age)
