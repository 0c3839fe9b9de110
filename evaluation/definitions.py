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
- 核查数 ``checked``: the on-site checks (核查) of the tasks disposed in the period: the one that
  passed plus every one that failed (返工) before it; 核查通过率 = 处置数 / 核查数.
- 回访数 ``rated``: ratings given in the period of cases whose last round this department led
  (the department that answered for the outcome); 满意数 ``satisfied``: of those, 满意 or
  非常满意 (``SATISFIED_FROM``).

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
    "checked",
    "rated",
    "satisfied",
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
    "checked": _("Disposed (checks) 核查数"),
    "rated": _("Rated 回访数"),
    "satisfied": _("Satisfied 满意数"),
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
    Ind("overdue_rate", _("Overdue rate 超期待处置率"), _("overdue, not disposed / due"),
      "overdue_open", "due", higher_is_better=False),
    Ind("rework_rate", _("Rework rate 返工率"), _("disposed after a failed check / disposed"),
      "reworked", "disposed", higher_is_better=False),
    Ind("return_rate", _("Return rate 回退率"), _("returned / dispatched"), "returned",
      "dispatched", higher_is_better=False),
    Ind("extension_rate", _("Extension rate 延期率"), _("disposed with an extension / disposed"),
      "extended", "disposed", higher_is_better=False),
    Ind("check_pass_rate", _("Check pass rate 核查通过率"),
      _("disposed / checks of those disposals (passed + failed)"), "disposed", "checked"),
    Ind("satisfaction_rate", _("Satisfaction rate 满意率"),
      _("satisfied or very satisfied / ratings given"), "satisfied", "rated"),
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


# --- Regions (区域评价) -----------------------------------------------------------------------
#
# Counted facts of a region (a district, street, community or grid: every case whose place lies
# in it) for a period, over CaseFact (one per filed case):
#
# - 立案数 ``filed``: cases filed within the period. 监督举报数 ``inspector_filed``: of those,
#   reported by grid inspectors (监督员); 公众举报数 ``public_filed``: by the public
#   (``PUBLIC_SOURCES``: 12345, 110, citizen snapshots, Open311).
# - 结案数 ``closed``: cases closed within the period. 按期结案数 ``closed_on_time``: of those, the
#   ones whose latest dispatch round was disposed at or before its deadline (the case's 处置时限
#   on the SLA clock, extensions and pauses applied; the centre's check and closing are not
#   timed by the filing standard). A case closed without any dispatch is on time.
# - 超期未结案数 ``overdue_open``: cases filed before the period's end (or now, for a running
#   period) whose deadline passed before then, neither closed nor voided by then, and not
#   disposed in time (a case disposed on time and waiting for its check is not late).
# - 应结案数 ``due`` = 结案数 + 超期未结案数. Open cases not yet due count in no denominator.
# - 返工数 ``reworked``: cases closed in the period that failed a check at least once.
# - 重复案件数 ``repeated``: cases filed in the period reported more than once (duplicate
#   reports merged into them by intake or by hand).
# - 作废数 ``voided``: cases voided (作废) in the period.
# - 疑难案件数 ``hard``: cases filed in the period that a department returned (回退) or that went
#   to the fallback owner (兜底). 代整治数 ``by_proxy``: cases closed in the period that the
#   fallback owner handled.
# - 回访数 ``rated``: ratings given in the period; 满意数 ``satisfied``: of those, 满意 or
#   非常满意 (rating >= ``SATISFIED_FROM``).

PUBLIC_SOURCES = frozenset({"hotline_12345", "hotline_110", "citizen", "open311"})
SATISFIED_FROM = 4  # portal.Rating.SATISFIED

REGION_COUNTS = (
    "filed",
    "inspector_filed",
    "public_filed",
    "closed",
    "closed_on_time",
    "overdue_open",
    "due",
    "reworked",
    "repeated",
    "voided",
    "hard",
    "by_proxy",
    "rated",
    "satisfied",
)

