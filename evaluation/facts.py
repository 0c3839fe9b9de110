"""Writing facts (考核事实) from the cases: after each move that changes them, and in bulk.

``case_facts(case)`` computes the facts of every task of a case from the case tables (the task
rows and the 回退 events), ``case_fact(case, tasks, extras)`` the case's own fact (region
evaluation); ``write_case_facts`` upserts both. The same functions serve the after-commit hook,
the backfill and the nightly reconciliation, so the three cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils.dateparse import parse_datetime

from cases import sla
from cases.models import Case, CaseEvent, Task
from cases.states import OPEN_TASK_STATUSES, CaseAction, CaseStatus, Priority, TaskStatus
from catalog.models import Category
from core import rows
from core.pipeline import Pipeline, can_pipeline
from dispatch.models import RoutingDecision
from evaluation import rollups
from evaluation.models import CaseFact, CaseOutcome, Outcome, TaskFact
from intake.models import IntakeReport
from portal.models import Satisfaction

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
    "allowed_seconds",
    "rating",
    "rated_at",
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
    case: Case,
    tasks: Iterable[Task] | None = None,
    returns: list | None = None,
    extras: CaseExtras | None = None,
) -> list[TaskFact]:
    """The facts of every task of ``case`` as the case tables have them now (unsaved rows).
    ``tasks`` and ``returns`` (its 回退 events) are read when not given; the reporter's rating
    (``extras``) goes on the lead task of the last round."""
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
    rated = extras if extras is not None and extras.rating is not None else None
    facts = []
    for task in tasks:
        answered = rated is not None and task.is_lead and task.round == case.dispatch_round
        outcome = _outcome(task)
        disposed = outcome == Outcome.DISPOSED and task.disposed_at is not None
        work = allowed = None
        if disposed:
            elapsed = sla.working_seconds(
                task.started_at, task.disposed_at, task.time_unit, area_class
            )
            work = max(0, elapsed - task.paused_seconds)
            allowed = sla.allowed_seconds(
                task.started_at, task.deadline_at, task.time_unit, task.paused_seconds, area_class
            )
        facts.append(
            rows.transient(
                TaskFact,
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
                allowed_seconds=allowed,
                rating=rated.rating if answered else None,
                rated_at=rated.rated_at if answered else None,
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


CASE_FACT_FIELDS = (
    "area_path",
    "source",
    "category_id",
    "category_kind",
    "urgent",
    "filed_at",
    "deadline_at",
    "disposed_at",
    "outcome",
    "settled_at",
    "on_time",
    "reworks",
    "returns",
    "reports",
    "fallback",
    "rating",
    "rated_at",
)

# Case statuses in which the latest round is disposed (all its tasks done).
_DONE = frozenset({CaseStatus.DISPOSED, CaseStatus.CHECKING, CaseStatus.CLOSED})


@dataclass(frozen=True)
class CaseExtras:
    """What a case fact needs beyond the case and task rows."""

    reports: int = 1  # intake reports on the case (duplicates merged in included)
    fallback: bool = False  # a round went to the fallback owner 兜底
    voided_at: object = None  # when it was voided (作废), if it was
    rating: int | None = None  # the reporter's rating (回访), if given
    rated_at: object = None


def case_extras(case_ids: list[int]) -> dict[int, CaseExtras]:
    """case id -> CaseExtras for many cases: four grouped queries, each by ``case_id IN``.

    (Correlated subqueries per case looked the same but let PostgreSQL scan every 作废 event
    of the city for each case through the (action, at) index: ~0.1 s per case at 1 M cases.)
    """
    reports = dict(
        IntakeReport.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("case_id", "n")
    )
    fallback = set(
        RoutingDecision.objects.filter(case_id__in=case_ids, is_fallback=True)
        .order_by()
        .values_list("case_id", flat=True)
    )
    voided = dict(
        CaseEvent.objects.filter(case_id__in=case_ids, action=CaseAction.VOID)
        .values("case_id")
        .annotate(at=Max("at"))
        .order_by()
        .values_list("case_id", "at")
    )
    rated = {
        case_id: (rating, at)
        for case_id, rating, at in Satisfaction.objects.filter(case_id__in=case_ids)
        .order_by()
        .values_list("case_id", "rating", "submitted_at")
    }
    return {
        pk: CaseExtras(
            max(1, reports.get(pk, 0)),
            pk in fallback,
            voided.get(pk),
            *rated.get(pk, (None, None)),
        )
        for pk in case_ids
    }


def case_fact(case: Case, tasks: list[Task], extras: CaseExtras) -> CaseFact | None:
    """The fact of a filed case as the case tables have it now (unsaved); None before filing.

    Its deadline is the latest round's: the latest of its tasks' deadlines (extensions and
    pauses applied), returned and cancelled shares left out unless nothing else is left. It is
    closed on time (按期结案) when that round was disposed at or before it; a case closed
    without any dispatch (nothing to be late for) is on time."""
    if case.filed_at is None:
        return None
    latest = [t for t in tasks if t.round == case.dispatch_round]
    live = [t for t in latest if t.status not in (TaskStatus.RETURNED, TaskStatus.CANCELLED)]
    deadline = max((t.deadline_at for t in live or latest), default=None)
    disposed = case.disposed_at if case.status in _DONE else None
    if case.status == CaseStatus.CLOSED:
        outcome, settled = CaseOutcome.CLOSED, case.closed_at
        on_time = deadline is None or (disposed is not None and disposed <= deadline)
    elif case.status == CaseStatus.VOIDED:
        outcome, settled, on_time = CaseOutcome.VOIDED, extras.voided_at or case.updated_at, None
    else:
        outcome, settled, on_time = CaseOutcome.OPEN, None, None
    if case.category_id and Case.category.is_cached(case):
        kind = case.category.kind
    else:
        kind = category_kind(case.category_id)
    return rows.transient(
        CaseFact,
        case_id=case.pk,
        area_path=case.area_path,
        source=case.source,
        category_id=case.category_id,
        category_kind=kind,
        urgent=case.priority == Priority.URGENT,
        filed_at=case.filed_at,
        deadline_at=deadline,
        disposed_at=disposed,
        outcome=outcome,
        settled_at=settled,
        on_time=on_time,
        reworks=case.rework_count,
        returns=case.returned_count,
        reports=extras.reports,
        fallback=extras.fallback,
        rating=extras.rating,
        rated_at=extras.rated_at,
    )


def history_facts(
    case: Case, tasks: list[Task], *, voided_at=None
) -> tuple[list[TaskFact], CaseFact | None]:
    """The facts of a case the historical import (历史导入) writes whole, from rows built in
    memory and never read back: no 回退, no merged reports, no 兜底, no rating in a source
    file. The same functions as every other write, so an imported year counts as the backfill
    would count it."""
    extras = CaseExtras(voided_at=voided_at)
    return case_facts(case, tasks, [], extras), case_fact(case, tasks, extras)


# Facts are written after most case moves: as statements built once (core.rows), not through
# bulk_create(update_conflicts=True), whose SQL is compiled on every call (~1 ms of CPU here).
def _upsert(facts: list[TaskFact]) -> int:
    return rows.upsert(facts, conflict="task", names=(*FACT_FIELDS, "updated_at"))


def _upsert_cases(facts: list[CaseFact]) -> int:
    return rows.upsert(facts, conflict="case", names=(*CASE_FACT_FIELDS, "updated_at"))


def _as_datetime(value) -> datetime | None:
    """A datetime read by a plain query: SQLite gives the stored UTC time as text or as a naive
    datetime, PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@lru_cache(maxsize=4)
