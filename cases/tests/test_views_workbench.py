"""The workbench: desk roles only, queues with counts, SLA lights with words, filters with htmx
partial reloads, scope, pagination and bulk dispatch."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from cases import services
from cases.factories import CategoryFactory, FilingStandardFactory
from cases.states import CaseStatus, SourceChannel
from cases.tests.conftest import local
from cases.views import workbench
from core import paging
from dispatch.models import RoutingDecision
from dispatch.services import rule_create

URL = "/en/cases/"


@pytest.fixture
def at():
    """Travel to a local time on Monday 2026-11-23 (the fixtures' T0 is 09:00)."""
    travellers = []

    def go(hour: int, minute: int = 0):
        traveller = time_machine.travel(local(23, hour, minute), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in reversed(travellers):
        traveller.stop()


def rows(response) -> list[str]:
    return [c.number for c in response.context["page"].object_list]


def counts(response) -> dict[str, int]:
    return {t.key: t.count for t in response.context["tabs"]}


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_reverse_gives_the_workbench_url():
    assert reverse("cases:workbench") == URL


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_disposers_and_inspectors_land_on_their_phone_pages(client, staff):
    client.force_login(staff["roads_disposer"])
    assert client.get(URL)["Location"] == reverse("cases:my_tasks")
    client.force_login(staff["alpha_inspector"])
    assert client.get(URL)["Location"] == reverse("cases:inspect")


def test_a_user_without_a_role_is_refused(client, db, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x" * 12))
    assert client.get(URL).status_code == 403


def test_queues_count_cases_by_status_and_the_dispatcher_starts_at_filed(client, flow, staff, at):
    at(10)
    reported = flow.reported()
    filed = flow.filed()
    dispatched, _tasks = flow.dispatched()
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["queue"] == "filed"
    assert rows(response) == [filed.number]
    c = counts(response)
    assert (c["reported"], c["filed"], c["dispatched"], c["overdue"], c["all"]) == (1, 1, 1, 0, 3)
    assert rows(client.get(URL, {"queue": "all"})) == [
        dispatched.number,
        filed.number,
        reported.number,
    ]


def test_lights_are_shown_with_a_word_and_a_symbol(client, flow, staff, at):
    case, _tasks = flow.dispatched()
    client.force_login(staff["city_dispatcher"])
    at(10)
    body = client.get(URL, {"queue": "dispatched"}).content.decode()
    assert 'data-light="green"' in body and "Green 绿灯" in body and "●" in body
    at(16)  # the 4 working-hour limit ran out at 15:00
    response = client.get(URL, {"queue": "dispatched"})
    body = response.content.decode()
    assert 'data-light="red"' in body and "Red 红灯" in body and "✕" in body
    assert counts(response)["overdue"] == 1
    assert rows(client.get(URL, {"queue": "overdue"})) == [case.number]


def test_light_filter(client, flow, staff, at):
    late, _ = flow.dispatched()  # dispatched 09:00: red by 16:00
    fresh = flow.filed()
    at(14)
    services.case_dispatch(case=fresh, actor=staff["city_dispatcher"], departments=[flow.roads])
    at(16)  # fresh has used 2 of its 4 working hours: green
    client.force_login(staff["city_dispatcher"])
    params = {"queue": "dispatched"}
    assert rows(client.get(URL, {**params, "light": "red"})) == [late.number]
    assert rows(client.get(URL, {**params, "light": "green"})) == [fresh.number]
    assert rows(client.get(URL, {**params, "light": "yellow"})) == []


def test_filters_by_source_priority_area_category_and_text(client, flow, staff, small_city, at):
    at(10)
    a = flow.reported(description="Fallen tree on the path")
    b = flow.reported(source=SourceChannel.LEADER_ORDER, priority="urgent")
    client.force_login(staff["city_dispatcher"])
    base = {"queue": "reported"}
    assert rows(client.get(URL, {**base, "source": "leader_order"})) == [b.number]
    assert rows(client.get(URL, {**base, "priority": "urgent"})) == [b.number]
    assert rows(client.get(URL, {**base, "q": "fallen tree"})) == [a.number]
    assert rows(client.get(URL, {**base, "q": b.number})) == [b.number]
    assert set(rows(client.get(URL, {**base, "area": small_city.alpha.pk}))) == {a.number, b.number}
    assert rows(client.get(URL, {**base, "area": small_city.beta.pk})) == []
    assert rows(client.get(URL, {**base, "category": flow.standard.category_id})) == []
    # A bad value filters nothing rather than failing the page.
    assert len(rows(client.get(URL, {**base, "source": "pigeon", "area": "x"}))) == 2


def test_area_filter_offers_only_visible_areas(client, staff, small_city):
    client.force_login(staff["beta_operator"])
    response = client.get(URL)
    offered = list(response.context["filters"].fields["area"].queryset)
    assert offered == [small_city.beta]


def test_street_b_operator_sees_no_street_a_case(client, flow, staff):
    case = flow.reported()
    client.force_login(staff["beta_operator"])
    response = client.get(URL, {"queue": "all"})
    assert rows(response) == []
    assert counts(response)["all"] == 0
    assert case.number not in response.content.decode()


def test_htmx_filter_change_returns_the_panel_only(client, flow, staff):
    case = flow.filed()
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "filed", "q": case.number}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="case-table"' in html
    assert 'id="f-queue" value="filed"' in html and 'hx-swap-oob="true"' in html
    full = client.get(URL).content.decode()
    assert "<html" in full and 'hx-get="/en/cases/"' in full and "htmx.min.js" in full


def test_words_narrow_the_tabs_and_the_work_queues(client, flow, staff):
    """The text search also narrows the work-queue tabs, which read the cases in a subquery."""
    flow.reported(description="路灯不亮")
    flow.reported(description="井盖缺失")
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "all", "q": "路灯"})
    assert response.status_code == 200 and counts(response)["all"] == 1
    assert all(t.count == 0 for t in response.context["tabs"] if t.key not in ("all", "reported"))


