"""The register page (部件台账): ``/components/`` lists the components of the user's area scope
by category, state and name or identifier, with the counts by state; ``/components/<code>/``
shows one with its history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.views.access import INSPECTOR_ROLES, elsewhere, role_of
from catalog.models import Category, CategoryKind
from components import selectors
from components.models import Component, ComponentState
from org.selectors import staff_profile

PAGE_SIZE = 100


def _staff(user) -> bool:
    return user.is_superuser or staff_profile(user) is not None


def _filtered(request: HttpRequest):
    """The components of the user's scope the register's filters select, and the filters."""
    components = selectors.visible(request.user)
    chosen = {
        "category": request.GET.get("category", ""),
        "state": request.GET.get("state", ""),
        "q": request.GET.get("q", "").strip(),
    }
    if chosen["category"]:
        components = components.filter(category__code=chosen["category"])
    if chosen["state"] in ComponentState.values:
        components = components.filter(state=chosen["state"])
    if chosen["q"]:
        q = chosen["q"]
        components = components.filter(code__startswith=q) | components.filter(name__contains=q)
    return components, chosen


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if not _staff(request.user):
        return elsewhere(request.user)
    counts = dict(
        selectors.visible(request.user).values_list("state").annotate(n=Count("pk")).order_by()
    )
    components, chosen = _filtered(request)
    page = Paginator(
        components.select_related("category", "grid").order_by("code"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    used = components.values("category_id").distinct()
    return render(
        request,
        "components/register.html",
        {
            "page": page,
            "chosen": chosen,
            "states": [(s.value, s.label, counts.get(s.value, 0)) for s in ComponentState],
            "total": sum(counts.values()),
            "categories": Category.objects.filter(
                kind=CategoryKind.COMPONENT, pk__in=used
            ).order_by("code")
            if not chosen["category"]
            else Category.objects.filter(kind=CategoryKind.COMPONENT, code=chosen["category"]),
        },
    )


@login_required
def labels(request: HttpRequest) -> HttpResponse:
    """The QR labels (二维码标牌) of the components the register's filters select, as a PDF
    sheet to print (components.labels), at most MAX_LABELS at a time."""
    from components import labels as sheets

    if not _staff(request.user):
        return elsewhere(request.user)
    components, _chosen = _filtered(request)
    chosen = list(components.order_by("code")[: sheets.MAX_LABELS + 1])
    if len(chosen) > sheets.MAX_LABELS:
        return HttpResponse(
            _("More than %(n)s components: narrow the selection (category, state, identifier).")
            % {"n": sheets.MAX_LABELS},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    pdf = sheets.sheet(
        chosen, lambda c: request.build_absolute_uri(reverse("components:component", args=[c.code]))
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="component-labels.pdf"'
    return response


@login_required
def component(request: HttpRequest, code: str) -> HttpResponse:
    if not _staff(request.user):
        return elsewhere(request.user)
    found = (
        selectors.visible(request.user)
        .select_related("category", "grid", "department")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise Http404(_("No component %(code)s in your area.") % {"code": code})
    history = list(found.history.select_related("by", "case"))
    for entry in history:
        entry.readable = readable(entry.fields)
    return render(
        request,
        "components/component.html",
        {
            "component": found,
            "history": history,
            # The QR label opens this page: an inspector reports a problem on it from here.
            "may_report": role_of(request.user) in INSPECTOR_ROLES,
        },
    )


def readable(fields: dict) -> list[tuple[str, str, str]]:
    """A history entry's changes as (field's name, before, after) in the reader's language:
    states by their labels, other values as stored."""
    states = dict(ComponentState.choices)
    names = {
        f.name: f.verbose_name for f in Component._meta.get_fields() if hasattr(f, "verbose_name")
    }
    names.update({f.attname: f.verbose_name for f in Component._meta.concrete_fields})
    found = []
    for name, change in fields.items():
        before, after = (list(change) + [None, None])[:2]
        if name == "state":
            before, after = states.get(before, before), states.get(after, after)
        found.append((str(names.get(name, name)), "—" if before is None else str(before),
                      "—" if after is None else str(after)))  # fmt: skip
    return found
