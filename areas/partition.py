"""Graph helpers for partitions of a territory: cell adjacency and contiguous region growing.

Cells are the Voronoi polygons of the layout; two cells are neighbours when they share an edge
(not just a corner). Regions (districts, streets, communities) are grown over that graph, so each
region is one connected piece by construction, and a region's outline is the union of its cells.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import shapely

# Shared edges shorter than this (degrees, ~1 cm) are corner touches, not neighbours.
MIN_SHARED_EDGE_DEG = 1e-7
# Graph k-means rounds: enough for the seeds to settle on a few hundred cells.
KMEANS_ROUNDS = 6

Neighbours = list[dict[int, float]]


def cell_neighbours(cells: np.ndarray) -> Neighbours:
    """For each cell, its edge-sharing neighbours and the shared edge length (degrees)."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    mask = left < right
    left, right = left[mask], right[mask]
    shared = shapely.length(shapely.intersection(cells[left], cells[right]))
    neighbours: Neighbours = [{} for _ in range(len(cells))]
    for i, j, length in zip(left.tolist(), right.tolist(), shared.tolist(), strict=True):
        if length > MIN_SHARED_EDGE_DEG:
            neighbours[i][j] = length
            neighbours[j][i] = length
    return neighbours


def components(members: Iterable[int], neighbours: Neighbours) -> list[list[int]]:
    """Connected components of ``members``, largest first (ties: lowest cell index)."""
    todo = set(members)
    found: list[list[int]] = []
    while todo:
        start = min(todo)
        todo.discard(start)
        stack, comp = [start], []
        while stack:
            cell = stack.pop()
            comp.append(cell)
            for other in neighbours[cell]:
                if other in todo:
                    todo.discard(other)
                    stack.append(other)
        found.append(sorted(comp))
    found.sort(key=lambda comp: (-len(comp), comp[0]))
    return found


def make_contiguous(assign: list[int], neighbours: Neighbours) -> None:
    """Move every detached piece of a region to the neighbouring region it borders most."""
    changed = True
    while changed:
        changed = False
        for region in sorted(set(assign)):
            members = [cell for cell, r in enumerate(assign) if r == region]
            for piece in components(members, neighbours)[1:]:
                border: dict[int, float] = defaultdict(float)
                for cell in piece:
                    for other, length in neighbours[cell].items():
                        if assign[other] != region:
                            border[assign[other]] += length
                target = max(sorted(border), key=lambda r: border[r])
                for cell in piece:
                    assign[cell] = target
                changed = True


class RegionGrower:
    """Splits a connected set of cells into k contiguous regions of similar cell counts.

    Distances run over the adjacency graph, one step costing the centroid distance divided by
    the local cell size, so a region holds about as many cells in the dense core as outside:
    core streets come out small, outer ones large, like a real city.
    """

    def __init__(self, centroids_km: np.ndarray, sizes_km: np.ndarray, neighbours: Neighbours):
        self.xy = centroids_km
        self.size = sizes_km
        self.neighbours = neighbours

    def _step(self, a: int, b: int) -> float:
        dist = math.dist(self.xy[a], self.xy[b])
        return dist / ((self.size[a] + self.size[b]) / 2)

    def grow(
        self, seeds: Sequence[int], members: set[int], *, connected: bool = True
    ) -> dict[int, int]:
        """Multi-source Dijkstra: cell -> index of the seed that reaches it first. Members no
        seed reaches are an error, unless ``connected`` is False (then they are left out)."""
        owner: dict[int, int] = {}
        heap = [(0.0, k, seed) for k, seed in enumerate(seeds)]
        heapq.heapify(heap)
        while heap:
            dist, k, cell = heapq.heappop(heap)
            if cell in owner:
                continue
            owner[cell] = k
            for other in self.neighbours[cell]:
                if other in members and other not in owner:
                    heapq.heappush(heap, (dist + self._step(cell, other), k, other))
        missing = members - owner.keys()
        if missing and connected:
            raise ValueError(f"cells {sorted(missing)[:5]} are not connected to the region")
        return owner

    def split(self, members: Sequence[int], k: int, rng: random.Random) -> list[list[int]]:
        """k contiguous regions (lists of cells); seeds start spread out and move to the middle."""
        member_set = set(members)
        ordered = sorted(member_set)
        if k >= len(ordered):
            return [[cell] for cell in ordered]
        seeds = [rng.choice(ordered)]
        # Farthest-point start: each new seed is the cell farthest (in graph steps) from all seeds.
        for _ in range(k - 1):
            dist = self._distances(seeds, member_set)
            seeds.append(max(ordered, key=lambda cell: (dist[cell], -cell)))
        for _ in range(KMEANS_ROUNDS):
            regions = self._regions(self.grow(seeds, member_set), k)
            seeds = [self._middle(region) for region in regions]
        return self._regions(self.grow(seeds, member_set), k)

    def _distances(self, seeds: Sequence[int], members: set[int]) -> dict[int, float]:
        dist: dict[int, float] = {}
        heap = [(0.0, seed) for seed in seeds]
        while heap:
            d, cell = heapq.heappop(heap)
            if cell in dist:
                continue
            dist[cell] = d
            for other in self.neighbours[cell]:
                if other in members and other not in dist:
                    heapq.heappush(heap, (d + self._step(cell, other), other))
        return dist

    @staticmethod
    def _regions(owner: dict[int, int], k: int) -> list[list[int]]:
        regions: list[list[int]] = [[] for _ in range(k)]
        for cell in sorted(owner):
            regions[owner[cell]].append(cell)
        return regions

    def _middle(self, region: list[int]) -> int:
        """The cell of the region nearest the mean of its cell centroids."""
        centre = self.xy[region].mean(axis=0)
        return min(region, key=lambda cell: (float(np.sum((self.xy[cell] - centre) ** 2)), cell))


def split_with_islands(
    grower: RegionGrower, members: Sequence[int], k: int, rng: random.Random
) -> list[list[int]]:
    """``k`` regions of ``members`` that may be in several pieces (a street with islands): the
    largest connected piece is split, every other piece joins the region nearest to it."""
    main, *rest = components(members, grower.neighbours)
    parts = grower.split(main, min(k, len(main)), rng)
    for island in rest:
        centre = grower.xy[island].mean(axis=0)
        nearest = min(
            range(len(parts)),
            key=lambda p: (float(np.min(np.sum((grower.xy[parts[p]] - centre) ** 2, axis=1))), p),
        )
        parts[nearest] = sorted(parts[nearest] + island)
    return parts
