"""Evaluation pages: departments ranked for a period, and the cases behind every number.

``/evaluation/``: the department table (专业部门评价) for a period (this month by default; last
month, this quarter, this year, or from/to dates), ranked by 按期处置率, each number a link to
the tasks it counts; ``?format=csv`` downloads the same table. ``/evaluation/cases/``: the tasks
behind one number (department, count, period), as listed and as CSV.

Who sees what: a leader, the desk roles and administrators the departments of their area
scope; a department's own staff their department only. Others are sent to their own page.
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


KINDS = {"component": gettext_lazy("Components 部件"), "event": gettext_lazy("Events 事件")}


def _kind_query(kind: str | None) -> dict[str, str]:
    return {"kind": kind} if kind else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
