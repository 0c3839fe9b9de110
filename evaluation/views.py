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

import csv
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from areas.models import GRID_LEVEL, AreaLevel
from cases import permissions
from cases.states import SourceChannel
from cases.views.access import elsewhere
from evaluation import definitions, selectors

DRILL_MAX = 500
PERIODS = {
    "month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("This year"),
    "custom": gettext_lazy("Dates below"),
}


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    first: date  # inclusive
    last: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return selectors.day_bounds(self.first, self.last)

    @property
    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def _parse(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def period_of(request: HttpRequest, today: date) -> Period:
    """The period asked for: a named one (``period``), or ``from``/``to`` dates when the period
    is ``custom`` or not named; else this month. A reversed or unreadable range falls back to
    this month."""
    key = request.GET.get("period", "custom")
    first, last = _parse(request.GET.get("from")), _parse(request.GET.get("to"))
    if key == "custom" and first and last and first <= last:
        return Period("custom", str(PERIODS["custom"]), first, last)
    month = today.replace(day=1)
    if key == "last_month":
        end = month - timedelta(days=1)
        return Period(key, str(PERIODS[key]), end.replace(day=1), end)
    if key == "quarter":
        start = month.replace(month=(month.month - 1) // 3 * 3 + 1)
        return Period(key, str(PERIODS[key]), start, today)
    if key == "year":
        return Period(key, str(PERIODS[key]), today.replace(month=1, day=1), today)
    return Period("month", str(PERIODS["month"]), month, today)


def _csv_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (= + - @ neutralised)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads UTF-8 with the BOM
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return response


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    facts, visible = selectors.scoped_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    rows = selectors.department_ranking(facts, visible, *period.bounds, now=now, kind=kind)
    indicators = definitions.DEPARTMENT_INDICATORS
    if request.GET.get("format") == "csv":
        header = [_("Rank"), _("Department")] + [str(i.name) for i in indicators]
        body = [
            [r["rank"], r["department"].name] + [r["values"][i.key] for i in indicators]
            for r in rows
        ]
        return _csv(f"departments-{period.first}-{period.last}.csv", header, body)
    drill = reverse("evaluation:cases")
    for row in rows:
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
            "csv_url": "?" + urlencode({**period.query, **_kind_query(kind), "format": "csv"}),
            "kind": kind or "",
            "kinds": KINDS,
            "now": now,
            "period_query": urlencode(period.query),
            "can_see_regions": permissions.role_of(request.user) in selectors.RANKING_ROLES,
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
    if request.GET.get("format") == "csv":
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
                timezone.localtime(f.started_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(f.deadline_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(f.settled_at).strftime("%Y-%m-%d %H:%M") if f.settled_at else "",
                f.get_outcome_display(),
                "" if f.on_time is None else (_("yes") if f.on_time else _("no")),
                f.reworks,
            ]
            for f in behind
        ]
        return _csv(f"{department.code}-{count}-{period.first}-{period.last}.csv", header, body)
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
                {"department": department.pk, "count": count, **period.query, "format": "csv"}
            ),
        },
    )


# The indicators the headline (总览) shows above the region table, with 疑难 and 代整治.
HEADLINE = ("filed", "closing_rate", "on_time_closing_rate", "satisfaction_rate")

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
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    tier = _tier(request, paths)
    rows = selectors.region_ranking(facts, tier, *period.bounds, now=now, kind=kind, within=paths)
    indicators = definitions.REGION_INDICATORS
    if request.GET.get("format") == "csv":
        header = [_("Rank"), _("Code"), _("Region")] + [str(i.name) for i in indicators]
        header.append(_("Most filed categories 高发类别"))
        body = [
            [r["rank"], r["code"], r["name"]]
            + [r["values"][i.key] for i in indicators]
            + ["; ".join(f"{name} {n}" for name, n in r["top"])]
            for r in rows
        ]
        return _csv(f"regions-{tier}-{period.first}-{period.last}.csv", header, body)
    query = {**period.query, **_kind_query(kind), "tier": tier}
    drill = reverse("evaluation:region_cases")
    headline = selectors.headline(
        facts.filter(category_kind=kind) if kind else facts, paths, *period.bounds, now=now
    )
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
    for row in rows:
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
            "rows": rows,
            "indicators": indicators,
            "period": period,
            "periods": PERIODS,
            "csv_url": "?" + urlencode({**query, "format": "csv"}),
            "kind": kind or "",
            "kinds": KINDS,
            "tier": tier,
            "tiers": TIER_LABELS,
            "tier_label": TIER_LABELS[tier],
            "headline": headline,
            "now": now,
            "period_query": urlencode(period.query),
            "can_see_regions": True,
        },
    )


@login_required
def region_cases(request: HttpRequest) -> HttpResponse:
    """The cases one region number counts (a region ranking cell's drill-down)."""
    facts, paths = selectors.scoped_case_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
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
    if request.GET.get("format") == "csv":
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
        return _csv(f"{region.code}-{count}-{period.first}-{period.last}.csv", header, body)
    query = {**period.query, **_kind_query(kind), "tier": region.tier}
    if source:
        query["source"] = source
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
            "back": reverse("evaluation:regions") + "?" + urlencode(query),
            "csv_url": "?"
            + urlencode({"region": region.code, "count": count, **query, "format": "csv"}),
        },
    )


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


KINDS = {"component": gettext_lazy("Components 部件"), "event": gettext_lazy("Events 事件")}


def _kind_query(kind: str | None) -> dict[str, str]:
    return {"kind": kind} if kind else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
