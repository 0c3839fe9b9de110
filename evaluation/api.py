"""/api/v1/evaluation: the numbers of the evaluation pages, for other systems (mounted by
cityops/api.py).

- ``GET /evaluation/departments?from=&to=&kind=``: the department ranking of a period (dates
  inclusive; default this month) with every counted fact and indicator
  (evaluation.definitions), ranked by 按期处置率.
- ``GET /evaluation/departments/{code}/tasks?count=&from=&to=&kind=&limit=&offset=``: the tasks
  one count is made of (a ranking cell's drill-down), with their case numbers.
- ``GET /evaluation/regions?tier=&from=&to=&kind=``: the regions of a tier (区域评价), ranked by
  按期结案率, with their most filed categories.
- ``GET /evaluation/headline?from=&to=&kind=``: the period's headline (总览) of the caller's
  scope: every region count, the indicators, and the filed cases by source.
- ``GET /evaluation/regions/{code}/cases?count=&from=&to=&kind=&limit=&offset=``: the cases one
  region count is made of.
- ``GET /evaluation/posts?post=&from=&to=``: the people of one post (岗位评价: inspectors, intake
  operators, shift leaders, dispatchers, disposers) whose steps lie in the caller's area scope,
  with the post's counts and indicators, scored by the post's scheme; a caller who is not a
  leader, shift leader or administrator gets their own row only.

Scope as on the pages: a leader and the desk roles see the departments of their area scope, a
department's staff their own department; anyone else gets 403. A department outside the
caller's scope is 404.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from areas.api import ErrorOut
from core.errors import NotFound, PermissionDenied, ValidationFailed
from evaluation import definitions, schemes, selectors
from evaluation.models import ObjectType

router = Router(tags=["evaluation"])

Kind = Literal["component", "event"]
Count = Literal[definitions.COUNTS]  # the counted facts, as evaluation.definitions lists them
RegionCount = Literal[definitions.REGION_COUNTS]
Tier = Literal[tuple(str(t) for t in selectors.TIERS)]
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
MAX_DAYS = 3700  # ten years: a longer "period" is a mistake, not a report
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class DaysIn(Schema):
    from_: date | None = Field(
        None, alias="from", description="first day (default: 1st of this month)"
    )
    to: date | None = Field(None, description="last day, inclusive (default: today)")


class PeriodIn(DaysIn):
    kind: Kind | None = Field(None, description="only 部件 (component) or 事件 (event) cases")


class RankingIn(PeriodIn):
    scheme: int | None = Field(
        None, description="evaluation scheme id (default: the one in use for this object type)"
    )


class SchemeRefOut(Schema):
    id: int
    name: str


class TasksIn(PeriodIn):
    count: Count = Field(description="the counted fact whose tasks are listed")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class DepartmentRefOut(Schema):
    code: str
    name: str


class RankingRowOut(Schema):
    rank: int
    department: DepartmentRefOut
    score: Decimal | None = Field(None, description="composite score 综合指标值 (0-100)")
    grade: str = Field("", description="A-E by the scheme's bands; empty without a score")
    counts: dict[str, int] = Field(description="every counted fact (evaluation.definitions)")
    values: dict[str, Decimal | None] = Field(
        description="every indicator; percentages 0-100 with two decimals, null when the "
        "denominator is empty; mean_hours in working hours"
    )


class RankingOut(Schema):
    first: date
    last: date
    kind: str | None
    scheme: SchemeRefOut | None
    rows: list[RankingRowOut]


class TaskFactOut(Schema):
    case: str = Field(description="case number")
    task: int
    dispatched_at: datetime
    deadline_at: datetime
    settled_at: datetime | None
    outcome: str
    on_time: bool | None
    reworks: int
    extended: bool


class TasksOut(Schema):
    count: int = Field(description="how many tasks the number counts")
    items: list[TaskFactOut]


def _bounds(period: PeriodIn) -> tuple[date, date, datetime, datetime]:
    today = timezone.localdate()
    first = period.from_ or today.replace(day=1)
    last = period.to or today
    if last < first:
        raise ValidationFailed(
            _("The period ends (%(last)s) before it starts (%(first)s).")
            % {"first": first, "last": last},
            details={"field": "to"},
        )
    if (last - first).days > MAX_DAYS:
        raise ValidationFailed(
            _("A period is at most %(n)d days long.") % {"n": MAX_DAYS}, details={"field": "from"}
        )
    return (first, last, *selectors.day_bounds(first, last))


def _scored(rows: list[dict], object_type: str, pk: int | None) -> dict | None:
    """Score and rank ``rows`` by the scheme asked for (or the one in use); its reference."""
    scheme = schemes.active_scheme(object_type, pk)
    if scheme is None:
        return None
    schemes.score_rows(rows, scheme)
    return {"id": scheme.pk, "name": scheme.name}


def _scope(request):
    facts, departments = selectors.scoped_facts(request.user)
    if facts is None:
        raise PermissionDenied(
            _("Evaluation is for leaders, the desk and the departments evaluated."),
            code="role_required",
        )
    return facts, departments


@router.get(
    "/evaluation/departments",
    response={200: RankingOut, **ERRORS},
    summary="Department ranking of a period (专业部门评价)",
)
def department_ranking(request, period: Query[RankingIn]):
    _scope(request)
    _facts, departments = selectors.ranking_population(request.user)
    first, last, start, end = _bounds(period)
    rows = selectors.department_ranking(departments, start, end, kind=period.kind)
    scheme = _scored(rows, ObjectType.DEPARTMENT, period.scheme)
    own = selectors.own_department(request.user)
    if own is not None:  # a department sees itself and its rank, not the others
        rows = [r for r in rows if r["department"].pk == own]
    return {
        "first": first,
        "last": last,
        "kind": period.kind,
        "scheme": scheme,
        "rows": [
            {
                "rank": row["rank"],
                "department": {"code": row["department"].code, "name": row["department"].name},
                "counts": row["counts"],
                "values": row["values"],
                "score": row.get("score"),
                "grade": row.get("grade", ""),
            }
            for row in rows
        ],
    }


@router.get(
    "/evaluation/departments/{code}/tasks",
    response={200: TasksOut, **ERRORS},
    summary="The tasks behind one number of a department (drill-down)",
)
def department_tasks(request, code: str, query: Query[TasksIn]):
    facts, departments = _scope(request)
    department = departments.filter(code=code[:50]).first()
    if department is None:
        raise NotFound(_("No department %(code)s that you may see.") % {"code": code[:50]})
    _first, _last, start, end = _bounds(query)
    if query.kind:
        facts = facts.filter(category_kind=query.kind)
    behind = selectors.facts_behind(
        facts.filter(department=department), query.count, start, end
    ).select_related("case")
    total = behind.count()
    rows = behind.order_by("deadline_at", "pk")[query.offset : query.offset + query.limit]
    return {
        "count": total,
        "items": [
            {
                "case": f.case.number,
                "task": f.task_id,
                "dispatched_at": f.started_at,
                "deadline_at": f.deadline_at,
                "settled_at": f.settled_at,
                "outcome": f.outcome,
                "on_time": f.on_time,
                "reworks": f.reworks,
                "extended": f.extended,
            }
            for f in rows
        ],
    }


class RegionsIn(RankingIn):
    tier: Tier | None = Field(
        None, description="district, street, community or grid (default: one below your scope)"
    )


class RegionCasesIn(PeriodIn):
    count: RegionCount = Field(description="the counted fact whose cases are listed")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class CategoryCountOut(Schema):
    name: str
    filed: int


class RegionRowOut(Schema):
    rank: int
    code: str
    name: str
    score: Decimal | None = Field(None, description="composite score 综合指标值 (0-100)")
    grade: str = Field("", description="A-E by the scheme's bands; empty without a score")
    counts: dict[str, int] = Field(description="every counted fact (evaluation.definitions)")
    values: dict[str, Decimal | None] = Field(
        description="every indicator; percentages 0-100 with two decimals, null when the "
        "denominator is empty"
    )
    top_categories: list[CategoryCountOut] = Field(description="most filed categories 高发类别")


class RegionRankingOut(Schema):
    first: date
    last: date
    kind: str | None
    tier: str
    scheme: SchemeRefOut | None
    rows: list[RegionRowOut]


class HeadlineOut(Schema):
    code: str
    name: str
    counts: dict[str, int]
    values: dict[str, Decimal | None]
    filed_by_source: dict[str, int] = Field(description="source channel -> cases filed")


class HeadlinesOut(Schema):
    first: date
    last: date
    kind: str | None
    areas: list[HeadlineOut] = Field(description="one per area the caller's scope is rooted at")


class CaseFactOut(Schema):
    case: str = Field(description="case number")
    source: str
    filed_at: datetime
    deadline_at: datetime | None
    settled_at: datetime | None
    outcome: str
    on_time: bool | None
    reworks: int
    reports: int
    rating: int | None


class RegionCasesOut(Schema):
    count: int = Field(description="how many cases the number counts")
    items: list[CaseFactOut]


def _region_scope(request):
    facts, paths = selectors.scoped_case_facts(request.user)
    if facts is None:
        raise PermissionDenied(
            _("Region evaluation is for leaders and the desk."), code="role_required"
        )
    return facts, paths


@router.get(
    "/evaluation/regions",
    response={200: RegionRankingOut, **ERRORS},
    summary="Region ranking of a period (区域评价)",
)
def region_ranking(request, query: Query[RegionsIn]):
    _facts, paths = _region_scope(request)
    first, last, start, end = _bounds(query)
    tier = query.tier or selectors.default_tier(paths)
    rows = selectors.region_ranking(tier, start, end, kind=query.kind, within=paths)
    scheme = _scored(rows, ObjectType.REGION, query.scheme)
    return {
        "first": first,
        "last": last,
        "kind": query.kind,
        "tier": tier,
        "scheme": scheme,
        "rows": [
            {
                "rank": row["rank"],
                "code": row["code"],
                "name": row["name"],
                "score": row.get("score"),
                "grade": row.get("grade", ""),
                "counts": row["counts"],
                "values": row["values"],
                "top_categories": [{"name": n, "filed": c} for n, c in row["top"]],
            }
            for row in rows
        ],
    }


@router.get(
    "/evaluation/headline",
    response={200: HeadlinesOut, **ERRORS},
    summary="The period at a glance (总览): cases by source, closing, hard cases, satisfaction",
)
def headline(request, period: Query[PeriodIn]):
    _facts, paths = _region_scope(request)
    first, last, start, end = _bounds(period)
    return {
        "first": first,
        "last": last,
        "kind": period.kind,
        "areas": [
            {
                "code": head["region"].code,
                "name": head["region"].name,
                "counts": head["counts"],
                "values": head["values"],
                "filed_by_source": {source: n for source, _label, n in head["sources"]},
            }
            for head in selectors.headline(paths, start, end, kind=period.kind)
        ],
    }


@router.get(
    "/evaluation/regions/{code}/cases",
    response={200: RegionCasesOut, **ERRORS},
    summary="The cases behind one number of a region (drill-down)",
)
def region_cases(request, code: str, query: Query[RegionCasesIn]):
    facts, paths = _region_scope(request)
    region = selectors.region_of_code(code, paths)
    if region is None:
        raise NotFound(_("No area %(code)s that you may see.") % {"code": code[:20]})
    _first, _last, start, end = _bounds(query)
    if query.kind:
        facts = facts.filter(category_kind=query.kind)
    behind = selectors.region_facts_behind(
        facts, region.path, query.count, start, end
    ).select_related("case")
    total = behind.count()
    rows = behind.order_by("filed_at", "pk")[query.offset : query.offset + query.limit]
    return {
        "count": total,
        "items": [
            {
                "case": f.case.number,
                "source": f.source,
                "filed_at": f.filed_at,
                "deadline_at": f.deadline_at,
                "settled_at": f.settled_at,
                "outcome": f.outcome,
                "on_time": f.on_time,
                "reworks": f.reworks,
                "reports": f.reports,
                "rating": f.rating,
            }
            for f in rows
        ],
    }


# --- Posts (岗位评价) --------------------------------------------------------------------------

Post = Literal[definitions.POSTS]


class PostsIn(DaysIn):
    post: Post = Field("inspector", description="the post: its people's own steps are counted")
    scheme: int | None = Field(
        None, description="evaluation scheme id (default: the one in use for this post)"
    )


class PersonOut(Schema):
    username: str
    name: str


class PostRowOut(Schema):
    rank: int
    person: PersonOut
    score: Decimal | None = Field(None, description="composite score 综合指标值 (0-100)")
    grade: str = Field("", description="A-E by the scheme's bands; empty without a score")
    counts: dict[str, int] = Field(description="every counted fact of a person (Posts)")
    values: dict[str, Decimal | None] = Field(
        description="the post's indicators; percentages 0-100, null when the denominator is empty"
    )


class PostRankingOut(Schema):
    first: date
    last: date
    post: str
    scheme: SchemeRefOut | None
    rows: list[PostRowOut]


@router.get(
    "/evaluation/posts",
    response={200: PostRankingOut, **ERRORS},
    summary="The people of one post ranked for a period (岗位评价)",
)
def post_ranking(request, query: Query[PostsIn]):
    facts, paths = selectors.scoped_post_facts(request.user)
    if facts is None:
        raise PermissionDenied(
            _("Post evaluation is for leaders, the desk and administrators."),
            code="role_required",
        )
    first, last, start, end = _bounds(query)
    rows = selectors.post_ranking(facts, query.post, start, end, within=paths)
    scheme = _scored(rows, query.post, query.scheme)
    own = selectors.own_person(request.user)
    if own is not None:  # their own row and rank, not a colleague's
        rows = [r for r in rows if r["person"].pk == own]
    return {
        "first": first,
        "last": last,
        "post": query.post,
        "scheme": scheme,
        "rows": [
            {
                "rank": row["rank"],
                "person": {"username": row["person"].get_username(), "name": row["name"]},
                "counts": row["counts"],
                "values": row["values"],
                "score": row.get("score"),
                "grade": row.get("grade", ""),
            }
            for row in rows
        ],
    }
