"""GET /cases and GET /tasks: filters, paging, order, and the traffic light of each case."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.factories import FilingStandardFactory
from cases.services.reporting import case_report
from cases.tests.api_client import as_user, error, ok
from cases.tests.conftest import T0, local
from core import paging
from core.models import TimeUnit


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def desk(staff):
    return as_user(staff["city_dispatcher"])


def numbers(page: dict) -> list[str]:
    return [item["number"] for item in page["items"]]


def dispatch_with(flow, standard, **report):
    """A case filed under ``standard`` and dispatched to the roads bureau at T0."""
    case = flow.reported(**report)
    services.case_file(case=case, actor=flow.staff["shift_leader"], standard=standard, now=T0)
    services.case_dispatch(
        case=case, actor=flow.staff["city_dispatcher"], departments=[flow.roads], now=T0
    )
    return case


def test_filters_by_status_source_and_priority(flow, desk):
    reported = flow.reported()
    citizen = flow.reported(trusted=False, priority="urgent")
    filed = flow.filed(source="hotline_12345")
    assert numbers(ok(desk.get("/cases", {"status": "reported"}))) == [reported.number]
    both = ok(desk.get("/cases?status=reported&status=filed"))
    assert set(numbers(both)) == {reported.number, filed.number}
    assert numbers(ok(desk.get("/cases", {"source": "hotline_12345"}))) == [filed.number]
    assert numbers(ok(desk.get("/cases", {"priority": "urgent"}))) == [citizen.number]
    error(desk.get("/cases", {"status": "lost"}), 422, "invalid")


def test_filters_by_category_code_major_class_and_kind(flow, desk, standard):
    filed = flow.filed()
    flow.reported()
    category = standard.category
    assert numbers(ok(desk.get("/cases", {"category": category.code}))) == [filed.number]
    assert numbers(ok(desk.get("/cases", {"category": category.major_code}))) == [filed.number]
    other_kind = "component" if category.kind == "event" else "event"
    assert (
        ok(desk.get("/cases", {"category": category.code, "category_kind": other_kind}))["count"]
        == 0
    )
    error(desk.get("/cases", {"category": "123"}), 422)


def test_filters_by_area_or_grid_code(flow, desk, west_grid):
    alpha_case = flow.reported()
    west_case = case_report(
        actor=flow.staff["gamma_inspector"],
        source="inspector",
        description="Fallen tree",
        grid=west_grid,
    )
    assert numbers(ok(desk.get("/cases", {"area": "330203001"}))) == [alpha_case.number]
    assert numbers(ok(desk.get("/cases", {"area": "330205"}))) == [west_case.number]
    assert numbers(ok(desk.get("/cases", {"area": west_grid.code}))) == [west_case.number]
    assert ok(desk.get("/cases", {"area": "330200"}))["count"] == 2
    body = error(desk.get("/cases", {"area": "999"}), 422, "invalid")
    assert "999" in body["message"]


def test_the_count_from_the_tallies_is_the_count_of_the_cases(flow, desk, staff, west_grid):
    """Filtered by status, source and area the count is read from the tallies the database
    keeps (cases.tally); it must be the number of cases the same filter lists, for the city,
    a district's staff, and a grid (counted on the cases)."""
    flow.reported()
    flow.reported(trusted=False)
    flow.filed(source="hotline_12345")
    case_report(
        actor=flow.staff["gamma_inspector"], source="inspector", description="x", grid=west_grid
    )
    filters = [
        {},
        {"status": "reported"},
        {"status": ["reported", "filed", "reported"]},
        {"source": "citizen"},
        {"area": "330203001"},
        {"area": "330205", "status": "reported"},
        {"area": west_grid.code},
        {"status": "closed"},
    ]
    for who in (desk, as_user(staff["west_dispatcher"])):
        for query in filters:
            page = ok(who.get("/cases", {**query, "page_size": 100}))
            assert page["count"] == len(page["items"]), query
    assert ok(desk.get("/cases"))["count"] == 4


def test_a_count_the_tallies_do_not_hold_stops_at_the_cap(flow, desk, monkeypatch):
    """Narrowed by priority (not kept counted) the count is read on the cases up to the cap."""
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    made = [flow.reported(priority="urgent") for _ in range(3)]
    page = ok(desk.get("/cases", {"priority": "urgent", "page_size": 2, "page": 2}))
    assert (page["count"], page["count_capped"]) == (2, True)
    assert numbers(page) == [made[0].number]  # the pages past the cap are still there
    exact = ok(desk.get("/cases"))
    assert (exact["count"], exact["count_capped"]) == (3, False)
    tasks = ok(desk.get("/tasks"))
    assert (tasks["count"], tasks["count_capped"]) == (0, False)


def test_text_search_matches_number_address_and_description(flow, desk):
    a = flow.reported(description="Manhole cover missing", address="12 Zhongshan Road")
    b = flow.reported(description="路灯不亮", address="Jiefang Road")
    assert numbers(ok(desk.get("/cases", {"q": "zhongshan"}))) == [a.number]
    assert numbers(ok(desk.get("/cases", {"q": "路灯"}))) == [b.number]
    assert numbers(ok(desk.get("/cases", {"q": b.number}))) == [b.number]
    assert numbers(ok(desk.get("/cases", {"q": b.number.lower()}))) == [b.number]


