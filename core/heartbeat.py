"""Heartbeats of periodic jobs (core.models.Heartbeat): ``beat`` after a run, ``lag`` to read it.

One row per job, overwritten: a beat is a single UPDATE (an INSERT the first time), cheap
enough for a job that runs every minute.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

from core.models import Heartbeat

SLA_SCAN = "sla_scan"


def beat(name: str, *, seconds: float = 0.0, at: datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": at or timezone.now(), "seconds": seconds}
    )


@contextmanager
def beating(name: str) -> Iterator[None]:
    """Beat ``name`` once the block finishes without an exception (a failing job goes stale)."""
    started = time.monotonic()
    yield
    beat(name, seconds=time.monotonic() - started)


def lag(name: str, *, now: datetime | None = None) -> float | None:
    """Seconds since ``name`` last finished, or None if it never has."""
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    if at is None:
        return None
    return max(0.0, ((now or timezone.now()) - at).total_seconds())
