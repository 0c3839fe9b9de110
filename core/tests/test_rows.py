"""core.rows: rows written and read without the ORM's per-call cost."""

from __future__ import annotations


def test_a_transient_instance_has_the_fields_a_constructed_one_has():
    """rows.transient: the same field values as Model(...), defaults included (a callable
    default called per instance), without Model.__init__."""
    from datetime import UTC, datetime

    from cases.models import Case, Task
    from core.rows import transient

    at = datetime(2025, 3, 3, 9, tzinfo=UTC)
    values = dict(id=7, case_id=3, department_id=2, status="disposed", started_at=at)
    made, quick = Task(**values), transient(Task, **values)
    names = [f.attname for f in Task._meta.concrete_fields]
    assert {n: getattr(quick, n) for n in names} == {n: getattr(made, n) for n in names}
    assert quick.pk == 7 and quick._state.adding and quick._state.db is None
    case_a, case_b = transient(Case, id=1), transient(Case, id=2)
    json_fields = [
        f.attname for f in Case._meta.concrete_fields if f.get_internal_type() == "JSONField"
    ]
    for name in json_fields:  # mutable defaults are not shared between instances
        assert getattr(case_a, name) == getattr(Case(), name)
        if isinstance(getattr(case_a, name), dict | list):
            assert getattr(case_a, name) is not getattr(case_b, name)
