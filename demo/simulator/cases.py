"""Cases producer: new reports at the demo city's daily rate (faster by ``--speed``), and the
people who move them along the loop (file, route, accept, dispose, check, close; some returns,
reworks, extensions, suspensions, upgrades) through the real services (``demo.mover``).

The producer moves the cases it reported (external id ``sim-...``) and the cases the demo's
sensors and cameras open (source ``iot``, or a camera id of the demo): the seeded backlog and
whatever people report in the demo are left to the people using it. A case someone moved by
hand simply continues from where they left it. A few cases stall with their department on
purpose (``demo.story.P_STALL``): those turn yellow and red for the workbench to show.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime

from django.db.models import Q

from cases.models import Case
from cases.states import FINAL_CASE_STATUSES, SourceChannel
from core.errors import DomainError
from demo import texts
from demo.arrivals import Catalogue, make_arrival
from demo.cast import Cast
from demo.mover import CaseMover
from demo.places import Places
from demo.seed_cases import report
from demo.seed_devices import CAMERA_PREFIX
from demo.simulator import World, register
from demo.story import LOCAL, Temperament

logger = logging.getLogger(__name__)

DAILY_REPORTS = 50  # the demo city's real rate (seed_demo's sixty days have the same)
SIM_PREFIX = "sim-"
SECONDS_PER_DAY = 86400
NIGHT_SHARE = 0.3  # of the daily average rate, at least, whatever the hour


def managed() -> Q:
    """The open cases this producer moves along."""
    return (
        Q(source_ref__startswith=SIM_PREFIX)
        | Q(source=SourceChannel.IOT)
        | Q(source=SourceChannel.VIDEO_AI, source_ref__startswith=CAMERA_PREFIX)
    ) & ~Q(status__in=FINAL_CASE_STATUSES)


class CaseProducer:
    name = "cases"

    def __init__(self, world: World) -> None:
        self.world = world
        self.places = Places.load()
        self.cast = Cast.load()
        self.catalogue = Catalogue()
        self.mover = CaseMover(cast=self.cast, seed=world.seed)
        self.rng = random.Random(f"{world.seed}:simulate:{world.started.isoformat()}")
        self.owed = 0.0  # reports due but not yet made (fractions carry over)
        self.last: datetime | None = None
        self.temperaments: dict[int, Temperament] = {}
        # case id -> (version seen, when its next move is due, or None: waits for a person)
        self.schedule: dict[int, tuple[int, datetime | None]] = {}

    # --- new reports -----------------------------------------------------------------------------
    def reports_due(self, now: datetime) -> int:
        if self.world.once:
            return 1
        if self.last is None:
            self.last = now
            return 0
        seconds = max(0.0, (now - self.last).total_seconds())
        self.last = now
        hour = now.astimezone(LOCAL).hour
        weights = texts.HOURLY["public"]
        # This hour against the day's average; a demo shown at night still sees some reports.
        share = max(NIGHT_SHARE, weights[hour] / (sum(weights) / 24))
        self.owed += DAILY_REPORTS * self.world.speed * share * seconds / SECONDS_PER_DAY
        count = int(self.owed)
        self.owed -= count
        return count

    def report_one(self, now: datetime) -> Case | None:
        source = texts.pick_source(self.rng)
        arrival = make_arrival(
            self.rng,
            key="",
            at=now,
            source=source,
            problem=self.catalogue.pick(self.rng, source),
            catalogue=self.catalogue,
            places=self.places,
        )
        external_id = f"{SIM_PREFIX}{self.world.seed}-{uuid.uuid4().hex[:16]}"
        arrival.key = external_id
        result = report(arrival, cast=self.cast, now=now, external_id=external_id)
        if result.created:
            self.temperaments[result.case.pk] = arrival.temperament
            self.world.say(f"reported {result.case.number} via {source}: {arrival.description}")
            return result.case
        return None

    # --- moves -----------------------------------------------------------------------------------
    def _due(self, case: Case, now: datetime) -> datetime | None:
        temperament = self.temperaments.get(case.pk) or self.mover.temperament(case)
        move = self.mover.next_move(case, temperament, last=case.updated_at)
        if move is None:
            return None
        if self.world.once:
            return now
        # Realistic waits, shortened by the speed-up; the move itself happens in real time.
        return case.updated_at + (move.due - case.updated_at) / self.world.speed

    def move_due(self, now: datetime) -> int:
        moved = 0
        rows = Case.objects.filter(managed()).values_list("pk", "version").order_by("pk")
        seen = set()
        for pk, version in rows:
            seen.add(pk)
            planned = self.schedule.get(pk)
            if planned is None or planned[0] != version:
                case = Case.objects.select_related("category").get(pk=pk)
                planned = (version, self._due(case, now))
                self.schedule[pk] = planned
            due = planned[1]
            if due is None or due > now:
                continue
            case = Case.objects.select_related("category").get(pk=pk)
            temperament = self.temperaments.get(pk) or self.mover.temperament(case)
            move = self.mover.next_move(case, temperament, last=case.updated_at)
            if move is None:
                continue
            try:
                self.mover.perform(move, case)
            except DomainError as exc:  # someone moved it meanwhile, or a rule refuses
                logger.info("simulator: %s %s refused: %s", case.number, move.kind, exc.message)
                self.schedule.pop(pk, None)
                continue
            moved += 1
            self.world.say(f"{case.number}: {move.kind}")
        for pk in set(self.schedule) - seen:  # closed, voided or deleted meanwhile
            del self.schedule[pk]
        return moved

    def tick(self, now: datetime) -> int:
        made = sum(1 for _ in range(self.reports_due(now)) if self.report_one(now))
        return made + self.move_due(now)


@register("cases")
def cases(world: World) -> CaseProducer:
    return CaseProducer(world)
