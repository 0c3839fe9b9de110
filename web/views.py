"""The shell's own pages: login and the home page (the user's scope on a map)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from web.selectors import home_context


@login_required
def home(request):
    return render(request, "web/home.html", home_context(request.user))
