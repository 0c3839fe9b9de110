"""Sign warnings (体征预警): the national four-level warning channel on a leaf's raw value, kept
apart from the index colours (reference/signs.md §7.4).

A leaf's ``warning`` rule gives the threshold of each level it uses, e.g. 积水 points
``{"IV": 1, "III": 3, "II": 5, "I": 10}``: the most severe level whose threshold the value
reaches. When the thresholds fall from IV to I (``{"IV": 95, "I": 80}`` on a rate), lower is
worse and a value at or below a threshold reaches it. Each (leaf, area) has at most one open
episode: raised once when a level is first reached, its level changed as the value moves (the
history keeps every change), ended when the value reaches no level. A day without a value
changes nothing. Recomputing a day already followed changes nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from signs.models import SignNode, SignWarning

LEVELS = (("I", 1), ("II", 2), ("III", 3), ("IV", 4))  # most severe first


def level_of(raw: float | None, rule: dict) -> int:
    """The warning level (1 most severe ... 4; 0 none) of a raw value under ``rule``."""
    if raw is None or not rule:
        return 0
    given = [(name, n, float(rule[name])) for name, n in LEVELS if name in rule]
    if not given:
        return 0
    higher_is_worse = len(given) < 2 or given[0][2] >= given[-1][2]
    for _name, n, threshold in given:  # most severe first
        if (raw >= threshold) if higher_is_worse else (raw <= threshold):
            return n
    return 0


@dataclass(frozen=True)
class Event:
    kind: str  # "raised", "changed", "ended"
    warning: SignWarning


def follow(day: date, nodes: list[SignNode], values: dict[str, dict[str, dict]]) -> list[Event]:
    """Raise, change or end the warning episodes of every leaf with a rule, for every area's
    value of ``day`` (path -> code -> value); returns what happened."""
    ruled = {n.code: n for n in nodes if n.warning}
    if not ruled:
        return []
    open_ = {
        (w.node_id, w.area_path): w
        for w in SignWarning.objects.filter(node__in=ruled.values(), ended_on__isnull=True)
    }
    events = []
    for path, found in values.items():
        for code, node in ruled.items():
            value = found.get(code)
            if value is None or value["raw"] is None:
                continue  # no value today: nothing changes
            raw = value["raw"]
            level = level_of(raw, node.warning)
            current = open_.get((node.pk, path))
            if current is not None and day < current.started_on:
                continue  # an earlier day computed again: the episode is already past it
            step = {"day": day.isoformat(), "level": level, "raw": raw}
            if level and current is None:
                warning = SignWarning.objects.create(
                    node=node, area_path=path, level=level, highest=level, started_on=day,
                    raw=raw, history=[step],
                )  # fmt: skip
                events.append(Event("raised", warning))
            elif level and current.level != level:
                current.level, current.raw = level, raw
                current.highest = min(current.highest, level)
                current.history = [*current.history, step]
                current.save(update_fields=["level", "raw", "highest", "history"])
                events.append(Event("changed", current))
            elif not level and current is not None:
                current.ended_on, current.raw = day, raw
                current.history = [*current.history, step]
                current.save(update_fields=["ended_on", "raw", "history"])
                events.append(Event("ended", current))
    return events


def active(path: str) -> list[SignWarning]:
    """The open warnings in the area at ``path`` and below, most severe first."""
    return list(
        SignWarning.objects.filter(ended_on__isnull=True, area_path__startswith=path)
        .select_related("node")
        .order_by("level", "node__code", "area_path")
    )
