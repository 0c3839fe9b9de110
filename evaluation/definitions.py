"""The evaluation indicators (评价指标), each a documented formula over counted facts.

One module holds every definition, with the standard's name beside it (references/standards.md
§4: the eGova glossary and the Unicom implementation). A period is [start, end): a task counts
by what happened to it inside the period, measured on its TaskFact.

Counted facts of a department for a period (``COUNTS``):

- 处置数 ``disposed``: tasks disposed within the period (their last disposal).
- 按期处置数 ``disposed_on_time``: of those, disposed at or before the deadline. The deadline
  is the SLA clock's: the limit in working time plus approved extensions, pushed by pauses
  (挂账), so a task late by one working minute is late and a paused one is not.
- 超期未处置数 ``overdue_open``: tasks dispatched before the period's end, due before its end
  (or before now, for a period still running) and not disposed, returned or cancelled by then.
  Open tasks not yet due count in no denominator.
- 应处置数 ``due`` = 处置数 + 超期未处置数 (Unicom's 应结案数; the eGova 应处置数).
- 返工数 ``reworked``: tasks disposed in the period that had failed a check at least once.
- 延期数 ``extended``: tasks disposed in the period with an approved extension.
- 派遣数 ``dispatched``: tasks dispatched within the period; 回退数 ``returned``: tasks returned
  within the period (回退, the department said "not ours").
- 处置时长 ``work_seconds``: working seconds from dispatch to disposal minus pauses, summed over
  the tasks disposed in the period. A failed check (返工) restarts the task's clock with a fresh
  limit, as the SLA does: a reworked task counts the time of its rework.

Rates (``INDICATORS``) divide two counts; an empty denominator gives no number (shown "—"),
never 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

COUNTS = (
    "due",
    "disposed",
    "disposed_on_time",
    "overdue_open",
    "reworked",
    "extended",
    "dispatched",
    "returned",
    "work_seconds",
)


# What each count is called (the drill-down page's title).
COUNT_LABELS = {
    "due": _("Due 应处置数"),
    "disposed": _("Disposed 处置数"),
    "disposed_on_time": _("Disposed on time 按期处置数"),
    "overdue_open": _("Overdue, not disposed 超期未处置数"),
    "reworked": _("Reworked 返工数"),
    "extended": _("Extended 延期数"),
    "dispatched": _("Dispatched 派遣数"),
    "returned": _("Returned 回退数"),
    "work_seconds": _("Disposed (disposal time) 处置时长"),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str  # the standard's name, in the active language
    formula: str  # in words, shown beside the number
    numerator: str  # a COUNTS key
    denominator: str | None = None  # None: the numerator itself (a count)
    percent: bool = True
    # Higher is better (处置率) or lower is better (返工率): rankings sort by it.
    higher_is_better: bool = True

    def value(self, counts: dict[str, int]) -> Decimal | None:
        top = Decimal(counts.get(self.numerator) or 0)
        if self.denominator is None:
            return top
        bottom = Decimal(counts.get(self.denominator) or 0)
        if bottom == 0:
            return None
        ratio = top / bottom
        if self.percent:
            return (ratio * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


Ind = Indicator
DEPARTMENT_INDICATORS: tuple[Indicator, ...] = (
    Ind("due", _("Due 应处置数"), _("disposed + overdue not disposed"), "due", percent=False),
    Ind("disposed", _("Disposed 处置数"), _("tasks disposed in the period"), "disposed",
      percent=False),
    Ind("disposal_rate", _("Disposal rate 处置率"), _("disposed / due"), "disposed", "due"),
    Ind("on_time_rate", _("On-time disposal rate 按期处置率"), _("disposed on time / due"),
      "disposed_on_time", "due"),
    Ind("overdue_open", _("Overdue, not disposed 超期未处置数"),
      _("due before the period's end, still open then"), "overdue_open", percent=False,
      higher_is_better=False),
    Ind("rework_rate", _("Rework rate 返工率"), _("disposed after a failed check / disposed"),
      "reworked", "disposed", higher_is_better=False),
    Ind("return_rate", _("Return rate 回退率"), _("returned / dispatched"), "returned",
      "dispatched", higher_is_better=False),
    Ind("extension_rate", _("Extension rate 延期率"), _("disposed with an extension / disposed"),
      "extended", "disposed", higher_is_better=False),
    Ind("mean_hours", _("Mean disposal time 平均处置时长 (working hours)"),
      _("working time from dispatch to disposal / disposed"), "work_seconds", "disposed",
      percent=False, higher_is_better=False),
)  # fmt: skip
BY_KEY = {i.key: i for i in DEPARTMENT_INDICATORS}


def values(counts: dict[str, int]) -> dict[str, Decimal | None]:
    """Every department indicator for one row of counted facts."""
    found = {i.key: i.value(counts) for i in DEPARTMENT_INDICATORS}
    if found["mean_hours"] is not None:
        found["mean_hours"] = (found["mean_hours"] / 3600).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return found
