"""Point -> unit grid lookup with a shapely 2 STRtree, built once per process."""

from __future__ import annotations


class GridIndex:
    def __init__(self) -> None:
        self._tree = None

    def invalidate(self) -> None:
        self._tree = None


grid_index = GridIndex()
