"""A year of cases for the demo city, ending now (sixty busy days and the quieter year before
them, for the evaluation's year tables), across every state and light.

Reports arrive with the daily rhythm of their channel (``demo.arrivals``), each with a
temperament (``demo.story``). Two ways in, one set of rules:

* **through the services** (``intake.services.receive_report`` then ``demo.mover``): every
  recent case, every case with a twist (return, extension, suspension, rework, upgrade, stall,
  joint scenario) and a showcase set that stops in each state and light. Moves run at their
  historical times (``now=``), and stop at the present, which is what leaves cases open;
* **in bulk** (``demo.history``: the hotline historical import) for old cases that went
  straight through or were voided: the same timeline written as one history file, about
  thirty times faster. Without the hotline app everything goes through the services.

Side effects of history are muted (no SMS about cases closed weeks ago): seeding runs inside
``cases.hooks.muted()``. At the end the SLA scanner runs twice (the second pass escalates what
the first lit red), so stored lights, reminders and supervision records (督办) match the present.
"""

from __future__ import annotations

import random
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from cases import hooks, sla
from cases.models import Case, Task
from cases.states import OPEN_TASK_STATUSES, CaseStatus
from cases.states import SourceChannel as S
from core.errors import DomainError
from demo import photos, texts
from demo.arrivals import (
    YEAR_SHARE,
    Arrival,
    Catalogue,
    plan_arrivals,
    plan_year,
    showcase_arrivals,
)
from demo.cast import Cast
from demo.history import BULK_AFTER, BulkRoutes, bulk_importer, history_row, import_history
from demo.mover import CaseMover, due_in_office, later
from demo.places import Places
from demo.ratings import rate_closed_cases
from dispatch import scanner
from evaluation import facts as evaluation_facts
from evaluation import posts as evaluation_posts
from intake.services import receive_report

DEFAULT_CASES = 3000


@dataclass
class CaseSeedReport:
    planned: int = 0
    bulk: int = 0
    live: int = 0
    duplicates: int = 0
    rejected: int = 0
    moves: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)
    scan: dict = field(default_factory=dict)
    facts: int = 0  # evaluation facts written for the seeded cases
    post_facts: int = 0  # the staff's steps (岗位评价) among them
    ratings: int = 0  # reporters' ratings (回访) of closed cases


def _actor(cast: Cast, arrival: Arrival):
    if arrival.source == S.INSPECTOR:
        return cast.inspector_for(arrival.grid.path)
    if arrival.source == S.LEADER_ORDER:
        return cast.leader
    if arrival.source in (S.HOTLINE_12345, S.HOTLINE_110, S.MEDIA, S.ONLINE_SENTIMENT):
        return cast.acceptor
    return None  # citizens, Open311 clients and cameras are not staff


def report(arrival: Arrival, *, cast: Cast, now: datetime | None = None, external_id: str = ""):
    """The arrival through intake, as its channel would send it."""
    name, phone = arrival.reporter
    with_photo = arrival.source in texts.WITH_PHOTO
    kind = photos.SNAPSHOT if arrival.source == S.VIDEO_AI else photos.BEFORE
    return receive_report(
        source=arrival.source,
        description=arrival.description,
        lon=arrival.lon,
        lat=arrival.lat,
        address=arrival.address,
        category=arrival.category,
        priority=arrival.priority,
        reporter_name=name,
        reporter_phone=phone,
        photos=[photos.photo(kind, zlib.crc32(arrival.key.encode()))] if with_photo else [],
        external_id=external_id,
        data={"demo": arrival.key},
        actor=_actor(cast, arrival),
        now=now or arrival.at,
    )


def live_case(
    arrival: Arrival, *, mover: CaseMover, cast: Cast, now: datetime, report_: CaseSeedReport
) -> None:
    """Report the arrival and make its moves through the services, up to ``now``."""
    result = report(arrival, cast=cast)
    if not result.created:
        report_.duplicates += 1
        return
    report_.live += 1
    case, last = result.case, arrival.at
    if arrival.standard is not None:
        mover.forced_standards[case.pk] = arrival.standard
    rng = random.Random(f"{arrival.key}:office")
    while True:
        move = mover.next_move(case, arrival.temperament, last=last)
        if move is None:
            return
        due = later(due_in_office(move, arrival.temperament, rng), last)
        if due > now:
            return
        try:
            case = mover.perform(move, case, now=due)
        except DomainError as exc:
            report_.errors.append(f"{case.number} {move.kind}: {exc.message}")
            return
        report_.moves += 1
        last = due


def seed_cases(
    *, seed: int, count: int = DEFAULT_CASES, now: datetime | None = None, places: Places
) -> CaseSeedReport:
    """Report ``count`` cases over the last HISTORY_DAYS days, ``count`` x YEAR_SHARE over the
    year before them (plus the showcase), and move each as far as it has got by ``now``. Call
    inside the seeding transaction."""
    started = time.monotonic()
    now = now or timezone.now()
    report_ = CaseSeedReport()
    catalogue = Catalogue()
    arrivals = plan_arrivals(seed=seed, count=count, now=now, places=places, catalogue=catalogue)
    arrivals += plan_year(
        seed=seed, count=count * YEAR_SHARE, now=now, places=places, catalogue=catalogue
    )
    arrivals += showcase_arrivals(seed=seed, now=now, places=places, catalogue=catalogue)
    report_.planned = len(arrivals)
    cast = Cast.load()
    mover = CaseMover(cast=cast, seed=seed)
    import_file = bulk_importer()
    rows: list[list[str]] = []
    live: list[Arrival] = []
    routes, cutoff = BulkRoutes(), now - BULK_AFTER
    for arrival in arrivals:
        standards = catalogue.standards.get(arrival.category.pk, [])
        row = None
        if import_file is not None and arrival.standard is None:
            row = history_row(arrival, routes=routes, standards=standards, cutoff=cutoff)
        if row is None:
            live.append(arrival)
        else:
            rows.append(row)
    with hooks.muted():
        if rows:
            imported = import_history(rows, import_file)
            report_.bulk, report_.rejected = imported.created, imported.rejected
            report_.errors += imported.problems
        for arrival in sorted(live, key=lambda a: a.at):
            live_case(arrival, mover=mover, cast=cast, now=now, report_=report_)
        # Twice: the first pass lights the backlog, the second escalates what is long overdue.
        scanner.scan(now)
        report_.scan = scanner.scan(now).as_dict()
    report_.ratings = rate_closed_cases(seed=seed, now=now)
    # The muted moves and the bulk history wrote no evaluation facts: write them all at once.
    report_.facts = evaluation_facts.backfill(Case.objects.all())
    report_.post_facts = evaluation_posts.backfill(Case.objects.all())
    report_.statuses = dict(Counter(Case.objects.values_list("status", flat=True)))
    report_.lights = lights_now(now)
    report_.seconds = round(time.monotonic() - started, 1)
    return report_


def lights_now(now: datetime) -> dict[str, int]:
    """Open running tasks by traffic light at ``now`` (cases.sla, as the pages show them)."""
    tasks = Task.objects.filter(
        status__in=OPEN_TASK_STATUSES, case__status=CaseStatus.DISPATCHED, paused_at__isnull=True
    ).select_related("case")
    return dict(Counter(str(sla.traffic_light(task, now)) for task in tasks))
