"""The register page (部件台账): ``/components/`` lists the components of the user's area scope
by category, state and name or identifier, with the counts by state; ``/components/<code>/``
shows one with its history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases.views.access import INSPECTOR_ROLES, elsewhere, role_of, works_for_the_city
from catalog.models import Category, CategoryKind
from components import selectors
from components.models import Component, ComponentState
from core.errors import DomainError
from org.models import Role

PAGE_SIZE = 100


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
    if not works_for_the_city(request.user):
        return elsewhere(request.user)
    counts = dict(
        selectors.visible(request.user).values_list("state").annotate(n=Count("pk")).order_by()
    )
    components, chosen = _filtered(request)
    fmt = request.GET.get("format", "")
    if fmt:
        return _export(fmt, components)
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
            "may_import": may_import(request.user),
            # The page's components on a small map (register-map.js).
            "points": [
                {
                    "code": c.code,
                    "lon": c.lon,
                    "lat": c.lat,
                    "state": c.state,
                    "label": f"{c.name} {c.code} · {c.get_state_display()}",
                }
                for c in page
            ],  # fmt: skip
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "categories": Category.objects.filter(
                kind=CategoryKind.COMPONENT, pk__in=used
            ).order_by("code")
            if not chosen["category"]
            else Category.objects.filter(kind=CategoryKind.COMPONENT, code=chosen["category"]),
        },
    )


MAX_SURVEY_BYTES = 50 * 1024 * 1024
SHOWN = 500  # refused rows, changes and missing components listed on the page


def may_import(user) -> bool:
    """Loading a survey changes the city's register: administrators only."""
    return user.is_superuser or role_of(user) == Role.ADMIN


@login_required
def survey(request: HttpRequest) -> HttpResponse:
    """普查导入: upload a survey (GeoJSON, CSV, xlsx); every refused row named with its line,
    new / changed / missing listed. A dry run (the default) writes nothing; applying writes
    the rows that pass (refused ones are listed, never stored) and, when asked and no row was
    refused, marks the components the survey did not find as removed."""
    from components import surveys

    if not may_import(request.user):
        return elsewhere(request.user)
    context: dict = {"dry_run": True, "max_mb": MAX_SURVEY_BYTES // (1024 * 1024)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = bool(request.POST.get("dry_run"))
        apply_missing = bool(request.POST.get("apply_missing"))
        context.update(dry_run=dry_run, apply_missing=apply_missing)
        if upload is None:
            context["error"], status = _("Choose a survey file (GeoJSON, CSV or xlsx)."), 400
        elif upload.size > MAX_SURVEY_BYTES:
            context["error"] = _("The file is larger than %(n)s MB: split it by district.") % {
                "n": context["max_mb"]
            }
            status = 413
        else:
            try:
                report = surveys.load(
                    upload,
                    name=upload.name,
                    survey=(request.POST.get("survey") or upload.name)[:100],
                    user=request.user,
                    dry_run=dry_run,
                    apply_missing=apply_missing,
                )
            except surveys.RowRefused as exc:
                context["error"], status = f"{upload.name}: {exc}", 400
            except DomainError as exc:  # an unreadable file (empty, not a spreadsheet ...)
                context["error"], status = f"{upload.name}: {exc.message}", 400
            else:
                context.update(
                    report=report,
                    summary=report.as_dict(),
                    file=upload.name,
                    refused=report.refused[:SHOWN],
                    changed=list(report.changed.items())[:SHOWN],
                    missing=report.missing[:SHOWN],
                    new=report.new[:SHOWN],
                    shown=SHOWN,
                )
                status = 422 if report.refused else 200
    return render(request, "components/survey.html", context, status=status)


def _export(fmt: str, components) -> HttpResponse:
    """The register as the filters select it, in the survey's own format (CSV, xlsx or GeoJSON):
    an export loads back through the survey import unchanged."""
    import json

    from django.http import StreamingHttpResponse

    from components import surveys
    from core.exports import export_response

    rows = components.select_related("grid").order_by("code")
    if fmt == "geojson":

        def features():  # noqa: E306
            yield '{"type": "FeatureCollection", "features": ['
            for n, component in enumerate(rows.iterator(chunk_size=2000)):
                yield ("," if n else "") + json.dumps(
                    surveys.export_feature(component), ensure_ascii=False
                )
            yield "]}"

        response = StreamingHttpResponse(features(), content_type="application/geo+json")
        response["Content-Disposition"] = 'attachment; filename="components.geojson"'
        return response
    return export_response(
        fmt,
        "components",
        surveys.export_header(),
        (surveys.export_row(c) for c in rows.iterator(chunk_size=2000)),
        title=_("Component register"),
        count=rows.count,
    )


@login_required
def labels(request: HttpRequest) -> HttpResponse:
    """The QR labels (二维码标牌) of the components the register's filters select, as a PDF
    sheet to print (components.labels), at most MAX_LABELS at a time."""
    from components import labels as sheets

    if not works_for_the_city(request.user):
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
        chosen,
        lambda c: request.build_absolute_uri(
            f"{reverse('components:component', args=[c.code])}?k={sheets.label_key(c.code)}"
        ),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="component-labels.pdf"'
    return response


def component(request: HttpRequest, code: str) -> HttpResponse:
    if not works_for_the_city(request.user):
        # A QR label scanned by anyone else (a citizen's phone): report a problem on it, with
        # the label's key. The same answer whether or not the code is registered.
        query = {"component": code, "k": request.GET.get("k", "")}
        return redirect(f"{reverse('portal:report')}?{urlencode(query)}")
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
