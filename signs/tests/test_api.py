"""GET /api/v1/signs/...: the tree, an area's values and a value's explanation, scoped like the
pages (out of scope and missing answer the same 404)."""

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


def test_the_tree_in_use_is_its_file(client, staff, computed):
    client.force_login(staff["city_leader"])
    answer = client.get("/api/v1/signs/tree")
    assert answer.status_code == 200 and answer.json()["version"] == "small"
    assert answer.json()["goals"][0]["groups"][0]["leaves"][0]["code"] == "CLOSING"


def test_an_areas_values_for_the_latest_day(client, staff, computed):
    client.force_login(staff["city_leader"])
    answer = client.get("/api/v1/signs/values", {"area": "330203001"})
    body = answer.json()
    assert answer.status_code == 200 and body["day"] == "2026-11-29"
    by_code = {v["code"]: v for v in body["values"]}
    assert by_code["CLOSING"]["raw"] == 60.0 and by_code["CLOSING"]["parent"] == "G1"
    assert by_code["INDEX"]["colour"] == "green" and by_code["AQI"]["status"] == "no_data"


def test_scope_and_explanations(client, staff, computed):
    client.force_login(staff["west_dispatcher"])
    assert client.get("/api/v1/signs/values", {"area": "330203"}).status_code == 404
    east = SignValue.objects.get(node__code="CLOSING", area_path=ALPHA, day=DAY)
    missing = SignValue.objects.order_by("-pk").first().pk + 1
    assert client.get(f"/api/v1/signs/values/{east.pk}").status_code == 404
    assert client.get(f"/api/v1/signs/values/{missing}").status_code == 404
    client.force_login(staff["city_leader"])
    answer = client.get(f"/api/v1/signs/values/{east.pk}").json()
    assert answer["area"] == "330203001" and answer["explanation"]["rows"]["counts"] == {
        "closed": 3, "due": 5,
    }  # fmt: skip
    client.logout()
    assert client.get("/api/v1/signs/values").status_code == 401
