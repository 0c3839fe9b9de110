"""Cameras are configured in the admin; intake records are read there, never edited."""

from __future__ import annotations

import pytest

from intake.models import VideoCamera


@pytest.fixture
def admin_client(client, staff):
    user = staff["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def test_a_camera_with_a_mapping_is_added_in_the_admin(admin_client, manhole):
    response = admin_client.post(
        "/admin/intake/videocamera/add/",
        {
            "camera_id": "CAM-7",
            "name": "Bridge",
            "lon": "121.505",
            "lat": "29.865",
            "address": "",
            "confidence_threshold": "0.7",
            "secret": "s3cret",
            "is_active": "on",
            "mappings-TOTAL_FORMS": "1",
            "mappings-INITIAL_FORMS": "0",
            "mappings-0-event_type": "manhole_missing",
            "mappings-0-category": str(manhole.pk),
            "mappings-0-priority": "urgent",
            "mappings-0-confidence_threshold": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    camera = VideoCamera.objects.get(camera_id="CAM-7")
    assert camera.mappings.get().category == manhole


@pytest.mark.parametrize(
    "url",
    [
        "/admin/intake/videocamera/",
        "/admin/intake/intakereport/",
        "/admin/intake/mergerecord/",
    ],
)
def test_the_lists_open(admin_client, receive, url):
    receive(description="污水井盖坏了")
    assert admin_client.get(url).status_code == 200


def test_intake_reports_cannot_be_added_by_hand(admin_client):
    assert admin_client.get("/admin/intake/intakereport/add/").status_code == 403
