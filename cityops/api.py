"""The NinjaAPI instance at /api/v1/: auth, consistent error bodies, and the routers.

Every error leaves as ``{"code": "...", "message": "..."}`` (plus ``details`` where useful) with
a 4xx status, so a client never has to parse two shapes.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from core.errors import DomainError


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` against org.ApiToken (digest stored, never the key)."""

    def authenticate(self, request: HttpRequest, token: str):
        from org.models import ApiToken
        from org.services import token_digest

        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), is_active=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


class TokenHeaderAuth(APIKeyHeader):
    """The same token in ``X-API-Key`` for clients that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return TokenAuth().authenticate(request, key) if key else None


api = NinjaAPI(
    title="CityOps API",
    version="1",
    description="City operations management service platform (城市运行管理服务平台) REST API.",
    urls_namespace="api",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
)


def _error(request, code: str, message: str, status: int, details=None):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return _error(request, exc.code, exc.message, exc.http_status, exc.details or None)


# pydantic's commonest complaints in the request's language (its own text is English only);
# others keep pydantic's words. ``ctx`` values fill the placeholders.
_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("this field is required"),
    "string_too_long": gettext_lazy("at most %(max_length)s characters"),
    "string_too_short": gettext_lazy("at least %(min_length)s characters"),
    "too_long": gettext_lazy("at most %(max_length)s items"),
    "too_short": gettext_lazy("at least %(min_length)s items"),
    "enum": gettext_lazy("must be one of %(expected)s"),
    "literal_error": gettext_lazy("must be one of %(expected)s"),
    "int_parsing": gettext_lazy("must be a whole number"),
    "int_type": gettext_lazy("must be a whole number"),
    "float_parsing": gettext_lazy("must be a number"),
    "float_type": gettext_lazy("must be a number"),
    "bool_parsing": gettext_lazy("must be true or false"),
    "string_type": gettext_lazy("must be text"),
    "greater_than_equal": gettext_lazy("must be at least %(ge)s"),
    "less_than_equal": gettext_lazy("must be at most %(le)s"),
    "greater_than": gettext_lazy("must be more than %(gt)s"),
    "less_than": gettext_lazy("must be less than %(lt)s"),
    "datetime_parsing": gettext_lazy("must be a date and time (ISO 8601)"),
    "datetime_from_date_parsing": gettext_lazy("must be a date and time (ISO 8601)"),
    "json_invalid": gettext_lazy("the body is not valid JSON"),
}


def validation_message(err: dict) -> str:
    """One pydantic error as a sentence in the active language."""
    text = _PYDANTIC_MESSAGES.get(err.get("type", ""))
    if text is None:
        return str(err.get("msg", ""))
    try:
        return str(text) % {k: v for k, v in (err.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return str(err.get("msg", ""))


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    parts = []
    for err in exc.errors:
        where = ".".join(
            str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")
        )
        message = validation_message(err)
        parts.append(f"{where}: {message}" if where else message)
    return _error(request, "invalid", "; ".join(parts) or _("Invalid input."), 422, exc.errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(
        request, "unauthorized", _("Log in or send 'Authorization: Bearer <token>'."), 401
    )


# get_object_or_404 says "No Device matches the given query.": a model class name, not a message
# for a client. Scoped querysets also make "not there" and "not yours" one answer on purpose.
_GET_OBJECT_OR_404_TEXT = re.compile(r"No \w+ matches the given query\.")


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    # An Http404 raised with its own text (a person wrote it for the client) keeps it.
    text = str(exc)
    if not text or _GET_OBJECT_OR_404_TEXT.fullmatch(text):
        text = _("Not found, or not visible to you.")
    return _error(request, "not_found", text, 404)


def unknown_endpoint(request: HttpRequest, path: str = ""):
    """/api/v1/<anything no route matched>: the API's 404 body, not Django's HTML page (mounted
    after the API in cityops.urls)."""
    return _error(
        request,
        "not_found",
        _("No API endpoint at %(path)s; the list is at %(docs)s.")
        % {"path": request.path, "docs": "/api/v1/docs"},
        404,
    )


# ninja wraps every body parser failure into HttpError(400) with this fixed English text.
_UNPARSABLE_BODY = "Cannot parse request body"


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith(_UNPARSABLE_BODY):
        return _error(request, "malformed_json", _("The request body is not valid JSON."), 400)
    return _error(request, getattr(exc, "code", None) or "http_error", str(exc), exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc: RequestDataTooBig):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in the API's error shape, not Django's page."""
    return _error(
        request,
        "request_too_large",
        _("The request body is larger than the limit of %(mb).1f MB.")
        % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024},
        413,
    )


def _register_routers() -> None:
    from areas.api import router as areas_router
    from cases.api import router as cases_router
    from catalog.api import router as catalog_router
    from intake.channels.inspector.api import mount as mount_staff_reports
    from org.api import router as org_router

    # GET and POST /cases share one URL pattern, so intake's report door joins the cases router.
    mount_staff_reports(cases_router)
    api.add_router("/", areas_router)
    api.add_router("/", catalog_router)
    api.add_router("/", cases_router)
    api.add_router("/", org_router)
    api.add_router("/", "dispatch.api.router")
    api.add_router("/", "intake.api.router")
    api.add_router("/", "iot.api.router")
    api.add_router("/", "evaluation.api.router")
    api.add_router("/", "signs.api.router")
    api.add_router("/", "components.api.router")
    api.add_router("/", "plans.api.router")
    api.add_router("/", "web.api.router")


_register_routers()
