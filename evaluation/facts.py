"""Writing task facts (考核事实) from the cases: after each move that changes a task, and in bulk.

``case_facts(case)`` computes the facts of every task of a case from the case tables (the task
rows and the 回退 events); ``write_case_facts`` upserts them. The same function serves the
after-commit hook, the backfill and the nightly reconciliation, so the three cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from django.db import transaction

from cases import sla
from cases.models import Case, CaseEvent, Task
from cases.states import OPEN_TASK_STATUSES, CaseAction, Priority, TaskStatus
from catalog.models import Category
from evaluation.models import Outcome, TaskFact

# The fields of a fact a write may change (everything but the task it is of).
FACT_FIELDS = (
    "case_id",
    "department_id",
    "area_path",
    "source",
    "category_kind",
    "is_lead",
    "urgent",
    "started_at",
    "deadline_at",
    "outcome",
    "settled_at",
    "on_time",
    "reworks",
    "extended",
    "work_seconds",
)


def _outcome(task: Task) -> str:
    if task.status in OPEN_TASK_STATUSES:
        return Outcome.OPEN
    if task.status == TaskStatus.DISPOSED:
        return Outcome.DISPOSED
    if task.status == TaskStatus.RETURNED:
        return Outcome.RETURNED
    return Outcome.CANCELLED


def _return_events(case_ids: list[int]) -> dict[int, list[tuple[int | None, object]]]:
    """case id -> its 回退 events (task id, at), oldest first: one query for many cases."""
    found: dict[int, list] = {}
    rows = CaseEvent.objects.filter(case_id__in=case_ids, action=CaseAction.RETURN)
    for case_id, task_id, at in rows.order_by("at", "pk").values_list("case_id", "task_id", "at"):
        found.setdefault(case_id, []).append((task_id, at))
    return found


def _return_times(tasks: list[Task], events: list[tuple[int | None, object]]) -> dict[int, object]:
    """When each returned or cancelled task stopped: its own 回退 event; a task cancelled by the
    lead's return, that return (same round)."""
    first: dict[int, object] = {}
    for task_id, at in events:
        if task_id is not None:
            first.setdefault(task_id, at)
    by_round: dict[int, object] = {}
    for task in tasks:
        if task.is_lead and task.pk in first:
            by_round.setdefault(task.round, first[task.pk])
    return {
        task.pk: first.get(task.pk) or by_round.get(task.round)
        for task in tasks
        if task.status in (TaskStatus.RETURNED, TaskStatus.CANCELLED)
    }


def case_facts(
    case: Case, tasks: Iterable[Task] | None = None, returns: list | None = None
) -> list[TaskFact]:
    """The facts of every task of ``case`` as the case tables have them now (unsaved rows).
    ``tasks`` and ``returns`` (its 回退 events) are read when not given."""
    tasks = list(tasks if tasks is not None else Task.objects.filter(case=case))
    if not tasks:
        return []
    if returns is None:
        ended = any(t.status in (TaskStatus.RETURNED, TaskStatus.CANCELLED) for t in tasks)
        returns = _return_events([case.pk]).get(case.pk, []) if ended else []
    if case.category_id and Case.category.is_cached(case):
        kind = case.category.kind
    else:
        kind = category_kind(case.category_id)
    area_class = case.area_class or None
    stopped = _return_times(tasks, returns)
    facts = []
    for task in tasks:
        outcome = _outcome(task)
        disposed = outcome == Outcome.DISPOSED and task.disposed_at is not None
        work = None
        if disposed:
            elapsed = sla.working_seconds(
                task.started_at, task.disposed_at, task.time_unit, area_class
            )
            work = max(0, elapsed - task.paused_seconds)
        facts.append(
            TaskFact(
                task_id=task.pk,
                case_id=case.pk,
                department_id=task.department_id,
                area_path=case.area_path,
                source=case.source,
                category_kind=kind,
                is_lead=task.is_lead,
                urgent=case.priority == Priority.URGENT,
                started_at=task.started_at,
                deadline_at=task.deadline_at,
                outcome=outcome,
                settled_at=task.disposed_at if disposed else stopped.get(task.pk),
                on_time=(task.disposed_at <= task.deadline_at) if disposed else None,
                reworks=task.rework_count,
                extended=task.extended > 0,
                work_seconds=work,
            )
        )
    return facts


@lru_cache(maxsize=4096)
def _kind(category_id: int) -> str:
    return Category.objects.filter(pk=category_id).values_list("kind", flat=True).first() or ""


def category_kind(category_id: int | None) -> str:
    """部件 or 事件 of a category, cached per process (a category's kind does not change; any
    category saved or deleted clears the cache: evaluation.apps)."""
    return _kind(category_id) if category_id else ""


def forget_categories(**kwargs) -> None:
    _kind.cache_clear()


def _upsert(facts: list[TaskFact]) -> int:
    if facts:
        TaskFact.objects.bulk_create(
            facts,
            update_conflicts=True,
            unique_fields=["task"],
            update_fields=[*FACT_FIELDS, "updated_at"],
        )
    return len(facts)


def write_case_facts(case: Case) -> int:
    """Upsert the facts of ``case``'s tasks (one INSERT ... ON CONFLICT, atomic by itself);
    returns how many were written. Two queries when no task of the case was returned."""
    return _upsert(case_facts(case))


BACKFILL_CHUNK = 2000


def backfill(cases, *, progress: Callable[[int], None] | None = None) -> int:
    """Write the facts of every task of ``cases`` (a Case queryset) in chunks of cases, three
    queries a chunk; returns the facts written. ``progress(n)`` is told after each chunk."""
    ids = list(cases.filter(dispatch_round__gt=0).order_by("pk").values_list("pk", flat=True))
    written = 0
    for i in range(0, len(ids), BACKFILL_CHUNK):
        chunk = ids[i : i + BACKFILL_CHUNK]
        rows = Case.objects.filter(pk__in=chunk).select_related("category")
        tasks: dict[int, list[Task]] = {}
        for task in Task.objects.filter(case_id__in=chunk).order_by("pk"):
            tasks.setdefault(task.case_id, []).append(task)
        returns = _return_events(chunk)
        facts = []
        for case in rows:
            facts += case_facts(case, tasks.get(case.pk, []), returns.get(case.pk, []))
        with transaction.atomic():
            written += _upsert(facts)
        if progress is not None:
            progress(len(chunk))
    return written
