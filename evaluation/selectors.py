"""Reading the facts: counted facts per department or region for a period, and the cases
behind a number.

``department_counts`` answers every COUNTS key of evaluation.definitions for each department in
one aggregate query over TaskFact; ``facts_behind`` is the same filter for one count, so a
number and the list it links to cannot differ. ``region_counts`` and ``region_facts_behind`` do
the same for the regions of a tier (区域评价) over CaseFact.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from areas.models import (
    CODE_LENGTH,
    GRID_CODE_LENGTH,
    GRID_LEVEL,
    LEVEL_ORDER,
    AdminArea,
    AreaLevel,
    UnitGrid,
)
from cases import permissions
from cases.states import SourceChannel
from evaluation import definitions, rollups
from evaluation.models import CaseFact, CaseOutcome, Outcome, PostFact, TaskFact
from org.models import Department, Role, StaffProfile
from org.selectors import ALL, minimal_prefixes, scope, staff_profile, visible_area_paths


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the local days ``first`` to ``last``, both included."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    return start, datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def count_filters(start: datetime, end: datetime, now: datetime | None = None) -> dict[str, Q]:
    """The filter of each counted fact (see evaluation.definitions for what each means)."""
    now = now or timezone.now()
    cutoff = min(end, now)  # a running period: overdue means overdue by now
    disposed = Q(outcome=Outcome.DISPOSED) & _within("settled_at", start, end)
    # Still open at the cutoff: not settled, or settled (disposed/returned/cancelled) after it.
    open_then = Q(settled_at__isnull=True) | Q(settled_at__gte=cutoff)
    overdue = Q(started_at__lt=cutoff, deadline_at__lt=cutoff) & open_then
    return {
        "disposed": disposed,
        "disposed_on_time": disposed & Q(on_time=True),
        "overdue_open": overdue,
        "due": disposed | overdue,
        "reworked": disposed & Q(reworks__gt=0),
        "extended": disposed & Q(extended=True),
        "dispatched": _within("started_at", start, end),
        "returned": Q(outcome=Outcome.RETURNED) & _within("settled_at", start, end),
        "rated": _within("rated_at", start, end),
        "satisfied": _within("rated_at", start, end) & Q(rating__gte=definitions.SATISFIED_FROM),
    }


def department_counts(
    facts: QuerySet[TaskFact], start: datetime, end: datetime, *, now: datetime | None = None
) -> dict[int, dict[str, int]]:
    """department id -> {count key: number} for the period (departments with any fact)."""
    filters = count_filters(start, end, now)
    aggregates = {key: Count("pk", filter=q) for key, q in filters.items()}
    aggregates["work_seconds"] = Sum("work_seconds", filter=filters["disposed"])
    aggregates["checked"] = Sum("reworks", filter=filters["disposed"])
    rows = facts.values("department_id").annotate(**aggregates).order_by("department_id")
    result = {}
    for row in rows:
        department = row.pop("department_id")
        row["work_seconds"] = row["work_seconds"] or 0
        # Every disposal was checked once more than it failed: passes + failures.
        row["checked"] = row["disposed"] + (row["checked"] or 0)
        if any(row.values()):
            result[department] = row
    return result


def facts_behind(
    facts: QuerySet[TaskFact],
    count: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
) -> QuerySet[TaskFact]:
    """The facts one count is made of (a ranking cell's drill-down)."""
    key = "disposed" if count in ("work_seconds", "checked") else count
    return facts.filter(count_filters(start, end, now)[key])


RANKING_ROLES = frozenset(
    {Role.LEADER, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ACCEPTOR, Role.ADMIN}
)


def scoped_facts(user):
    """The facts the user may count: their area scope; a department's staff, their department."""
    role = permissions.role_of(user)
    facts = TaskFact.objects.all()
    departments = Department.objects.all()
    if role in RANKING_ROLES:
        paths = visible_area_paths(user)
        if paths is not ALL:
            where = Q(pk__in=[])  # no area at all: nothing
            for path in paths:
                where |= Q(area__path__startswith=path)
            departments = departments.filter(where)
            facts = facts.filter(department__in=departments)
        return facts, departments
    profile = staff_profile(user)
    if profile is not None and profile.department_id:
        departments = departments.filter(pk=profile.department_id)
        return facts.filter(department_id=profile.department_id), departments
    return None, None


def own_department(user) -> int | None:
    """The department a department's staff member is ranked as (None for the desk roles and
    leaders, who see every department of their scope)."""
    if permissions.role_of(user) in RANKING_ROLES:
        return None
    profile = staff_profile(user)
    return profile.department_id if profile is not None else None


def ranking_population(user):
    """The facts and departments a ranking is computed over for ``user``: their scope's; for a
    department's staff every department, so their own row carries its true rank (only that
    row is shown to them: ``own_department``)."""
    if own_department(user) is not None:
        return TaskFact.objects.all(), Department.objects.all()
    return scoped_facts(user)


def department_ranking(
    departments: QuerySet[Department],
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    kind: str | None = None,
) -> list[dict]:
    """The rows of these departments for a period (from the rollups), ranked by 按期处置率
    then 处置率 (no rate: last), each ``{"rank", "department", "counts", "values"}``; ``kind``
    narrows to 部件 or 事件 cases."""
    counts = rollups.department_counts(departments, start, end, now=now, kind=kind)
    names = {d.pk: d for d in departments.filter(pk__in=counts)}
    rows = [
        {"department": names[pk], "counts": row, "values": definitions.values(row)}
        for pk, row in counts.items()
        if pk in names
    ]
    rows.sort(
        key=lambda r: (
            r["values"]["on_time_rate"] is None,
            -(r["values"]["on_time_rate"] or 0),
            -(r["values"]["disposal_rate"] or 0),
            r["department"].name,
        )
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


# --- Regions (区域评价) -----------------------------------------------------------------------

# The tiers a region ranking groups by, each with the length of its path prefix: a path is the
# "/"-joined codes of the area and its ancestors, and every code of a level has one length.
TIERS = (AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, GRID_LEVEL)


def tier_path_length(tier: str) -> int:
    """Length of the path of an area (or grid) of ``tier``: "/330200/330203/" is 15."""
    length = 1
    for level in LEVEL_ORDER:
        length += CODE_LENGTH[level] + 1
        if level == tier:
            return length
    return length + GRID_CODE_LENGTH + 1


def region_filters(start: datetime, end: datetime, now: datetime | None = None) -> dict[str, Q]:
    """The filter of each region count over CaseFact (evaluation.definitions says what each
    means)."""
    now = now or timezone.now()
    cutoff = min(end, now)
    filed = _within("filed_at", start, end)
    closed = Q(outcome=CaseOutcome.CLOSED) & _within("settled_at", start, end)
    open_then = Q(settled_at__isnull=True) | Q(settled_at__gte=cutoff)
    disposed_in_time = Q(disposed_at__lt=cutoff, disposed_at__lte=F("deadline_at"))
    overdue = Q(filed_at__lt=cutoff, deadline_at__lt=cutoff) & open_then & ~disposed_in_time
    rated = _within("rated_at", start, end)
    return {
        "filed": filed,
        "inspector_filed": filed & Q(source=SourceChannel.INSPECTOR),
        "public_filed": filed & Q(source__in=definitions.PUBLIC_SOURCES),
        "closed": closed,
        "closed_on_time": closed & Q(on_time=True),
        "overdue_open": overdue,
        "due": closed | overdue,
        "reworked": closed & Q(reworks__gt=0),
        "repeated": filed & Q(reports__gt=1),
        "voided": Q(outcome=CaseOutcome.VOIDED) & _within("settled_at", start, end),
        "hard": filed & (Q(returns__gt=0) | Q(fallback=True)),
        "by_proxy": closed & Q(fallback=True),
        "rated": rated,
        "satisfied": rated & Q(rating__gte=definitions.SATISFIED_FROM),
    }


def region_of(tier: str | None):
    """A fact's (or rollup row's) region at ``tier``: its area path cut to the tier's length;
    ``None``: the path as stored (the grid, or the area a case was placed at), which sums up
    to every tier (``in_tier``)."""
    return F("area_path") if tier is None else Substr("area_path", 1, tier_path_length(tier))


def in_tier(region: str, tier: str | None) -> bool:
    """Whether ``region`` (of ``region_of(tier)``) is an area of the tier: a case placed above
    the tier, e.g. at a district only, is in no region of it."""
    return tier is None or len(region) == tier_path_length(tier)


def region_counts(
    facts: QuerySet[CaseFact],
    tier: str | None,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
) -> dict[str, dict[str, int]]:
    """region path -> {count key: number} for the period, for every region of ``tier`` with
    any fact (``tier`` None: per area path as stored, see ``region_of``)."""
    filters = region_filters(start, end, now)
    aggregates = {key: Count("pk", filter=q) for key, q in filters.items()}
    rows = (
        facts.annotate(region=region_of(tier))
        .values("region")
        .annotate(**aggregates)
        .order_by("region")
    )
    result = {}
    for row in rows:
        region = row.pop("region")
        if in_tier(region, tier) and any(row.values()):
            result[region] = row
    return result


def region_facts_behind(
    facts: QuerySet[CaseFact],
    region: str,
    count: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    source: str | None = None,
) -> QuerySet[CaseFact]:
    """The case facts one region count is made of (a ranking cell's drill-down); ``source``
    narrows to one source channel (the headline's cases by source)."""
    where = region_filters(start, end, now)[count]
    behind = facts.filter(where, area_path__startswith=region)
    return behind.filter(source=source) if source else behind


def scoped_case_facts(user) -> tuple[QuerySet[CaseFact], list[str] | None] | tuple[None, None]:
    """The case facts the user may count and their area scope (``ALL`` or path prefixes):
    region evaluation is for leaders, the desk roles and administrators; None otherwise."""
    if permissions.role_of(user) not in RANKING_ROLES:
        return None, None
    paths = visible_area_paths(user)
    facts = CaseFact.objects.all()
    if paths is not ALL:
        where = Q(pk__in=[])
        for path in paths:
            where |= Q(area_path__startswith=path)
        facts = facts.filter(where)
    return facts, paths


def default_tier(paths) -> str:
    """The tier one below the user's scope: districts for the whole city, a district's streets,
    a street's communities, a community's grids."""
    if paths is ALL or not paths:
        return AreaLevel.DISTRICT
    shortest = min(len(p) for p in paths)
    for tier in TIERS:
        if tier_path_length(tier) > shortest:
            return tier
    return GRID_LEVEL


def region_names(paths) -> dict[str, str]:
    """path -> the area's or grid's name."""
    paths = list(paths)
    if len(paths) <= NAMED_IN_QUERY:
        found = dict(AdminArea.objects.filter(path__in=paths).values_list("path", "name"))
        found.update(UnitGrid.objects.filter(path__in=paths).values_list("path", "name"))
        return found
    # Thousands of grids: every name under their common prefix is fewer bytes than the paths.
    prefix = os.path.commonprefix(paths)
    wanted, found = set(paths), {}
    for model in (AdminArea, UnitGrid):
        for path, name in model.objects.filter(path__startswith=prefix).values_list("path", "name"):
            if path in wanted:
                found[path] = name
    return found


NAMED_IN_QUERY = 200


TOP_CATEGORIES = 3


def top_categories(
    regions,
    tier: str,
    start: datetime,
    end: datetime,
    *,
    kind: str | None = None,
    within=None,
    limit: int = TOP_CATEGORIES,
) -> dict[str, list[tuple[str, int]]]:
    """region path -> its most filed categories in the period (高发类别), [(name, count)], at
    most ``limit`` each (``tier`` may be a city for the whole city): from the rollups, or the
    facts for a period that is not whole days."""
    found = rollups.top_categories(regions, tier, start, end, kind=kind, within=within, limit=limit)
    if found is not None:
        return found
    facts = CaseFact.objects.filter(category_kind=kind) if kind else CaseFact.objects.all()
    length = tier_path_length(tier)
    rows = (
        facts.filter(_within("filed_at", start, end), category__isnull=False)
        .annotate(region=Substr("area_path", 1, length))
        .filter(region__in=list(regions))
        .values("region", "category__name")
        .annotate(n=Count("pk"))
        .order_by("region", "-n", "category__name")
    )
    found = {}
    for row in rows:
        top = found.setdefault(row["region"], [])
        if len(top) < limit:
            top.append((row["category__name"], row["n"]))
    return found


def region_ranking(
    tier: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    kind: str | None = None,
    within: list[str] | None = None,
    top: bool = True,
) -> list[dict]:
    """The regions of ``tier`` for a period (from the rollups), ranked by 按期结案率 then
    结案率 (no rate: last), each ``{"rank", "path", "name", "counts", "values", "top"}``;
    ``kind`` narrows to 部件 or 事件 cases, ``within`` to regions under these paths (the user's
    scope; None: all); ``top=False`` leaves the most filed categories out (empty): a ranking
    read only for its order, such as the period before's, or one whose page reads them for
    its own rows (``with_top_categories``)."""
    counts = rollups.region_counts(tier, start, end, now=now, kind=kind, within=within)
    if within is not None:  # regions inside the scope, not the ones it lies in
        counts = {p: c for p, c in counts.items() if any(p.startswith(w) for w in within)}
    names = region_names(list(counts))
    rows = [
        {
            "path": path,
            "code": path.rstrip("/").rsplit("/", 1)[-1],
            "name": names.get(path, path),
            "counts": row,
            "values": definitions.region_values(row),
            "top": [],
        }
        for path, row in counts.items()
    ]
    if top:
        with_top_categories(rows, tier, start, end, kind=kind, within=within)
    rows.sort(
        key=lambda r: (
            r["values"]["on_time_closing_rate"] is None,
            -(r["values"]["on_time_closing_rate"] or 0),
            -(r["values"]["closing_rate"] or 0),
            r["name"],
        )
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def with_top_categories(
    rows: Iterable[dict], tier: str, start: datetime, end: datetime, *, kind=None, within=None
) -> None:
    """Give each of these ranking rows its most filed categories (``top``): a page of a long
    ranking reads them for its own regions (a quarter of 2,000 grids is ~10^5 rollup rows
    for all of them)."""
    rows = list(rows)
    top = top_categories([r["path"] for r in rows], tier, start, end, kind=kind, within=within)
    for row in rows:
        row["top"] = top.get(row["path"], [])


def headline(paths, start: datetime, end: datetime, *, now=None, kind=None) -> list[dict]:
    """The period's headline (年度总览 for a year) of each area the user's scope is rooted at
    (the city for the whole city): every region count and the filed cases by source, each
    ``{"region": Region, "counts", "values", "sources": [(source, label, n)]}``."""
    roots = (
        list(AdminArea.objects.filter(parent__isnull=True).values_list("path", flat=True))
        if paths is ALL
        else list(paths)
    )
    found = []
    for path in roots:
        region = region_of_path(path)
        if region is None:
            continue
        totals = rollups.region_totals(path, start, end, now=now, kind=kind)
        if totals is None:  # not whole days: from the facts
            facts = CaseFact.objects.filter(area_path__startswith=path)
            if kind:
                facts = facts.filter(category_kind=kind)
            totals = _facts_totals(facts, start, end, now)
        counts, by_source = totals
        found.append(
            {
                "region": region,
                "counts": counts,
                "values": definitions.region_values(counts),
                "sources": [
                    (s.value, s.label, by_source[s.value])
                    for s in SourceChannel
                    if by_source.get(s.value)
                ],
            }
        )
    return found


def _facts_totals(facts, start, end, now) -> tuple[dict[str, int], dict[str, int]]:
    aggregates = {key: Count("pk", filter=q) for key, q in region_filters(start, end, now).items()}
    by_source = dict(
        facts.filter(_within("filed_at", start, end))
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    return facts.aggregate(**aggregates), by_source


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    path: str
    tier: str  # an AreaLevel or GRID_LEVEL


def region_of_path(path: str) -> Region | None:
    area = AdminArea.objects.filter(path=path).values_list("code", "name", "level").first()
    if area is None:
        grid = UnitGrid.objects.filter(path=path).values_list("code", "name").first()
        area = (*grid, GRID_LEVEL) if grid else None
    return Region(area[0], area[1], path, area[2]) if area else None


def region_of_code(code: str, paths) -> Region | None:
    """The area or grid with ``code`` if it lies within ``paths`` (ALL or path prefixes)."""
    code = (code or "")[:GRID_CODE_LENGTH]
    area = AdminArea.objects.filter(code=code).values_list("name", "path", "level").first()
    if area is None:
        grid = UnitGrid.objects.filter(code=code).values_list("name", "path").first()
        area = (*grid, GRID_LEVEL) if grid else None
    if area is None:
        return None
    name, path, tier = area
    if paths is not ALL and not any(path.startswith(p) for p in paths):
        return None
    return Region(code, name, path, tier)


# --- Posts (岗位评价) --------------------------------------------------------------------------


# Who sees every person of a post: the leaders, the shift leaders who run the centre's staff,
# administrators. Anyone else evaluated by post (the desk roles, inspectors, disposers) sees their
# own row and rank among the people of their area, never a colleague's numbers or steps.
POST_MANAGERS = frozenset({Role.LEADER, Role.SHIFT_LEADER, Role.ADMIN})
POST_VIEWERS = RANKING_ROLES | {Role.INSPECTOR, Role.DISPOSER}


def scoped_post_facts(user) -> tuple[QuerySet[PostFact], list[str] | None] | tuple[None, None]:
    """The post facts the user's rankings count (岗位评价: steps on the cases of their area
    scope) and that scope (``ALL`` or path prefixes); None for roles not evaluated by post."""
    if permissions.role_of(user) not in POST_VIEWERS:
        return None, None
    return scope(PostFact.objects.all(), user, path_field="area_path"), visible_area_paths(user)


def own_person(user) -> int | None:
    """The user's id when they may see only their own row of a post ranking, else None."""
    if user.is_superuser or permissions.role_of(user) in POST_MANAGERS:
        return None
    return user.pk


def _within_scope(paths: list[str], within) -> list[str]:
    """The parts of ``paths`` inside the scope ``within`` (ALL: all of them), as prefixes."""
    if within is ALL:
        return paths
    kept = [p for p in paths if any(p.startswith(w) for w in within)]
    kept += [w for w in within if any(w.startswith(p) for p in paths)]
    return minimal_prefixes(kept)


def post_filters(start: datetime, end: datetime) -> dict[str, Q]:
    """The filter of each counted fact of a person (evaluation.definitions, Posts)."""
    filters = {}
    for stage in definitions.POST_STAGES:
        done = Q(stage=stage) & _within("at", start, end)
        filters[stage] = done
        filters[f"{stage}_on_time"] = done & Q(on_time=True)
        filters[f"{stage}_held"] = done & Q(held=True)
        filters[f"{stage}_failed"] = done & Q(held=False)
    return filters


def inspector_areas(person_ids) -> dict[int, list[str]]:
    """user id -> the area paths of their scope (an inspector's grids lie under them)."""
    found: dict[int, list[str]] = {}
    through = StaffProfile.areas.through.objects.filter(staffprofile__user_id__in=person_ids)
    for user_id, path in through.values_list("staffprofile__user_id", "adminarea__path"):
        found.setdefault(user_id, []).append(path)
    return found


def missed_counts(
    person_ids, start: datetime, end: datetime, within=ALL
) -> dict[int, dict[str, int]]:
    """user id -> {"missed": cases filed in the period in their areas (the parts inside the
    viewer's scope ``within``) from a public report, "area_filed": every case filed there}
    (漏报数 and its denominator)."""
    areas = {
        person: _within_scope(paths, within)
        for person, paths in inspector_areas(person_ids).items()
    }
    if not areas:
        return {}
    prefixes = sorted({p for paths in areas.values() for p in paths})
    rows = rollups.filed_under(prefixes, start, end)
    if rows is None:  # not whole days: from the facts
        by_path = (
            rollups._under(CaseFact.objects.filter(_within("filed_at", start, end)), prefixes)
            .values("area_path")
            .annotate(
                filed=Count("pk"),
                public=Count("pk", filter=Q(source__in=definitions.PUBLIC_SOURCES)),
            )
        )
        rows = [(r["area_path"], r["filed"], r["public"]) for r in by_path]
    result = {}
    for person, mine in areas.items():
        filed = public = 0
        for path, n, m in rows:
            if any(path.startswith(p) for p in mine):
                filed += n
                public += m
        result[person] = {"missed": public, "area_filed": filed}
    return result


def post_counts(facts: QuerySet[PostFact], post: str, start: datetime, end: datetime) -> dict:
    """person id -> the counts of their steps of ``post`` done in the period (the filters of
    ``post_filters``): the facts grouped by person, step, on time and held, added up here (a
    year of a 2.6 M-case city is ~15 M post facts: 32 filtered counts a row cost three times
    the grouping)."""
    rows = (
        facts.filter(post=post)
        .filter(_within("at", start, end))
        .values("person_id", "stage", "on_time", "held")
        .annotate(n=Count("*"))  # not the id: the covering index has what the query reads
        .order_by()
        .values_list("person_id", "stage", "on_time", "held", "n")
    )
    found: dict[int, Counter] = defaultdict(Counter)
    for person, stage, on_time, held, n in rows:
        if stage not in definitions.POST_STAGES:
            continue
        mine = found[person]
        mine[stage] += n
        if on_time:
            mine[f"{stage}_on_time"] += n
        if held is not None:
            mine[f"{stage}_held" if held else f"{stage}_failed"] += n
    return dict(found)


def post_ranking(
    facts: QuerySet[PostFact], post: str, start: datetime, end: datetime, *, within=ALL
) -> list[dict]:
    """The people of ``post`` with any step in the period, ranked by the post's first rate
    (then its first count), each ``{"rank", "person", "name", "counts", "values"}``."""
    counts = post_counts(facts, post, start, end)
    if post == Role.INSPECTOR:
        missed = missed_counts(list(counts), start, end, within)
        for person, row in counts.items():
            row.update(missed.get(person, {"missed": 0, "area_filed": 0}))
    people = {u.pk: u for u in get_user_model().objects.filter(pk__in=counts)}
    indicators = definitions.POST_INDICATORS[post]
    first_rate = next(i.key for i in indicators if i.denominator)
    first_count = indicators[0].key
    found = []
    for person_id, row in counts.items():
        row = {key: row.get(key, 0) for key in definitions.POST_COUNTS}
        user = people[person_id]
        found.append(
            {
                "person": user,
                "name": user.get_full_name() or user.get_username(),
                "counts": row,
                "values": definitions.post_values(post, row),
            }
        )
    found.sort(
        key=lambda r: (
            r["values"][first_rate] is None,
            -(r["values"][first_rate] or 0),
            -(r["values"][first_count] or 0),
            r["name"],
        )
    )
    for rank, row in enumerate(found, start=1):
        row["rank"] = rank
    return found


def post_facts_behind(
    facts: QuerySet[PostFact], post: str, person_id: int, count: str, start: datetime, end: datetime
) -> QuerySet[PostFact]:
    """The steps one person's count is made of (a ranking cell's drill-down: the same filter)."""
    return facts.filter(post_filters(start, end)[count], post=post, person_id=person_id)


def missed_cases_behind(
    person_id: int, count: str, start: datetime, end: datetime, *, within=ALL
) -> QuerySet[CaseFact]:
    """The cases behind an inspector's 漏报数 (``missed``) or its denominator (``area_filed``),
    in the parts of their areas inside the viewer's scope ``within``."""
    paths = _within_scope(inspector_areas([person_id]).get(person_id, []), within)
    behind = rollups._under(CaseFact.objects.filter(_within("filed_at", start, end)), paths)
    if count == "missed":
        behind = behind.filter(source__in=definitions.PUBLIC_SOURCES)
    return behind


# --- A department's own page: its worst categories ----------------------------------------------


def worst_categories(
    facts: QuerySet[TaskFact],
    department_id: int,
    start: datetime,
    end: datetime,
    *,
    now: datetime | None = None,
    limit: int = 10,
) -> list[dict]:
    """The categories of a department's due tasks in the period (应处置: disposed or overdue,
    as the ranking counts them) where it was late most often (超期: disposed late or still
    overdue), each ``{"category_id", "name", "due", "on_time", "late", "rate"}`` with 按期处置率;
    worst first, then by volume. Categories it was never late in are left out."""
    filters = count_filters(start, end, now)
    rows = (
        facts.filter(filters["due"], department_id=department_id)
        .values("case__category_id", "case__category__name")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=filters["disposed_on_time"]))
        .order_by()
    )
    found = []
    for row in rows:
        late = row["due"] - row["on_time"]
        if late <= 0:
            continue
        found.append(
            {
                "category_id": row["case__category_id"],
                "name": row["case__category__name"] or "—",
                "due": row["due"],
                "on_time": row["on_time"],
                "late": late,
                "rate": definitions.BY_KEY["on_time_rate"].value(
                    {"disposed_on_time": row["on_time"], "due": row["due"]}
                ),
            }
        )
    found.sort(key=lambda r: (-r["late"], -r["due"], r["name"]))
    return found[:limit]