REGION_COUNT_LABELS = {
    "filed": _("Filed 立案数"),
    "inspector_filed": _("Reported by inspectors 监督举报数"),
    "public_filed": _("Reported by the public 公众举报数"),
    "closed": _("Closed 结案数"),
    "closed_on_time": _("Closed on time 按期结案数"),
    "overdue_open": _("Overdue, not closed 超期未结案数"),
    "due": _("Due 应结案数"),
    "reworked": _("Reworked 返工数"),
    "repeated": _("Reported more than once 重复案件数"),
    "voided": _("Voided 作废数"),
    "hard": _("Hard cases 疑难案件数"),
    "by_proxy": _("Fixed by the fallback owner 代整治数"),
    "rated": _("Rated 回访数"),
    "satisfied": _("Satisfied 满意数"),
}

REGION_INDICATORS: tuple[Indicator, ...] = (
    Ind("filed", _("Filed 立案数"), _("cases filed in the period"), "filed", percent=False),
    Ind("inspector_rate", _("Inspector report rate 监督举报率"),
      _("filed from inspectors' reports / filed"), "inspector_filed", "filed"),
    Ind("closing_rate", _("Closing rate 结案率"), _("closed / due"), "closed", "due"),
    Ind("on_time_closing_rate", _("On-time closing rate 按期结案率"),
      _("closed on time / due"), "closed_on_time", "due"),
    Ind("overdue_open", _("Overdue, not closed 超期未结案数"),
      _("due before the period's end, still open then"), "overdue_open", percent=False,
      higher_is_better=False),
    Ind("rework_rate", _("Rework rate 返工率"), _("closed after a failed check / closed"),
      "reworked", "closed", higher_is_better=False),
    Ind("repeat_rate", _("Repeat rate 重复案件率"), _("filed cases reported more than once / filed"),
      "repeated", "filed", higher_is_better=False),
    Ind("satisfaction_rate", _("Satisfaction rate 满意率"),
      _("satisfied or very satisfied / ratings given"), "satisfied", "rated"),
)  # fmt: skip
REGION_BY_KEY = {i.key: i for i in REGION_INDICATORS}


def region_values(counts: dict[str, int]) -> dict[str, Decimal | None]:
    """Every region indicator for one row of counted facts."""
    return {i.key: i.value(counts) for i in REGION_INDICATORS}


# --- Posts (岗位评价) -------------------------------------------------------------------------
#
# Counted facts of one person for a period, over PostFact (evaluation.posts: which steps, who,
# from when each is due), each step dated by when it was done:
#
# - ``<step>``: steps done in the period (``report`` 上报数, ``verify`` 核实数, ``file`` 立案数 ...);
# - ``<step>_on_time``: of those, done by the post's limit (按时核实数, 按时立案数, 按时派遣数,
#   按时核查数, 按时结案数; a disposal by its task's deadline: 按时处置数);
# - ``<step>_held``: of those, the ones that held (有效上报: the report was filed; 准确立案: the
#   case was not voided afterwards; 准确派遣: no department returned the round; a disposal its
#   check passed); ``<step>_failed``: the ones that did not (a disposal its check failed: 返工).
# - For inspectors (监督员), 漏报 ``missed``: cases filed in the period in the inspector's own
#   areas from a public report (``PUBLIC_SOURCES``): problems the public found first; ``area_filed``:
#   every case filed there in the period (漏报率 = 漏报数 / 立案数 of those areas).
#
# The on-time rates divide by the steps done: a step not done yet has nobody to count it for.

POST_STAGES = ("report", "accept", "verify", "file", "dispatch", "dispose", "check", "close")
POST_COUNTS = tuple(
    f"{stage}{suffix}" for stage in POST_STAGES for suffix in ("", "_on_time", "_held", "_failed")
) + ("missed", "area_filed")

POSTS = ("inspector", "acceptor", "shift_leader", "dispatcher", "disposer")

