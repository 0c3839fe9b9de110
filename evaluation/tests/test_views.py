"""The department evaluation page: scope, the ranking, drill-down and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine

from cases.tests.conftest import local, photo
from evaluation.models import TaskFact
from evaluation.tests.test_definitions import NOW, week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
PAGE = "/en/evaluation/"
WEEK_QUERY = {"from": "2026-11-23", "to": "2026-11-29"}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_leader_sees_the_ranking_with_every_number_linked(client, staff, week, roads):  # noqa: F811
    client.force_login(staff["city_leader"])
    response = client.get(PAGE, WEEK_QUERY)
    [row] = response.context["rows"]
    assert row["department"] == roads and row["rank"] == 1
    cells = {c["indicator"].key: c for c in row["cells"]}
    assert str(cells["on_time_rate"]["value"]) == "66.67"
    html = response.content.decode()
    assert 'data-indicator="on_time_rate"' in html and "66.67 %" in html
    # The cell's link lists exactly the tasks its numerator counts.
    drill = client.get(cells["on_time_rate"]["url"])
    assert drill.context["total"] == 4  # disposed on time
    numbers = {f.case.number for f in drill.context["rows"]}
    assert week["late"].number not in numbers and week["on_time"].number in numbers


def test_a_disposer_sees_only_their_own_department(client, staff, week, roads, flow):  # noqa: F811
    client.force_login(staff["alpha_disposer"])  # street office Alpha: no tasks this week
    assert client.get(PAGE, WEEK_QUERY).context["rows"] == []
    drill = client.get("/en/evaluation/cases/", {"department": roads.pk, "count": "disposed"})
    assert drill.status_code == 404  # another department's tasks are not theirs to list
    client.force_login(staff["roads_disposer"])
    [row] = client.get(PAGE, WEEK_QUERY).context["rows"]
    assert row["department"] == roads


def test_an_inspector_without_a_desk_role_is_sent_to_their_own_page(client, staff, week):  # noqa: F811
    from org.factories import DEFAULT_PASSWORD
    from org.models import Role
    from org.services import staff_create

    citizenish = staff_create(username="x", password=DEFAULT_PASSWORD, role=Role.INSPECTOR)
    client.force_login(citizenish.user)
    assert client.get(PAGE).status_code == 302


def test_the_csv_is_the_table_and_neutralises_formulas(client, staff, week, roads):  # noqa: F811
    roads.name = "=HYPERLINK(evil)"
    roads.save()
    client.force_login(staff["city_leader"])
    response = client.get(PAGE, {**WEEK_QUERY, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["1", "", "'=HYPERLINK(evil)"]  # no rank the week before: ""
    assert "66.67" in rows[1]
    drill = client.get(
        "/en/evaluation/cases/",
        {"department": roads.pk, "count": "overdue_open", **WEEK_QUERY, "format": "csv"},
    )
    lines = list(csv.reader(io.StringIO(drill.content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == [week["overdue"].number]
    # An unknown format is a 400 naming the formats, not the page as if nothing was asked.
    refused = client.get(PAGE, {**WEEK_QUERY, "format": "pdf"})
    assert refused.status_code == 400 and "csv, xlsx" in refused.content.decode()


def test_an_unknown_count_or_a_reversed_period_is_handled(client, staff, week, roads):  # noqa: F811
    client.force_login(staff["city_leader"])
    assert (
        client.get("/en/evaluation/cases/", {"department": roads.pk, "count": "x"}).status_code
        == 404
    )
    page = client.get(PAGE, {"from": "2026-11-29", "to": "2026-11-23"})
    assert page.context["period"].key == "month"  # a reversed range falls back to this month
    assert TaskFact.objects.count() == 8
    assert local(24, 12) == NOW


def test_a_named_period_wins_over_dates_left_in_the_form(client, staff, week):  # noqa: F811
    client.force_login(staff["city_leader"])
    page = client.get(PAGE, {"period": "last_month", "from": "2026-11-23", "to": "2026-11-29"})
    period = page.context["period"]
    assert (period.key, str(period.first), str(period.last)) == (
        "last_month",
        "2026-10-01",
        "2026-10-31",
    )
    custom = client.get(PAGE, {"period": "custom", **WEEK_QUERY}).context["period"]
    assert (str(custom.first), str(custom.last)) == ("2026-11-23", "2026-11-29")


def test_components_and_events_are_ranked_apart(client, staff, week, roads):  # noqa: F811
    kind = TaskFact.objects.values_list("category_kind", flat=True).first()
    other = "component" if kind == "event" else "event"
    client.force_login(staff["city_leader"])
    [row] = client.get(PAGE, {**WEEK_QUERY, "kind": kind}).context["rows"]
    assert row["counts"]["disposed"] == 5
    assert client.get(PAGE, {**WEEK_QUERY, "kind": other}).context["rows"] == []


def test_a_department_sees_its_true_rank_among_all_not_the_others(
    client,
    staff,
    week,  # noqa: F811
    roads,
    flow,
    alpha_office,
):
    from cases import services

    case, [task] = flow.dispatched(departments=[alpha_office])
    services.task_accept(task=task, actor=staff["alpha_disposer"], now=local(23, 9, 5))
    services.task_dispose(
        task=task, actor=staff["alpha_disposer"], photos=[photo()], now=local(23, 16)
    )  # late: due 15:00
    from evaluation.facts import write_case_facts

    write_case_facts(case)
    client.force_login(staff["city_leader"])
    everyone = {r["department"]: r["rank"] for r in client.get(PAGE, WEEK_QUERY).context["rows"]}
    assert set(everyone) == {roads, alpha_office}
    for persona, department in (("roads_disposer", roads), ("alpha_disposer", alpha_office)):
        client.force_login(staff[persona])
        page = client.get(PAGE, WEEK_QUERY)
        [row] = page.context["rows"]
        assert (row["department"], row["rank"]) == (department, everyone[department])
        assert page.context["ranked_of"] == 2
        assert "among 2 departments" in page.content.decode()
    from cases.tests.api_client import as_user, ok

    body = ok(
        as_user(staff["alpha_disposer"]).get(
            "/evaluation/departments?from=2026-11-23&to=2026-11-29"
        )
    )
    assert [(r["department"]["code"], r["rank"]) for r in body["rows"]] == [
        (alpha_office.code, everyone[alpha_office])
    ]


def test_each_row_has_its_six_month_trend(client, staff, week, roads):  # noqa: F811
    from evaluation import definitions, selectors

    december = local(24, 12) + timedelta(days=16)
    with time_machine.travel(december, tick=False):
        client.force_login(staff["city_leader"])
        response = client.get(PAGE, WEEK_QUERY)
        [row] = response.context["rows"]
        months = [m for m, _v in row["trend"]]
        assert [m.month for m in months] == [6, 7, 8, 9, 10, 11]  # December still running
        november = selectors.department_counts(
            TaskFact.objects.all(),
            *selectors.day_bounds(date(2026, 11, 1), date(2026, 11, 30)),
            now=december,
        )[roads.pk]
        assert row["trend"][-1][1] == definitions.values(november)["on_time_rate"] is not None
        assert row["trend"][0][1] is None  # June: nothing due, no rate
        html = response.content.decode()
        assert '<svg class="sparkline"' in html and "2026-11 " in html
