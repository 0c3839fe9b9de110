"""Merge, split, a case's reports and counts by source through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.models import Case
from cases.states import CaseStatus
from cases.tests.api_client import as_user, error, ok
from intake.tests.conftest import ALPHA_LON, M_LON


@pytest.fixture
def cases(receive, manhole, t0):
    a = receive(category=manhole, external_id="A").case
    dup = receive(category=manhole, lon=ALPHA_LON + 5 * M_LON, external_id="A2").report
    b = receive(category=manhole, lon=ALPHA_LON + 90 * M_LON, now=t0 + timedelta(minutes=5)).case
    return a, b, dup


def test_a_case_lists_its_reports(staff, cases):
    a, _b, dup = cases
    rows = ok(as_user(staff["city_dispatcher"]).get(f"/cases/{a.number}/reports"))
    assert [(r["external_id"], r["primary"], r["outcome"]) for r in rows] == [
        ("A", True, "created"),
        ("A2", False, "duplicate"),
    ]
    assert "reporter_phone" not in rows[0]


def test_merge_through_the_api(staff, cases):
    a, b, _dup = cases
    body = ok(
        as_user(staff["shift_leader"]).post(
            f"/cases/{b.number}/merge", {"into": a.number, "reason": "Same cover"}
        )
    )
    assert (body["kind"], body["case"], body["other"]) == ("merge", b.number, a.number)
    assert Case.objects.get(pk=b.pk).status == CaseStatus.VOIDED


def test_merge_refusals(staff, cases):
    a, b, _dup = cases
    error(
        as_user(staff["city_dispatcher"]).post(f"/cases/{b.number}/merge", {"into": a.number}), 403
    )
    leader = as_user(staff["shift_leader"])
    error(leader.post(f"/cases/{b.number}/merge", {"into": "NB-NOPE"}), 404)
    leader.post(f"/cases/{b.number}/merge", {"into": a.number})
    error(leader.post(f"/cases/{a.number}/merge", {"into": b.number}), 409, "illegal_move")


def test_a_dispatched_case_is_not_merged_away(staff, flow, cases):
    a, _b, _dup = cases
    dispatched, _tasks = flow.dispatched()
    leader = as_user(staff["shift_leader"])
    error(leader.post(f"/cases/{dispatched.number}/merge", {"into": a.number}), 409, "illegal_move")
    assert Case.objects.get(pk=dispatched.pk).status == CaseStatus.DISPATCHED


def test_split_through_the_api(staff, cases):
    a, _b, dup = cases
    body = ok(
        as_user(staff["shift_leader"]).post(f"/cases/{a.number}/split", {"reports": [dup.pk]}),
        201,
    )
    assert body["kind"] == "split" and body["reports"] == [dup.pk]
    assert Case.objects.get(number=body["other"]).source_ref == "A2"


def test_a_finished_case_is_not_split_through_the_api(staff, cases):
    a, b, _dup = cases
    leader = as_user(staff["shift_leader"])
    ok(leader.post(f"/cases/{b.number}/merge", {"into": a.number}))
    body = error(leader.post(f"/cases/{b.number}/split", {"reports": [1]}), 409, "illegal_move")
    assert "finished case" in body["message"]


def test_split_refuses_bad_input(staff, cases):
    a, _b, _dup = cases
    leader = as_user(staff["shift_leader"])
    error(leader.post(f"/cases/{a.number}/split", {"reports": []}), 422)
    error(leader.post(f"/cases/{a.number}/split", {"reports": [0]}), 422)


def test_counts_by_source_follow_the_scope(staff, receive, cases):
    receive(source="hotline_12345", address="somewhere", area="330205")  # West
    city = {
        r["source"]: r for r in ok(as_user(staff["city_dispatcher"]).get("/intake/sources/counts"))
    }
    assert (city["citizen"]["total"], city["citizen"]["open"]) == (2, 2)
    assert city["hotline_12345"]["total"] == 1
    assert city["video_ai"]["total"] == 0 and city["video_ai"]["label"]

    west = {
        r["source"]: r for r in ok(as_user(staff["west_dispatcher"]).get("/intake/sources/counts"))
    }
    assert (west["citizen"]["total"], west["hotline_12345"]["total"]) == (0, 1)


def test_counts_can_be_bounded_in_time(staff, cases, t0):
    later = (t0 + timedelta(minutes=1)).isoformat()
    rows = ok(as_user(staff["city_dispatcher"]).get("/intake/sources/counts", {"since": later}))
    assert {r["source"]: r["total"] for r in rows}["citizen"] == 1
