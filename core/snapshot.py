"""Reads that all see one moment (一致性快照), for checks that compare two tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def snapshot() -> Iterator[None]:
    """A transaction whose reads see the same committed state: REPEATABLE READ on PostgreSQL
    (unless already inside a transaction, where the level can no longer be chosen); SQLite has
    one writer at a time. Writers that keep two tables in step in one transaction (triggers,
    facts and rollups) then look consistent to a check reading both."""
    choose = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if choose:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
