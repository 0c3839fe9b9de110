"""The hot-path statements (core.rows) write and read exactly what the ORM would.

The services use them instead of ``save()`` / ``update()`` / ``get()`` for speed (bench/lifecycle),
so each test compares them with the ORM on the same data, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy

from cases.factories import CaseFactory, TaskFactory
from cases.models import Case, CaseEvent, Task
from cases.states import CaseAction, CaseStatus, TaskStatus
from core import rows as _rows

SKIP = {"id", "created_at", "updated_at"}


def _row(model, pk) -> dict:
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in SKIP}


def _event(case, **kwargs) -> CaseEvent:
    fields = {
        "case": case,
        "at": case.reported_at,
        "action": CaseAction.ATTACH,
        "from_status": case.status,
        "to_status": case.status,
        "note": "nothing to add",
        "data": {"evidence": [1, 2], "nested": {"ok": True}, "text": "变更"},
    }
    return CaseEvent(**{**fields, **kwargs})


def test_insert_writes_the_row_save_writes(db, t0):
    case = CaseFactory(reported_at=t0)
    by_orm, by_rows = _event(case), _event(case)
    by_orm.save()
    _rows.insert(by_rows)
    assert by_rows.pk is not None and by_rows.pk != by_orm.pk
    assert not by_rows._state.adding
    assert _row(CaseEvent, by_rows.pk) == _row(CaseEvent, by_orm.pk)


def test_insert_fills_auto_timestamps_and_prepares_lazy_text(db, t0, grid):
    case = Case(
        number="NB2026112399999",
        source="inspector",
        status=CaseStatus.REPORTED,
        description=gettext_lazy("Reported"),  # a lazy string is prepared, not passed as is
        grid=grid,
        area_path=grid.path,
        reported_at=t0,
        lon=121.5,
        lat=29.85,
    )
    _rows.insert(case)
    stored = Case.objects.get(pk=case.pk)
    assert stored.description == "Reported"
    assert stored.created_at is not None and stored.created_at == case.created_at
    assert (stored.lon, stored.lat, stored.trusted, stored.version) == (121.5, 29.85, False, 1)


def test_insert_of_several_rows_returns_their_pks_in_order(personas, roads, alpha_office):
    case = CaseFactory()
    first = TaskFactory.build(case=case, department=roads)
    second = TaskFactory.build(case=case, department=alpha_office, is_lead=False)
    _rows.insert(first, second)
    assert Task.objects.get(pk=first.pk).department == roads
    assert Task.objects.get(pk=second.pk).department == alpha_office


def test_insert_sends_the_save_signals_when_someone_listens(db):
    case = CaseFactory()
    heard = []

    def listen(sender, instance, **kwargs):
        heard.append((sender, kwargs.get("created"), instance.pk))

    pre_save.connect(listen, sender=CaseEvent)
    post_save.connect(listen, sender=CaseEvent)
    try:
        event = _event(case)
        _rows.insert(event)
    finally:
        pre_save.disconnect(listen, sender=CaseEvent)
        post_save.disconnect(listen, sender=CaseEvent)
    assert heard == [(CaseEvent, None, None), (CaseEvent, True, event.pk)]


def test_update_is_a_compare_and_swap_and_bumps_the_version(db, t0):
    case = CaseFactory()
    later = t0 + timedelta(hours=1)
    missed = _rows.update(
        Case,
        case.pk,
        values={"status": CaseStatus.FILED, "filed_at": later},
        where={"status": CaseStatus.REPORTED, "version": case.version + 1},
        bump="version",
    )
    assert missed == 0
    hit = _rows.update(
        Case,
        case.pk,
        values={"status": CaseStatus.FILED, "filed_at": later},
        where={"status": CaseStatus.REPORTED, "version": case.version},
        bump="version",
    )
    assert hit == 1
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.filed_at, stored.version) == (
        CaseStatus.FILED,
        later,
        case.version + 1,
    )


def test_get_reads_what_the_orm_reads(personas, roads, t0):
    task = TaskFactory(
        department=roads,
        started_at=t0,
        deadline_at=t0 + timedelta(hours=4),
        extended=Decimal("1.50"),
        status=TaskStatus.ACCEPTED,
    )
    case = task.case
    for model, pk in ((Case, case.pk), (Task, task.pk)):
        ours, theirs = _rows.get(model, pk, lock=True), model.objects.get(pk=pk)
        for field in model._meta.concrete_fields:
            mine, orm = getattr(ours, field.attname), getattr(theirs, field.attname)
            assert (mine, type(mine)) == (orm, type(orm)), field.name
        assert not ours._state.adding
    assert _rows.get(Case, case.pk + 1000) is None


def test_values_reads_the_rows_matching_every_condition(personas, roads, t0):
    task = TaskFactory(department=roads, deadline_at=t0)
    TaskFactory(case=task.case, department=roads, round=2)
    rows = _rows.values(
        Task, ("id", "status", "deadline_at"), where={"case_id": task.case_id, "round": 1}
    )
    assert rows == [[task.pk, TaskStatus.PENDING, t0]]


def test_select_reads_every_matching_row_as_the_orm_does(personas, roads, t0):
    task = TaskFactory(department=roads, deadline_at=t0, extended=Decimal("0.50"))
    other = TaskFactory(case=task.case, department=roads, round=2)
    TaskFactory(department=roads)  # another case's
    ours = sorted(_rows.select(Task, where={"case": task.case_id}), key=lambda t: t.pk)
    assert [t.pk for t in ours] == [task.pk, other.pk]
    theirs = Task.objects.get(pk=task.pk)
    for field in Task._meta.concrete_fields:
        mine, orm = getattr(ours[0], field.attname), getattr(theirs, field.attname)
        assert (mine, type(mine)) == (orm, type(orm)), field.name


def test_upsert_inserts_then_updates_only_the_named_fields(personas, roads, t0):
    from evaluation.models import Outcome, TaskFact

    task = TaskFactory(department=roads, started_at=t0, deadline_at=t0 + timedelta(hours=4))

    def fact(**kwargs):
        values = {
            "task_id": task.pk,
            "case_id": task.case_id,
            "department_id": roads.pk,
            "area_path": "/1/",
            "source": "inspector",
            "started_at": t0,
            "deadline_at": t0 + timedelta(hours=4),
            "outcome": Outcome.OPEN,
        }
        return TaskFact(**{**values, **kwargs})

    assert _rows.upsert([fact()], conflict="task", names=("outcome", "updated_at")) == 1
    first = TaskFact.objects.get(task=task)
    assert (first.outcome, first.area_path) == (Outcome.OPEN, "/1/")
    _rows.upsert(
        [fact(outcome=Outcome.DISPOSED, area_path="/2/")],
        conflict="task",
        names=("outcome", "updated_at"),
    )
    again = TaskFact.objects.get(task=task)
    assert (again.pk, again.outcome, again.area_path) == (first.pk, Outcome.DISPOSED, "/1/")
    assert again.updated_at >= first.updated_at
    assert _rows.upsert([], conflict="task", names=("outcome",)) == 0


def test_upsert_splits_what_exceeds_the_parameter_limit(
    personas, roads, t0, django_assert_num_queries
):
    from django.db import connection

    from evaluation.models import TaskFact

    tasks = [TaskFactory(department=roads, started_at=t0, deadline_at=t0) for _ in range(3)]
    facts = [
        TaskFact(
            task_id=t.pk,
            case_id=t.case_id,
            department_id=roads.pk,
            area_path="/1/",
            source="inspector",
            started_at=t0,
            deadline_at=t0,
            outcome="open",
        )
        for t in tasks
    ]
    names = ("case_id", "department_id", "area_path", "source", "started_at", "deadline_at")
    limit = connection.features.max_query_params
    # A limit that fits one row per statement: three statements, every row written; on
    # PostgreSQL the rows go as one array per column (one parameter each): one short statement.
    arrays = connection.vendor == "postgresql"
    try:
        connection.features.max_query_params = len(TaskFact._meta.concrete_fields) + 3
        with django_assert_num_queries(1 if arrays else 3) as captured:
            assert _rows.upsert(facts, conflict="task", names=names) == 3
    finally:
        connection.features.max_query_params = limit
    assert TaskFact.objects.count() == 3
    if arrays:
        [statement] = captured.captured_queries
        assert "unnest(" in statement["sql"] and "VALUES" not in statement["sql"]
