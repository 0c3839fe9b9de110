"""The shell's own pages: login, where a login lands, and the home page (the user's scope on a
map)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.views import i18n as i18n_views

from cases import permissions
from cases.views.access import home_url
from org.models import Role
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
    return render(request, "web/cockpit.html", cockpit_context(request.user))