def test_a_light_filter_over_too_many_cases_keeps_the_tab_count(client, flow, staff, monkeypatch):
    """Not applied (more candidates than LIGHT_FILTER_MAX), the list and its pager are the
    queue's: the pager shows the tab's count, not a count of its own."""
    monkeypatch.setattr(workbench, "LIGHT_FILTER_MAX", 1)
    for _ in range(2):
        flow.dispatched()
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "dispatched", "light": "red"})
    assert response.context["light_applied"] is False
    assert response.context["page"].paginator.known == counts(response)["dispatched"] == 2


def test_pagination(client, flow, staff, monkeypatch):
    monkeypatch.setattr(workbench, "PAGE_SIZE", 2)
    made = [flow.reported() for _ in range(5)]
    client.force_login(staff["city_dispatcher"])
    first = client.get(URL, {"queue": "reported"})
    third = client.get(URL, {"queue": "reported", "page": 3})
    assert rows(first) == [c.number for c in made[:2]]
    assert rows(third) == [made[4].number]
    assert "Page 1 of 3 (5 cases)" in first.content.decode()


def test_all_cases_are_counted_exactly_from_the_tallies(client, flow, staff, monkeypatch):
    """By area and source the tallies answer: "all" is exact however many cases there are."""
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    made = [flow.reported() for _ in range(5)]
    services.case_void(case=made[0], actor=staff["shift_leader"], reason="test")
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "all", "source": "inspector"})
    tabs = {t.key: t for t in response.context["tabs"]}
    assert (tabs["all"].count, tabs["all"].more, tabs["reported"].count) == (5, False, 4)
    assert counts(client.get(URL, {"source": "citizen"}))["all"] == 0


def test_all_cases_count_stops_at_the_cap_and_the_pager_says_narrow(
    client, flow, staff, monkeypatch
):
    """Narrowed by what the tallies do not hold (here the date), "all" is counted on the cases
    up to paging.COUNT_CAP, not to the end (a city's years are millions); the open queues stay
    exact, and the pager asks for narrower filters for the rest."""
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr(workbench, "PAGE_SIZE", 2)
    made = [flow.reported() for _ in range(5)]
    since = {"reported_from": "2026-01-01"}
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "all", **since})
    tabs = {t.key: t for t in response.context["tabs"]}
    assert (tabs["all"].count, tabs["all"].more) == (3, True)
    assert (tabs["reported"].count, tabs["reported"].more) == (5, False)
    html = response.content.decode()
    assert ">3+</span>" in html and ">5</span>" in html
    assert "Page 1 of 2 (more than 3 cases: narrow the filters to reach the rest)" in html
    last = client.get(URL, {"queue": "all", "page": 9, **since})  # the last page the cap reaches
    assert rows(last) == [made[2].number]
    narrowed = client.get(URL, {"queue": "all", "q": made[0].number})
    assert "Page" not in narrowed.content.decode() and counts(narrowed)["all"] == 1