def _extras_sql(vendor: str) -> str:
    q = connection.ops.quote_name

    def table(model) -> str:
        return q(model._meta.db_table)

    return (
        f"SELECT (SELECT COUNT(*) FROM {table(IntakeReport)} WHERE {q('case_id')} = %s), "
        f"EXISTS (SELECT 1 FROM {table(RoutingDecision)} "
        f"WHERE {q('case_id')} = %s AND {q('is_fallback')} = %s), "
        f"(SELECT MAX({q('at')}) FROM {table(CaseEvent)} "
        f"WHERE {q('case_id')} = %s AND {q('action')} = %s), "
        f"(SELECT {q('rating')} FROM {table(Satisfaction)} WHERE {q('case_id')} = %s), "
        f"(SELECT {q('submitted_at')} FROM {table(Satisfaction)} WHERE {q('case_id')} = %s)"
    )


def case_extras_one(case_id: int) -> CaseExtras:
    """``case_extras`` of one case in one plain query built once (the after-move write's
    path; the ORM's four subqueries cost ~4 ms of CPU to compile)."""
    params = [case_id, case_id, True, case_id, str(CaseAction.VOID), case_id, case_id]
    with connection.cursor() as cursor:
        cursor.execute(_extras_sql(connection.vendor), params)
        reports, fallback, voided_at, rating, rated_at = cursor.fetchone()
    return CaseExtras(
        max(1, reports or 0),
        bool(fallback),
        _as_datetime(voided_at),
        rating,
        _as_datetime(rated_at),
    )


