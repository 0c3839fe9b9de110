"""Live import (逐条受理): every row is a report through ``intake.services.receive_report``.

The hotline is one more channel (intake.channels.base): a row becomes the service's keyword
arguments, and the service decides grid, category, duplicates and the case exactly as for any
other report. A repeated work-order number (工单编号) returns the first answer, so running the
same file twice adds nothing. A row the service refuses is recorded with its line and reason
and the import goes on with the next row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cases.states import Priority, SourceChannel
from core.errors import DomainError
from hotline.mapping import Mapping, RowRejected
from hotline.models import Crs
from hotline.readers import Cell, Table
from hotline.refs import Refs
from hotline.report import Counts, Rejections, cut_fields
from intake.channels.base import Channel

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 100  # rows between updates of the run's counters (the admin's progress bar)


class HotlineChannel(Channel[list]):
    """One mapped row of a hotline export -> ``receive_report`` arguments."""

    source = SourceChannel.HOTLINE_12345

    def __init__(self, mapping: Mapping, refs: Refs, *, run_id: int, line_of) -> None:
        self.mapping = mapping
        self.refs = refs
        self.run_id = run_id
        self.line_of = line_of  # the line of the row being mapped (for the report's data)
        self.cut: dict[str, dict] = {}  # the fields of the last row cut to their limits

    def to_report(self, cells: list[Cell]) -> dict:
        m = self.mapping
        report: dict = {
            "source": m.choice(cells, "source", SourceChannel, m.source),
            "external_id": m.require(cells, "external_id"),
            "description": m.require(cells, "description"),
            "address": m.text(cells, "address"),
            "crs": m.choice(cells, "crs", Crs, m.crs),
            "category_hint": m.text(cells, "category_hint"),
            "priority": m.choice(cells, "priority", Priority) or None,
            "reporter_name": m.text(cells, "reporter_name"),
            "reporter_phone": m.text(cells, "reporter_phone"),
            "reporter_email": m.text(cells, "reporter_email"),
            "data": {"import_run": self.run_id, "line": self.line_of()},
        }
        lon, lat = m.number(cells, "lon"), m.number(cells, "lat")
        grid_code = m.text(cells, "grid")
        if lon is None and lat is None and grid_code:
            # A work order placed by grid only: its representative point is inside the grid.
            grid = self.refs.grid(grid_code)
            lon, lat, report["crs"] = grid.lon, grid.lat, Crs.WGS84
        report["lon"], report["lat"] = lon, lat
        area = m.text(cells, "area")
        if area:
            report["area"] = area
        category = m.text(cells, "category")
        if category:
            report["category"] = self.refs.category(category)
        self.cut = cut_fields(report)
        return report


def import_live(
    *,
    table: Table,
    mapping: Mapping,
    run,
    counts: Counts,
    rejections: Rejections,
    actor=None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Report every row of ``table``; ``counts`` and ``rejections`` are filled as rows go."""
    refs = Refs()
    current = {"line": 0}
    channel = HotlineChannel(mapping, refs, run_id=run.pk, line_of=lambda: current["line"])
    for line, cells in table.rows:
        current["line"] = line
        counts.rows += 1
        try:
            if line in table.bad_lines:
                raise RowRejected(
                    _("The line is not valid %(encoding)s text.") % {"encoding": table.encoding}
                )
            now: datetime | None = mapping.time(cells, "reported_at")
            # One savepoint per row: a refused row leaves nothing behind, the next row goes on.
            with transaction.atomic():
                result = channel.receive(cells, actor=actor, now=now)
        except (RowRejected, DomainError) as exc:
            rejections.add(line, mapping.text(cells, "external_id"), _message(exc), mapping, cells)
        except Exception as exc:  # noqa: BLE001 - one broken row must not stop the file
            logger.exception("hotline import run %s: line %s failed", run.pk, line)
            reason = _("Unexpected error (logged): %(error)s") % {"error": f"{type(exc).__name__}"}
            rejections.add(line, mapping.text(cells, "external_id"), reason, mapping, cells)
        else:
            if not result.repeat:
                rejections.note_cut(line, mapping.text(cells, "external_id"), channel.cut)
            if result.repeat:
                counts.skipped += 1
            elif result.created:
                counts.created += 1
            else:
                counts.duplicates += 1
        if progress is not None:
            progress(1)
        if counts.rows % PROGRESS_EVERY == 0:
            type(run).objects.filter(pk=run.pk).update(**counts.as_fields())


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)
