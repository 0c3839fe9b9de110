"""The monthly ranking bulletin (排名通报): one printable page (A4, Chinese typography) and the
same tables as an xlsx workbook.

``/evaluation/bulletin/`` (last month by default; any period the ranking pages take): the
headline of the user's scope (立案, 结案率, 按期结案率, 满意率, 疑难, 代整治), the districts and
streets ranked by the region scheme, the departments by the department scheme, each with its
grade and change in rank, the most filed categories, and the definitions and schemes used.
``?format=xlsx`` downloads the same tables, one sheet each, ``?format=pdf`` as an A4 PDF
(evaluation.bulletin_pdf: ReportLab with its built-in Chinese CID font, no browser and no font
file). Who sees what: as on the ranking pages (leaders, the desk roles and administrators,
within their area scope).
"""

from __future__ import annotations

import calendar
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from cases.views.access import elsewhere
from core.exports import spreadsheet_cell
from evaluation import definitions, schemes, selectors
from evaluation.models import ObjectType
from evaluation.periods import Period, period_or_last_month
from evaluation.views import TIER_LABELS, ranked_departments, ranked_regions

TOP = 10
# Region and department columns of the bulletin (a subset of the indicators, as printed).
REGION_COLUMNS = ("filed", "closing_rate", "on_time_closing_rate", "rework_rate",
                  "satisfaction_rate")  # fmt: skip
DEPARTMENT_COLUMNS = ("due", "disposal_rate", "on_time_rate", "rework_rate", "overdue_open")


def _title(period: Period, headline: list[dict]) -> str:
    place = "、".join(h["region"].name for h in headline) or _("the city")
    first, last = period.first, period.last
    whole_month = (
        first.day == 1
        and (first.year, first.month) == (last.year, last.month)
        and last.day == calendar.monthrange(last.year, last.month)[1]
    )
    if whole_month:
        when = _("%(y)d-%(m)02d") % {"y": first.year, "m": first.month}
    else:
        when = f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"
    return _("%(place)s city operations evaluation bulletin, %(when)s") % {
        "place": place,
        "when": when,
    }


def bulletin_data(user, period: Period, now) -> dict | None:
    """Every table of the bulletin for ``user``'s scope; None when they may not see it."""
    case_facts, paths = selectors.scoped_case_facts(user)
    task_facts, visible = selectors.scoped_facts(user)
    if case_facts is None or task_facts is None:
        return None
    region_scheme = schemes.active_scheme(ObjectType.REGION)
    department_scheme = schemes.active_scheme(ObjectType.DEPARTMENT)
    start, end = period.bounds
    headline = selectors.headline(paths, start, end, now=now)
    shortest = 0 if paths is selectors.ALL else min((len(p) for p in paths), default=0)
    # The two tiers below the scope: districts and streets for the city, a district's streets
    # and communities.
    tiers = [t for t in selectors.TIERS if selectors.tier_path_length(t) > shortest][:2]
    regions = [(tier, ranked_regions(paths, tier, period, now, region_scheme)) for tier in tiers]
    # The most filed categories of each area the scope is rooted at (the city, a district...).
    top = {}
    for head in headline:
        region = head["region"]
        found = selectors.top_categories([region.path], region.tier, start, end, limit=TOP)
        top[region.path] = found.get(region.path, [])
    return {
        "period": period,
        "title": _title(period, headline),
        "headline": headline,
        "regions": regions,
        "region_scheme": region_scheme,
        "region_columns": [definitions.REGION_BY_KEY[k] for k in REGION_COLUMNS],
        "departments": ranked_departments(visible, period, now, department_scheme),
        "department_scheme": department_scheme,
        "department_columns": [definitions.BY_KEY[k] for k in DEPARTMENT_COLUMNS],
        "top": [(h["region"].name, top.get(h["region"].path, [])) for h in headline],
        "made_at": now,
    }


@login_required
def bulletin(request: HttpRequest) -> HttpResponse:
    if permissions.role_of(request.user) not in selectors.RANKING_ROLES:
        return elsewhere(request.user)
    now = timezone.now()
    period = period_or_last_month(request, timezone.localdate(now))
    data = bulletin_data(request.user, period, now)
    if data is None:
        return elsewhere(request.user)
    if request.GET.get("format") == "xlsx":
        return _xlsx(data)
    if request.GET.get("format") == "pdf":
        from evaluation import bulletin_pdf

        period = data["period"]
        response = HttpResponse(bulletin_pdf.render(data), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="bulletin-{period.first}-{period.last}.pdf"'
        )
        return response
    data["regions"] = [(TIER_LABELS[t], rows) for t, rows in data["regions"]]
    return render(request, "evaluation/bulletin.html", data)


def _xlsx(data: dict) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Overview")[:31]
    sheet.append([spreadsheet_cell(data["title"])])
    sheet["A1"].font = Font(bold=True, size=14)
    for head in data["headline"]:
        sheet.append([])
        sheet.append([spreadsheet_cell(head["region"].name)])
        for indicator in definitions.REGION_INDICATORS:
            sheet.append([str(indicator.name), head["values"][indicator.key]])
        for key in ("hard", "by_proxy"):
            sheet.append([str(definitions.REGION_COUNT_LABELS[key]), head["counts"][key]])

    def table(title: str, header: list[str], rows: list[list]) -> None:
        ws = book.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([spreadsheet_cell(v) if isinstance(v, str) else v for v in row])

    def ranked(rows, name, columns, scheme):
        header = [_("Rank"), _("Change in rank 较上期"), _("Name")]
        if scheme:
            header += [_("Composite score 综合指标值"), _("Grade 等级")]
        header += [str(c.name) for c in columns]
        body = []
        for r in rows:
            moved = r["moved"]
            line = [r["rank"], "" if moved is None else moved, name(r)]
            if scheme:
                line += [r["score"], r["grade"]]
            body.append(line + [r["values"][c.key] for c in columns])
        return header, body

    for tier, rows in data["regions"]:
        label = str(TIER_LABELS[tier])
        header, body = ranked(
            rows, lambda r: r["name"], data["region_columns"], data["region_scheme"]
        )
        table(label, header, body)
    header, body = ranked(
        data["departments"],
        lambda r: r["department"].name,
        data["department_columns"],
        data["department_scheme"],
    )
    table(_("Departments"), header, body)
    table(
        _("Most filed categories 高发类别"),
        [_("Area"), _("Category"), _("Filed")],
        [[place, name, n] for place, top in data["top"] for name, n in top],
    )
    out = io.BytesIO()
    book.save(out)
    period = data["period"]
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bulletin-{period.first}-{period.last}.xlsx"'
    )
    return response
