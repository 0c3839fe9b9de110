"""The portal pages: report, receipt, tracking, rating; refusals with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.factories import bomb_png
from cases.models import Case
from intake.models import IntakeReport
from portal.models import CitizenReport, Satisfaction
from portal.tests.conftest import ALPHA_1, OUTSIDE, PHONE, jpeg, send
from portal.views import DEVICE_COOKIE

pytestmark = pytest.mark.django_db

REPORT_URL = "/en/citizen/report/"


def form(**overrides) -> dict:
    lon, lat = ALPHA_1
    data = {
        "description": "Street light out in front of the school",
        "category": "",
        "address": "Alpha Rd 12",
        "lon": str(lon),
        "lat": str(lat),
        "phone": "",
        "submission": "",
        "photos": jpeg(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def track_url(token: str) -> str:
    return f"/en/citizen/t/{token}/"


def test_the_start_page_is_in_chinese_by_default_and_sets_a_device_cookie(small_city):
    response = Client().get("/citizen/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert DEVICE_COOKIE in response.cookies
    assert reverse("portal:report") == "/citizen/report/"


def test_a_report_redirects_to_its_receipt(small_city, client, manhole):
    response = client.post(
        REPORT_URL, form(category=str(manhole.pk), phone="138-1234-5678"), REMOTE_ADDR="10.1.1.1"
    )

    assert response.status_code == 302
    report = CitizenReport.objects.get()
    assert response["Location"] == track_url(report.token) + "?received=1"
    assert report.phone == PHONE and report.device and report.ip_hash
    case = report.intake_report.case
    assert case.category == manhole and case.address == "Alpha Rd 12"

    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    page = receipt.content.decode()
    assert 'id="receipt"' in page and f'id="receipt-number">{case.number}<' in page
    assert "138****5678" in page
    assert receipt["Cache-Control"] == "private, no-store"


def test_the_report_form_offers_plain_words_and_not_sure(small_city, client):
    page = client.get(REPORT_URL).content.decode()
    assert "Not sure: let the city centre decide" in page
    assert "乱停车" in page
    assert 'name="submission"' in page and 'accept="image/*"' in page
    assert "capture=" not in page  # camera or gallery


def test_a_file_that_is_not_a_photo_is_refused_with_its_name(small_city, client):
    fake = SimpleUploadedFile("receipt.jpg", b"GIF89a not a photo", content_type="image/jpeg")
    response = client.post(REPORT_URL, form(photos=fake))

    assert response.status_code == 422
    assert "receipt.jpg is not a JPEG, PNG or WebP photo." in response.content.decode()
    assert not Case.objects.exists()


def test_a_decompression_bomb_is_refused_anonymously_with_a_message(small_city, client):
    bomb = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")
    response = client.post(REPORT_URL, form(photos=bomb))

    assert response.status_code == 422
    assert "bomb.png declares more pixels than the limit" in response.content.decode()
    assert not Case.objects.exists()


def test_a_missing_photo_is_asked_for(small_city, client):
    response = client.post(REPORT_URL, form(photos=None))
    assert response.status_code == 422
    assert 'id="photos-error"' in response.content.decode()


def test_a_point_outside_the_city_is_refused_in_plain_words(small_city, client):
    lon, lat = OUTSIDE
    response = client.post(REPORT_URL, form(lon=str(lon), lat=str(lat)))

    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="form-errors"' in page and "outside the area this service covers" in page


def test_a_bad_phone_number_is_shown_at_the_field(small_city, client):
    response = client.post(REPORT_URL, form(phone="12345"))
    assert response.status_code == 422
    assert "12345 is not a mobile phone number" in response.content.decode()


def test_the_hourly_limit_answers_429_with_a_message(small_city, client, settings):
    settings.PORTAL_REPORTS_PER_HOUR = 2
    for _i in range(2):
        assert client.post(REPORT_URL, form()).status_code == 302
    response = client.post(REPORT_URL, form())

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "2 reports were sent from this phone in the last hour" in response.content.decode()
    assert CitizenReport.objects.count() == 2


def test_a_double_tap_opens_one_case(small_city, client):
    page = client.get(REPORT_URL).content.decode()
    submission = page.split('name="submission" value="')[1][:32]
    first = client.post(REPORT_URL, form(submission=submission))
    again = client.post(REPORT_URL, form(submission=submission, photos=jpeg()))

    assert first["Location"] == again["Location"]
    assert IntakeReport.objects.count() == 1


def test_the_start_page_lists_this_phones_reports(small_city, client):
    client.post(REPORT_URL, form())
    report = CitizenReport.objects.get()
    page = client.get("/en/citizen/").content.decode()
    assert track_url(report.token) in page

    stranger = Client(headers={"accept-language": "en"})
    assert track_url(report.token) not in stranger.get("/en/citizen/").content.decode()


def test_a_forged_device_cookie_is_replaced(small_city, client):
    client.cookies[DEVICE_COOKIE] = "someone-elses-id"
    response = client.get("/en/citizen/")
    assert response.cookies[DEVICE_COOKIE].value != "someone-elses-id"


def test_suggestions_come_as_chips(small_city, client, manhole):
    response = client.get("/en/citizen/suggest/", {"description": "井盖坏了"})
    assert response.status_code == 200
    assert f'data-category="{manhole.pk}"' in response.content.decode()
    assert client.get("/en/citizen/suggest/", {"description": "x"}).content.strip() == b""


def test_the_map_outline_is_public(small_city):
    response = Client().get("/citizen/map/areas.geojson")
    assert response.status_code == 200
    assert {f["properties"]["name"] for f in response.json()["features"]} == {"East", "West"}


# --- tracking and rating ------------------------------------------------------------------------


def test_an_unknown_tracking_link_is_404(small_city, client):
    response = client.get(track_url("made-up-token"))
    assert response.status_code == 404
    assert "No report has this tracking link" in response.content.decode()


def test_tracking_shows_stages_but_no_staff_names(small_city, client, desk, staff):
    now = timezone.now()
    receipt = send(now=now - timedelta(hours=6))
    desk.close(receipt.case, now - timedelta(hours=1))
    page = client.get(track_url(receipt.report.token)).content.decode()

    assert 'data-stage="resolved"' in page and 'id="after-photos"' in page
    assert page.count('<li data-stage="') == 4  # received, filed, being handled, resolved
    for user in staff.values():
        assert user.username not in page
    for secret in ("City roads bureau", "Wang Wei", "Cover replaced"):
        assert secret not in page


def test_an_open_case_has_no_rating_form_and_refuses_a_rating(small_city, client, desk):
    receipt = send(now=timezone.now() - timedelta(hours=2))
    desk.file(receipt.case, timezone.now() - timedelta(hours=1))
    assert 'id="rate-form"' not in client.get(track_url(receipt.report.token)).content.decode()

    response = client.post(track_url(receipt.report.token) + "rate/", {"rating": "5"})
    assert response.status_code == 409
    assert "is not finished yet" in response.content.decode()
    assert not Satisfaction.objects.exists()


def test_a_rating_after_the_window_is_refused_on_the_page(small_city, client, desk, settings):
    settings.PORTAL_RATING_DAYS = 7
    now = timezone.now()
    receipt = send(now=now - timedelta(days=8, hours=6))
    desk.close(receipt.case, now - timedelta(days=8))
    url = track_url(receipt.report.token)
    assert 'id="rate-form"' not in client.get(url).content.decode()

    response = client.post(url + "rate/", {"rating": "4"})
    assert response.status_code == 409
    assert "Ratings are taken for 7 days after a case is resolved" in response.content.decode()
    assert not Satisfaction.objects.exists()


def test_a_resolved_case_is_rated_once_through_the_page(small_city, client, desk):
    now = timezone.now()
    receipt = send(now=now - timedelta(hours=6))
    desk.close(receipt.case, now - timedelta(hours=1))
    url = track_url(receipt.report.token)
    assert 'id="rate-form"' in client.get(url).content.decode()

    response = client.post(url + "rate/", {"rating": "4", "comment": "Fixed the same day"})
    assert response.status_code == 302 and response["Location"] == url + "?rated=1"
    page = client.get(response["Location"]).content.decode()
    assert 'id="rated-thanks"' in page and 'data-rating="4"' in page
    assert 'id="rate-form"' not in page

    again = client.post(url + "rate/", {"rating": "1"})
    assert again.status_code == 409
    assert "has already been rated" in again.content.decode()
    assert Satisfaction.objects.get().rating == 4


def test_a_rating_without_a_choice_is_asked_again(small_city, client, desk):
    now = timezone.now()
    receipt = send(now=now - timedelta(hours=6))
    desk.close(receipt.case, now - timedelta(hours=1))
    response = client.post(track_url(receipt.report.token) + "rate/", {"rating": ""})
    assert response.status_code == 422
    assert 'id="rate-form"' in response.content.decode()