def write_case_facts(case: Case, *, tasks_too: bool = True) -> int:
    """Upsert the fact of ``case`` and (``tasks_too``) of its tasks, atomically; returns how
    many were written. Five statements when no task of the case was returned.

    On PostgreSQL the write's commit does not wait for the WAL flush (``synchronous_commit``
    off for this transaction only, ~1 ms saved after most case moves): facts are derived
    from the cases, so the few a server crash could lose in that window are written again
    by ``evaluation_backfill`` (and the nightly reconciliation), never lost for good. The
    case moves themselves stay durable."""
    tasks = rows.select(Task, where={"case": case.pk}) if case.dispatch_round else []
    extras = case_extras_one(case.pk) if case.filed_at else CaseExtras()
    fact = case_fact(case, tasks, extras) if case.filed_at else None
    new_tasks = case_facts(case, tasks, extras=extras) if tasks_too else []
    new_cases = [fact] if fact else []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        rollups.lock_cases([case.pk])
        old_tasks = rows.select(TaskFact, where={"case": case.pk}) if new_tasks else []
        old_cases = rows.select(CaseFact, where={"case": case.pk}) if new_cases else []
        written = _upsert(new_tasks) + _upsert_cases(new_cases)
        rollups.apply(_replaced(old_tasks, new_tasks), new_tasks, old_cases, new_cases)
        return written


BACKFILL_CHUNK = 2000


# The columns the fact functions read (case_facts, case_fact): the backfill loads only these
# (a case row has ~60 columns; loading them all was half of the backfill's reading time).
CASE_COLUMNS = (
    "id", "filed_at", "dispatch_round", "disposed_at", "status", "closed_at", "updated_at",
    "category_id", "area_path", "source", "priority", "rework_count", "returned_count",
    "area_class",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "case_id", "status", "round", "deadline_at", "started_at", "disposed_at",
    "time_unit", "paused_seconds", "is_lead", "department_id", "rework_count", "extended",
)  # fmt: skip


def computed(chunk: list[int]) -> tuple[list[TaskFact], list[CaseFact]]:
    """The facts of the cases with these ids and of their tasks as the case tables have them
    now (unsaved), in seven queries (cases, tasks, returns, four extras; a category's kind is
    read once a process): what the backfill writes and the reconciliation checks."""
    loaded = Case.objects.filter(pk__in=chunk).only(*CASE_COLUMNS)
    tasks: dict[int, list[Task]] = {}
    for task in Task.objects.filter(case_id__in=chunk).only(*TASK_COLUMNS).order_by("pk"):
        tasks.setdefault(task.case_id, []).append(task)
    returns = _return_events(chunk)
    extras = case_extras(chunk)
    task_facts, case_rows = [], []
    for case in loaded:
        own, extra = tasks.get(case.pk, []), extras.get(case.pk, CaseExtras())
        task_facts += case_facts(case, own, returns.get(case.pk, []), extra)
        fact = case_fact(case, own, extra)
        if fact is not None:
            case_rows.append(fact)
    return task_facts, case_rows


