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


def test_copy_in_writes_what_bulk_create_would(db):
    """rows.copy_in (PostgreSQL: COPY; elsewhere bulk_create): every field as ``save()`` would
    write it, JSON with nested values and text that needs escaping, an auto_now stamp, NULLs
    and foreign keys; nothing when given nothing."""
    from datetime import date

    from core.rows import copy_in, transient
    from signs.models import SignNode, SignTree, SignValue

    tree = SignTree.objects.create(name="t", version="t1")
    node = SignNode.objects.create(tree=tree, code="X1", name="x", weight=1, level="leaf")
    awkward = 'tab\there, "quoted", back\\slash, 换行\n, {braces}'
    explanation = {"rows": {"area": awkward, "n": [1, 2.5, None]}, "note": ""}
    made = [
        transient(
            SignValue,
            tree_id=tree.pk,
            node_id=node.pk,
            area_path=f"/3302/{i}/",
            tier="street",
            day=date(2025, 6, 16),
            hour=None if i else 10,
            raw=i * 1.5,
            baseline=None,
            score=None if i else 80.0,
            status="ok",
            band="",
            colour="",
            pending="",
            explanation=explanation,
        )  # fmt: skip
        for i in range(3)
    ]
    assert copy_in([]) == 0
    assert copy_in(made) == 3
    stored = list(SignValue.objects.order_by("area_path"))
    assert [v.area_path for v in stored] == ["/3302/0/", "/3302/1/", "/3302/2/"]
    assert [(v.raw, v.score, v.hour) for v in stored] == [(0.0, 80.0, 10), (1.5, None, None),
                                                          (3.0, None, None)]  # fmt: skip
    assert all(v.explanation == explanation and v.computed_at is not None for v in stored)
    assert {v.node_id for v in stored} == {node.pk}
