"""Photos on the tracking page: signed links that open them for the citizen holding the tracking
link, for an hour, and open nothing else (cases.media); the bare /media/ path stays closed."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Evidence
from cases.tests.test_media_access import expired_message
from portal.selectors import PHOTO_LINK_SECONDS
from portal.tests.conftest import send

pytestmark = pytest.mark.django_db


def track_url(token: str) -> str:
    return f"/en/citizen/t/{token}/"


def photo_links(client: Client, token: str) -> list[str]:
    page = client.get(track_url(token)).content.decode()
    section = page.split('id="after-photos"', 1)[1] if 'id="after-photos"' in page else ""
    return [html.unescape(u) for u in re.findall(r'(?:href|src)="(/media/[^"]+)"', section)]


@pytest.fixture
def resolved(small_city, desk):
    """Citizen A's report, fixed and closed an hour ago with an after-photo."""
    now = timezone.now()
    receipt = send(now=now - timedelta(hours=6), device="device-a")
    desk.close(receipt.case, now - timedelta(hours=1))
    return receipt


@pytest.fixture
def other(small_city):
    """Citizen B's report of another problem (in Alpha-2, 2 km away), still open."""
    return send(
        description="Rubbish piled at the corner",
        lon=121.525,
        lat=29.865,
        device="device-b",
        now=timezone.now() - timedelta(hours=2),
    )


def test_the_citizen_opens_the_after_photo_from_the_tracking_page(resolved):
    citizen = Client()
    links = photo_links(citizen, resolved.report.token)
    after = Evidence.objects.get(case=resolved.case, kind="after")
    assert [link.split("?")[0] for link in links] == [after.file.url, after.thumbnail.url]
    full = citizen.get(links[0])
    assert full.status_code == 200
    assert b"".join(full.streaming_content) == after.file.read()
    assert full["Cache-Control"].startswith("private")
    assert citizen.get(links[1]).status_code == 200


def test_the_bare_path_is_closed_to_citizens(resolved):
    after = Evidence.objects.get(case=resolved.case, kind="after")
    response = Client().get(after.file.url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_citizens_own_before_photo_is_not_handed_out(resolved):
    before = Evidence.objects.get(case=resolved.case, kind="before")
    links = photo_links(Client(), resolved.report.token)
    assert not any(before.file.name in link for link in links)
    assert Client().get(before.file.url).status_code == 302


def test_another_citizen_cannot_reach_the_photo(resolved, other, desk):
    stranger = Client()
    after = Evidence.objects.get(case=resolved.case, kind="after")
    # Their own tracking page shows none of it.
    page = stranger.get(track_url(other.report.token)).content.decode()
    assert after.file.name not in page and after.thumbnail.name not in page
    # Their case closed too: its signature does not open citizen A's photo.
    desk.close(other.case, timezone.now() - timedelta(minutes=10))
    [own, _thumb] = photo_links(stranger, other.report.token)
    query = own.split("?", 1)[1]
    assert stranger.get(f"{after.file.url}?{query}").status_code == 404
    assert stranger.get(f"{after.file.url}?expires=9999999999&sig=guess").status_code == 404


def test_an_old_link_expires_and_a_reload_gives_a_fresh_one(resolved, time_machine):
    citizen = Client()
    [link, _thumb] = photo_links(citizen, resolved.report.token)
    time_machine.move_to(timezone.now() + timedelta(seconds=PHOTO_LINK_SECONDS + 20 * 60))
    expired = citizen.get(link)
    assert expired.status_code == 403
    assert expired.content.decode() == expired_message()
    [fresh, _thumb] = photo_links(citizen, resolved.report.token)
    assert fresh != link and citizen.get(fresh).status_code == 200
