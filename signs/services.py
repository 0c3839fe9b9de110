"""Computing the sign index (体征计算): every node of the tree in use, for every area, for a day.

Leaves are measured per tier in one pass (signs.measures), scored by their normaliser, then
rolled up group -> goal -> index with the weights of the tree (signs.scoring: re-normalised
over the children with a score, "insufficient data" beyond half the weight missing, the
short-board cap where a goal has one). Colours follow the day before's with hysteresis. Each
value is stored with its explanation (``SignValue.explanation``), from which ``recompute``
gives the same score back. ``compute_day`` is idempotent: a second run rewrites the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from areas.models import GRID_LEVEL, LEVEL_ORDER, AdminArea, UnitGrid
from core import locks
from core.rows import copy_in, transient
from signs import early_warning, measures, normalisers, scoring
from signs.models import Level, SignNode, SignTree, SignValue, Status
from signs.tree import INDEX_CODE, active_tree


def _areas(tiers: list[str]) -> dict[str, list[str]]:
    """tier -> the paths of its areas."""
    found: dict[str, list[str]] = defaultdict(list)
    for level, path in AdminArea.objects.filter(level__in=tiers).values_list("level", "path"):
        found[level].append(path)
    return found


def _leaf_value(leaf: SignNode, measured: measures.Measured) -> dict:
    if leaf.normaliser.get("kind") == "observe":
        score, status = None, Status.OBSERVED
    else:
        score = normalisers.compile_spec(leaf.normaliser)(measured.raw, measured.other)
        status = Status.OK if score is not None else Status.NO_DATA
    return {
        "raw": measured.raw,
        "baseline": measured.other,
        "score": score,
        "status": status,
        "explanation": {
            "measure": leaf.measure,
            "unit": leaf.unit,
            "raw": measured.raw,
            "other": measured.other,
            "normaliser": leaf.normaliser,
            "score": score,
            "rows": measured.rows,
            "note": measured.note,
            "note_params": measured.note_params,
        },
    }


def _parent_value(node: SignNode, children: list[SignNode], values: dict, red_below: bool):
    parts = [scoring.Part(c.code, float(c.weight), values[c.code]["score"]) for c in children]
    rolled = scoring.roll_up(parts)
    cap = float(node.red_leaf_cap) if node.red_leaf_cap is not None else None
    score = scoring.capped(rolled.score, cap=cap, red_below=red_below)
    return {
        "raw": None,
        "baseline": None,
        "score": score,
        "status": Status.OK if score is not None else Status.INSUFFICIENT,
        "explanation": {
            "children": [{"code": p.code, "weight": p.weight, "score": p.score} for p in parts],
            "present": rolled.present,
            "total": rolled.total,
            "mean": rolled.score,
            "cap": cap if red_below and rolled.score is not None and cap is not None else None,
            "score": score,
        },
    }


def recompute(explanation: dict) -> float | None:
    """The score an explanation gives (a stored value must equal it)."""
    if "children" in explanation:
        parts = [scoring.Part(c["code"], c["weight"], c["score"]) for c in explanation["children"]]
        rolled = scoring.roll_up(parts)
        return scoring.capped(rolled.score, cap=explanation["cap"], red_below=True)
    if explanation["normaliser"].get("kind") == "observe":
        return None
    return normalisers.compile_spec(explanation["normaliser"])(
        explanation["raw"], explanation["other"]
    )


class Shape:
    """The tree's structure for a computation: its nodes, parents in roll-up order (groups,
    goals, the index) and the leaves under each node (the short-board rule)."""

    def __init__(self, nodes: list[SignNode]) -> None:
        self.nodes = nodes
        self.children: dict[int, list[SignNode]] = defaultdict(list)
        for node in nodes:
            if node.parent_id:
                self.children[node.parent_id].append(node)
        self.leaves = [n for n in nodes if n.level == Level.LEAF]
        depth = {Level.GROUP: 0, Level.GOAL: 1, Level.INDEX: 2}
        self.parents = sorted((n for n in nodes if n.level != Level.LEAF),
                              key=lambda n: depth[n.level])  # fmt: skip
        by_pk = {n.pk: n for n in nodes}
        self.leaves_under: dict[str, list[str]] = defaultdict(list)
        for leaf in self.leaves:
            parent = by_pk.get(leaf.parent_id)
            while parent is not None:
                self.leaves_under[parent.code].append(leaf.code)
                parent = by_pk.get(parent.parent_id)

    def roll_up(self, found: dict[str, dict], floors) -> None:
        """Add every parent's value to ``found`` (code -> value) from its leaves' values."""
        for node in self.parents:
            kids = [c for c in self.children[node.pk] if c.code in found]
            red = any(
                scoring.band_of(found[c]["score"], floors) == scoring.RED
                for c in self.leaves_under[node.code]
                if c in found
            )
            found[node.code] = _parent_value(node, kids, found, red)


def compute_day(day: date, *, tree: SignTree | None = None) -> int:
    """Compute and store every node of the tree (the one in use by default) for every area on
    ``day``; returns how many values were written."""
    return compute(measures.When.of_day(day), tree=tree)


def compute_hour(day: date, hour: int, *, tree: SignTree | None = None) -> int:
    """The index "now" (实时) as local ``hour`` (0-23) of ``day`` ended: every node for every
    area over the 24 hours before (signs.measures.When), colours following the hour before's.
    Sign warnings follow the days only (their episodes are days)."""
    return compute(measures.When.of_hour(day, hour), tree=tree)


LOCK_NAMESPACE = 1415  # "SI"


def _one_at_a_time(when: measures.When) -> None:
    """Two computations of the same day or hour (the hourly task and a catch-up, two workers)
    run one after the other (PostgreSQL: a transaction-scoped advisory lock), so the second
    rewrites the first's rows instead of colliding with them."""
    slot = when.day.toordinal() * 25 + (24 if when.hour is None else when.hour)
    locks.hold(LOCK_NAMESPACE, slot % 2**31)


