"""The sign index pages: an area's index and tree in the user's scope, each value's explanation
with its figures, and the same 404 for a value out of scope as for a missing one."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation.tests.test_regions import ALPHA, region_week  # noqa: F401 - the fixture
from signs import services
from signs.models import SignValue
from signs.tests.test_compute import small_tree  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 29)


@pytest.fixture
def computed(small_tree):  # noqa: F811
    services.compute_day(DAY)


def test_the_leader_sees_the_city_index_its_tree_and_the_areas_below(client, staff, computed):
    client.force_login(staff["city_leader"])
    page = client.get("/en/signs/")
    assert page.status_code == 200 and page.context["day"] == DAY
    html = page.content.decode()
    assert 'class="sign-tile index band-' in html
    for code in ("G", "G1", "CLOSING", "FILED", "AQI"):
        assert f'data-node="{code}"' in html
    assert "No figure has been received for the area yet." in html  # why AQI has no value
    assert [a.code for a, _v in page.context["children"]] == ["330203", "330205"]


def test_each_node_shows_its_last_30_days(client, staff, computed):
    services.compute_day(date(2026, 11, 28))
    client.force_login(staff["city_leader"])
    page = client.get("/en/signs/", {"area": "330203001"})
    trend = page.context["root"].trend
    assert len(trend) == 30 and trend[-1][0] == DAY and trend[-1][1] is not None
    assert trend[-2][1] is not None and trend[-3][1] is None  # 28 and 29 computed, not the 27th
    assert page.content.decode().count('<svg class="sparkline"') >= 6  # index, goal, rows


def test_a_district_sees_its_own_index_and_not_another(client, staff, computed):
    client.force_login(staff["west_dispatcher"])
    own = client.get("/en/signs/")
    assert own.status_code == 200 and own.context["area"].code == "330205"
    assert client.get("/en/signs/", {"area": "330203"}).status_code == 404
    east = SignValue.objects.get(node__code="INDEX", area_path="/330200/330203/", day=DAY)
    missing = SignValue.objects.order_by("-pk").first().pk + 1
    assert client.get(f"/en/signs/values/{east.pk}/").status_code == 404
    assert client.get(f"/en/signs/values/{missing}/").status_code == 404


def test_a_value_explains_itself_with_its_figures_and_links_to_its_cases(client, staff, computed):
    client.force_login(staff["city_leader"])
    closing = SignValue.objects.get(node__code="CLOSING", area_path=ALPHA, day=DAY)
    html = client.get(f"/en/signs/values/{closing.pk}/").content.decode()
    assert "Closed 结案数 3 / Due 应结案数 5 = 60 % (2026-11-23 – 2026-11-29)" in html
    assert "piecewise: 0 → 0, 100 → 100" in html
    cases = client.get("/en/evaluation/regions/cases/?region=330203001&count=closed"
                       "&from=2026-11-23&to=2026-11-29")  # fmt: skip
    assert 'href="/en/evaluation/regions/cases/?region=330203001&amp;count=closed' in html
    assert cases.status_code == 200 and cases.context["total"] == 3
    group = SignValue.objects.get(node__code="G1", area_path=ALPHA, day=DAY)
    html = client.get(f"/en/signs/values/{group.pk}/").content.decode()
    assert "77.50" in html and "weight with data 0.6666 of 1.0000" in html


def test_someone_without_an_area_is_sent_to_their_own_page(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-x-x-x-x-1")
    client.force_login(user)
    assert client.get("/en/signs/").status_code == 302


def test_warnings_in_force_are_listed_above_the_index(client, staff, computed):
    from signs import early_warning
    from signs.models import SignNode

    leaf = SignNode.objects.get(code="CLOSING")
    leaf.warning = {"IV": 70, "I": 40}  # closing rate: lower is worse
    leaf.save()
    early_warning.follow(DAY, [leaf], {ALPHA: {"CLOSING": {"raw": 60.0}}})
    client.force_login(staff["city_leader"])
    html = client.get("/en/signs/").content.decode()
    assert 'id="warnings"' in html and "Level IV" in html and "60 % since 2026-11-29" in html


def test_a_value_page_charts_its_node_over_30_days_and_48_hours(client, staff, computed):
    """The trend of the node in the area (the page's ECharts charts read it): the days up to
    the value's day and the hours up to its hour, a period not computed left empty, each
    computed point linking to its own value page."""
    services.compute_day(date(2026, 11, 28))
    services.compute_hour(DAY, 9)
    client.force_login(staff["city_leader"])
    closing = SignValue.objects.get(node__code="CLOSING", area_path=ALPHA, day=DAY, hour=None)
    trend = client.get(f"/en/signs/values/{closing.pk}/").context["trend"]
    days = trend["days"]
    assert len(days) == 30 and days[-1]["at"] == "2026-11-29" and days[-2]["at"] == "2026-11-28"
    assert (
        days[-1]["score"] == closing.score and days[-1]["url"] == f"/en/signs/values/{closing.pk}/"
    )
    assert [d["pk"] is not None for d in days].count(True) == 2  # the 28th and the 29th
    hours = trend["hours"]  # 48 hours to the 29th's end: the hour ending 10:00 computed
    assert len(hours) == 48 and hours[-1]["at"].startswith("2026-11-30T00:00")
    [computed_hour] = [h for h in hours if h["pk"]]
    assert computed_hour["at"].startswith("2026-11-29T10:00")
    assert trend["floors"] == [90.0, 75.0, 60.0, 40.0]
    hourly = SignValue.objects.get(node__code="CLOSING", area_path=ALPHA, day=DAY, hour=9)
    page = client.get(f"/en/signs/values/{hourly.pk}/")
    assert page.context["trend"]["hours"][-1]["pk"] == hourly.pk  # up to its own hour
    assert 'id="trend-data"' in page.content.decode()
    other = SignValue.objects.get(node__code="CLOSING", area_path=ALPHA, day=date(2026, 11, 28))
    assert client.get(f"/en/signs/values/{other.pk}/").context["trend"]["hours"] == []


def test_a_filed_leaf_opens_the_cases_it_counted(client, staff, region_week):  # noqa: F811
    """A day's filed count links to the cases behind it: the evaluation drill-down of the
    area's filed cases that day in the leaf's categories (other categories left out)."""
    from signs import tree as trees

    monday = date(2026, 11, 23)
    code = region_week["overdue"].category.code
    trees.load({"version": "filed", "name": "filed", "goals": [{"code": "G", "name": "g",
        "groups": [{"code": "G1", "name": "g1", "leaves": [{
            "code": "FILED", "name": "FILED", "unit": "cases/d", "source": "platform",
            "direction": "lower_better", "frequency": "day", "tiers": ["city", "district", "street"],
            "measure": {"kind": "filed", "categories": [code]},
            "normaliser": {"kind": "baseline_ratio"}}]}]}]}, activate=True)  # fmt: skip
    services.compute_day(monday)
    filed = SignValue.objects.get(node__code="FILED", area_path=ALPHA, day=monday)
    client.force_login(staff["city_leader"])
    page = client.get(f"/en/signs/values/{filed.pk}/")
    url = page.context["cases_url"]
    assert f"category={code}" in url and "count=filed" in url and "from=2026-11-23" in url
    behind = client.get(url)
    assert behind.status_code == 200 and behind.context["total"] == filed.raw == 8
    assert f"categories {code}" in behind.content.decode()
    other = client.get(url.replace(f"category={code}", "category=06001"))
    assert other.context["total"] == 0
    major = client.get(url.replace(f"category={code}", f"category={code[:2]}"))
    assert major.context["total"] == 8


def test_a_built_in_unit_is_shown_in_the_readers_language(client, staff, computed):
    client.force_login(staff["city_leader"])
    filed = SignValue.objects.get(node__code="FILED", area_path=ALPHA, day=DAY)
    assert filed.node.unit == "cases/d"
    raw = f"{filed.raw:g}"
    assert (
        f'<dd id="raw">{raw} 件/日</dd>'
        in client.get(f"/signs/values/{filed.pk}/").content.decode()
    )
    assert (
        f'<dd id="raw">{raw} cases/d</dd>'
        in client.get(f"/en/signs/values/{filed.pk}/").content.decode()
    )
    filed.node.unit = "辆/日"  # a city's own unit: shown as written
    filed.node.save(update_fields=["unit"])
    assert (
        f'<dd id="raw">{raw} 辆/日</dd>'
        in client.get(f"/signs/values/{filed.pk}/").content.decode()
    )
