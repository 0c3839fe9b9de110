"""Historical import (历史导入): finished cases with their full timelines, in big batches.

Rows are checked one by one (``plan``), then per batch: points are converted to WGS-84 and
placed in their grids in one vectorised lookup, rows whose (source, external id) was received
before are skipped (idempotent re-runs), and the rest are written as Case, Task, CaseEvent and
IntakeReport rows in one transaction (``rows``, ``writers``). On PostgreSQL outside a
transaction the writes run on a second connection while the next batch is read (``Pipeline``).
Nothing is sent to hooks or notifications: these moves happened long ago.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from core.coords import to_wgs84_many
from core.pipeline import Pipeline, can_pipeline
from core.spatial import NO_GRID, grid_index
from hotline.historical.plan import Planned, Planner
from hotline.historical.rows import RowBuilder
from hotline.historical.writers import PostgresWriter, writer_for_connection
from hotline.mapping import Mapping, RowRejected
from hotline.models import ImportRun
from hotline.readers import Cell, Table
from hotline.refs import Refs
from hotline.report import Counts, Rejections

DEFAULT_BATCH = 20_000


class HistoricalImport:
    def __init__(
        self,
        *,
        table: Table,
        mapping: Mapping,
        run: ImportRun,
        counts: Counts,
        rejections: Rejections,
        now: datetime,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[int], None] | None = None,
        pipeline: bool | None = None,
    ) -> None:
        self.table = table
        self.mapping = mapping
        self.run = run
        self.counts = counts
        self.rejections = rejections
        self.dry_run = dry_run
        self.batch_size = max(1, batch_size)
        self.progress = progress
        self.refs = Refs()
        self.planner = Planner(mapping, self.refs, now=now)
        self.builder = RowBuilder(run_id=run.pk, now=now)
        self.writer = writer_for_connection()
        if pipeline is None:
            pipeline = can_pipeline()
        self.pipeline = None
        if pipeline and not dry_run:
            self.pipeline_writer = PostgresWriter()
            self.pipeline = Pipeline(self.pipeline_writer.write, name="hotline-import-writer")

    def run_all(self) -> None:
        batch: list[tuple[Planned, list[Cell]]] = []
        read = 0
        try:
            for line, cells in self.table.rows:
                read += 1
                try:
                    if line in self.table.bad_lines:
                        raise RowRejected(
                            _("The line is not valid %(encoding)s text.")
                            % {"encoding": self.table.encoding}
                        )
                    batch.append((self.planner.plan(line, cells), cells))
                except RowRejected as exc:
                    self._reject(line, cells, str(exc))
                if read >= self.batch_size:
                    self._flush(batch, read)
                    batch, read = [], 0
            self._flush(batch, read)
        finally:
            if self.pipeline is not None:
                self.pipeline.close()

    def _reject(self, line: int, cells: list[Cell], reason: str) -> None:
        ext = self.mapping.text(cells, "external_id")
        self.rejections.add(line, ext, reason, self.mapping, cells)

    # --- one batch --------------------------------------------------------------------------------
    def _flush(self, batch: list[tuple[Planned, list[Cell]]], read: int) -> None:
        self.counts.rows += read
        planned = self._locate(batch)
        planned = self._new_only(planned)
        if planned and not self.dry_run:
            if self.pipeline is not None:
                self.pipeline.submit(self.builder.build(planned, self.pipeline_writer))
            else:
                with transaction.atomic():
                    self.writer.write(self.builder.build(planned, self.writer))
        self.counts.created += len(planned)
        for p in planned:
            self.rejections.note_cut(p.line, p.external_id, p.cut)
        self.rejections.flush()
        ImportRun.objects.filter(pk=self.run.pk).update(**self.counts.as_fields())
        if self.progress is not None:
            self.progress(read)

    def _locate(self, batch: list[tuple[Planned, list[Cell]]]) -> list[Planned]:
        """WGS-84 points and their grids, vectorised; rows outside every grid are rejected."""
        by_crs: dict[str, list[int]] = defaultdict(list)
        for i, (p, _cells) in enumerate(batch):
            if p.input_lon is not None:
                by_crs[p.crs].append(i)
        refused: set[int] = set()
        for crs, members in by_crs.items():
            lons = np.fromiter((batch[i][0].input_lon for i in members), float, len(members))
            lats = np.fromiter((batch[i][0].input_lat for i in members), float, len(members))
            wlons, wlats = to_wgs84_many(lons, lats, crs)
            found = grid_index.locate_many(wlons, wlats)
            grids = self.refs.grids_by_id
            for i, lon, lat, grid_id in zip(
                members, wlons.tolist(), wlats.tolist(), found.tolist(), strict=True
            ):
                p, cells = batch[i]
                p.lon, p.lat = lon, lat
                if grid_id == NO_GRID:
                    reason = _(
                        "The point %(lon).6f, %(lat).6f (WGS-84, from %(crs)s) lies outside "
                        "every unit grid: check the coordinates and their coordinate system."
                    ) % {"lon": lon, "lat": lat, "crs": crs}
                elif p.grid is not None and p.grid.id != grid_id:
                    reason = _(
                        "The point %(lon).6f, %(lat).6f lies in grid %(found)s, not in %(given)s."
                    ) % {"lon": lon, "lat": lat, "found": grids[grid_id].code, "given": p.grid.code}
                else:
                    p.grid = grids[grid_id]
                    continue
                refused.add(i)
                self.planner.seen.discard(p.external_id)
                self._reject(p.line, cells, reason)
        return [p for i, (p, _cells) in enumerate(batch) if i not in refused]

    def _new_only(self, planned: list[Planned]) -> list[Planned]:
        """Drop rows received before (same source and external id): re-runs add nothing."""
        by_source: dict[str, list[str]] = defaultdict(list)
        for p in planned:
            by_source[p.source].append(p.external_id)
        seen: set[tuple[str, str]] = set()
        for source, ids in by_source.items():
            seen.update((source, ext) for ext in self.writer.existing(source, ids))
        if not seen:
            return planned
        self.counts.skipped += len(seen)
        return [p for p in planned if (p.source, p.external_id) not in seen]


def import_historical(**kwargs) -> None:
    HistoricalImport(**kwargs).run_all()
