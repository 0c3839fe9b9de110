"""The shell's own pages: login, where a login lands, and the home page (the user's scope on a
map)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from cases import permissions
from cases.api_selectors import visible_cases
from cases.states import OPEN_TASK_STATUSES
from cases.views.access import home_url
from core.errors import DomainError
from dispatch import services as dispatch
from intake.channels.operator import OPERATOR_ROLES
from org.models import Role
from web import cockpit
from web.selectors import cockpit_context, home_context, map_context


@login_required
def home(request):
    return render(request, "web/home.html", home_context(request.user))


@login_required
def start(request):
    """Where a login lands: each role where it works (LOGIN_REDIRECT_URL).

    A disposer on their department's tasks, an inspector on the patrol list (巡查), the desk on
    the workbench; a leader on the overview (this home page), which is what they came to read.
    """
    if permissions.role_of(request.user) == Role.LEADER:
        return redirect("web:home")
    return redirect(home_url(request.user))


def set_language(request):
    """Django's ``set_language``, resolving ``next`` in the language its path is in.

    Django translates ``next`` by resolving it under the request's active language; that comes
    from the cookie or the browser, not from ``next``. A person who reached ``/en/cases/`` by
    link (no cookie, a Chinese browser) would be sent back to the English page when choosing
    简体中文. Activating the language of the ``next`` path first makes both directions work.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    language = translation.get_language_from_path(urlsplit(target).path)
    with translation.override(language or settings.LANGUAGE_CODE):
        return i18n_views.set_language(request)


@login_required
def city_map(request):
    """一张图: every layer of the user's slice of the city on one map (web.map_layers)."""
    return render(request, "web/map.html", map_context(request.user))


@login_required
def cockpit_page(request):
    """决策舱: the video wall's one screen, live (web.cockpit, polled through the API)."""
    context = cockpit_context(request.user)
    context["may_supervise"] = permissions.role_of(request.user) in dispatch.SUPERVISE_ROLES
    return render(request, "web/cockpit.html", context)


# 领导督办's time asked for (hours from now): the record's due_at (督办时限).
SUPERVISE_WITHIN_HOURS = {"4": 4, "24": 24, "72": 72}

ROLE_TABS = {
    # 城管通: the inspector's patrol; 处置通: the disposer's tasks; 领导通: the leader's view.
    Role.INSPECTOR: "inspect",
    Role.DISPOSER: "dispose",
    Role.LEADER: "lead",
}


@login_required
def phone(request):
    """三通合一: one mobile entry with the tabs of the user's role (城管通, 处置通, 领导通).
    Administrators see all three; the leader tab reads the cockpit's numbers."""
    role = permissions.role_of(request.user)
    if role == Role.ADMIN or request.user.is_superuser:
        tabs = ["lead", "inspect", "dispose"]
    elif role:  # the desk roles read the leader's numbers
        tabs = [ROLE_TABS.get(role, "lead")]
    else:
        return redirect(home_url(request.user))
    context = {
        "tabs": tabs,
        "active": request.GET.get("tab") if request.GET.get("tab") in tabs else tabs[0],
    }
    if "lead" in tabs:
        context["lead"] = cockpit.summary(request.user)
        context["may_order"] = role in OPERATOR_ROLES or request.user.is_superuser
    return render(request, "web/phone.html", context)


@login_required
@require_POST
def leader_supervise(request, number: str):
    """领导督办 from the phone or the cockpit: every open task of the case the user may press
    gets the note and the time asked for (督办时限, hours from now), on the case's trail and
    texted to the department (dispatch.services.supervise). The cockpit asks for JSON (处置指挥一键通)."""
    wants_json = "application/json" in request.headers.get("Accept", "")

    def answer(ok: bool, text: str):
        if wants_json:
            return JsonResponse({"ok": ok, "message": text}, status=200 if ok else 400)
        (messages.success if ok else messages.error)(request, text)
        return redirect(f"{reverse('web:phone')}?tab=lead")

    case = visible_cases(request.user).filter(number=number).first()
    if case is None:
        if wants_json:
            return JsonResponse({"ok": False, "message": _("No case %(ref)s that you may see.")
                                 % {"ref": number}}, status=404)  # fmt: skip
        raise Http404(number)
    note = (request.POST.get("note") or "").strip()
    if not note:
        return answer(False, _("Say what you expect of the department."))
    within = request.POST.get("within") or ""
    if within and within not in SUPERVISE_WITHIN_HOURS:
        return answer(False, _("Choose 4 hours, 24 hours or 3 days."))
    due_at = timezone.now() + timedelta(hours=SUPERVISE_WITHIN_HOURS[within]) if within else None
    pressed = 0
    try:
        with transaction.atomic():  # every department pressed, or none
            for task in case.tasks.filter(status__in=OPEN_TASK_STATUSES).select_related("case"):
                if dispatch.may_supervise(request.user, task, case):
                    dispatch.supervise(task=task, actor=request.user, note=note, due_at=due_at)
                    pressed += 1
    except DomainError as exc:
        return answer(False, exc.message)
    if not pressed:
        return answer(
            False, _("%(number)s has no open task you may supervise.") % {"number": case.number}
        )
    return answer(
        True,
        _("Supervision sent on %(number)s to %(n)s department(s).")
        % {"number": case.number, "n": pressed},
    )


def service_worker(request):
    """The service worker, from the site's root so it may serve every page (scope /)."""
    path = settings.BASE_DIR / "static" / "js" / "sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request):
    """The web app manifest: CityOps installs on a phone's home screen, opening on /m/."""
    from django.templatetags.static import static

    data = {
        "name": _("CityOps · City operations"),
        "short_name": "CityOps",
        "start_url": reverse("web:phone"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#0f5fa8",
        "lang": translation.get_language(),
        "icons": [
            {"src": static(f"img/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
