"""How a demo case lives: its temperament (will it be returned, reworked, extended...) and the
realistic delays between moves. Pure (no database): ``demo.mover`` acts on it through the
services, and ``demo.seed_cases`` also uses it to write old finished cases in bulk.

Shares are what a city centre sees in a normal month: most cases go straight through; a few
are found false on site (作废), upgraded to urgent (平转急), returned by the first department
(回退), extended (延期), suspended (挂账), sent back after a failed check (返工), finished late,
or stall with a department that does not act (they turn red and get escalated).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")

# Shares of cases (0..1) with each twist.
P_VOID = 0.12  # of reports that need 核实 (citizen, hotline...): nothing found on site
P_UPGRADE = 0.02
P_RETURN = 0.04
P_EXTENSION = 0.04
P_EXTENSION_APPROVED = 0.75
P_SUSPEND = 0.015
P_REWORK = 0.04
P_LATE = 0.12
P_STALL = 0.01

# (shortest, longest) minutes from the previous move to this one, when people are at work.
DELAYS: dict[str, tuple[int, int]] = {
    "verify": (20, 150),
    "void": (5, 40),
    "file": (5, 45),
    "upgrade": (2, 15),
    "route": (3, 25),
    "accept": (10, 90),
    "return": (20, 150),
    "decide_extension": (20, 180),
    "suspend": (60, 480),
    "resume": (1440, 7200),
    "start_check": (30, 240),
    "check": (10, 60),
    "close": (20, 180),
}
FAST = timedelta(minutes=5)  # a showcase case moves every five minutes, day or night
MIN_WORK = timedelta(minutes=10)  # shortest time between accepting and disposing

# Staff work 08:00-18:00 local; a move due outside is made the next morning.
WORK_START, WORK_END = 8, 18
MORNING_SPREAD_MINUTES = 50

# Points where a showcase case stops (``Temperament.hold``): every state and light on screen.
HOLDS = (
    "reported",
    "verifying",
    "filed",
    "returned",
    "dispatched",
    "accepted",
    "extension_requested",
    "suspended",
    "disposed",
    "checking",
    "check_passed",
    "voided",
)


@dataclass(frozen=True)
class Temperament:
    """The twists one case will take; ``hold`` and ``fast`` are for the showcase cases."""

    void: bool = False
    upgrade: bool = False
    returned: bool = False
    extension: str = ""  # "approve", "reject" or "" (no request)
    suspend: bool = False
    rework: bool = False
    late: bool = False
    stall: bool = False
    hold: str = ""
    fast: bool = False

    @property
    def simple(self) -> bool:
        """Straight through (possibly late or voided): what a bulk history row can express."""
        return not (
            self.upgrade
            or self.returned
            or self.extension
            or self.suspend
            or self.rework
            or self.stall
            or self.hold
        )


def temperament(rng: random.Random, *, trusted: bool) -> Temperament:
    """Draw a case's twists (one draw per twist, so shares add up as documented)."""
    extension = ""
    if rng.random() < P_EXTENSION:
        extension = "approve" if rng.random() < P_EXTENSION_APPROVED else "reject"
    return Temperament(
        void=not trusted and rng.random() < P_VOID,
        upgrade=rng.random() < P_UPGRADE,
        returned=rng.random() < P_RETURN,
        extension=extension,
        suspend=rng.random() < P_SUSPEND,
        rework=rng.random() < P_REWORK,
        late=rng.random() < P_LATE,
        stall=rng.random() < P_STALL,
    )


def showcase(hold: str) -> Temperament:
    """A case that moves quickly to ``hold`` (one of HOLDS, or "" for closed) and stays there."""
    if hold and hold not in HOLDS:
        raise ValueError(f"unknown hold {hold!r}; use one of {', '.join(HOLDS)}")
    return Temperament(
        void=hold == "voided",
        returned=hold == "returned",
        extension="approve" if hold == "extension_requested" else "",
        suspend=hold == "suspended",
        hold=hold,
        fast=True,
    )


def wait(rng: random.Random, kind: str, temperament: Temperament | None = None) -> timedelta:
    if temperament is not None and temperament.fast:
        return FAST
    low, high = DELAYS[kind]
    return timedelta(minutes=rng.uniform(low, high))


def dispose_share(rng: random.Random, temperament: Temperament) -> float:
    """Share of the allowed (wall-clock) time used before disposing: late ones pass 1."""
    if temperament.late:
        return rng.uniform(1.1, 2.2)
    return rng.triangular(0.15, 0.95, 0.45)


def office(moment: datetime, rng: random.Random) -> datetime:
    """``moment`` if staff are at work then, else early the next working morning."""
    local = moment.astimezone(LOCAL)
    if WORK_START <= local.hour < WORK_END:
        return moment
    day = local.date() if local.hour < WORK_START else local.date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, WORK_START, tzinfo=LOCAL)
    return start + timedelta(minutes=rng.uniform(0, MORNING_SPREAD_MINUTES))
