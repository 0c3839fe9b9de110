"""The call desk page ``/intake/call/`` (热线受理) and its two helpers for the page's script:
``places/`` (where is it?) and ``nearby/`` (what is open there already?)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import permissions
from catalog.selectors import suggest_categories
from core.errors import DomainError
from intake import selectors
from intake.channels.call import CALL_ROLES, Call, CallChannel
from intake.channels.call.forms import CallForm
from intake.channels.operator import OPERATOR_ROLES

SUGGESTIONS = 5


def _call_taker(request) -> None:
    if permissions.role_of(request.user) not in CALL_ROLES:
        raise PermissionDenied(_("Taking hotline calls needs an acceptor or shift leader."))


@login_required
def call_entry(request: HttpRequest) -> HttpResponse:
    _call_taker(request)
    form = CallForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        call = Call(
            source=data["source"],
            description=data["description"],
            caller_name=data["caller_name"],
            caller_phone=data["caller_phone"],
            address=data["address"],
            lon=data["lon"],
            lat=data["lat"],
            area=data["area"].code if data["area"] else None,
            category=data["category"],
            priority=data["priority"],
        )
        try:
            result = CallChannel().receive(call, actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if result.created:
                text = _("Call taken: case %(number)s opened.")
            else:
                text = _("Call taken: attached to open case %(number)s (the same problem).")
            messages.success(request, text % {"number": result.case.number})
            return redirect("intake:call")
    return render(
        request,
        "intake/call.html",
        {
            "form": form,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) <= 180 else None  # NaN, out of range


@login_required
@require_GET
def places(request: HttpRequest) -> JsonResponse:
    """``{"places": [{label, kind, lon, lat}]}`` for the words in ``q`` (the call desk's and
    the operator entry page's place box)."""
    if permissions.role_of(request.user) not in CALL_ROLES | OPERATOR_ROLES:
        raise PermissionDenied(_("Finding places needs a desk role."))
    found = selectors.find_places(request.user, request.GET.get("q", ""))
    return JsonResponse({"places": [vars(p) for p in found]})


@login_required
@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """The open cases near ``lon``/``lat`` (a partial for the page), and the category
    suggestions for ``text``."""
    _call_taker(request)
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    category_id = _int(request.GET.get("category"))
    text = (request.GET.get("text") or "")[:200]
    suggestions = [s.category for s in suggest_categories(text, SUGGESTIONS)] if text else []
    if category_id is None and suggestions:
        category_id = suggestions[0].pk
    cases = []
    if lon is not None and lat is not None and abs(lat) <= 90:
        cases = selectors.nearby_open_cases(request.user, lon=lon, lat=lat, category_id=category_id)
    return render(
        request,
        "intake/partials/nearby.html",
        {
            "nearby": cases,
            "located": lon is not None and lat is not None,
            "suggestions": suggestions,
            "meters": selectors.NEARBY_METERS,
        },
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
