"""Citizen portal pages (phone first, no login):

/citizen/                    start: report a problem; the reports sent from this phone
/citizen/report/             report with a photo, the location (GPS or a pin) and plain words
/citizen/suggest/            htmx: problem types matching the words typed so far
/citizen/t/<token>/          tracking page (receipt after sending): stage, timeline, after-photos
/citizen/t/<token>/rate/     rating after closing (回访)
/citizen/find/               find a case by its number + the phone it was reported with
/citizen/map/areas.geojson   the outline of the area served, for the report map

A phone is recognised by a random id in a signed cookie (rate limits, "my reports").
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotFound
from core.net import address_scope, client_address
from portal import selectors, services, tracking
from portal.forms import LookupForm, PortalReportForm, RatingForm

DEVICE_COOKIE = "cityops_device"
DEVICE_SALT = "portal.device"
DEVICE_MAX_AGE = 365 * 24 * 3600
DEVICE_BYTES = 16
SUGGEST_MIN_CHARS = 2
# A refusal naming one of these fields is shown at the field; the rest above the form.
FIELD_ERRORS = frozenset({"photos", "description", "category", "phone"})
RECEIVED = "received"  # query flag: the tracking page is also the receipt


def _device(request: HttpRequest) -> tuple[str, bool]:
    """(device id, is it new?) from the signed cookie; a new random id when absent or forged."""
    device = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_SALT)
    if device:
        return device, False
    return secrets.token_urlsafe(DEVICE_BYTES), True


def _remember(response: HttpResponse, device: str, new: bool) -> HttpResponse:
    if new:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            device,
            salt=DEVICE_SALT,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=not settings.DEBUG and settings.SESSION_COOKIE_SECURE,
        )
    return response


def home(request: HttpRequest) -> HttpResponse:
    device, new = _device(request)
    response = render(request, "portal/home.html", {"my_reports": selectors.device_reports(device)})
    return _remember(response, device, new)


def _component_of(code: str | None, key: str):
    """The standing component a QR label names (its category and place start the report), or
    None: a code without its label's key, or one that names nothing, opens the plain form."""
    from components.labels import key_matches

    if not code or not code.isascii() or not code.isdigit() or len(code) != 17:
        return None
    if not key_matches(code, key):
        return None
    from components.models import GONE, Component

    return (
        Component.objects.exclude(state__in=GONE)
        .select_related("category")
        .filter(code=code)
        .first()
    )


def report(request: HttpRequest) -> HttpResponse:
    device, new = _device(request)
    about = None
    if request.method != "POST":
        about = _component_of(request.GET.get("component"), request.GET.get("k", ""))
    initial = (
        {"component": about.code, "component_key": request.GET.get("k", ""), "lon": about.lon,
         "lat": about.lat, "category": about.category_id, "address": f"{about.name} {about.code}"}
        if about is not None
        else {}
    )  # fmt: skip
    form = PortalReportForm(request.POST or None, request.FILES or None, initial=initial)
    status, retry = 200, None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = services.portal_report(
                    description=data["description"],
                    lon=data["lon"],
                    lat=data["lat"],
                    address=data["address"],
                    category=data["category"],
                    photos=data["photos"],
                    reporter_phone=data["phone"],
                    device=device,
                    ip=address_scope(client_address(request)),
                    submission=data["submission"],
                    component=data["component"] or None,
                )
            except DomainError as exc:
                field = exc.details.get("field")
                form.add_error(field if field in FIELD_ERRORS else None, exc.message)
                status = exc.http_status
                retry = exc.details.get("retry_after")
            else:
                url = reverse("portal:track", args=[receipt.report.token])
                return _remember(redirect(f"{url}?{RECEIVED}=1"), device, new)
    response = render(
        request,
        "portal/report.html",
        {
            "form": form,
            "about": about,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
        status=status,
    )
    if status == services.RateLimited.http_status and retry:
        response["Retry-After"] = str(retry)
    return _remember(response, device, new)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("description") or "").strip()
    found = selectors.suggestions(text) if len(text) >= SUGGEST_MIN_CHARS else []
    return render(request, "portal/partials/suggestions.html", {"suggestions": found, "text": text})


def _tracking(
    request: HttpRequest, token: str, *, rating_form=None, error: str = "", status: int = 200
):
    try:
        report_row = selectors.report_by_token(token)
    except NotFound as exc:
        return render(request, "portal/not_found.html", {"message": exc.message}, status=404)
    view = selectors.public_case(report_row, now=timezone.now())
    response = render(
        request,
        "portal/track.html",
        {
            "case": view,
            "token": token,
            "received": request.GET.get(RECEIVED) == "1",
            "rated": request.GET.get("rated") == "1",
            "rating_form": (rating_form or RatingForm()) if view.can_rate else None,
            "error": error,
            "track_url": request.build_absolute_uri(reverse("portal:track", args=[token])),
        },
        status=status,
    )
    # The token is the key: keep it out of shared caches and out of the Referer sent to other
    # sites (same-origin, not no-referrer: a POST with no-referrer carries "Origin: null",
    # which the CSRF check refuses).
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_GET
def track(request: HttpRequest, token: str) -> HttpResponse:
    return _tracking(request, token)


@require_POST
def rate(request: HttpRequest, token: str) -> HttpResponse:
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.satisfaction_submit(
                token=token,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except NotFound as exc:
            return render(request, "portal/not_found.html", {"message": exc.message}, status=404)
        except DomainError as exc:
            return _tracking(request, token, error=exc.message, status=exc.http_status)
        return redirect(reverse("portal:track", args=[token]) + "?rated=1")
    return _tracking(request, token, rating_form=form, status=422)


@require_http_methods(["GET", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    """Case number + phone -> the tracking page of that report (the tracking link's access)."""
    form = LookupForm(request.POST or None)
    status, retry = 200, None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                found = tracking.find_report(
                    number=form.cleaned_data["number"],
                    phone=form.cleaned_data["phone"],
                    ip=address_scope(client_address(request)),
                )
            except DomainError as exc:
                field = exc.details.get("field")
                form.add_error(field if field in form.fields else None, exc.message)
                status = exc.http_status
                retry = exc.details.get("retry_after")
            else:
                return redirect(reverse("portal:track", args=[found.token]))
    response = render(request, "portal/find.html", {"form": form}, status=status)
    if retry:
        response["Retry-After"] = str(retry)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@cache_control(public=True, max_age=300)
def areas_geojson(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.public_areas_geojson())
