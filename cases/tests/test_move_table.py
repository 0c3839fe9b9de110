"""The move table (cases.moves): one answer to "what may I do with this case now" for the case
page, the phone cards and the API; other apps' moves register with their own rule."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cases import moves
from cases.states import CaseAction

pytestmark = pytest.mark.django_db


def test_the_page_and_the_api_ask_the_same_table(flow, staff):
    from cases.tests.api_client import as_user

    case, [task] = flow.dispatched()
    leader = staff["shift_leader"]
    table = moves.allowed(leader, case, [task])
    body = as_user(leader).get(f"/cases/{case.number}").json()
    assert body["actions"] == [str(a) for a, t in table if t is None]
    assert body["tasks"][0]["actions"] == [str(a) for a, t in table if t == task]


def test_a_registered_move_is_decided_by_its_own_rule(flow, staff):
    case, [task] = flow.dispatched()
    saved = moves.registered(CaseAction.SUPERVISE)
    asked = []
    try:
        moves.register(
            CaseAction.SUPERVISE,
            may=lambda user, t, c: asked.append((user, t, c)) or False,
            run=saved.run,
        )
        offered = moves.allowed(staff["city_dispatcher"], case, [task])
    finally:
        moves.register(CaseAction.SUPERVISE, may=saved.may, run=saved.run)
    assert (CaseAction.SUPERVISE, task) not in offered
    assert asked == [(staff["city_dispatcher"], task, case)]
    assert (CaseAction.SUPERVISE, task) in moves.allowed(staff["city_dispatcher"], case, [task])


def test_the_case_pages_do_not_import_dispatch():
    """Routing, 督办 moves and 督办 notes reach the pages through registries (cases.moves,
    cases.queues, cases.panels) that dispatch fills when it is ready."""
    views = Path(moves.__file__).with_name("views")
    sources = [p.read_text("utf-8") for p in sorted(views.glob("*.py"))]
    sources.append(Path(moves.__file__).read_text("utf-8"))
    for tree in map(ast.parse, sources):
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module is not None
        }
        assert not {m for m in imported if m.split(".")[0] == "dispatch"}


def test_every_move_of_the_table_has_one_api_endpoint_and_the_openapi_lists_it():
    """The API's moves come from cases.api.moves' table: a move the pages offer cannot lack its
    endpoint (dispatch's registered moves, 督办 and its reply, are dispatch's own API)."""
    from cases.api import moves as api_moves
    from cityops.api import api

    offered = {a for a in (*moves.CASE_MOVES, *moves.TASK_MOVES) if moves.registered(a) is None} - {
        CaseAction.SUPERVISE,
        CaseAction.SUPERVISION_REPLY,
    }
    endpoints = api_moves.endpoints()
    assert offered <= set(endpoints), offered - set(endpoints)
    paths = api.get_openapi_schema()["paths"]
    for path in endpoints.values():
        assert "post" in paths[f"/api/v1{path}"], path
    # One row per move: no move answered by two endpoints.
    rows = [m.action for m in (*api_moves.CASE_MOVES, *api_moves.TASK_MOVES)]
    assert len(rows) == len(set(rows))
