"""Limits on failed attempts, kept in Django's cache (the portal's look-up by case number +
phone, log-ins).

A scope (one IP address, one case number) has ``attempts`` slots. An attempt claims a free slot
with ``cache.add``, which is atomic on every backend (LocMemCache's lock, Redis ``SET NX``, the
database cache's insert); a failed attempt leaves its slot to expire ``window`` after it, a
successful one gives it back. So at most ``attempts`` failures fall in any ``window``, requests
racing each other included, and the slots remember when they were taken (for Retry-After).

With REDIS_URL set (the scale-out profile) the cache is Redis (cityops.settings.cache_config), so
the limit holds across web workers; the embedded profile's LocMemCache lives in its one process.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache

KEY_PREFIX = "throttle"


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window: timedelta


def _slot_keys(limit: Limit, scope: str) -> list[str]:
    # Hashed: a case number or an address typed by anyone never becomes a raw cache key.
    digest = hashlib.sha256(scope.encode()).hexdigest()[:32]
    return [f"{KEY_PREFIX}:{limit.name}:{digest}:{i}" for i in range(limit.attempts)]


def claim(limit: Limit, scope: str, *, now: datetime) -> str | None:
    """Take a free slot of ``scope``: its key, or None when ``attempts`` are already used."""
    timeout = math.ceil(limit.window.total_seconds())
    for key in _slot_keys(limit, scope):
        if cache.add(key, now.timestamp(), timeout=timeout):
            return key
    return None


def release(*keys: str) -> None:
    """Give slots back (the attempt succeeded, or was refused before it was tried)."""
    cache.delete_many([key for key in keys if key])


def retry_after(limit: Limit, scope: str, *, now: datetime) -> int:
    """Seconds until the oldest slot of ``scope`` frees up (at least 1)."""
    taken = [t for t in cache.get_many(_slot_keys(limit, scope)).values() if t is not None]
    if not taken:
        return 1
    free_at = min(taken) + limit.window.total_seconds()
    return max(1, math.ceil(free_at - now.timestamp()))


def forget(limit: Limit, scope: str) -> None:
    """Free every slot of ``scope`` (a new password ends an account's lock-out)."""
    cache.delete_many(_slot_keys(limit, scope))


class Exhausted(Exception):
    """Every slot of ``limit`` for ``scope`` is taken; one frees in ``retry_after`` seconds."""

    def __init__(self, limit: Limit, scope: str, retry_after: int) -> None:
        super().__init__(f"{limit.name}: no attempt left for {retry_after} s")
        self.limit = limit
        self.scope = scope
        self.retry_after = retry_after


def claim_all(scopes: Iterable[tuple[Limit, str]], *, now: datetime) -> list[str]:
    """A slot of every ``(limit, scope)``, or none at all: Exhausted for the first full one (the
    slots taken before it are given back: an attempt refused before it is tried costs nothing)."""
    slots: list[str] = []
    for limit, scope in scopes:
        slot = claim(limit, scope, now=now)
        if slot is None:
            release(*slots)
            raise Exhausted(limit, scope, retry_after(limit, scope, now=now))
        slots.append(slot)
    return slots
