"""Post evaluation pages (岗位评价): the people of one post ranked for a period, and the steps
behind every number.

``/evaluation/posts/?post=inspector``: the inspectors (监督员), intake operators (受理员), shift
leaders (值班长), dispatchers (派遣员) or disposers (处置人员) whose steps lie in the viewer's area
scope, with the post's indicators (evaluation.definitions, Posts), scored by the post's scheme;
``?format=csv|xlsx`` downloads the table. ``/evaluation/posts/steps/``: the steps one number
counts (person, count, period), or for 漏报 the cases filed in the inspector's areas.

Leaders, shift leaders and administrators see everyone of their area scope; the others
evaluated by post (dispatchers, intake operators, inspectors, disposers) their own row and rank.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases import permissions
from cases.views.access import elsewhere
from core import exports
from evaluation import definitions, schemes, selectors
from evaluation.models import ObjectType
from evaluation.periods import PERIODS, Period, period_of
from evaluation.views import (
    DRILL_MAX,
    _int,
    _local,
    _moved,
    _scheme_context,
    _scheme_query,
    _score_cells,
    _score_header,
    rank_change,
)

POST_LABELS = {post: ObjectType(post).label for post in definitions.POSTS}
# Counts whose drill-down lists cases filed in an inspector's areas, not the person's steps.
AREA_COUNTS = ("missed", "area_filed")


def _post(request: HttpRequest) -> str:
    """The post asked for; else the viewer's own post when they have one; else inspectors."""
    asked = request.GET.get("post")
    if asked in POST_LABELS:
        return asked
    role = permissions.role_of(request.user)
    return role if role in POST_LABELS else "inspector"


def ranked_posts(facts, post: str, period: Period, scheme, within) -> list[dict]:
    """The ranking of ``post`` for ``period`` (scored by ``scheme`` if any) with each row's
    change in rank against the period before."""

    def ranked(p: Period) -> list[dict]:
        found = selectors.post_ranking(facts, post, *p.bounds, within=within)
        return schemes.score_rows(found, scheme) if scheme else found

    return rank_change(ranked(period), ranked(period.previous()), lambda r: r["person"].pk)


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    facts, paths = selectors.scoped_post_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    post = _post(request)
    scheme = schemes.active_scheme(post, request.GET.get("scheme"))
    rows = ranked_posts(facts, post, period, scheme, paths)
    ranked_of = len(rows)
    own = selectors.own_person(request.user)
    if own is not None:  # their own row and rank, not a colleague's
        rows = [r for r in rows if r["person"].pk == own]
    indicators = definitions.POST_INDICATORS[post]
    if fmt := request.GET.get("format"):  # an unknown format: export_response says 400
        header = [_("Rank"), _("Change in rank 较上期"), _("Name"), _("User name")]
        header += [*_score_header(scheme), *(str(i.name) for i in indicators)]
        body = [
            [r["rank"], _moved(r), r["name"], r["person"].get_username(), *_score_cells(r, scheme)]
            + [r["values"][i.key] for i in indicators]
            for r in rows
        ]
        return exports.export_response(
            fmt, f"{post}-{period.first}-{period.last}", header, body, stream=False
        )
    drill = reverse("evaluation:post_steps")
    for row in rows:
        row["cells"] = [
            {
                "indicator": i,
                "value": row["values"][i.key],
                "url": drill
                + "?"
                + urlencode(
                    {"post": post, "person": row["person"].pk, "count": i.numerator, **period.query}
                ),
            }
            for i in indicators
        ]
    return render(
        request,
        "evaluation/posts.html",
        {
            "rows": rows,
            "indicators": indicators,
            "post": post,
            "posts": POST_LABELS,
            "post_label": POST_LABELS[post],
            "period": period,
            "periods": PERIODS,
            "period_query": urlencode(period.query),
            "csv_url": "?"
            + urlencode({"post": post, **period.query, **_scheme_query(scheme), "format": "csv"}),
            "can_see_regions": permissions.role_of(request.user) in selectors.RANKING_ROLES,
            "ranked_of": ranked_of if own is not None else None,
            **_scheme_context(scheme, post),
        },
    )


@login_required
def post_steps(request: HttpRequest) -> HttpResponse:
    """The steps (or, for 漏报, the cases) one number of a person counts."""
    facts, paths = selectors.scoped_post_facts(request.user)
    if facts is None:
        return elsewhere(request.user)
    post = _post(request)
    count = request.GET.get("count", "")
    if count not in definitions.POST_COUNT_LABELS:
        raise Http404(_("No such count."))
    person_id = _int(request.GET.get("person"))
    # Only a person with a step in the viewer's scope (and only oneself, for those who see
    # their own row): nobody else's name or areas leak.
    own = selectors.own_person(request.user)
    if (
        person_id is None
        or (own is not None and person_id != own)
        or not facts.filter(person_id=person_id, post=post).exists()
    ):
        raise Http404(_("No such person in your area."))
    person = get_user_model().objects.get(pk=person_id)
    name = person.get_full_name() or person.get_username()
    now = timezone.now()
    period = period_of(request, timezone.localdate(now))
    start, end = period.bounds
    areas = count in AREA_COUNTS
    if areas:
        behind = selectors.missed_cases_behind(person_id, count, start, end, within=paths)
        behind = behind.select_related("case__category").order_by("filed_at", "pk")
    else:
        behind = selectors.post_facts_behind(facts, post, person_id, count, start, end)
        behind = behind.select_related("case__category").order_by("at", "pk")
    total = behind.count()
    if fmt := request.GET.get("format"):
        if areas:
            header = [_("Case"), _("Category"), _("Source"), _("Filed")]
            body = [
                [f.case.number, _category(f), f.get_source_display(), _local(f.filed_at)]
                for f in behind
            ]
        else:
            header = [_("Case"), _("Category"), _("Step"), _("Due from"), _("Due by")]
            header += [_("Done"), _("On time"), _("Held")]
            body = [
                [
                    f.case.number,
                    _category(f),
                    f.get_stage_display(),
                    _local(f.started_at),
                    _local(f.due_at),
                    _local(f.at),
                    _yes_no(f.on_time),
                    _yes_no(f.held),
                ]
                for f in behind
            ]
        return exports.export_response(
            fmt,
            f"{person.get_username()}-{count}-{period.first}-{period.last}",
            header,
            body,
            stream=False,
        )
    query = {"post": post, "person": person_id, "count": count, **period.query}
    return render(
        request,
        "evaluation/post_steps.html",
        {
            "name": name,
            "post_label": POST_LABELS[post],
            "count_label": definitions.POST_COUNT_LABELS[count],
            "areas": areas,
            "rows": list(behind[:DRILL_MAX]),
            "total": total,
            "shown": min(total, DRILL_MAX),
            "period": period,
            "back": reverse("evaluation:posts") + "?" + urlencode({"post": post, **period.query}),
            "csv_url": "?" + urlencode({**query, "format": "csv"}),
        },
    )


def _category(fact) -> str:
    return fact.case.category.name if fact.case.category_id else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("yes") if value else _("no"))
