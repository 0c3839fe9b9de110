"""Transaction-scoped advisory locks (PostgreSQL): writers that must not run side by side take
the same (namespace, key) lock, held until their transaction ends. SQLite needs none: its
IMMEDIATE transactions already let one writer in at a time."""

from __future__ import annotations

from django.db import connection


def hold(namespace: int, key: int) -> None:
    """Wait for and hold lock (``namespace``, ``key``) until the current transaction ends
    (both 32-bit integers); nothing on SQLite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])
