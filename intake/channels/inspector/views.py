"""The inspector's phone page ``/intake/m/report/`` (监督员上报)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from cases.views.access import INSPECTOR_ROLES, elsewhere, role_of
from catalog.models import Category, CategoryKind
from core import outbox
from core.errors import DomainError
from intake.channels.inspector import InspectorChannel, StaffReport
from intake.channels.inspector import categories as category_picker
from intake.channels.inspector.forms import InspectorReportForm

# Said for a thumb on a map, not for an integrator's coordinates (the service's own message).
_OUTSIDE = _lazy("%(lon).6f, %(lat).6f lies outside every unit grid; move the pin onto your area.")


def said(result) -> str:
    """What a staff member's phone says about their report (intake.services.IntakeResult): a
    new case, the same report sent again, or added to an open case of the same problem."""
    if result.repeat:
        text = _("Report already received as case %(number)s (sent again after a retry).")
    elif result.created:
        text = _("Reported as case %(number)s.")
    else:
        text = _(
            "Case %(number)s is open for the same problem nearby: your report and photo "
            "were added to it."
        )
    return text % {"number": result.case.number}


@login_required
@require_GET
def categories(request: HttpRequest) -> JsonResponse:
    """The category picker's list (``q``: what the inspector typed; ``text``: the description
    so far): ``{"categories": [{id, code, name, kind, why}]}``, best first."""
    if role_of(request.user) not in INSPECTOR_ROLES:
        return JsonResponse({"code": "role_required", "message": _("For inspectors.")}, status=403)
    picks = category_picker.pick(
        request.user, q=request.GET.get("q", ""), text=request.GET.get("text", "")
    )
    return JsonResponse(
        {
            "categories": [
                {
                    "id": p.category.pk,
                    "code": p.category.code,
                    "name": p.category.name,
                    "kind": p.category.get_kind_display(),
                    "why": p.why,
                }
                for p in picks
            ]
        }
    )


def _about(request: HttpRequest) -> dict:
    """A report opened from a component's page (its QR label, ``?component=<code>``) starts at
    the component: its category, place and identifier filled in."""
    code = request.GET.get("component", "")
    if request.method != "GET" or not code:
        return {}
    from components import selectors as components

    found = components.visible(request.user).filter(code=code).first()
    if found is None:
        return {}
    return {
        "component": found.code,
        "category": found.category_id,
        "lon": found.lon,
        "lat": found.lat,
        "address": f"{found.name} {found.code}",
    }


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """An inspector reports a problem seen on patrol (trusted source: no 核实 needed)."""
    if role_of(request.user) not in INSPECTOR_ROLES:
        return elsewhere(request.user)
    form = InspectorReportForm(request.POST or None, request.FILES or None, initial=_about(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        message = StaffReport(
            description=data["description"],
            lon=data["lon"],
            lat=data["lat"],
            address=data["address"],
            category=data["category"],
            photos=tuple(data["photos"]),
            component=data["component"] or None,
            external_id=(
                f"phone-{request.user.pk}-{data['client_key']}" if data["client_key"] else ""
            ),
        )
        try:
            result = InspectorChannel().receive(message, actor=request.user)
        except DomainError as exc:
            if exc.code == "outside_grids":
                form.add_error(None, _OUTSIDE % {"lon": data["lon"], "lat": data["lat"]})
            else:
                form.add_error(None, exc.message)
        else:
            text = said(result)
            messages.success(request, text)
            url = reverse("cases:case", args=[result.case.number])
            # The outbox gets a yes it cannot mistake (a redirect might be to the login page).
            return outbox.answer(request, url, ok=True, message=text)
    return render(
        request,
        "intake/inspector_report.html",
        {
            "form": form,
            "component_categories": {
                str(pk): code
                for pk, code in Category.objects.filter(
                    kind=CategoryKind.COMPONENT, is_active=True
                ).values_list("pk", "code")
            },
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )
