"""Evaluation schemes (评价方案) at work: each indicator's value as points, the composite score
综合指标值 (0-100) and the grade.

Score rules (``SchemeItem.rule`` with its ``params``):

- **linear** 线性: a rate in percent is its points (按期处置率 96.1 % -> 96.1); a rate where lower
  is better counts 100 minus it (返工率 2 % -> 98), as in "(1 - 返工率) x 20". With ``zero`` and
  ``full`` the points run straight from 0 at ``zero`` to 100 at ``full`` (either direction).
- **bands** 分档: ``{"at_least": [[90, 100], [80, 85], ...]}`` takes the points of the first
  band the value reaches, or ``{"at_most": [[50, 100], [100, 90], ...]}`` of the first band it
  stays within (e.g. Unicom's 立案数分值); below every band, 0.
- **deduct** 扣分: 100 minus ``per`` points for each case of the count ``count`` (local 细则:
  0.2 points off per case that failed its check), never below 0.

The composite is the weighted mean of the points of the indicators that have a value: an
indicator with an empty denominator (no due task, no rating) drops out and the others' weights
count in its place, so a unit is not marked down for what did not happen. No indicator with a
value: no score (shown "—"). Grades: A from ``grade_a`` (90), B 75, C 60, D 40, else E.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from evaluation import definitions
from evaluation.models import ObjectType, RuleKind, Scheme, SchemeItem

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def indicators_of(object_type: str) -> dict[str, definitions.Indicator]:
    if object_type == ObjectType.REGION:
        return definitions.REGION_BY_KEY
    if object_type in definitions.POST_BY_KEY:
        return definitions.POST_BY_KEY[object_type]
    return definitions.BY_KEY


def counts_of(object_type: str) -> tuple[str, ...]:
    if object_type == ObjectType.REGION:
        return definitions.REGION_COUNTS
    if object_type in definitions.POST_BY_KEY:
        return definitions.POST_COUNTS
    return definitions.COUNTS


def _clamp(points: Decimal) -> Decimal:
    return min(HUNDRED, max(Decimal(0), points))


def _d(value) -> Decimal:
    return Decimal(str(value))


def points(item: SchemeItem, value: Decimal | None, counts: dict, indicator) -> Decimal | None:
    """The points (0-100) ``item`` gives for an indicator ``value`` (None: no value, no points)."""
    params = item.params or {}
    if item.rule == RuleKind.DEDUCT:
        count = params.get("count") or indicator.numerator
        if count not in counts:
            return None
        return _clamp(HUNDRED - _d(params.get("per", 1)) * _d(counts[count]))
    if value is None:
        return None
    if item.rule == RuleKind.BANDS:
        if "at_most" in params:
            hit = next((p for top, p in params["at_most"] if value <= _d(top)), 0)
        else:
            hit = next((p for low, p in params.get("at_least", []) if value >= _d(low)), 0)
        return _clamp(_d(hit))
    if "zero" in params and "full" in params:
        zero, full = _d(params["zero"]), _d(params["full"])
        return _clamp((value - zero) / (full - zero) * HUNDRED) if full != zero else None
    return _clamp(value if indicator.higher_is_better else HUNDRED - value)


def grade(scheme: Scheme, score: Decimal | None) -> str:
    if score is None:
        return ""
    for letter, lowest in (
        ("A", scheme.grade_a),
        ("B", scheme.grade_b),
        ("C", scheme.grade_c),
        ("D", scheme.grade_d),
    ):
        if score >= lowest:
            return letter
    return "E"


def composite(
    scheme: Scheme, items: list[SchemeItem], counts: dict, values: dict
) -> tuple[Decimal | None, list[tuple[SchemeItem, Decimal | None]]]:
    """The composite score of one row and each item's points."""
    known = indicators_of(scheme.object_type)
    parts = [
        (item, points(item, values.get(item.indicator), counts, known[item.indicator]))
        for item in items
        if item.indicator in known
    ]
    scored = [(item.weight, p) for item, p in parts if p is not None and item.weight > 0]
    total = sum((w for w, _p in scored), Decimal(0))
    if not total:
        return None, parts
    score = sum((w * p for w, p in scored), Decimal(0)) / total
    return score.quantize(CENT, rounding=ROUND_HALF_UP), parts


def score_rows(rows: list[dict], scheme: Scheme, items: list[SchemeItem] | None = None):
    """Add ``score``, ``grade`` and ``parts`` to ranking rows and rank them by score (no score
    last, ties by their previous order); ``items`` default to the scheme's saved ones."""
    items = list(scheme.items.all()) if items is None else items
    for row in rows:
        row["score"], row["parts"] = composite(scheme, items, row["counts"], row["values"])
        row["grade"] = grade(scheme, row["score"])
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0)))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def active_scheme(object_type: str, pk=None) -> Scheme | None:
    """The scheme asked for (by id, of that object type), else the one in use, else none."""
    schemes = Scheme.objects.filter(object_type=object_type)
    if pk:
        try:
            chosen = schemes.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            chosen = None
        if chosen is not None:
            return chosen
    return schemes.filter(is_active=True).order_by("pk").first()


def check_item(object_type: str, indicator: str, rule: str, params: dict) -> None:
    """Refuse an item a scheme cannot compute (ValidationError naming the field)."""
    known = indicators_of(object_type)
    if indicator not in known:
        raise ValidationError({"indicator": _("Unknown indicator %(key)s.") % {"key": indicator}})
    if not isinstance(params, dict):
        raise ValidationError({"params": _("Parameters are a JSON object.")})
    try:
        if rule == RuleKind.BANDS:
            bands = params.get("at_most", params.get("at_least"))
            if not bands or any(len(b) != 2 for b in bands):
                raise ValueError
            [(_d(a), _d(b)) for a, b in bands]
        elif rule == RuleKind.DEDUCT:
            _d(params.get("per", 1))
            if params.get("count", known[indicator].numerator) not in counts_of(object_type):
                raise ValueError
        elif "zero" in params or "full" in params:
            if _d(params["zero"]) == _d(params["full"]):
                raise ValueError
    except (ValueError, TypeError, KeyError, ArithmeticError):
        raise ValidationError(
            {
                "params": _("These parameters do not fit the rule %(rule)s.")
                % {"rule": RuleKind(rule).label}
            }
        ) from None
