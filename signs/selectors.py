"""Reading the sign index: the areas a user may look at, the latest computed day, and one area's
values as the tree (goals -> groups -> leaves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from areas.models import AdminArea
from org.selectors import ALL, visible_area_paths
from signs.measures import When
from signs.models import Level, SignTree, SignValue
from signs.tree import active_tree


def scope_roots(user) -> list[AdminArea]:
    """The areas at the top of the user's scope (the city for the whole city); [] for none."""
    paths = visible_area_paths(user)
    if paths is ALL:
        return list(AdminArea.objects.filter(parent__isnull=True).order_by("code"))
    return list(AdminArea.objects.filter(path__in=paths).order_by("path"))


def area_in_scope(user, code: str | None) -> AdminArea | None:
    """The area with ``code`` if the user may see it (default: the first root of the scope)."""
    roots = scope_roots(user)
    if not code:
        return roots[0] if roots else None
    area = AdminArea.objects.filter(code=code).first()
    if area is None or not any(area.path.startswith(r.path) for r in roots):
        return None
    return area


def latest_day(tree: SignTree) -> date | None:
    """The latest day with day values."""
    return SignValue.objects.filter(tree=tree, hour=None).aggregate(day=Max("day"))["day"]


def latest_hour(tree: SignTree) -> tuple[date, int] | None:
    """(day, hour) of the latest hourly values (the index "now"), None before any."""
    found = (
        SignValue.objects.filter(tree=tree, hour__isnull=False)
        .order_by("-day", "-hour")
        .values_list("day", "hour")
        .first()
    )
    return tuple(found) if found else None


def current_hour(tree: SignTree) -> tuple[date, int] | None:
    """The latest hour if it is newer than the latest day (hours stop being "now" once the
    worker stops computing them while the days go on), else None."""
    found = latest_hour(tree)
    day = latest_day(tree)
    if found is None:
        return None
    if day is not None and When.of_hour(*found).end <= When.of_day(day).end:
        return None  # the latest day's values cover that hour (an hour 23: the same 24 hours)
    return found


HOURS_SHOWN = 48


def hourly_trend(
    tree: SignTree, area: AdminArea, day: date, hour: int, count: int = HOURS_SHOWN
) -> list[tuple[datetime, float | None, str]]:
    """The index of ``area`` for the ``count`` hours up to (day, hour), oldest first:
    (the hour's end, score, colour); an hour not computed has no score."""
    end = When.of_hour(day, hour).end
    first = end - timedelta(hours=count)
    rows = SignValue.objects.filter(
        tree=tree,
        area_path=area.path,
        node__level=Level.INDEX,
        hour__isnull=False,
        day__gte=timezone.localdate(first),
        day__lte=day,
    ).values_list("day", "hour", "score", "colour")
    found = {When.of_hour(d, h).end: (score, colour) for d, h, score, colour in rows}
    hours = [first + timedelta(hours=i + 1) for i in range(count)]
    return [(at, *found.get(at, (None, ""))) for at in hours]


def node_trend(value: SignValue, days: int = 30, hours: int = HOURS_SHOWN) -> dict:
    """The score of ``value``'s node in its area over the ``days`` days up to its day and the
    ``hours`` hours up to its hour (a day value: up to the end of its day), oldest first:
    ``{"days": [{"at", "score", "raw", "colour", "pk"}], "hours": [...]}``; a period not
    computed has no score and no pk. Hourly values are kept a week: older hours are empty."""

    def points(rows, stamps, key):
        found = {key(r): r for r in rows}
        return [
            {"at": at.isoformat(), "score": r["score"], "raw": r["raw"], "colour": r["colour"],
             "pk": r["pk"]} if (r := found.get(at)) else
            {"at": at.isoformat(), "score": None, "raw": None, "colour": "", "pk": None}
            for at in stamps
        ]  # fmt: skip

    mine = SignValue.objects.filter(tree_id=value.tree_id, node_id=value.node_id,
                                    area_path=value.area_path)  # fmt: skip
    fields = ("pk", "day", "hour", "score", "raw", "colour")
    first_day = value.day - timedelta(days=days - 1)
    day_rows = mine.filter(hour=None, day__gte=first_day, day__lte=value.day).values(*fields)
    end = (
        When.of_day(value.day).end
        if value.hour is None
        else When.of_hour(value.day, value.hour).end
    )
    first = end - timedelta(hours=hours)
    hour_rows = mine.filter(hour__isnull=False, day__gte=timezone.localdate(first),
                            day__lte=value.day).values(*fields)  # fmt: skip
    return {
        "days": points(day_rows, [first_day + timedelta(days=i) for i in range(days)],
                       lambda r: r["day"]),
        "hours": points(hour_rows, [first + timedelta(hours=i + 1) for i in range(hours)],
                        lambda r: When.of_hour(r["day"], r["hour"]).end),
    }  # fmt: skip


TREND_DAYS = 30


@dataclass
class Row:
    value: SignValue
    children: list[Row] = field(default_factory=list)
    trend: list[tuple[date, float | None]] = field(default_factory=list)

    @property
    def node(self):
        return self.value.node


def tree_of(tree: SignTree, area: AdminArea, day: date, hour: int | None = None) -> Row | None:
    """The index of ``area`` on ``day`` (or as ``hour`` of it ended) with its goals, groups
    and leaves beneath (only the nodes computed for the area's tier); the trends are days."""
    values = list(
        SignValue.objects.filter(tree=tree, area_path=area.path, day=day, hour=hour)
        .select_related("node")
        .order_by("node__position", "node__code")
    )
    rows = {v.node_id: Row(v) for v in values}
    first = day - timedelta(days=TREND_DAYS - 1)
    scores: dict[int, dict[date, float | None]] = {}
    history = SignValue.objects.filter(
        tree=tree, area_path=area.path, day__gte=first, day__lte=day, hour=None
    ).values_list("node_id", "day", "score")
    for node, when, score in history:
        scores.setdefault(node, {})[when] = score
    days = [first + timedelta(days=i) for i in range(TREND_DAYS)]
    for node, row in rows.items():
        row.trend = [(d, scores.get(node, {}).get(d)) for d in days]
    root = None
    for row in rows.values():
        if row.node.level == Level.INDEX:
            root = row
        elif row.node.parent_id in rows:
            rows[row.node.parent_id].children.append(row)
    return root


def child_areas(tree: SignTree, area: AdminArea, day: date) -> list[tuple[AdminArea, SignValue]]:
    """The areas one tier below with their index value of the day."""
    children = list(AdminArea.objects.filter(parent=area).order_by("code"))
    found = {
        v.area_path: v
        for v in SignValue.objects.filter(
            tree=tree,
            day=day,
            hour=None,
            node__level=Level.INDEX,
            area_path__in=[a.path for a in children],
        )
    }
    return [(a, found[a.path]) for a in children if a.path in found]


def current_tree() -> SignTree | None:
    return active_tree()