def _before(when: measures.When) -> tuple[date, int | None]:
    """(day, hour) of the value before: the day before, or the hour before."""
    if when.hour is None:
        return when.day - timedelta(days=1), None
    if when.hour == 0:
        return when.day - timedelta(days=1), 23
    return when.day, when.hour - 1


@transaction.atomic
def compute(when: measures.When, *, tree: SignTree | None = None) -> int:
    """Compute and store every node of the tree for every area for a day or an hour
    (``when``); returns how many values were written. Idempotent."""
    tree = tree or active_tree()
    if tree is None:
        return 0
    day = when.day
    _one_at_a_time(when)
    nodes = list(tree.nodes.all())
    shape = Shape(nodes)
    floors = tree.floors
    areas = _areas(list(LEVEL_ORDER))
    if any(GRID_LEVEL in leaf.tiers for leaf in shape.leaves):
        # The grid tier (单元网格), only for a tree with leaves that allow it: thousands of
        # grids would otherwise get a row of "no data" each for every node.
        areas[GRID_LEVEL] = list(UnitGrid.objects.values_list("path", flat=True))
    values: dict[str, dict[str, dict]] = defaultdict(dict)  # path -> code -> value
    measures.forget()  # counts cached by the last computation may have changed since
    try:
        for tier, paths in areas.items():
            for leaf in shape.leaves:
                if tier not in leaf.tiers:
                    continue
                for path, measured in measures.measure_tier(leaf, tier, paths, when).items():
                    values[path][leaf.code] = _leaf_value(leaf, measured)
    finally:
        measures.forget()  # nothing kept in a web or worker process between computations
    for found in values.values():
        shape.roll_up(found, floors)
    if when.hour is None:
        early_warning.follow(day, shape.leaves, values)
        if day >= timezone.localdate() - timedelta(days=1):  # the day just ended, or today
            # Every open warning that still owes an action: this day's, and earlier failures.
            transaction.on_commit(
                lambda: early_warning.act(early_warning.pending(), now=timezone.now()),
                robust=True,
            )
    day_before, hour_before = _before(when)
    previous = {
        (node, path): (colour or None, pending or None)
        for node, path, colour, pending in SignValue.objects.filter(
            tree=tree, day=day_before, hour=hour_before
        ).values_list("node_id", "area_path", "colour", "pending")
    }
    node_of = {n.code: n for n in nodes}
    tier_of = {p: t for t, paths in areas.items() for p in paths}
    rows = []
    for path, found in values.items():
        for code, value in found.items():
            node = node_of[code]
            band = scoring.band_of(value["score"], floors)
            shown, pending = scoring.settle(*previous.get((node.pk, path), (None, None)), band)
            rows.append(
                transient(
                    SignValue,
                    tree_id=tree.pk,
                    node_id=node.pk,
                    area_path=path,
                    tier=tier_of[path],
                    day=day,
                    hour=when.hour,
                    band=band or "",
                    colour=shown or "",
                    pending=pending or "",
                    **value,
                )
            )
    SignValue.objects.filter(tree=tree, day=day, hour=when.hour).delete()
    copy_in(rows)
    return len(rows)


def preview(
    tree: SignTree, weights: dict[str, float], day: date, specs: dict[str, dict] | None = None
) -> list[dict]:
    """The index of every area on ``day`` as stored and as it would be with ``weights`` (node
    code -> weight) and normaliser ``specs`` (leaf code -> spec; the others unchanged): the
    stored leaf scores, re-scored from their stored raw values where a spec changed, rolled up
    again. Nothing is written. ``[{"area_path", "tier", "before", "after"}]``."""
    specs = specs or {}
    scorers = {code: normalisers.compile_spec(spec) for code, spec in specs.items()}
    nodes = list(tree.nodes.all())
    for node in nodes:
        if node.code in weights:
            node.weight = weights[node.code]
    shape = Shape(nodes)
    leaf_codes = {n.code for n in shape.leaves}
    stored: dict[str, dict[str, dict]] = defaultdict(dict)
    before: dict[str, float | None] = {}
    tiers: dict[str, str] = {}
    rows = SignValue.objects.filter(tree=tree, day=day, hour=None).values_list(
        "area_path", "tier", "node__code", "score", "raw", "baseline"
    )
    for path, tier, code, score, raw, baseline in rows:
        tiers[path] = tier
        if code in leaf_codes:
            if code in scorers:
                score = scorers[code](raw, baseline)
            stored[path][code] = {"score": score}
        elif code == INDEX_CODE:
            before[path] = score
    found = []
    for path, leaves in stored.items():
        shape.roll_up(leaves, tree.floors)
        after = leaves[INDEX_CODE]["score"] if INDEX_CODE in leaves else None
        found.append({"area_path": path, "tier": tiers[path], "before": before.get(path),
                      "after": after})  # fmt: skip
    found.sort(key=lambda r: (len(r["area_path"]), r["area_path"]))
    return found
