"""The published results (请群众监督): off by default, then the chosen numbers of a whole month
for everyone, as a page and as open data, and never a case."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError

from evaluation.models import PublicResults
from evaluation.tests.test_regions import region_week  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
PAGE = "/en/citizen/results/"


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel("2026-12-10 10:00 +08:00", tick=False):
        yield


def publish(**kwargs) -> PublicResults:
    settings = PublicResults.current()
    for name, value in {"enabled": True, **kwargs}.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings


def test_nothing_is_published_until_the_city_says_so(client, region_week):  # noqa: F811
    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE, {"format": "json"}).status_code == 404
    assert 'id="results-link"' not in client.get("/en/citizen/").content.decode()


def test_the_last_whole_month_for_everyone_with_what_each_number_means(
    client,
    region_week,  # noqa: F811
):
    publish()
    assert 'id="results-link"' in client.get("/en/citizen/").content.decode()
    page = client.get(PAGE)  # anonymous
    assert page.status_code == 200 and page.context["month"] == "2026-11"
    assert page.context["months"][:2] == ["2026-11", "2026-10"]
    rows = {r["name"]: r["shown"] for r in page.context["regions"]}
    # East at the month's end: 3 closed (2 on time) of 5 due (the overdue case and the one due
    # 24 Nov 16:00 still open); 1 of 2 ratings satisfied.
    assert rows["East"] == ["8", "60.00 %", "40.00 %", "50.00 %"]
    html = page.content.decode()
    assert region_week["late"].number not in html and "/evaluation/" not in html
    [roads] = page.context["departments"]
    assert roads["name"] == "City roads bureau"


def test_open_data_carries_the_same_numbers(client, region_week):  # noqa: F811
    publish(region_indicators=["closing_rate"], show_departments=False)
    data = client.get(PAGE, {"month": "2026-11", "format": "json"}).json()
    assert data["month"] == "2026-11" and data["departments"] == []
    assert {r["name"]: r["closing_rate"] for r in data["regions"]} == {"East": 60.0, "West": 100.0}
    assert data["definitions"]["closing_rate"]["formula"] == "closed / due"
    text = client.get(PAGE, {"month": "2026-11", "format": "csv"}).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Month", "Kind", "Code", "Name", "Indicator", "Value"]
    assert ["2026-11", "Region", "330203", "East", "Closing rate 结案率", "60.00"] in lines
    # A month beyond what the city allows falls back to the last whole month.
    assert client.get(PAGE, {"month": "2020-01", "format": "json"}).json()["month"] == "2026-11"


def test_the_settings_refuse_unknown_indicators_and_silly_months():
    settings = PublicResults.current()
    settings.region_indicators = ["closing_rate", "nonsense"]
    settings.months = 0
    with pytest.raises(ValidationError) as err:
        settings.full_clean()
    assert set(err.value.message_dict) == {"region_indicators", "months"}
