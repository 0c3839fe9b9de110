"""Reads are scoped: a user sees the cases of their areas and the tasks of their department."""

from __future__ import annotations

import pytest

from cases import selectors, sla
from cases.tests.conftest import local
from core.errors import NotFound


def test_case_lists_are_scoped_by_area(flow, staff):
    case = flow.reported()
    assert list(selectors.case_list(user=staff["city_dispatcher"])) == [case]
    assert list(selectors.case_list(user=staff["west_dispatcher"])) == []
    assert list(selectors.case_list(user=staff["city_dispatcher"], status="closed")) == []


def test_case_outside_scope_is_not_found(flow, staff):
    case = flow.reported()
    assert selectors.case_get(user=staff["alpha_inspector"], number=case.number) == case
    with pytest.raises(NotFound):
        selectors.case_get(user=staff["west_dispatcher"], number=case.number)


def test_disposer_inbox_and_lights(flow, staff):
    case, [task] = flow.dispatched()
    inbox = list(selectors.department_tasks(user=staff["roads_disposer"]))
    assert inbox == [task]
    assert selectors.department_tasks(user=staff["alpha_disposer"]).count() == 0
    [(row, light)] = selectors.with_lights(inbox, local(23, 16))
    assert light == sla.Light.RED


def test_tasks_due_for_the_sla_scanner(flow):
    case, [task] = flow.dispatched()
    assert list(selectors.tasks_due(before=local(23, 16))) == [task]
    assert list(selectors.tasks_due(before=local(23, 14))) == []


def test_timeline_is_in_order(flow):
    case, _tasks = flow.dispatched()
    assert [e.action for e in selectors.case_timeline(case)] == ["report", "file", "dispatch"]