def _replaced(stored: list[TaskFact], written: list[TaskFact]) -> list[TaskFact]:
    """The stored task facts that ``written`` replaces (same task)."""
    tasks = {f.task_id for f in written}
    return [f for f in stored if f.task_id in tasks]


def differences(stored, written, fields: tuple[str, ...]) -> tuple[tuple, ...]:
    """(field, stored value, written value) of each field in which two facts differ."""
    return tuple(
        (name, getattr(stored, name), getattr(written, name))
        for name in fields
        if getattr(stored, name) != getattr(written, name)
    )


def _changes(stored, written, key: str, fields: tuple[str, ...]) -> tuple[list, list]:
    """(the stored facts that change, the written facts that change them or are new): a fact
    written again as it is stored is neither rewritten nor counted again in the rollups (a
    backfill or reconciliation over unchanged cases writes nothing)."""
    before = {getattr(f, key): f for f in stored}
    old, new = [], []
    for fact in written:
        was = before.get(getattr(fact, key))
        if was is not None and not differences(was, fact, fields):
            continue
        new.append(fact)
        if was is not None:
            old.append(was)
    return old, new


def store(task_facts: list[TaskFact], case_rows: list[CaseFact]) -> int:
    """Upsert task and case facts in one transaction, the rollups with them; returns how
    many were written (facts stored as they are already are left alone)."""
    with transaction.atomic():
        rollups.lock_cases({f.case_id for f in task_facts} | {f.case_id for f in case_rows})
        old_tasks, task_facts = _changes(
            TaskFact.objects.filter(task_id__in=[f.task_id for f in task_facts]),
            task_facts, "task_id", FACT_FIELDS,
        )  # fmt: skip
        old_cases, case_rows = _changes(
            CaseFact.objects.filter(case_id__in=[f.case_id for f in case_rows]),
            case_rows, "case_id", CASE_FACT_FIELDS,
        )  # fmt: skip
        written = _upsert(task_facts) + _upsert_cases(case_rows)
        rollups.apply(old_tasks, task_facts, old_cases, case_rows)
        return written


def remove(task_ids: list[int], case_ids: list[int]) -> None:
    """Delete these task and case facts, and what they added to the rollups."""
    with transaction.atomic():
        owners = TaskFact.objects.filter(task_id__in=task_ids).values_list("case_id", flat=True)
        rollups.lock_cases({*owners, *case_ids})
        old_tasks = list(TaskFact.objects.filter(task_id__in=task_ids))
        old_cases = list(CaseFact.objects.filter(case_id__in=case_ids))
        TaskFact.objects.filter(task_id__in=task_ids).delete()
        CaseFact.objects.filter(case_id__in=case_ids).delete()
        rollups.apply(old_tasks, [], old_cases, [])


def filed_ids(cases) -> list[int]:
    """The ids of the filed cases of a Case queryset (the ones that have facts), in order."""
    return list(cases.filter(filed_at__isnull=False).order_by("pk").values_list("pk", flat=True))


def backfill(cases, *, progress: Callable[[int], None] | None = None) -> int:
    """Write the facts of every filed case of ``cases`` (a Case queryset) and of their tasks,
    in chunks of cases, seven queries a chunk; returns the facts computed (task and case
    facts; those stored as they are already are not written again).
    ``progress(n)`` is told after each chunk."""
    ids = filed_ids(cases)
    forget_categories()  # a repair reads each category's kind afresh (it may have been edited)
    written = 0
    # On PostgreSQL outside a transaction the writes (upserts, rollups) run on a second
    # connection while the next chunk is read and computed.
    pipeline = (
        Pipeline(lambda facts: store(*facts), name="evaluation-backfill")
        if can_pipeline()
        else None
    )
    try:
        for i in range(0, len(ids), BACKFILL_CHUNK):
            chunk = ids[i : i + BACKFILL_CHUNK]
            task_facts, case_rows = computed(chunk)
            if pipeline is not None:
                pipeline.submit((task_facts, case_rows))
            else:
                store(task_facts, case_rows)
            written += len(task_facts) + len(case_rows)
            if progress is not None:
                progress(len(chunk))
    finally:
        if pipeline is not None:
            pipeline.close()
    return written
