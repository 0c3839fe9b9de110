"""The reports of the demo's history: when, through which channel, what and where.

``plan_arrivals`` spreads reports over the last HISTORY_DAYS days with the daily rhythm of each
channel (``demo.texts``) and fewer on weekends, and ``plan_year`` the year before them (fewer a
day: the evaluation's year tables and trends, 综合评价, have a year to show); ``showcase_arrivals`` adds a few recent cases
that stop in every state, and three whose task is exactly green, yellow and red now. Pure
planning: ``demo.seed_cases`` makes the reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from cases import sla
from cases.states import TRUSTED_BY_DEFAULT, Priority
from cases.states import SourceChannel as S
from catalog.models import Category, FilingStandard
from core.models import TimeUnit
from demo import story, texts
from demo.places import GridPlace, Places
from demo.story import Temperament

HISTORY_DAYS = 60
YEAR_DAYS = 365  # the year before: reports from HISTORY_DAYS to YEAR_DAYS days back
YEAR_SHARE = 2  # reports in the year before: this many times those of the last HISTORY_DAYS
WEEKEND_SHARE = 0.7  # weekend days see this share of a weekday's reports
SHOWCASE_COPIES = 2
# Where the light showcase's clock stands now: share of the allowed time used.
LIGHT_SHARES = {"green": 0.3, "yellow": 0.9, "red": 1.7}
VIDEO_CATEGORIES = frozenset({"09009", "09006", "06010", "09005", "06036"})
URGENT_SHARE = {S.HOTLINE_110: 0.3, S.LEADER_ORDER: 0.5}
URGENT_OTHERWISE = 0.03


@dataclass
class Arrival:
    """One report to make: when, through which channel, what and where."""

    key: str  # the demo's id: the work-order number of a history row, intake data otherwise
    at: datetime
    source: str
    category: Category
    grid: GridPlace
    lon: float
    lat: float
    address: str
    description: str
    priority: str
    temperament: Temperament
    reporter: tuple[str, str] = ("", "")
    standard: FilingStandard | None = None  # forced (showcase lights); else the mover picks

    @property
    def trusted(self) -> bool:
        return self.source in TRUSTED_BY_DEFAULT


class Catalogue:
    """The categories and filing standards the demo's problems name."""

    def __init__(self) -> None:
        self.categories = {(c.kind, c.code): c for c in Category.objects.filter(is_active=True)}
        self.standards: dict[int, list[FilingStandard]] = {}
        for standard in FilingStandard.objects.filter(is_active=True).order_by(
            "sort_order", "code"
        ):
            self.standards.setdefault(standard.category_id, []).append(standard)
        self.problems = [
            p for p in texts.PROBLEMS if self.category(p) is not None and self.standard_list(p)
        ]
        if not self.problems:
            raise LookupError(
                "The catalogue has none of the demo's categories: load_catalog first."
            )

    def category(self, problem: texts.Problem) -> Category | None:
        return self.categories.get((problem.kind, problem.code))

    def standard_list(self, problem: texts.Problem) -> list[FilingStandard]:
        category = self.category(problem)
        return self.standards.get(category.pk, []) if category else []

    def pick(self, rng: random.Random, source: str) -> texts.Problem:
        pool = self.problems
        if source == S.VIDEO_AI:
            pool = [p for p in pool if p.code in VIDEO_CATEGORIES] or pool
        return rng.choices(pool, weights=[p.weight for p in pool])[0]


def _moment(
    rng: random.Random, *, now: datetime, source: str, days: tuple[int, int] = (0, HISTORY_DAYS)
) -> datetime:
    """A report time ``days`` (from, to) days back (the last HISTORY_DAYS days), with the
    channel's hours and fewer on weekends (rejection sampling keeps it simple and exact)."""
    today = timezone.localtime(now).date()
    hours = texts.hourly_weights(source)
    while True:
        day = today - timedelta(days=rng.randrange(*days))
        if day.weekday() >= 5 and rng.random() > WEEKEND_SHARE:
            continue
        hour = rng.choices(range(24), weights=hours)[0]
        local = datetime(day.year, day.month, day.day, hour, tzinfo=story.LOCAL)
        moment = local + timedelta(seconds=rng.randrange(3600))
        if moment <= now:
            return moment


