"""Evaluation results for everyone (请群众监督、让群众评判): the citizen portal's results page
and the same numbers as open data, when the city publishes them (evaluation.models.PublicResults,
off by default; the admin chooses the tier and the indicators).

``/citizen/results/?month=YYYY-MM`` (the last whole month by default, back as many months as
the city allows): each region's and department's published indicators for the month, with
what each means. ``?format=csv`` / ``?format=json`` give the same as open data. Only numbers
over whole months: no case, no drill-down, no name of a person.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import csv_response
from evaluation import definitions, selectors
from evaluation.models import PublicResults
from org.models import Department


def _months(today: date, count: int) -> list[date]:
    """The first days of the last ``count`` whole months, newest first."""
    first = today.replace(day=1)
    found = []
    for _n in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        found.append(first)
    return found


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def results_of(settings: PublicResults, month: date, now) -> dict:
    """The published numbers of one whole month."""
    start, end = selectors.day_bounds(month, _month_end(month))
    region_keys = [k for k in settings.region_indicators if k in definitions.REGION_BY_KEY]
    regions = selectors.region_ranking(settings.region_tier, start, end, now=now)
    regions.sort(key=lambda r: r["code"])
    found = {
        "month": month.strftime("%Y-%m"),
        "region_indicators": [definitions.REGION_BY_KEY[k] for k in region_keys],
        "regions": [
            {"code": r["code"], "name": r["name"], "values": [r["values"][k] for k in region_keys]}
            for r in regions
        ],
        "department_indicators": [],
        "departments": [],
    }
    if settings.show_departments:
        keys = [k for k in settings.department_indicators if k in definitions.BY_KEY]
        rows = selectors.department_ranking(Department.objects.all(), start, end, now=now)
        rows.sort(key=lambda r: r["department"].code)
        found["department_indicators"] = [definitions.BY_KEY[k] for k in keys]
        found["departments"] = [
            {
                "code": r["department"].code,
                "name": r["department"].name,
                "values": [r["values"][k] for k in keys],
            }
            for r in rows
        ]
    return found


def results(request: HttpRequest) -> HttpResponse:
    settings = PublicResults.current()
    if not settings.enabled:
        raise Http404(_("The city does not publish its evaluation results."))
    now = timezone.now()
    months = _months(timezone.localdate(now), settings.months)
    asked = request.GET.get("month", "")
    month = next((m for m in months if m.strftime("%Y-%m") == asked), months[0])
    data = results_of(settings, month, now)
    wanted = request.GET.get("format")
    if wanted == "json":
        return JsonResponse(_open_data(data), json_dumps_params={"ensure_ascii": False})
    if wanted == "csv":
        return _csv(data)
    for indicators, rows in (
        (data["region_indicators"], data["regions"]),
        (data["department_indicators"], data["departments"]),
    ):
        for row in rows:
            row["shown"] = [
                "—" if v is None else f"{v} %" if i.percent else f"{v}"
                for i, v in zip(indicators, row["values"], strict=True)
            ]
    return render(
        request,
        "evaluation/public_results.html",
        {**data, "months": [m.strftime("%Y-%m") for m in months]},
    )


def _open_data(data: dict) -> dict:
    def table(indicators, rows):
        keys = [i.key for i in indicators]
        return [
            {
                "code": r["code"],
                "name": r["name"],
                **{k: _plain(v) for k, v in zip(keys, r["values"], strict=True)},
            }
            for r in rows
        ]

    return {
        "month": data["month"],
        "definitions": {
            i.key: {"name": str(i.name), "formula": str(i.formula), "percent": i.percent}
            for i in (*data["region_indicators"], *data["department_indicators"])
        },
        "regions": table(data["region_indicators"], data["regions"]),
        "departments": table(data["department_indicators"], data["departments"]),
    }


def _plain(value):
    return None if value is None else float(value)


def _csv(data: dict) -> HttpResponse:
    header = [_("Month"), _("Kind"), _("Code"), _("Name"), _("Indicator"), _("Value")]
    rows = [
        (data["month"], kind, row["code"], row["name"], str(indicator.name), value)
        for kind, indicators, table in (
            (_("Region"), data["region_indicators"], data["regions"]),
            (_("Department"), data["department_indicators"], data["departments"]),
        )
        for row in table
        for indicator, value in zip(indicators, row["values"], strict=True)
    ]
    return csv_response(f"results-{data['month']}.csv", header, rows)
