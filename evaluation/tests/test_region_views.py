"""The region evaluation page (区域评价): tiers, scope, drill-down and CSV."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine

from evaluation.tests.test_regions import NOW, region_week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
PAGE = "/en/evaluation/regions/"
WEEK_QUERY = {"from": "2026-11-23", "to": "2026-11-29"}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _rows(response):
    return [(r["rank"], r["name"]) for r in response.context["rows"]]


def test_the_leader_sees_districts_then_any_tier_with_every_number_linked(
    client,
    staff,
    region_week,  # noqa: F811
):
    client.force_login(staff["city_leader"])
    response = client.get(PAGE, WEEK_QUERY)
    assert response.context["tier"] == "district"  # one below the city
    assert _rows(response) == [(1, "West"), (2, "East")]
    streets = client.get(PAGE, {**WEEK_QUERY, "tier": "street"})
    assert [name for _rank, name in _rows(streets)] == ["Gamma", "Alpha"]
    alpha = streets.context["rows"][1]
    cells = {c["indicator"].key: c for c in alpha["cells"]}
    assert str(cells["on_time_closing_rate"]["value"]) == "50.00"
    html = streets.content.decode()
    assert 'data-indicator="on_time_closing_rate"' in html and "50.00 %" in html
    drill = client.get(cells["on_time_closing_rate"]["url"])
    assert drill.status_code == 200 and drill.context["total"] == 2  # closed on time
    numbers = {f.case.number for f in drill.context["rows"]}
    assert numbers == {region_week["on_time"].number, region_week["reworked"].number}
    late = client.get(cells["overdue_open"]["url"])
    assert [f.case for f in late.context["rows"]] == [region_week["overdue"]]


def test_a_district_dispatcher_sees_only_their_district(client, staff, region_week):  # noqa: F811
    client.force_login(staff["west_dispatcher"])
    response = client.get(PAGE, WEEK_QUERY)
    assert response.context["tier"] == "street" and _rows(response) == [(1, "Gamma")]
    assert _rows(client.get(PAGE, {**WEEK_QUERY, "tier": "district"})) == [(1, "West")]
    # East's numbers are not theirs to list, nor do East's cases leak into West's rows.
    drill = client.get(
        "/en/evaluation/regions/cases/", {"region": "330203001", "count": "filed", **WEEK_QUERY}
    )
    assert drill.status_code == 404
    mine = client.get(
        "/en/evaluation/regions/cases/", {"region": "330205", "count": "filed", **WEEK_QUERY}
    )
    assert [f.case for f in mine.context["rows"]] == [region_week["west"]]


def test_a_disposer_has_no_region_table(client, staff, region_week):  # noqa: F811
    client.force_login(staff["roads_disposer"])
    assert client.get(PAGE).status_code == 302
    departments = client.get("/en/evaluation/").content.decode()
    assert "/evaluation/regions/" not in departments  # no tab to a page they may not see


def test_the_csv_is_the_table_with_the_top_categories(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    response = client.get(PAGE, {**WEEK_QUERY, "tier": "street", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Rank", "Change in rank 较上期", "Code", "Region"]
    alpha = next(r for r in rows if r[3] == "Alpha")
    assert alpha[2] == "330203001" and "50.00" in alpha
    category = region_week["overdue"].category.name
    assert alpha[-1] == f"{category} 8"
    drill = client.get(
        "/en/evaluation/regions/cases/",
        {"region": "330203001", "count": "repeated", **WEEK_QUERY, "format": "csv"},
    )
    [header, row] = list(csv.reader(io.StringIO(drill.content.decode("utf-8-sig"))))
    assert row[0] == region_week["hotline_repeated"].number and row[header.index("Reports")] == "2"


def test_an_unknown_count_region_or_tier_is_handled(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    drill = "/en/evaluation/regions/cases/"
    assert client.get(drill, {"region": "330203", "count": "nope"}).status_code == 404
    assert client.get(drill, {"region": "999999", "count": "filed"}).status_code == 404
    assert client.get(PAGE, {"tier": "planet"}).context["tier"] == "district"


def test_the_department_page_links_to_the_regions(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    html = client.get("/en/evaluation/", WEEK_QUERY).content.decode()
    assert 'href="/en/evaluation/regions/?from=2026-11-23&amp;to=2026-11-29"' in html


def test_the_headline_sums_the_scope_and_links_every_figure(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    response = client.get(PAGE, WEEK_QUERY)
    [head] = response.context["headline"]
    assert head["region"].name == "Testcity"
    assert (head["counts"]["filed"], head["counts"]["closed"], head["counts"]["due"]) == (9, 4, 5)
    assert [(s, n) for s, _label, n in head["sources"]] == [("inspector", 8), ("hotline_12345", 1)]
    by_source = {s["label"]: s for s in head["source_links"]}
    hotline = client.get(by_source["12345 hotline 12345热线"]["url"])
    assert [f.case for f in hotline.context["rows"]] == [region_week["hotline_repeated"]]
    for cell in head["cells"]:
        assert client.get(cell["url"]).status_code == 200
    west = staff["west_dispatcher"]
    client.force_login(west)
    [head] = client.get(PAGE, WEEK_QUERY).context["headline"]
    assert (head["region"].name, head["counts"]["filed"]) == ("West", 1)


def test_the_change_in_rank_against_the_period_before(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    first = client.get(PAGE, WEEK_QUERY)
    assert [r["moved"] for r in first.context["rows"]] == [None, None]  # nothing the week before
    # The next week: only East has a number (its overdue case), and it was 2nd the week before.
    html = client.get(PAGE, {"from": "2026-11-30", "to": "2026-12-06"})
    [east] = html.context["rows"]
    assert (east["name"], east["rank"], east["previous_rank"], east["moved"]) == ("East", 1, 2, 1)
    assert 'data-moved="1"' in html.content.decode() and "▲1" in html.content.decode()
    from evaluation.views import rank_change

    rows = rank_change(
        [{"rank": 1, "k": "b"}, {"rank": 2, "k": "a"}, {"rank": 3, "k": "c"}],
        [{"rank": 1, "k": "a"}, {"rank": 2, "k": "b"}],
        lambda r: r["k"],
    )
    assert [(r["previous_rank"], r["moved"]) for r in rows] == [(2, 1), (1, -1), (None, None)]


def test_a_long_ranking_comes_a_page_at_a_time_and_the_export_has_every_row(
    client,
    staff,
    region_week,  # noqa: F811
    monkeypatch,
):
    """Thousands of grids are shown a page at a time, the ranks running on across pages; the
    CSV has every row."""
    from evaluation import views

    monkeypatch.setattr(views, "RANKING_PAGE", 1)
    client.force_login(staff["city_leader"])
    first = client.get(PAGE, {**WEEK_QUERY, "tier": "street"})
    assert _rows(first) == [(1, "Gamma")]
    html = first.content.decode()
    assert "Page 1 of 2" in html and "tier=street" in html and "page=2" in html
    second = client.get(PAGE, {**WEEK_QUERY, "tier": "street", "page": 2})
    assert _rows(second) == [(2, "Alpha")]
    assert [c["indicator"].key for c in second.context["rows"][0]["cells"]][:1]  # cells built
    for page in (first, second):  # each page reads its own rows' most filed categories
        [row] = page.context["rows"]
        assert row["top"] and f"{row['top'][0][0]} {row['top'][0][1]}" in page.content.decode()
    assert client.get(PAGE, {**WEEK_QUERY, "tier": "street", "page": 99}).status_code == 200
    export = client.get(PAGE, {**WEEK_QUERY, "tier": "street", "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == ["Gamma", "Alpha"]
    assert all(r[-1] for r in rows[1:])  # every row's most filed categories


def test_a_category_filter_must_be_codes(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    bad = client.get("/en/evaluation/regions/cases/",
                     {"region": "330203001", "count": "filed", **WEEK_QUERY, "category": "x1"})  # fmt: skip
    assert bad.status_code == 400 and "x1" in bad.content.decode()


def test_a_period_without_cases_is_an_empty_table_and_an_empty_export(client, staff, region_week):  # noqa: F811
    client.force_login(staff["city_leader"])
    empty = {"from": "2020-01-01", "to": "2020-01-31", "tier": "grid"}
    page = client.get(PAGE, empty)
    assert page.status_code == 200 and list(page.context["rows"]) == []
    export = client.get(PAGE, {**empty, "format": "csv"})
    assert export.status_code == 200
    assert len(list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))) == 1  # header
