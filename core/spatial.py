"""Point -> unit grid (单元网格) lookup with a shapely 2 STRtree, built once per process.

``grid_index`` is the process-wide index over the active UnitGrids. It is built lazily on first
use and rebuilt when grids change:

* in this process, ``areas.signals`` calls ``grid_index.invalidate()`` on every grid save/delete
  (and again after commit, so a rebuild racing the transaction cannot keep stale polygons);
* in other processes (web workers, the huey consumer), a cheap fingerprint of the grid table
  (row count + latest ``updated_at``) is compared at most every ``GRID_INDEX_RECHECK_SECONDS``
  (default 5 s). Bulk ``QuerySet.update()`` bypasses ``updated_at``; touch it when you use one.

Points on a boundary shared by two grids belong to the grid with the smallest code, so the answer
never depends on tree order. Bulk lookups go through a lattice of cells precomputed from the
STRtree (see ``_CellTable``): most points are answered by an array lookup, the rest by one
vectorised prepared point-in-polygon test against their cell's few candidates. ``GridIndex(ids=..., polygons=...)`` builds a fixed index without a
database (benchmarks, tests, one-off scripts).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

NO_GRID = -1
DEFAULT_RECHECK_SECONDS = 5.0
# Bulk lookups run in chunks so ten million points do not need ten million candidate pairs at once.
_CHUNK = 1 << 20


# The cell table divides the grids' extent into about this many cells per grid: finer cells
# answer more points without any polygon test, at ~50 bytes per cell of memory.
_CELLS_PER_GRID = 32
_MAX_CELLS = 1 << 21
# Cells are widened by this much (degrees, ~1 mm) when matched to polygons, so a point that
# floating-point rounding puts in the next cell still finds every polygon it touches.
_CELL_MARGIN_DEG = 1e-8
_EDGE_SLACK = 1e-9  # of a cell; far below the margin above
_SURE_NONE = -1  # no polygon touches the cell
_SURE_SEVERAL = -2  # candidates must be tested point by point


@dataclass(frozen=True)
class _CellTable:
    """A regular lattice over the grids: per cell, its candidate polygons (CSR arrays) and,
    when exactly one polygon touches the cell and covers it, that polygon (``sure``).

    Most points fall in a "sure" cell and need no geometry test at all; the rest are tested
    only against their cell's few candidates with vectorised prepared point-in-polygon.
    """

    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int
    sure: NDArray[np.int64]
    offsets: NDArray[np.int64]  # candidates of cell c: poly_idx[offsets[c]:offsets[c + 1]]
    poly_idx: NDArray[np.int64]

    @classmethod
    def build(cls, tree: shapely.STRtree, polygons: NDArray[np.object_]) -> _CellTable:
        x0, y0, x1, y1 = shapely.total_bounds(polygons)
        width, height = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        cells = min(_CELLS_PER_GRID * len(polygons), _MAX_CELLS)
        nx = max(1, int(np.ceil(np.sqrt(cells * width / height))))
        ny = max(1, int(np.ceil(cells / nx)))
        dx, dy = width / nx, height / ny
        ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
        ix, iy = ix.ravel(), iy.ravel()  # cell c = iy * nx + ix
        boxes = shapely.box(
            x0 + ix * dx - _CELL_MARGIN_DEG,
            y0 + iy * dy - _CELL_MARGIN_DEG,
            x0 + (ix + 1) * dx + _CELL_MARGIN_DEG,
            y0 + (iy + 1) * dy + _CELL_MARGIN_DEG,
        )
        cell_idx, poly_idx = tree.query(boxes, predicate="intersects")
        order = np.lexsort((poly_idx, cell_idx))
        cell_idx, poly_idx = cell_idx[order], poly_idx[order]
        counts = np.bincount(cell_idx, minlength=nx * ny)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        sure = np.where(counts == 0, _SURE_NONE, _SURE_SEVERAL).astype(np.int64)
        single = np.flatnonzero(counts == 1)
        only = poly_idx[offsets[single]]
        covered = shapely.covers(polygons[only], boxes[single])
        sure[single[covered]] = only[covered]
        return cls(float(x0), float(y0), dx, dy, nx, ny, sure, offsets, poly_idx)

    def cells_of(self, x: NDArray, y: NDArray) -> NDArray[np.int64]:
        """Cell of each point, -1 outside the lattice (or NaN)."""
        fx = (x - self.x0) / self.dx
        fy = (y - self.y0) / self.dy
        # The slack keeps points on the outer edge that rounding nudged a hair outside.
        inside = (
            (fx >= -_EDGE_SLACK)
            & (fx <= self.nx + _EDGE_SLACK)
            & (fy >= -_EDGE_SLACK)
            & (fy <= self.ny + _EDGE_SLACK)
        )
        # A point on the far edge belongs to the last cell, not one past it.
        ix = np.clip(np.where(inside, fx, 0).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(np.where(inside, fy, 0).astype(np.int64), 0, self.ny - 1)
        return np.where(inside, iy * self.nx + ix, -1)


@dataclass(frozen=True)
class _Snapshot:
    """One immutable build of the index; swapped whole so readers never see a half-built one."""

    ids: NDArray[np.int64]  # grid ids in code order
    codes: NDArray[np.object_]
    polygons: NDArray[np.object_]  # prepared shapely polygons, same order
    tree: shapely.STRtree
    cells: _CellTable | None
    fingerprint: tuple | None

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        polygons: Sequence[BaseGeometry],
        codes: Sequence[str] | None = None,
        fingerprint: tuple | None = None,
    ) -> _Snapshot:
        ids_arr = np.asarray(ids, dtype=np.int64)
        polys = np.empty(len(polygons), dtype=object)
        polys[:] = list(polygons)
        if len(ids_arr) != len(polys):
            raise ValueError(f"{len(ids_arr)} ids for {len(polys)} polygons.")
        codes_arr = np.empty(len(polys), dtype=object)
        codes_arr[:] = list(codes) if codes is not None else [str(i) for i in ids_arr]
        # Tree order = code order: the smallest tree index among several hits is the smallest code.
        order = np.argsort(codes_arr.astype(str), kind="stable")
        ids_arr, codes_arr, polys = ids_arr[order], codes_arr[order], polys[order]
        # Prepared polygons make each point-in-polygon test an indexed edge lookup.
        shapely.prepare(polys)
        tree = shapely.STRtree(polys)
        cells = _CellTable.build(tree, polys) if len(polys) else None
        return cls(ids_arr, codes_arr, polys, tree, cells, fingerprint)

    def tree_indices(self, lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray:
        """Tree index of the grid holding each point, NO_GRID where none does."""
        result = np.full(len(lons), NO_GRID, dtype=np.int64)
        if self.cells is None or len(lons) == 0:
            return result
        table = self.cells
        cell = table.cells_of(lons, lats)
        sure = np.where(cell >= 0, table.sure[cell], _SURE_NONE)
        known = sure >= 0
        result[known] = sure[known]
        # The rest: test each point against its cell's candidates only.
        todo = np.flatnonzero(sure == _SURE_SEVERAL)
        if len(todo) == 0:
            return result
        starts, stops = table.offsets[cell[todo]], table.offsets[cell[todo] + 1]
        counts = stops - starts
        point_idx = np.repeat(todo, counts)
        first = np.repeat(starts - np.cumsum(counts) + counts, counts)
        tree_idx = table.poly_idx[first + np.arange(len(point_idx))]
        hit = shapely.intersects_xy(self.polygons[tree_idx], lons[point_idx], lats[point_idx])
        point_idx, tree_idx = point_idx[hit], tree_idx[hit]
        if len(point_idx) == 0:
            return result
        # Candidates are sorted by polygon within a cell, and points stay in order, so the
        # first hit of each point is its smallest code (several hits only on shared edges).
        firsts = np.flatnonzero(np.r_[True, point_idx[1:] != point_idx[:-1]])
        result[point_idx[firsts]] = tree_idx[firsts]
        return result


class GridIndex:
    """Point -> grid lookup over UnitGrid polygons (WGS-84 lon/lat)."""

    def __init__(
        self,
        *,
        ids: Sequence[int] | None = None,
        polygons: Sequence[BaseGeometry] | None = None,
        codes: Sequence[str] | None = None,
        recheck_seconds: float | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._checked_at = 0.0
        self._recheck_seconds = recheck_seconds
        self._fixed = polygons is not None
        self._snapshot: _Snapshot | None = None
        if self._fixed:
            self._snapshot = _Snapshot.build(
                ids if ids is not None else range(len(polygons)), polygons, codes
            )

    # --- freshness ---------------------------------------------------------------------------

    def invalidate(self) -> None:
        """Forget the current build; the next lookup rebuilds from the database."""
        if self._fixed:
            return
        self._generation += 1
        self._snapshot = None

    def _recheck_interval(self) -> float:
        if self._recheck_seconds is not None:
            return self._recheck_seconds
        from django.conf import settings

        return float(getattr(settings, "GRID_INDEX_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS))

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if self._fixed:
            return snapshot
        now = time.monotonic()
        if snapshot is not None and now - self._checked_at < self._recheck_interval():
            return snapshot
        with self._lock:
            generation = self._generation
            fingerprint = _db_fingerprint()
            snapshot = self._snapshot
            if snapshot is None or snapshot.fingerprint != fingerprint:
                snapshot = _load_from_db(fingerprint)
            # An invalidate() during the load means the rows we read may be stale: use them for
            # this call but do not keep them.
            if generation == self._generation:
                self._snapshot = snapshot
                self._checked_at = now
        return snapshot

    # --- lookups -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._current().ids)

    def locate(self, lon: float, lat: float) -> int | None:
        """Id of the active grid containing the WGS-84 point, or None outside every grid."""
        found = self.locate_many([lon], [lat])[0]
        return None if found == NO_GRID else int(found)

    def locate_code(self, lon: float, lat: float) -> str | None:
        """Code of the active grid containing the WGS-84 point, or None."""
        snapshot = self._current()
        index = snapshot.tree_indices(*_as_arrays([lon], [lat]))[0]
        return None if index == NO_GRID else str(snapshot.codes[index])

    def locate_many(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """Grid ids for many WGS-84 points at once (NO_GRID = -1 where none); vectorised."""
        x, y = _as_arrays(lons, lats)
        snapshot = self._current()
        result = np.full(len(x), NO_GRID, dtype=np.int64)
        for start in range(0, len(x), _CHUNK):
            stop = start + _CHUNK
            index = snapshot.tree_indices(x[start:stop], y[start:stop])
            found = index != NO_GRID
            result[start:stop][found] = snapshot.ids[index[found]]
        return result


def _as_arrays(lons: ArrayLike, lats: ArrayLike) -> tuple[NDArray, NDArray]:
    x = np.ascontiguousarray(lons, dtype=np.float64).ravel()
    y = np.ascontiguousarray(lats, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"lons and lats differ in length: {len(x)} != {len(y)}.")
    return x, y


def _db_fingerprint() -> tuple:
    from django.db.models import Count, Max

    from areas.models import UnitGrid

    row = UnitGrid.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (row["n"], row["latest"])


def _load_from_db(fingerprint: tuple) -> _Snapshot:
    from areas.models import UnitGrid

    rows = UnitGrid.objects.filter(is_active=True).values_list("id", "code", "polygon")
    ids, codes, polygons = [], [], []
    for grid_id, code, polygon in rows.iterator(chunk_size=2000):
        ids.append(grid_id)
        codes.append(code)
        polygons.append(shape(polygon))
    return _Snapshot.build(ids, polygons, codes, fingerprint)


grid_index = GridIndex()