def test_the_pager_of_a_status_queue_uses_the_tab_count(client, flow, staff, monkeypatch):
    """One count per request for a queue: the tab's figure is the pager's."""
    monkeypatch.setattr(workbench, "PAGE_SIZE", 2)
    for _ in range(3):
        flow.reported()
    client.force_login(staff["city_dispatcher"])
    response = client.get(URL, {"queue": "reported"})
    paginator = response.context["page"].paginator
    assert (paginator.known, paginator.count, paginator.more) == (3, 3, False)


def test_bulk_dispatch_to_a_chosen_department(client, flow, staff, at):
    at(10)
    one, two = flow.filed(), flow.filed()
    client.force_login(staff["city_dispatcher"])
    body = client.get(URL).content.decode()
    assert f'name="cases" value="{one.number}"' in body
    response = client.post(
        reverse("cases:bulk_dispatch"),
        {
            "cases": [one.number, two.number],
            "department": flow.roads.pk,
            "next": URL + "?queue=filed",
        },
    )
    assert response.status_code == 302 and response["Location"] == URL + "?queue=filed"
    assert notes(response) == [f"Dispatched 2 case(s): {one.number}, {two.number}."]
    for case in (one, two):
        case.refresh_from_db()
        assert case.status == CaseStatus.DISPATCHED
        assert [t.department_id for t in case.tasks.all()] == [flow.roads.pk]


def test_bulk_dispatch_reports_each_refusal(client, flow, staff, small_city):
    filed = flow.filed()
    reported = flow.reported()
    client.force_login(staff["west_dispatcher"])  # district West cannot see street Alpha
    response = client.post(
        reverse("cases:bulk_dispatch"), {"cases": [filed.number], "department": flow.roads.pk}
    )
    assert notes(response) == [f"{filed.number}: no such case that you may see."]
    client.get(reverse("cases:workbench"))  # shows (and so consumes) the messages
    client.force_login(staff["city_dispatcher"])
    response = client.post(
        reverse("cases:bulk_dispatch"),
        # Listed twice: dispatched once.
        {"cases": [filed.number, reported.number, filed.number], "department": flow.roads.pk},
    )
    texts = notes(response)
    assert texts[0] == f"Dispatched 1 case(s): {filed.number}."
    assert texts[1].startswith(f"{reported.number}: Case {reported.number} is Reported")


def test_bulk_dispatch_without_a_department_follows_routing(client, flow, staff, at):
    at(10)
    rule_create(
        actor=staff["admin"],
        area_code="330203",
        department_code="CITY-ROADS",
        category_kind=flow.standard.category.kind,
        category_code=flow.standard.category.code,
    )
    routed = flow.filed()
    graffiti = FilingStandardFactory(category=CategoryFactory(name="Graffiti"))
    other = services.case_file(case=flow.reported(), actor=staff["shift_leader"], standard=graffiti)
    client.force_login(staff["city_dispatcher"])
    response = client.post(reverse("cases:bulk_dispatch"), {"cases": [routed.number, other.number]})
    assert notes(response) == [f"Dispatched 2 case(s): {routed.number}, {other.number}."]
    # The rule sends the first to the roads bureau; no rule covers the second: fallback owner 兜底.
    assert [t.department.code for t in routed.tasks.all()] == ["CITY-ROADS"]
    assert [t.department.code for t in other.tasks.all()] == ["ST-ALPHA"]
    assert RoutingDecision.objects.filter(case=other, is_fallback=True).exists()


def test_only_dispatching_roles_may_bulk_dispatch(client, flow, staff):
    filed = flow.filed()
    client.force_login(staff["city_leader"])
    body = client.get(URL, {"queue": "filed"}).content.decode()
    assert 'name="cases"' not in body and "Dispatch selected" not in body
    response = client.post(
        reverse("cases:bulk_dispatch"), {"cases": [filed.number], "department": flow.roads.pk}
    )
    assert "Dispatch 派遣 needs one of the roles" in notes(response)[0]
    filed.refresh_from_db()
    assert filed.status == CaseStatus.FILED


def test_the_top_bar_links_each_role_to_its_own_page(client, staff):
    for user, url in [
        ("city_dispatcher", URL),
        ("roads_disposer", "/en/cases/m/tasks/"),
        ("alpha_inspector", "/en/cases/m/inspect/"),
    ]:
        client.force_login(staff[user])
        assert f'<a href="{url}">' in client.get("/en/").content.decode()


def test_pages_are_served_in_zh_hans_without_a_prefix(staff, flow):
    from django.test import Client

    case = flow.reported()
    browser = Client()
    browser.force_login(staff["city_dispatcher"])
    response = browser.get("/cases/?queue=reported")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert f'href="/cases/{case.number}/"' in response.content.decode()
    assert browser.get(f"/cases/{case.number}/").status_code == 200
