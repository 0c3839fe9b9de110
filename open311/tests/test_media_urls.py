"""media_url: after-photos and the photos a reporter published through GeoReport are public,
through signed links that last a week; a photo sent through any other channel is not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.factories import image_bytes
from cases.models import Evidence
from cases.states import SourceChannel
from intake import services as intake_services
from open311.selectors import MEDIA_LINK_SECONDS
from open311.tests.conftest import ALPHA_LAT, ALPHA_LONG, BASE, T0, photo

pytestmark = pytest.mark.django_db


def media_url(http, number: str) -> str | None:
    response = http.get(f"{BASE}/requests/{number}.json")
    assert response.status_code == 200, response.content
    return response.json()[0]["media_url"]


def local_path(url: str) -> str:
    return url.removeprefix("http://testserver")


def open311_photo() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "hole.jpg", image_bytes(color=(10, 10, 200)), content_type="image/jpeg"
    )


def test_a_photo_posted_through_georeport_is_published(http, post):
    number = post(media=open311_photo()).json()[0]["service_request_id"]
    before = Evidence.objects.get(case__number=number, kind="before")
    url = media_url(http, number)
    assert url.startswith(f"http://testserver{before.file.url}?expires=")
    response = http.get(local_path(url))  # no login, no key
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == before.file.read()
    # The bare path stays closed: only the signed link opens it.
    assert http.get(before.file.url).status_code == 302


def citizen_report(manhole, *, now):
    """A citizen's portal report of the missing cover, with their own before-photo."""
    return intake_services.receive_report(
        source=SourceChannel.CITIZEN,
        description="Manhole cover missing",
        lon=ALPHA_LONG,
        lat=ALPHA_LAT,
        category=manhole.category,
        photos=[photo("mine.jpg")],
        now=now,
    )


def test_a_citizens_photo_on_a_public_case_is_not_published(http, manhole, small_city):
    result = citizen_report(manhole, now=T0)
    assert result.case.evidence.filter(kind="before").exists()
    assert media_url(http, result.case.number) is None


def test_an_inspectors_photo_is_not_published_before_the_work(http, flow, manhole):
    case = flow.reported(category=manhole.category, photos=[photo("patrol.jpg")])
    assert media_url(http, case.number) is None


def test_a_georeport_duplicate_publishes_its_own_photo_not_the_citizens(http, post, manhole):
    first = citizen_report(manhole, now=T0 - timedelta(hours=1))
    number = post(media=open311_photo()).json()[0]["service_request_id"]
    assert number == first.case.number  # attached as a duplicate
    citizens, published = Evidence.objects.filter(case=first.case).order_by("taken_at")
    url = media_url(http, number)
    assert url.startswith(f"http://testserver{published.file.url}?")
    assert citizens.file.name not in url


def test_the_link_lasts_a_week_then_says_it_expired(http, post, time_machine):
    number = post(media=open311_photo()).json()[0]["service_request_id"]
    url = local_path(media_url(http, number))
    time_machine.move_to(T0 + timedelta(seconds=MEDIA_LINK_SECONDS - 60), tick=False)
    assert http.get(url).status_code == 200
    time_machine.move_to(T0 + timedelta(seconds=MEDIA_LINK_SECONDS + 3600), tick=False)
    assert http.get(url).status_code == 403