POST_INDICATORS: dict[str, tuple[Indicator, ...]] = {
    "inspector": (
        Ind("reports", _("Reports 上报数"), _("own reports in the period"), "report",
          percent=False),
        Ind("valid_report_rate", _("Valid report rate 有效上报率"), _("reports filed / reports"),
          "report_held", "report"),
        Ind("verify_on_time_rate", _("On-time verification rate 按时核实率"),
          _("verified within the limit / verified"), "verify_on_time", "verify"),
        Ind("check_on_time_rate", _("On-time check rate 按时核查率"),
          _("checked within the limit / checked"), "check_on_time", "check"),
        Ind("missed", _("Missed 漏报数"), _("cases filed in own areas from a public report"),
          "missed", percent=False, higher_is_better=False),
        Ind("missed_rate", _("Missed rate 漏报率"), _("missed / cases filed in own areas"),
          "missed", "area_filed", higher_is_better=False),
    ),
    "acceptor": (
        Ind("accepted", _("Reports taken 受理数"), _("reports entered in the period"), "accept",
          percent=False),
        Ind("valid_accept_rate", _("Valid intake rate 有效受理率"),
          _("reports entered and filed / reports entered"), "accept_held", "accept"),
    ),
    "shift_leader": (
        Ind("filed", _("Filed 立案数"), _("cases filed in the period"), "file", percent=False),
        Ind("file_on_time_rate", _("On-time filing rate 按时立案率"),
          _("filed within the limit / filed"), "file_on_time", "file"),
        Ind("file_accuracy_rate", _("Accurate filing rate 准确立案率"),
          _("filed and not voided / filed"), "file_held", "file"),
        Ind("closed", _("Closed 结案数"), _("cases closed in the period"), "close",
          percent=False),
        Ind("close_on_time_rate", _("On-time closing rate 按时结案率"),
          _("closed within the limit / closed"), "close_on_time", "close"),
    ),
    "dispatcher": (
        Ind("dispatched", _("Dispatched 派遣数"), _("dispatch rounds in the period"), "dispatch",
          percent=False),
        Ind("dispatch_on_time_rate", _("On-time dispatch rate 按时派遣率"),
          _("dispatched within the limit / dispatched"), "dispatch_on_time", "dispatch"),
        Ind("dispatch_accuracy_rate", _("Accurate dispatch rate 准确派遣率"),
          _("rounds no department returned / dispatched"), "dispatch_held", "dispatch"),
    ),
    "disposer": (
        Ind("disposed", _("Disposed 处置数"), _("own disposals in the period"), "dispose",
          percent=False),
        Ind("dispose_on_time_rate", _("On-time disposal rate 按时处置率"),
          _("disposed by the task's deadline / disposed"), "dispose_on_time", "dispose"),
        Ind("dispose_rework_rate", _("Rework rate 返工率"),
          _("disposals the check failed / disposed"), "dispose_failed", "dispose",
          higher_is_better=False),
    ),
}  # fmt: skip
POST_BY_KEY = {post: {i.key: i for i in found} for post, found in POST_INDICATORS.items()}

POST_COUNT_LABELS = {
    "report": _("Reports 上报数"),
    "report_held": _("Valid reports 有效上报数"),
    "accept": _("Reports taken 受理数"),
    "accept_held": _("Reports taken and filed"),
    "verify": _("Verified 核实数"),
    "verify_on_time": _("Verified on time 按时核实数"),
    "file": _("Filed 立案数"),
    "file_on_time": _("Filed on time 按时立案数"),
    "file_held": _("Filed accurately 准确立案数"),
    "dispatch": _("Dispatched 派遣数"),
    "dispatch_on_time": _("Dispatched on time 按时派遣数"),
    "dispatch_held": _("Dispatched accurately 准确派遣数"),
    "dispose": _("Disposed 处置数"),
    "dispose_on_time": _("Disposed on time 按时处置数"),
    "dispose_failed": _("Disposals sent back 返工数"),
    "check": _("Checked 核查数"),
    "check_on_time": _("Checked on time 按时核查数"),
    "close": _("Closed 结案数"),
    "close_on_time": _("Closed on time 按时结案数"),
    "missed": _("Missed 漏报数"),
    "area_filed": _("Filed in own areas 立案数"),
}


def post_values(post: str, counts: dict[str, int]) -> dict[str, Decimal | None]:
    """Every indicator of ``post`` for one person's counted facts."""
    return {i.key: i.value(counts) for i in POST_INDICATORS[post]}
