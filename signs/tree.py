"""The sign tree file (体征指标体系): JSON in, JSON out, checked before anything is saved.

The file holds one tree version: goals (一级) -> groups (二级) -> leaves (指标), each with a code,
a Chinese and an English name and a weight among its siblings (omitted on all siblings: equal
shares; given: they must sum to 1). A leaf says its unit, source, direction, frequency, area
tiers, what it measures and its normaliser (signs.normalisers). ``SCHEMA`` is the shape (JSON
Schema, also at ``signs/data/tree.schema.json``); ``check`` adds what a schema cannot say
(unique codes, weights summing to 1, normaliser parameters) and names the place of each
problem, e.g. ``S2.3: normaliser: points need at least two [raw value, score] pairs``.
``load`` writes a checked tree in one transaction; ``export`` gives the same file back.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jsonschema
from django.db import transaction

from signs import normalisers
from signs.models import Direction, Frequency, Level, SignNode, SignTree, Source

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_TREE = DATA / "default_tree.json"
SCHEMA = json.loads((DATA / "tree.schema.json").read_text(encoding="utf-8"))
TIERS = ("city", "district", "street", "community", "grid")
INDEX_CODE, INDEX_NAME, INDEX_NAME_EN = "INDEX", "城市运行体征指数", "City sign index"
WEIGHT_TOLERANCE = Decimal("0.001")


class TreeProblem(ValueError):
    """What is wrong with a tree file, one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _walk(data: dict):
    """(level, node, parent code, position) of every node, goals first then their children."""
    for i, goal in enumerate(data.get("goals", [])):
        yield Level.GOAL, goal, None, i
        for j, group in enumerate(goal.get("groups", [])):
            yield Level.GROUP, group, goal.get("code"), j
            for k, leaf in enumerate(group.get("leaves", [])):
                yield Level.LEAF, leaf, group.get("code"), k


def _weights(siblings: list[dict], where: str) -> tuple[list[Decimal], list[str]]:
    given = [s.get("weight") for s in siblings]
    if all(w is None for w in given):  # equal shares, the last taking the rounding: sum 1
        share = (Decimal(1) / max(1, len(siblings))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        shares = [share] * len(siblings)
        if shares:
            shares[-1] = Decimal(1) - share * (len(siblings) - 1)
        return shares, []
    if any(w is None for w in given):
        return [], [f"{where}: give every sibling a weight, or none (equal shares)"]
    weights = [Decimal(str(w)) for w in given]
    if abs(sum(weights) - 1) > WEIGHT_TOLERANCE:
        return [], [f"{where}: the weights sum to {sum(weights)}, not 1"]
    return weights, []


def check(data: dict) -> None:
    """Raise TreeProblem naming every problem of a tree file (nothing when it is good)."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or 'file'}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
    ]
    if problems:
        raise TreeProblem(problems)
    seen: set[str] = {INDEX_CODE}  # the root the loader adds
    for _level, node, _parent, _pos in _walk(data):
        if node["code"] in seen:
            problems.append(f"{node['code']}: the code is used twice")
        seen.add(node["code"])
    problems += _weights(data["goals"], "goals")[1]
    for goal in data["goals"]:
        problems += _weights(goal["groups"], f"{goal['code']} groups")[1]
        for group in goal["groups"]:
            problems += _weights(group["leaves"], f"{group['code']} leaves")[1]
            for leaf in group["leaves"]:
                try:
                    normalisers.check(leaf["normaliser"])
                except normalisers.BadParameters as exc:
                    problems.append(f"{leaf['code']}: normaliser: {exc}")
                observe = leaf["direction"] == Direction.OBSERVE
                if observe != (leaf["normaliser"]["kind"] == "observe"):
                    problems.append(
                        f"{leaf['code']}: an observed leaf (trend only) has the 'observe' "
                        "normaliser, and only it"
                    )
    floors = data.get("floors", [90, 75, 60, 40])
    if not all(a > b for a, b in zip(floors, floors[1:], strict=False)) or floors[-1] < 0:
        problems.append("floors: band floors must fall from blue to orange, none below 0")
    if problems:
        raise TreeProblem(problems)


def read(path: Path | str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TreeProblem([f"line {exc.lineno}: not valid JSON ({exc.msg})"]) from None


@transaction.atomic
def load(data: dict, *, activate: bool = False, models=(SignTree, SignNode)) -> SignTree:
    """Write a checked tree file as a new tree version (``activate``: the one in use).
    ``models``: the tree and node model classes (a migration passes its historical ones)."""
    tree_model, node_model = models
    check(data)
    if tree_model.objects.filter(version=data["version"]).exists():
        raise TreeProblem([f"version: {data['version']!r} is loaded already"])
    floors = data.get("floors", [90, 75, 60, 40])
    tree = tree_model.objects.create(
        version=data["version"],
        name=data["name"],
        description=data.get("description", ""),
        floor_blue=floors[0],
        floor_green=floors[1],
        floor_yellow=floors[2],
        floor_orange=floors[3],
    )
    created: dict[str, SignNode] = {}

    def add(level, node, parent, position, weight):
        created[node["code"]] = node_model.objects.create(
            tree=tree,
            parent=created.get(parent),
            code=node["code"],
            name=node["name"],
            name_en=node.get("name_en", ""),
            level=level,
            weight=weight,
            position=position,
            red_leaf_cap=node.get("red_leaf_cap"),
            description=node.get("description", ""),
            unit=node.get("unit", ""),
            source=node.get("source", ""),
            direction=node.get("direction", ""),
            frequency=node.get("frequency", ""),
            measure=node.get("measure", {}),
            normaliser=node.get("normaliser", {}),
            warning=node.get("warning", {}),
            tiers=node.get("tiers", []),
        )

    # The index itself is the root: the goals' parent (not in the file).
    add(Level.INDEX, {"code": INDEX_CODE, "name": INDEX_NAME, "name_en": INDEX_NAME_EN}, None, 0, 1)
    goal_weights = _weights(data["goals"], "")[0]
    for i, goal in enumerate(data["goals"]):
        add(Level.GOAL, goal, INDEX_CODE, i, goal_weights[i])
        group_weights = _weights(goal["groups"], "")[0]
        for j, group in enumerate(goal["groups"]):
            add(Level.GROUP, group, goal["code"], j, group_weights[j])
            leaf_weights = _weights(group["leaves"], "")[0]
            for k, leaf in enumerate(group["leaves"]):
                add(Level.LEAF, leaf, group["code"], k, leaf_weights[k])
    if activate:
        activate_tree(tree, model=tree_model)
    return tree


def activate_tree(tree: SignTree, *, model=SignTree) -> None:
    """Make ``tree`` the one in use (the others not)."""
    model.objects.exclude(pk=tree.pk).update(is_active=False)
    model.objects.filter(pk=tree.pk).update(is_active=True)
    tree.is_active = True


def _number(value: Decimal | None):
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def export(tree: SignTree) -> dict:
    """The tree as its file (weights written out), loadable again as another version."""
    nodes = list(tree.nodes.order_by("position", "code"))
    children: dict[int | None, list[SignNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    root = next(n for n in nodes if n.level == Level.INDEX)

    def common(node: SignNode) -> dict:
        found = {"code": node.code, "name": node.name}
        if node.name_en:
            found["name_en"] = node.name_en
        found["weight"] = _number(node.weight)
        if node.description:
            found["description"] = node.description
        if node.red_leaf_cap is not None:
            found["red_leaf_cap"] = _number(node.red_leaf_cap)
        return found

    def leaf(node: SignNode) -> dict:
        found = common(node)
        for name in ("unit", "source", "direction", "frequency", "tiers", "measure", "normaliser"):
            found[name] = getattr(node, name)
        if node.warning:
            found["warning"] = node.warning
        return found

    return {
        "version": tree.version,
        "name": tree.name,
        **({"description": tree.description} if tree.description else {}),
        "floors": [_number(Decimal(str(f))) for f in tree.floors],
        "goals": [
            {
                **common(goal),
                "groups": [
                    {**common(group), "leaves": [leaf(x) for x in children.get(group.pk, [])]}
                    for group in children.get(goal.pk, [])
                ],
            }
            for goal in children.get(root.pk, [])
        ],
    }


def active_tree() -> SignTree | None:
    return SignTree.objects.filter(is_active=True).first()


ENUMS = {
    "source": [s.value for s in Source],
    "direction": [d.value for d in Direction],
    "frequency": [f.value for f in Frequency],
    "tier": list(TIERS),
    "normaliser": list(normalisers.KINDS),
}
