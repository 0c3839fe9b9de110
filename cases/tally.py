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

from django.db import transaction
from django.db.models import Count, F, Sum

from cases.models import Case, CaseTally
from core.snapshot import snapshot
from org.selectors import scope

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]  # (area_path, source, status)

# The row triggers of migration 0010 on SQLite, as they stand today (IF NOT EXISTS: see
# keep_triggers). PostgreSQL keeps its triggers through ALTER TABLE.
_ADD_NEW = """
    INSERT OR IGNORE INTO cases_casetally (area_path, source, status, n)
    VALUES (NEW.area_path, NEW.source, NEW.status, 0);
    UPDATE cases_casetally SET n = n + 1
    WHERE area_path = NEW.area_path AND source = NEW.source AND status = NEW.status;
"""
_TAKE_OLD = """
    UPDATE cases_casetally SET n = n - 1
    WHERE area_path = OLD.area_path AND source = OLD.source AND status = OLD.status;
"""
SQLITE_TRIGGERS = {
    "cases_tally_insert": f"AFTER INSERT ON cases_case BEGIN {_ADD_NEW} END",
    "cases_tally_update": "AFTER UPDATE OF area_path, source, status ON cases_case"
    " WHEN OLD.area_path IS NOT NEW.area_path OR OLD.source IS NOT NEW.source"
    f" OR OLD.status IS NOT NEW.status BEGIN {_TAKE_OLD} {_ADD_NEW} END",
    "cases_tally_delete": f"AFTER DELETE ON cases_case BEGIN {_TAKE_OLD} END",
}


def keep_triggers(using: str = "default", **kwargs) -> list[str]:
    """After migrations (post_migrate): on SQLite, make the tally triggers that a table rebuild
    dropped again and count the tallies anew (a migration that rebuilt ``cases_case`` copied
    its rows with no trigger watching, which changes no count, but writes between could).
    Returns the triggers made; nothing to do on PostgreSQL or before migration 0010."""
    from django.db import connections

    db = connections[using]
    if db.vendor != "sqlite" or "cases_casetally" not in db.introspection.table_names():
        return []
    with db.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
        made = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in made:
            cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
    if made:
        check()
    return made


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

    Both are read in one snapshot (REPEATABLE READ on PostgreSQL, so call it outside a
    transaction there, as the nightly task and the command do; SQLite has one writer at a
    time) and the triggers change cases and tallies in the same transaction, so the snapshot
    agrees with itself; corrections are increments, right even after writers that came since.
    """
    with snapshot():
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
