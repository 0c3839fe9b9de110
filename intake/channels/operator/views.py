"""The operator's entry page ``/intake/new/`` (领导交办/媒体曝光/网络舆情)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import permissions
from core.coords import WGS84
from core.errors import DomainError
from intake.channels.operator import OPERATOR_ROLES, OperatorChannel, OperatorReport
from intake.channels.operator.forms import OperatorReportForm


@login_required
def new_report(request: HttpRequest) -> HttpResponse:
    if permissions.role_of(request.user) not in OPERATOR_ROLES:
        messages.error(request, _("Entering reports needs a desk role."))
        return redirect("web:home")
    # ?source=leader_order: the leader's phone opens the form as a 领导交办.
    form = OperatorReportForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"source": request.GET.get("source")} if request.GET.get("source") else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        message = OperatorReport(
            source=data["source"],
            description=data["description"],
            lon=data["lon"],
            lat=data["lat"],
            crs=WGS84,  # the map's pin
            address=data["address"],
            area=data["area"].code if data["area"] else None,
            category=data["category"],
            priority=data["priority"] or None,
            origin=data["origin"],
            link=data["link"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            external_id=data["external_id"],
            photos=tuple(data["photos"]),
            due_at=data["due_at"],
        )
        try:
            result = OperatorChannel().receive(message, actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if result.created:
                text = _("Case %(number)s opened.")
            elif result.repeat:
                text = _("This reference was entered before: case %(number)s.")
            else:
                text = _("Attached to open case %(number)s as a duplicate report.")
            messages.success(request, text % {"number": result.case.number})
            return redirect("cases:case", number=result.case.number)
    return render(
        request,
        "intake/new_report.html",
        {
            "form": form,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )
