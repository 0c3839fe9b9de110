"""The nightly reconciliation (对账): recompute facts from the cases and report every difference.

Facts are written after commit by the case moves (evaluation.receivers); a write lost to a crash,
a bug in a receiver or a hand-edited row would make a ranking quietly wrong. Each night the
worker recomputes the facts of the cases touched the day before (any case event, a rating) with
the very functions the moves use (``evaluation.facts.computed``), compares them field by field
with the stored rows, reports what differs (logged as a warning, and printed by
``manage.py evaluation_reconcile``) and writes the computed facts over the wrong ones. None is
expected.

Open tasks not yet due have no fact by design (they count nowhere), so a missing fact of such a
task is not a difference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseEvent
from evaluation import facts as writer
from evaluation.models import CaseFact, Outcome, TaskFact
from evaluation.selectors import day_bounds
from portal.models import Satisfaction

logger = logging.getLogger(__name__)

SHOWN = 20  # differences listed in the log line


@dataclass(frozen=True)
class Difference:
    kind: str  # "task" or "case"
    key: int  # the task's or the case's id
    case: int
    problem: str  # "missing", "extra" or "changed"
    fields: tuple[tuple[str, object, object], ...] = ()  # (field, stored, computed)

    def __str__(self) -> str:
        what = f"{self.kind} {self.key} (case {self.case}): {self.problem}"
        if self.fields:
            what += " " + ", ".join(f"{n} {a!r} -> {b!r}" for n, a, b in self.fields)
        return what


@dataclass
class Reconciliation:
    cases: int = 0
    checked: int = 0  # facts compared
    differences: list[Difference] = field(default_factory=list)
    fixed: bool = False

    def __str__(self) -> str:
        verdict = "none" if not self.differences else str(len(self.differences))
        done = " (written again)" if self.fixed and self.differences else ""
        return f"{self.cases} cases, {self.checked} facts checked, differences: {verdict}{done}"


def _compare(kind, key_name, fields, stored: dict, wanted: list, now) -> list[Difference]:
    found = []
    for fact in wanted:
        key = getattr(fact, key_name)
        have = stored.pop(key, None)
        if have is None:
            not_due = kind == "task" and fact.outcome == Outcome.OPEN and fact.deadline_at > now
            if not not_due:
                found.append(Difference(kind, key, fact.case_id, "missing"))
            continue
        changed = writer.differences(have, fact, fields)
        if changed:
            found.append(Difference(kind, key, fact.case_id, "changed", changed))
    found += [Difference(kind, key, row.case_id, "extra") for key, row in stored.items()]
    return found


def reconcile(case_ids: list[int], *, fix: bool = True, now: datetime | None = None):
    """Compare the stored facts of these cases with the facts computed from them now; with
    ``fix``, write the computed ones and delete facts that should not exist."""
    now = now or timezone.now()
    writer.forget_categories()  # each category's kind read afresh (it may have been edited)
    report = Reconciliation(cases=len(case_ids), fixed=fix)
    chunk_size = writer.BACKFILL_CHUNK
    for i in range(0, len(case_ids), chunk_size):
        chunk = case_ids[i : i + chunk_size]
        task_facts, case_facts = writer.computed(chunk)
        stored_tasks = {f.task_id: f for f in TaskFact.objects.filter(case_id__in=chunk)}
        stored_cases = {f.case_id: f for f in CaseFact.objects.filter(case_id__in=chunk)}
        report.checked += len(stored_tasks) + len(stored_cases)
        found = _compare("task", "task_id", writer.FACT_FIELDS, stored_tasks, task_facts, now)
        found += _compare("case", "case_id", writer.CASE_FACT_FIELDS, stored_cases, case_facts, now)
        report.differences += found
        if fix and found:
            wrong_cases = {d.case for d in found}
            extra = [d for d in found if d.problem == "extra"]
            with transaction.atomic():
                writer.store(
                    [f for f in task_facts if f.case_id in wrong_cases],
                    [f for f in case_facts if f.case_id in wrong_cases],
                )
                writer.remove(
                    [d.key for d in extra if d.kind == "task"],
                    [d.key for d in extra if d.kind == "case"],
                )
    if report.differences:
        logger.warning(
            "evaluation reconciliation: %s; first: %s",
            report,
            "; ".join(str(d) for d in report.differences[:SHOWN]),
        )
    else:
        logger.info("evaluation reconciliation: %s", report)
    return report


def touched_on(day: date) -> list[int]:
    """The cases touched on ``day`` (local): any case event, or a rating given."""
    start, end = day_bounds(day, day)
    ids = set(CaseEvent.objects.filter(at__gte=start, at__lt=end).values_list("case_id", flat=True))
    ids |= set(
        Satisfaction.objects.filter(submitted_at__gte=start, submitted_at__lt=end).values_list(
            "case_id", flat=True
        )
    )
    stored = set(
        CaseFact.objects.filter(updated_at__gte=start, updated_at__lt=end).values_list(
            "case_id", flat=True
        )
    )
    return sorted(ids | stored)


def reconcile_day(day: date, *, fix: bool = True, now: datetime | None = None) -> Reconciliation:
    """Reconcile the cases touched on ``day`` (the nightly run: yesterday)."""
    return reconcile(touched_on(day), fix=fix, now=now)


def every_case() -> list[int]:
    return list(Case.objects.order_by("pk").values_list("pk", flat=True))