def test_words_are_found_through_their_pieces_in_order_and_of_one_character(flow, desk):
    """On PostgreSQL the bigram index finds the candidates and the ILIKE keeps the order."""
    a = flow.reported(description="井盖缺失，路面塌陷", address="中山东路12号")
    b = flow.reported(description="灯路不亮", address="Jiefang Road")  # the pieces, not the words
    assert numbers(ok(desk.get("/cases", {"q": "路灯"}))) == []
    assert numbers(ok(desk.get("/cases", {"q": "井盖缺失"}))) == [a.number]
    assert numbers(ok(desk.get("/cases", {"q": "中山东路"}))) == [a.number]
    assert numbers(ok(desk.get("/cases", {"q": "JIEFANG road"}))) == [b.number]
    assert set(numbers(ok(desk.get("/cases", {"q": "路"})))) == {a.number, b.number}
    assert numbers(ok(desk.get("/cases", {"q": "100%"}))) == []


def test_pages_and_order(flow, desk):
    made = [flow.reported().number for _ in range(5)]
    page = ok(desk.get("/cases", {"page_size": 2, "order": "number"}))
    assert page["count"] == 5 and page["page_size"] == 2 and numbers(page) == made[:2]
    assert numbers(ok(desk.get("/cases", {"page_size": 2, "page": 3, "order": "number"}))) == [
        made[4]
    ]
    assert ok(desk.get("/cases", {"page_size": 2, "page": 4}))["items"] == []
    # Same report time: newest first falls back to the newest row.
    assert numbers(ok(desk.get("/cases"))) == made[::-1]
    error(desk.get("/cases", {"page_size": 101}), 422, "invalid")
    error(desk.get("/cases", {"page": 0}), 422, "invalid")
    error(desk.get("/cases", {"order": "description"}), 422, "invalid")


def test_lights_in_the_list_follow_working_time(flow, desk, standard, time_machine):
    eight_hours = FilingStandardFactory(time_limit=Decimal("8"), time_unit=TimeUnit.WORK_HOUR)
    four = dispatch_with(flow, standard)  # 4 working hours from Monday 09:00
    eight = dispatch_with(flow, eight_hours)
    unlit = flow.filed()

    def lights() -> dict[str, str | None]:
        return {i["number"]: i["light"] for i in ok(desk.get("/cases"))["items"]}

    def having(light: str) -> set[str]:
        return set(numbers(ok(desk.get("/cases", {"light": light}))))

    time_machine.move_to(local(23, 12), tick=False)  # 3 of 4 working hours: 75 %
    assert lights() == {four.number: "green", eight.number: "green", unlit.number: None}
    time_machine.move_to(local(23, 14, 30), tick=False)  # lunch does not count: 3.5 h, 87.5 %
    assert lights()[four.number] == "yellow"
    assert having("yellow") == {four.number} and having("green") == {eight.number}
    time_machine.move_to(local(23, 15, 30), tick=False)  # 4.5 h of 4
    assert having("red") == {four.number} and having("yellow") == set()
    time_machine.move_to(local(23, 17, 30), tick=False)  # 6.5 h of 8: 81 %
    assert having("yellow") == {eight.number}
    item = next(i for i in ok(desk.get("/cases"))["items"] if i["number"] == four.number)
    assert item["deadline_at"] == "2026-11-23T07:00:00Z"  # 15:00 Shanghai
    error(desk.get("/cases", {"light": "blue"}), 422)


def test_a_suspended_case_keeps_the_light_it_had(flow, desk, time_machine):
    case, _tasks = flow.dispatched()
    time_machine.move_to(local(23, 14, 30), tick=False)
    ok(desk.post(f"/cases/{case.number}/suspend", {"reason": "Waiting for the gas company"}))
    time_machine.move_to(local(25, 10), tick=False)  # two days later, still suspended
    detail = ok(desk.get(f"/cases/{case.number}"))
    assert detail["light"] == "yellow" and detail["tasks"][0]["used_share"] == 0.875


def test_the_list_costs_the_same_queries_for_3_or_12_cases(flow, desk):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ok(desk.get("/cases", {"page_size": 50}))
        return len(ctx.captured_queries)

    for _ in range(3):
        flow.dispatched()
    few = queries()
    for _ in range(9):
        flow.dispatched()
    assert queries() == few


def test_task_inbox_filters_and_pages(flow, staff):
    roads = as_user(staff["roads_disposer"])
    _a, (first,) = flow.dispatched()
    _b, second = flow.accepted()
    page = ok(roads.get("/tasks"))
    assert page["count"] == 2 and {t["id"] for t in page["items"]} == {first.pk, second.pk}
    assert [t["id"] for t in ok(roads.get("/tasks", {"status": "accepted"}))["items"]] == [
        second.pk
    ]
    assert ok(roads.get("/tasks", {"page_size": 1}))["count"] == 2
    assert len(ok(roads.get("/tasks", {"page_size": 1}))["items"]) == 1
    ok(roads.post(f"/tasks/{first.pk}/return", {"reason": "Not ours"}))
    assert [t["id"] for t in ok(roads.get("/tasks"))["items"]] == [second.pk]
    closed_too = ok(roads.get("/tasks", {"open": False}))
    assert {t["id"] for t in closed_too["items"]} == {first.pk, second.pk}
    returned = next(t for t in closed_too["items"] if t["id"] == first.pk)
    assert returned["status"] == "returned" and returned["light"] is None
