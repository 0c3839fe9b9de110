"""Case counts read from the tallies the database keeps (案件计数, ``CaseTally``).

Counting a scope's cases by status or source channel at a city's size means reading millions
of rows (1.5-5.7 s per page at 2.6 M cases, issue 15). The triggers of migration cases 0010
keep one row per (area path, source, status) right on every write, so these functions sum a
few thousand rows. They answer only what the tallies hold: counts narrowed by anything else
(category, priority, text, dates) are counted on the cases.

``check`` compares the tallies with a count over the cases (nightly, ``manage.py case_tally``)
and makes them right; a difference means a write bypassed the triggers and is logged.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Sum

from cases.models import Case, CaseTally
from org.selectors import scope

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]  # (area_path, source, status)


def _rows(user, area_path: str | None):
    rows = scope(CaseTally.objects.all(), user, path_field="area_path")
    if area_path is not None:
        rows = rows.filter(area_path__startswith=area_path)
    return rows


def by_status(user, *, area_path: str | None = None, source: str | None = None) -> Counter:
    """Cases per status in the user's scope (below ``area_path`` if given, of one ``source``
    channel if given)."""
    rows = _rows(user, area_path)
    if source:
        rows = rows.filter(source=source)
    return Counter(dict(rows.values_list("status").annotate(total=Sum("n")).order_by()))


def by_source(user, *, open_statuses) -> dict[str, tuple[int, int]]:
    """{source: (all cases, cases in ``open_statuses``)} in the user's scope."""
    found: dict[str, tuple[int, int]] = {}
    rows = _rows(user, None).values_list("source", "status").annotate(total=Sum("n")).order_by()
    for source, status, n in rows:
        total, still_open = found.get(source, (0, 0))
        found[source] = (total + n, still_open + (n if status in open_statuses else 0))
    return found


@dataclass(frozen=True)
class TallyDifference:
    key: Key
    stored: int
    counted: int

    def __str__(self) -> str:
        return f"{'/'.join(self.key)}: tally {self.stored}, cases {self.counted}"


def check(*, fix: bool = True) -> list[TallyDifference]:
    """Count the cases per key and compare with the tallies; with ``fix``, make them right.

    Both are read in one snapshot (REPEATABLE READ on PostgreSQL; SQLite has one writer at a
    time) and the triggers change cases and tallies in the same transaction, so the snapshot
    agrees with itself; corrections are increments, right even after writers that came since.
    """
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        stored = {
            (a, s, st): n
            for a, s, st, n in CaseTally.objects.values_list("area_path", "source", "status", "n")
        }
        counted = {
            (a, s, st): n
            for a, s, st, n in Case.objects.order_by()
            .values_list("area_path", "source", "status")
            .annotate(n=Count("pk"))
        }
    found = [
        TallyDifference(key, stored.get(key, 0), counted.get(key, 0))
        for key in sorted(stored.keys() | counted.keys())
        if stored.get(key, 0) != counted.get(key, 0)
    ]
    if found:
        logger.warning(
            "case tallies: %s keys differed from the cases%s; first: %s",
            len(found),
            " (made right)" if fix else "",
            "; ".join(str(d) for d in found[:5]),
        )
    if fix and found:
        with transaction.atomic():
            for d in found:
                area_path, source, status = d.key
                row, _ = CaseTally.objects.get_or_create(
                    area_path=area_path, source=source, status=status
                )
                CaseTally.objects.filter(pk=row.pk).update(n=F("n") + (d.counted - d.stored))
    return found
