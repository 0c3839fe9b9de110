"""Evaluation pages: departments and regions ranked for a period, and the cases behind every
number.

``/evaluation/``: the department table (专业部门评价) for a period (this month by default; last
month, this quarter, this year, or from/to dates), ranked by 按期处置率, each number a link to
the tasks it counts; ``?format=csv`` downloads the same table. ``/evaluation/cases/``: the tasks
behind one number (department, count, period), as listed and as CSV.

``/evaluation/regions/``: the region table (区域评价) of a tier (districts, streets,
communities or grids) ranked by 按期结案率, with each region's most filed categories;
``/evaluation/regions/cases/``: the cases behind one of its numbers.

Who sees what: a leader, the desk roles and administrators the departments and regions of their
area scope; a department's own staff their department only (no regions). Others are sent to
their own page.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.models import GRID_LEVEL, AreaLevel
from cases import permissions
from cases.states import SourceChannel
from cases.views.access import elsewhere
from catalog.selectors import codes_q
from core import exports
from evaluation import definitions, rollups, schemes, selectors
from evaluation.models import ObjectType, RuleKind, Scheme, SchemeItem
from evaluation.periods import PERIODS, Period, period_of, period_or_last_month
from org.models import Role

DRILL_MAX = 500


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    if selectors.scoped_facts(request.user)[0] is None:
        return elsewhere(request.user)
    facts, visible = selectors.ranking_population(request.user)
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    kind = _kind(request)
    scheme = schemes.active_scheme(ObjectType.DEPARTMENT, request.GET.get("scheme"))
    rows = ranked_departments(visible, period, now, scheme, kind=kind)
    ranked_of = len(rows)
    own = selectors.own_department(request.user)
    if own is not None:  # a department sees itself and its rank, not the others
        rows = [r for r in rows if r["department"].pk == own]
    indicators = definitions.DEPARTMENT_INDICATORS
    if fmt := request.GET.get("format"):  # an unknown format: export_response says 400
        header = [_("Rank"), _("Change in rank 较上期"), _("Department"), *_score_header(scheme)]
        header += [str(i.name) for i in indicators]
        body = [
            [r["rank"], _moved(r), r["department"].name, *_score_cells(r, scheme)]
            + [r["values"][i.key] for i in indicators]
            for r in rows
        ]
        return exports.export_response(
            fmt, f"departments-{period.first}-{period.last}", header, body, stream=False
        )
    drill = reverse("evaluation:cases")
    months = rollups.trend_months(period.last, now)
    trend = rollups.department_trend([r["department"].pk for r in rows], months, kind=kind)
    for row in rows:
        series = trend.get(row["department"].pk, [])
        row["trend"] = [
            (m, definitions.values(c)["on_time_rate"]) for m, c in zip(months, series, strict=False)
        ]
        row["cells"] = [
            {
                "indicator": i,
                "value": row["values"][i.key],
                "url": drill
                + "?"
                + urlencode(
                    {
                        "department": row["department"].pk,
                        "count": i.numerator,
                        **period.query,
                        **_kind_query(kind),
                    }
                ),
            }
            for i in indicators
        ]
    return render(
        request,
        "evaluation/departments.html",
        {
            "rows": rows,
            "indicators": indicators,
            "period": period,
            "periods": PERIODS,
            "csv_url": "?"
            + urlencode(
                {**period.query, **_kind_query(kind), **_scheme_query(scheme), "format": "csv"}
            ),
            "kind": kind or "",
            "kinds": KINDS,
            "now": now,
            "period_query": urlencode(period.query),
            "ranked_of": ranked_of if own is not None else None,
            "can_see_regions": permissions.role_of(request.user) in selectors.RANKING_ROLES,
            **_scheme_context(scheme, ObjectType.DEPARTMENT),
        },
    )


@login_required
def cases_behind(request: HttpRequest) -> HttpResponse:
    """The tasks one number counts (a ranking cell's drill-down), with their cases."""
    facts, visible = selectors.scoped_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    if request.GET.get("kind") in KINDS:
        facts = facts.filter(category_kind=request.GET["kind"])
    count = request.GET.get("count", "")
    if count not in definitions.COUNTS:
        raise Http404(_("No such count."))
    department = visible.filter(pk=_int(request.GET.get("department"))).first()
    if department is None:
        raise Http404(_("No department that you may see."))
    category = _int(request.GET.get("category"))
    if category is not None:  # a department page's worst category: its tasks only
        facts = facts.filter(case__category_id=category)
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    start, end = period.bounds
    behind = (
        selectors.facts_behind(facts.filter(department=department), count, start, end, now=now)
        .select_related("case__category", "task")
        .order_by("deadline_at", "pk")
    )
    total = behind.count()
    rows = list(behind[:DRILL_MAX])
    if fmt := request.GET.get("format"):  # an unknown format: export_response says 400
        header = [
            _("Case"),
            _("Category"),
            _("Dispatched"),
            _("Deadline"),
            _("Settled"),
            _("Outcome"),
            _("On time"),
            _("Reworks"),
        ]
        body = [
            [
                f.case.number,
                f.case.category.name if f.case.category_id else "",
                _local(f.started_at),
                _local(f.deadline_at),
                _local(f.settled_at),
                f.get_outcome_display(),
                "" if f.on_time is None else (_("yes") if f.on_time else _("no")),
                f.reworks,
            ]
            for f in behind
        ]
        return exports.export_response(
            fmt,
            f"{department.code}-{count}-{period.first}-{period.last}",
            header,
            body,
            stream=False,
        )
    return render(
        request,
        "evaluation/cases.html",
        {
            "department": department,
            "count": count,
            "count_label": definitions.COUNT_LABELS[count],
            "rows": rows,
            "total": total,
            "shown": len(rows),
            "period": period,
            "back": reverse("evaluation:departments") + "?" + urlencode(period.query),
            "csv_url": "?"
            + urlencode(
                {
                    "department": department.pk,
                    "count": count,
                    **({"category": category} if category is not None else {}),
                    **period.query,
                    "format": "csv",
                }
            ),
        },
    )


@login_required
def department_page(request: HttpRequest, code: str) -> HttpResponse:
    """One department's own page (部门评价详情): its indicators and rank for the period, each a
    link to the tasks behind it, its six-month trend and the categories it was late in most
    (最差类别), each opening those tasks."""
    facts, visible = selectors.scoped_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    department = visible.filter(code=code).first()
    if department is None:
        raise Http404(_("No department that you may see."))
    _facts, population = selectors.ranking_population(request.user)
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    kind = _kind(request)
    scheme = schemes.active_scheme(ObjectType.DEPARTMENT, request.GET.get("scheme"))
    rows = ranked_departments(population, period, now, scheme, kind=kind)
    row = next((r for r in rows if r["department"].pk == department.pk), None)
    drill = reverse("evaluation:cases")
    base = {"department": department.pk, **period.query, **_kind_query(kind)}
    cells = [
        {
            "indicator": i,
            "value": row["values"][i.key] if row else None,
            "url": drill + "?" + urlencode({**base, "count": i.numerator}),
        }
        for i in definitions.DEPARTMENT_INDICATORS
    ]
    start, end = period.bounds
    worst = selectors.worst_categories(
        facts.filter(category_kind=kind) if kind else facts, department.pk, start, end, now=now
    )
    for item in worst:
        item["url"] = (
            drill + "?" + urlencode({**base, "count": "due", "category": item["category_id"]})
        )
    months = rollups.trend_months(period.last, now)
    series = rollups.department_trend([department.pk], months, kind=kind).get(department.pk, [])
    trend = [
        (m, definitions.values(c)["on_time_rate"]) for m, c in zip(months, series, strict=False)
    ]
    return render(
        request,
        "evaluation/department.html",
        {
            "department": department,
            "row": row,
            "ranked_of": len(rows),
            "cells": cells,
            "worst": worst,
            "trend": trend,
            "period": period,
            "periods": PERIODS,
            "scheme": scheme,
            "back": reverse("evaluation:departments") + "?" + urlencode(period.query),
        },
    )


# The indicators the headline (总览) shows above the region table, with 疑难 and 代整治.
HEADLINE = ("filed", "closing_rate", "on_time_closing_rate", "satisfaction_rate")
RANKING_PAGE = 200  # regions per page of a ranking (a city has ~2,000 grids)

TIER_LABELS = {
    AreaLevel.DISTRICT: gettext_lazy("Districts"),
    AreaLevel.STREET: gettext_lazy("Streets"),
    AreaLevel.COMMUNITY: gettext_lazy("Communities"),
    GRID_LEVEL: gettext_lazy("Grids"),
}


def _tier(request: HttpRequest, paths) -> str:
    asked = request.GET.get("tier")
    return asked if asked in TIER_LABELS else selectors.default_tier(paths)


@login_required
def regions(request: HttpRequest) -> HttpResponse:
    facts, paths = selectors.scoped_case_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    kind = _kind(request)
    tier = _tier(request, paths)
    scheme = schemes.active_scheme(ObjectType.REGION, request.GET.get("scheme"))
    rows = ranked_regions(paths, tier, period, now, scheme, kind=kind)
    indicators = definitions.REGION_INDICATORS
    top = {"kind": kind, "within": paths}
    if fmt := request.GET.get("format"):  # an unknown format: export_response says 400
        selectors.with_top_categories(rows, tier, *period.bounds, **top)
        header = [_("Rank"), _("Change in rank 较上期"), _("Code"), _("Region")]
        header += [*_score_header(scheme), *(str(i.name) for i in indicators)]
        header.append(_("Most filed categories 高发类别"))
        body = [
            [r["rank"], _moved(r), r["code"], r["name"], *_score_cells(r, scheme)]
            + [r["values"][i.key] for i in indicators]
            + ["; ".join(f"{name} {n}" for name, n in r["top"])]
            for r in rows
        ]
        return exports.export_response(
            fmt, f"regions-{tier}-{period.first}-{period.last}", header, body, stream=False
        )
    query = {**period.query, **_kind_query(kind), "tier": tier}
    csv_query = {**query, **_scheme_query(scheme), "format": "csv"}
    drill = reverse("evaluation:region_cases")
    headline = selectors.headline(paths, *period.bounds, now=now, kind=kind)
    for head in headline:
        code = head["region"].code

        def link(count, source=None, code=code):
            extra = {"source": source} if source else {}
            return drill + "?" + urlencode({"region": code, "count": count, **query, **extra})

        head["cells"] = [
            {"indicator": i, "value": head["values"][i.key], "url": link(i.numerator)}
            for i in definitions.REGION_INDICATORS
            if i.key in HEADLINE
        ] + [
            {"label": definitions.REGION_COUNT_LABELS[key], "value": head["counts"][key],
             "url": link(key)}
            for key in ("hard", "by_proxy")
        ]  # fmt: skip
        head["source_links"] = [
            {"label": label, "value": n, "url": link("filed", source)}
            for source, label, n in head["sources"]
        ]
    # Thousands of grids in one table took seconds to draw and cannot be read: a page at a
    # time, ranks running on (the export has every row).
    page = Paginator(rows, RANKING_PAGE).get_page(request.GET.get("page"))
    selectors.with_top_categories(page, tier, *period.bounds, **top)
    months = rollups.trend_months(period.last, now)
    trend = rollups.region_trend(tier, months, kind=kind, within=[row["path"] for row in page])
    for row in page:
        series = trend.get(row["path"], [])
        row["trend"] = [
            (m, definitions.region_values(c)["on_time_closing_rate"])
            for m, c in zip(months, series, strict=False)
        ]
        row["cells"] = [
            {
                "indicator": i,
                "value": row["values"][i.key],
                "url": drill
                + "?"
                + urlencode({"region": row["code"], "count": i.numerator, **query}),
            }
            for i in indicators
        ]
    return render(
        request,
        "evaluation/regions.html",
        {
            "rows": page,
            "page": page,
            "query": urlencode({**query, **_scheme_query(scheme)}),
            "indicators": indicators,
            "period": period,
            "periods": PERIODS,
            "csv_url": "?" + urlencode(csv_query),
            "kind": kind or "",
            "kinds": KINDS,
            "tier": tier,
            "tiers": TIER_LABELS,
            "tier_label": TIER_LABELS[tier],
            "headline": headline,
            "now": now,
            "period_query": urlencode(period.query),
            "can_see_regions": True,
            **_scheme_context(scheme, ObjectType.REGION),
        },
    )


@login_required
def region_cases(request: HttpRequest) -> HttpResponse:
    """The cases one region number counts (a region ranking cell's drill-down)."""
    facts, paths = selectors.scoped_case_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    kind = _kind(request)
    if kind:
        facts = facts.filter(category_kind=kind)
    count = request.GET.get("count", "")
    if count not in definitions.REGION_COUNTS:
        raise Http404(_("No such count."))
    region = selectors.region_of_code(request.GET.get("region", ""), paths)
    if region is None:
        raise Http404(_("No area that you may see."))
    source = request.GET.get("source")
    source = source if source in SourceChannel.values else None
    # A sign index leaf's cases (体征 filed leaves): only these categories (subclass or 大类).
    codes = request.GET.getlist("category")
    if bad := [c for c in codes if not (c.isdigit() and len(c) in (2, 5))]:
        return HttpResponseBadRequest(
            _("Not a category code (five digits, or two for a major class): %(codes)s")
            % {"codes": ", ".join(bad)}
        )
    if codes:
        facts = facts.filter(codes_q(codes))
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    start, end = period.bounds
    behind = (
        selectors.region_facts_behind(facts, region.path, count, start, end, now=now, source=source)
        .select_related("case", "category")
        .order_by("filed_at", "pk")
    )
    total = behind.count()
    rows = list(behind[:DRILL_MAX])
    if fmt := request.GET.get("format"):  # an unknown format: export_response says 400
        header = [
            _("Case"),
            _("Category"),
            _("Source"),
            _("Filed"),
            _("Deadline"),
            _("Closed"),
            _("Outcome"),
            _("On time"),
            _("Reworks"),
            _("Reports"),
            _("Rating"),
        ]
        body = [
            [
                f.case.number,
                f.category.name if f.category_id else "",
                f.get_source_display(),
                _local(f.filed_at),
                _local(f.deadline_at),
                _local(f.settled_at),
                f.get_outcome_display(),
                "" if f.on_time is None else (_("yes") if f.on_time else _("no")),
                f.reworks,
                f.reports,
                f.rating or "",
            ]
            for f in behind
        ]
        return exports.export_response(
            fmt, f"{region.code}-{count}-{period.first}-{period.last}", header, body, stream=False
        )
    query = {**period.query, **_kind_query(kind), "tier": region.tier}
    if source:
        query["source"] = source
    if codes:
        query["category"] = codes
    return render(
        request,
        "evaluation/region_cases.html",
        {
            "region": region,
            "count": count,
            "count_label": definitions.REGION_COUNT_LABELS[count],
            "source_label": SourceChannel(source).label if source else "",
            "rows": rows,
            "total": total,
            "shown": len(rows),
            "period": period,
            "categories": codes,
            "back": reverse("evaluation:regions") + "?" + urlencode(query, doseq=True),
            "csv_url": "?"
            + urlencode(
                {"region": region.code, "count": count, **query, "format": "csv"}, doseq=True
            ),
        },
    )


def ranked_departments(visible, period: Period, now, scheme, *, kind=None) -> list[dict]:
    """The department ranking of ``period`` (scored by ``scheme`` if any) with each row's change
    in rank against the period before."""

    def ranked(p: Period) -> list[dict]:
        found = selectors.department_ranking(visible, *p.bounds, now=now, kind=kind)
        return schemes.score_rows(found, scheme) if scheme else found

    return rank_change(ranked(period), ranked(period.previous()), lambda r: r["department"].pk)


def ranked_regions(paths, tier, period: Period, now, scheme, *, kind=None) -> list[dict]:
    """The region ranking of ``tier`` for ``period``, as ``ranked_departments``, without the
    most filed categories (``top``: the caller reads them for the rows it shows,
    ``selectors.with_top_categories``)."""

    def ranked(p: Period) -> list[dict]:
        found = selectors.region_ranking(
            tier, *p.bounds, now=now, kind=kind, within=paths, top=False
        )
        return schemes.score_rows(found, scheme) if scheme else found

    return rank_change(ranked(period), ranked(period.previous()), lambda r: r["path"])


def rank_change(rows: list[dict], before: list[dict], key) -> list[dict]:
    """Give each row ``previous_rank`` (its rank in the period before, None if it had none) and
    ``moved`` (places gained: previous rank minus rank; None without a previous rank)."""
    was = {key(r): r["rank"] for r in before}
    for row in rows:
        row["previous_rank"] = was.get(key(row))
        row["moved"] = None if row["previous_rank"] is None else row["previous_rank"] - row["rank"]
    return rows


def _moved(row: dict) -> str:
    """The change in rank as a spreadsheet cell: ▲2, ▼1, 0, or empty (not ranked before)."""
    moved = row.get("moved")
    if moved is None:
        return ""
    return f"▲{moved}" if moved > 0 else f"▼{-moved}" if moved < 0 else "0"


def _score_header(scheme) -> list[str]:
    return [_("Composite score 综合指标值"), _("Grade 等级")] if scheme else []


def _score_cells(row: dict, scheme) -> list:
    return [row["score"], row["grade"]] if scheme else []


def _scheme_query(scheme) -> dict[str, str]:
    return {"scheme": str(scheme.pk)} if scheme else {}


def _scheme_context(scheme, object_type: str) -> dict:
    return {
        "scheme": scheme,
        "schemes": Scheme.objects.filter(object_type=object_type).order_by("name"),
    }


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


KINDS = {"component": gettext_lazy("Components 部件"), "event": gettext_lazy("Events 事件")}


def _kind(request: HttpRequest) -> str | None:
    """部件 or 事件 when the request asks for one of them, else None (all cases)."""
    kind = request.GET.get("kind")
    return kind if kind in KINDS else None


def _kind_query(kind: str | None) -> dict[str, str]:
    return {"kind": kind} if kind else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Schemes (评价方案): try a change, see the ranking before and after, then save -------------


def _ranking_for(request: HttpRequest, object_type: str, period: Period, now) -> list[dict]:
    if object_type in definitions.POST_INDICATORS:
        facts, paths = selectors.scoped_post_facts(request.user)
        return selectors.post_ranking(facts, object_type, *period.bounds, within=paths)
    if object_type == ObjectType.REGION:
        _facts, paths = selectors.scoped_case_facts(request.user)
        tier = _tier(request, paths)
        return selectors.region_ranking(tier, *period.bounds, now=now, within=paths)
    _facts, visible = selectors.scoped_facts(request.user)
    return selectors.department_ranking(visible, *period.bounds, now=now)


def _form_items(request: HttpRequest, scheme: Scheme, saved: list) -> tuple[list, dict, list]:
    """The scheme's items and grade thresholds as the form has them (unsaved copies), and the
    problems found, each naming the indicator or field."""
    problems, items = [], []
    for item in saved:
        prefix = f"item-{item.pk}-"
        changed = SchemeItem(
            pk=item.pk,
            scheme=scheme,
            indicator=item.indicator,
            position=item.position,
            weight=item.weight,
            rule=request.POST.get(prefix + "rule", item.rule),
            params=item.params,
        )
        try:
            changed.weight = Decimal(request.POST.get(prefix + "weight", item.weight))
            if changed.weight < 0 or changed.weight > 1000:
                raise InvalidOperation
        except InvalidOperation:
            problems.append(_("%(name)s: the weight is a number from 0 to 1000.") % _named(item))
        try:
            changed.params = json.loads(request.POST.get(prefix + "params") or "{}")
            schemes.check_item(scheme.object_type, item.indicator, changed.rule, changed.params)
        except (ValueError, ValidationError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            problems.append(f"{_named(item)['name']}: {text}")
        items.append(changed)
    if not any(i.weight > 0 for i in items):
        problems.append(_("At least one indicator needs a weight above 0."))
    grades = {}
    for letter in ("a", "b", "c", "d"):
        try:
            grades[letter] = Decimal(request.POST.get(f"grade_{letter}", ""))
        except InvalidOperation:
            problems.append(_("Grade %(g)s: the lowest score is a number.") % {"g": letter.upper()})
    if len(grades) == 4 and not grades["a"] >= grades["b"] >= grades["c"] >= grades["d"]:
        problems.append(_("Grades go down: A at least B, B at least C, C at least D."))
    return items, grades, problems


def _named(item) -> dict[str, str]:
    known = schemes.indicators_of(item.scheme.object_type)
    return {"name": str(known[item.indicator].name) if item.indicator in known else item.indicator}


@login_required
def scheme_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A scheme's indicators and weights, the ranking it gives, and a change tried before it is
    saved (the ranking before and after, side by side). Administrators may change and save."""
    if permissions.role_of(request.user) not in selectors.RANKING_ROLES:
        return elsewhere(request.user)
    scheme = Scheme.objects.filter(pk=pk).first()
    if scheme is None:
        raise Http404(_("No such scheme."))
    if scheme.object_type in definitions.POST_INDICATORS and selectors.own_person(request.user):
        return elsewhere(request.user)  # a post's ranking names people: for their managers
    may_edit = permissions.role_of(request.user) == Role.ADMIN or request.user.is_superuser
    now = timezone.now()
    period = period_or_last_month(request, timezone.localdate(now))
    saved = list(scheme.items.all())
    before = schemes.score_rows(_ranking_for(request, scheme.object_type, period, now), scheme)
    compared, problems, done = None, [], False
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only administrators change evaluation schemes."))
        items, grades, problems = _form_items(request, scheme, saved)
        if not problems:
            trial = Scheme(
                pk=scheme.pk,
                name=scheme.name,
                object_type=scheme.object_type,
                **{f"grade_{k}": v for k, v in grades.items()},
            )
            after = schemes.score_rows(
                _ranking_for(request, scheme.object_type, period, now), trial, items
            )
            if request.POST.get("action") == "save":
                _save_scheme(request, scheme, items, grades)
                return redirect(reverse("evaluation:scheme", args=[scheme.pk]) + "?saved=1")
            compared = _side_by_side(before, after)
        saved = items
    else:
        done = request.GET.get("saved") == "1"
    for item in saved:
        item.name = _named(item)["name"]
        item.params_text = json.dumps(item.params, ensure_ascii=False)
    return render(
        request,
        "evaluation/scheme.html",
        {
            "scheme": scheme,
            "items": saved,
            "rules": RuleKind.choices,
            "grades": request.POST if request.method == "POST" else None,
            "rows": before,
            "compared": compared,
            "problems": problems,
            "saved": done,
            "may_edit": may_edit,
            "period": period,
            "ranking_url": _ranking_url(scheme, period),
        },
    )


def _ranking_url(scheme: Scheme, period: Period) -> str:
    query = {**period.query, "scheme": scheme.pk}
    if scheme.object_type in definitions.POST_INDICATORS:
        return reverse("evaluation:posts") + "?" + urlencode({"post": scheme.object_type, **query})
    name = "regions" if scheme.object_type == ObjectType.REGION else "departments"
    return reverse(f"evaluation:{name}") + "?" + urlencode(query)


def _row_key(row: dict):
    if "department" in row:
        return row["department"].pk
    return row["person"].pk if "person" in row else row["path"]


def _row_name(row: dict) -> str:
    return row["department"].name if "department" in row else row["name"]


def _side_by_side(before: list[dict], after: list[dict]) -> list[dict]:
    was = {_row_key(r): r for r in before}
    return [
        {
            "name": _row_name(row),
            "before": was.get(_row_key(row)),
            "after": row,
            "moved": (was[_row_key(row)]["rank"] - row["rank"]) if _row_key(row) in was else 0,
        }
        for row in after
    ]


@transaction.atomic
def _save_scheme(request: HttpRequest, scheme: Scheme, items: list, grades: dict) -> None:
    changes = []
    for item in items:
        SchemeItem.objects.filter(pk=item.pk).update(
            weight=item.weight, rule=item.rule, params=item.params
        )
        changes.append(f"{item.indicator} x{item.weight} {item.rule} {json.dumps(item.params)}")
    for letter, lowest in grades.items():
        setattr(scheme, f"grade_{letter}", lowest)
    scheme.save()
    LogEntry.objects.log_actions(
        request.user.pk,
        [scheme],
        CHANGE,
        change_message=_(
            "Changed on the scheme page: %(items)s; grades A %(a)s B %(b)s C %(c)s D %(d)s"
        )
        % {"items": "; ".join(changes), **grades},
        single_object=True,
    )
