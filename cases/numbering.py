"""Case numbers: city prefix + local date + daily sequence, e.g. ``NB2026112300001``.

The sequence is one CaseSequence row per local day, bumped by a single
``UPDATE ... SET last = last + 1 ... RETURNING last`` (PostgreSQL and SQLite >= 3.35): the row
lock (PostgreSQL) or the write lock of the IMMEDIATE transaction (SQLite) makes two concurrent
reports get different numbers, and the lock is held only until the report commits. Call it inside
the report transaction and as late as possible so the lock is held briefly.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases.models import CaseSequence

DEFAULT_PREFIX = "NB"
SEQUENCE_DIGITS = 5  # 99,999 a day; beyond that the number simply grows a digit, never wraps


def case_number_prefix() -> str:
    return getattr(settings, "CASE_NUMBER_PREFIX", DEFAULT_PREFIX)


def format_case_number(day: date, seq: int, prefix: str | None = None) -> str:
    return f"{prefix if prefix is not None else case_number_prefix()}{day:%Y%m%d}{seq:0{SEQUENCE_DIGITS}d}"


def _bump(day: date) -> int | None:
    table = connection.ops.quote_name(CaseSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last",  # noqa: S608
            [connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def next_sequence(day: date) -> int:
    """The next sequence number of ``day`` (1 for the first case of the day)."""
    seq = _bump(day)
    if seq is not None:
        return seq
    # First case of the day: create the row; a concurrent first report may beat us to it, in
    # which case the insert fails inside its own savepoint and we bump the row it created.
    try:
        with transaction.atomic():
            CaseSequence.objects.create(day=day, last=1)
        return 1
    except IntegrityError:
        seq = _bump(day)
        if seq is None:  # pragma: no cover - the row exists, IntegrityError said so
            raise
        return seq


def next_case_number(at: datetime | None = None) -> str:
    """Allocate the next case number for the local day of ``at`` (default now)."""
    day = timezone.localdate(at or timezone.now())
    return format_case_number(day, next_sequence(day))
