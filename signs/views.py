"""Pages of the sign index (城市运行体征): an area's index with its tree, and the explanation of
any value (how it was computed, from what)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from cases.views.access import elsewhere
from signs import scoring, selectors
from signs.models import SignValue


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not selectors.scope_roots(request.user):
        return elsewhere(request.user)
    area = selectors.area_in_scope(request.user, request.GET.get("area"))
    if area is None:
        raise Http404("No such area in your scope.")
    tree = selectors.current_tree()
    latest = selectors.latest_day(tree) if tree else None
    day = _day(request.GET.get("day")) or latest
    root = selectors.tree_of(tree, area, day) if tree and day else None
    return render(
        request,
        "signs/index.html",
        {
            "tree": tree,
            "area": area,
            "day": day,
            "latest": latest,
            "root": root,
            "children": selectors.child_areas(tree, area, day) if root else [],
            "parent": area.parent
            if area.parent_id and selectors.area_in_scope(request.user, area.parent.code)
            else None,
            "bands": [(b, scoring.BAND_LABELS[b]) for b in scoring.BANDS],
        },
    )


@login_required
def value(request: HttpRequest, pk: int) -> HttpResponse:
    found = SignValue.objects.select_related("node", "tree").filter(pk=pk).first()
    if found is None:
        raise Http404("No such value.")
    area = next(
        (a for a in selectors.scope_roots(request.user) if found.area_path.startswith(a.path)),
        None,
    )
    if area is None:
        raise Http404("No such value.")  # out of scope: the same answer as missing
    children = []
    for child in found.explanation.get("children", []):
        stored = (
            SignValue.objects.filter(
                tree=found.tree, node__code=child["code"], area_path=found.area_path, day=found.day
            )
            .select_related("node")
            .first()
        )
        children.append({**child, "value": stored})
    return render(
        request,
        "signs/value.html",
        {
            "value": found,
            "explanation": found.explanation,
            "children": children,
            "cases_url": _cases_url(found),
            "area_name": _area_name(found.area_path),
        },
    )


def _area_name(path: str) -> str:
    from areas.models import AdminArea

    return AdminArea.objects.filter(path=path).values_list("name", flat=True).first() or path


def _cases_url(found: SignValue) -> str:
    """The evaluation drill-down listing the cases a platform rate counted."""
    rows = found.explanation.get("rows") or {}
    if "indicator" not in rows:
        return ""
    from areas.models import AdminArea
    from evaluation import definitions

    indicator = definitions.REGION_BY_KEY.get(rows["indicator"])
    area = AdminArea.objects.filter(path=rows["area"]).first()
    if indicator is None or area is None:
        return ""
    query = {
        "region": area.code,
        "count": indicator.numerator,
        "from": rows["from"],
        "to": rows["to"],
    }
    return reverse("evaluation:region_cases") + "?" + urlencode(query)