def make_arrival(rng, *, key, at, source, problem, catalogue, places, temperament=None):
    category = catalogue.category(problem)
    grid = places.pick(rng)
    lon, lat = places.point(rng, grid)
    slug, district = places.district_of(grid)
    where = texts.place(rng, slug, district)
    urgent = rng.random() < URGENT_SHARE.get(source, URGENT_OTHERWISE)
    return Arrival(
        key=key,
        at=at,
        source=source,
        category=category,
        grid=grid,
        lon=lon,
        lat=lat,
        address=where,
        description=texts.describe(rng, problem, where),
        priority=Priority.URGENT if urgent else Priority.NORMAL,
        temperament=temperament or story.temperament(rng, trusted=source in TRUSTED_BY_DEFAULT),
        reporter=texts.person(rng) if source in texts.WITH_REPORTER else ("", ""),
    )


def plan_arrivals(
    *,
    seed: int,
    count: int,
    now: datetime,
    places: Places,
    catalogue: Catalogue,
    days: tuple[int, int] = (0, HISTORY_DAYS),
    name: str = "",
) -> list[Arrival]:
    rng = random.Random(f"{seed}:cases{name}")
    arrivals = []
    for index in range(count):
        source = texts.pick_source(rng)
        arrivals.append(
            make_arrival(
                rng,
                key=f"demo{seed}{name}-{index:05d}",
                at=_moment(rng, now=now, source=source, days=days),
                source=source,
                problem=catalogue.pick(rng, source),
                catalogue=catalogue,
                places=places,
            )
        )
    return arrivals


def plan_year(
    *, seed: int, count: int, now: datetime, places: Places, catalogue: Catalogue
) -> list[Arrival]:
    """``count`` reports over the year before the last HISTORY_DAYS days (finished long ago:
    the straight-through ones go in bulk through the historical import)."""
    return plan_arrivals(seed=seed, count=count, now=now, places=places, catalogue=catalogue,
                         days=(HISTORY_DAYS, YEAR_DAYS), name="y")  # fmt: skip


def showcase_arrivals(
    *, seed: int, now: datetime, places: Places, catalogue: Catalogue
) -> list[Arrival]:
    """Cases reported in the last hours that stop in every state, and three lit tasks."""
    rng = random.Random(f"{seed}:showcase")
    made: list[Arrival] = []
    back = timedelta(hours=2)  # enough for ten five-minute moves
    for copy in range(SHOWCASE_COPIES):
        for hold in (*story.HOLDS, ""):
            source = S.CITIZEN if hold in ("verifying", "voided") else S.INSPECTOR
            made.append(
                make_arrival(
                    rng,
                    key=f"demo{seed}-show-{hold or 'closed'}-{copy}",
                    at=now - back + timedelta(minutes=len(made)),
                    source=source,
                    problem=catalogue.pick(rng, source),
                    catalogue=catalogue,
                    places=places,
                    temperament=story.showcase(hold),
                )
            )
        standard = _continuous_standard(catalogue)
        if standard is None:
            continue
        problem = next(
            (p for p in catalogue.problems if catalogue.category(p) == standard.category), None
        )
        for light, share in LIGHT_SHARES.items():
            arrival = make_arrival(
                rng,
                key=f"demo{seed}-show-{light}-{copy}",
                at=now,
                source=S.INSPECTOR,
                problem=problem or catalogue.problems[0],
                catalogue=catalogue,
                places=places,
                temperament=story.showcase("accepted"),
            )
            arrival.category, arrival.standard = standard.category, standard
            arrival.priority = Priority.NORMAL
            allowed = sla.deadline_for(standard, arrival.grid.area_class, now) - now
            # report, file (+5 min), route (+5 min): the clock starts ten minutes after the report
            arrival.at = now - allowed * share - 2 * story.FAST
            made.append(arrival)
    return made


def _continuous_standard(catalogue: Catalogue) -> FilingStandard | None:
    """A standard on the round-the-clock (紧急工作时) clock, so a light is exact at any hour."""
    for problem in catalogue.problems:
        for standard in catalogue.standard_list(problem):
            if standard.time_unit == TimeUnit.URGENT_HOUR:
                return standard
    return None
