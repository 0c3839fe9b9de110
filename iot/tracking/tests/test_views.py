"""Vehicle pages: the list and the day's track (JSON for the playback), scoped by the
vehicle's service area."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from iot.tracking import services
from iot.tracking.models import GeofenceKind, TrackPoint
from iot.tracking.tests.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def driven(muck_truck):
    TrackPoint.objects.bulk_create(
        TrackPoint(
            tracker=muck_truck.device,
            ts=T0 + timedelta(seconds=30 * i),
            lon=121.505 + i * 0.0003,
            lat=29.865,
            speed=30.0,
        )
        for i in range(5)
    )
    services.geofence_create(
        name="Permit route",
        kind=GeofenceKind.APPROVED_ROUTE,
        geometry={"type": "LineString", "coordinates": [[121.50, 29.865], [121.52, 29.865]]},
        vehicle_kinds=["muck"],
    )
    services.geofence_create(
        name="Sweepers' depot lane",
        kind=GeofenceKind.APPROVED_ROUTE,
        geometry={"type": "LineString", "coordinates": [[121.50, 29.86], [121.52, 29.86]]},
        vehicle_kinds=["sanitation"],
    )
    return muck_truck


def test_the_list_shows_vehicles_of_my_areas_with_their_last_position(client, personas, driven):
    client.force_login(personas["alpha_inspector"])
    page = client.get(reverse("iot:vehicles"))
    assert page.status_code == 200
    row = page.context["page"].object_list[0]
    assert row.plate == "浙B-M0001" and row.last_ts == T0 + timedelta(seconds=120)
    client.force_login(personas["beta_operator"])
    assert not client.get(reverse("iot:vehicles")).context["page"].object_list


def test_the_track_of_a_day_lists_points_and_the_fences_that_bind_the_vehicle(
    client, personas, driven
):
    client.force_login(personas["alpha_inspector"])
    url = reverse("iot:vehicle_track_data", args=[driven.pk])
    data = client.get(url, {"date": "2026-11-23"}).json()
    assert len(data["points"]) == 5
    assert data["points"][0][:4] == [int(T0.timestamp() * 1000), 121.505, 29.865, 30.0]
    assert [f["properties"]["name"] for f in data["fences"]["features"]] == ["Permit route"]
    assert client.get(url, {"date": "2026-11-22"}).json()["points"] == []


def test_without_a_date_the_page_opens_the_last_day_driven(client, personas, driven):
    client.force_login(personas["alpha_inspector"])
    page = client.get(reverse("iot:vehicle_track", args=[driven.pk]))
    assert page.status_code == 200
    assert page.context["day"].isoformat() == "2026-11-23"
    assert b"iot-track.js" in page.content


def test_out_of_scope_vehicles_are_404(client, personas, driven):
    client.force_login(personas["beta_operator"])
    assert client.get(reverse("iot:vehicle_track", args=[driven.pk])).status_code == 404
    assert client.get(reverse("iot:vehicle_track_data", args=[driven.pk])).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/iot/devices/",
        "/iot/alarms/",
        "/iot/vehicles/",
        "/admin/iot/vehicle/",
        "/admin/iot/geofence/",
        "/admin/iot/roadsegment/",
        "/admin/iot/coverageday/",
        "/admin/iot/trackpoint/",
        "/admin/iot/workerbadge/",
    ],
)
def test_pages_render_in_the_default_language_too(personas, driven, badge, url):
    from django.test import Client

    client = Client()  # no Accept-Language: zh-Hans, the product default
    client.force_login(personas["admin"])
    assert client.get(url).status_code == 200
