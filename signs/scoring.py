"""From leaf scores to the index (体征指数): weighted roll-up, colour bands, hysteresis.

reference/signs.md §7.1 and §7.3: a parent is the weighted mean of its children that have a
score, weights re-normalised over those present; when more than half of the weight has no
score, the parent has none either ("insufficient data", no colour). Optional short-board rule:
a node may be capped when any leaf below it is red (安全 at 59: one red safety signal shows at
the top even when the average hides it). Colours are five bands on the 0-100 score; a node
changes colour only after two computations in a row fall in the new band (hysteresis), so a
score hovering on a boundary does not flicker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# More than this share of a node's weight without a score: the node has none.
MISSING_LIMIT = 0.5


@dataclass(frozen=True)
class Part:
    """One child in a roll-up: its weight among its siblings and its score (None: no data)."""

    code: str
    weight: float
    score: float | None


@dataclass(frozen=True)
class Rolled:
    score: float | None  # None: insufficient data
    present: float  # weight of the children with a score
    total: float  # weight of all children

    @property
    def insufficient(self) -> bool:
        return self.score is None


def roll_up(parts: Iterable[Part]) -> Rolled:
    """The weighted mean of the parts that have a score, weights re-normalised over them."""
    parts = [p for p in parts if p.weight > 0]  # weight 0: shown for its trend, not counted
    total = sum(p.weight for p in parts)
    present = sum(p.weight for p in parts if p.score is not None)
    if total <= 0 or present <= 0 or (total - present) > MISSING_LIMIT * total + 1e-12:
        return Rolled(None, present, total)
    score = sum(p.weight * p.score for p in parts if p.score is not None) / present
    return Rolled(score, present, total)


def capped(score: float | None, *, cap: float | None, red_below: bool) -> float | None:
    """The short-board rule: at most ``cap`` when any leaf below is red."""
    if score is None or cap is None or not red_below:
        return score
    return min(score, cap)


# --- Colour bands (指数色带) -------------------------------------------------------------------

BLUE, GREEN, YELLOW, ORANGE, RED = "blue", "green", "yellow", "orange", "red"
BANDS = (BLUE, GREEN, YELLOW, ORANGE, RED)
# The lowest score of each band but the last (reference/signs.md §7.3; the Unicom A-E cut points).
DEFAULT_FLOORS = (90.0, 75.0, 60.0, 40.0)
# 蓝 also means a level-IV warning on the national scale (the other channel): the index band is
# always labelled as well as painted (§7.4).
BAND_LABELS = {
    BLUE: _("Excellent 优 (blue 蓝)"),
    GREEN: _("Good 良 (green 绿)"),
    YELLOW: _("Fair 中 (yellow 黄)"),
    ORANGE: _("Poor 差 (orange 橙)"),
    RED: _("Bad 劣 (red 红)"),
}


def band_of(score: float | None, floors: tuple[float, ...] = DEFAULT_FLOORS) -> str | None:
    """The colour band of a score (None: no score, no colour)."""
    if score is None:
        return None
    for band, floor in zip(BANDS, floors, strict=False):
        if score >= floor:
            return band
    return RED


def settle(
    shown: str | None, pending: str | None, band: str | None
) -> tuple[str | None, str | None]:
    """Hysteresis: (colour shown, colour waiting for confirmation) after a computation in
    ``band``. A first colour shows at once and no data clears it; a different band must come
    twice in a row before it shows."""
    if band is None or shown is None:
        return band, None
    if band == shown:
        return shown, None
    if pending == band:
        return band, None
    return shown, band
