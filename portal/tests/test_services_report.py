"""portal_report: a citizen's report (随手拍) becomes a case the desk verifies, with a token."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image

from cases.models import Evidence
from cases.states import CaseStatus, EvidenceKind, SourceChannel
from core.errors import ValidationFailed
from intake.models import IntakeReport, Outcome
from notify.models import MessageKind, OutboxMessage
from portal import services
from portal.models import CitizenReport
from portal.tests.conftest import OUTSIDE, PHONE, jpeg, send

pytestmark = pytest.mark.django_db


def test_a_report_opens_a_citizen_case_waiting_for_verification(small_city, t0, manhole):
    receipt = send(category=manhole, reporter_phone="138 1234 5678", now=t0)

    case = receipt.case
    assert receipt.created and not receipt.duplicate and not receipt.repeat
    assert case.source == SourceChannel.CITIZEN
    assert case.status == CaseStatus.VERIFYING  # citizens are not a trusted source: 核实 first
    assert case.category == manhole
    assert case.grid.code == "330203001001001"
    assert case.reporter_phone == PHONE
    intake = receipt.report.intake_report
    assert intake.outcome == Outcome.CREATED and intake.case == case
    assert intake.external_id == ""
    assert receipt.report.phone == PHONE
    assert receipt.report.created_at == t0


def test_the_tracking_token_is_long_random_and_unique(small_city, t0):
    tokens = {send(device=f"d{i}", now=t0).report.token for i in range(3)}
    assert len(tokens) == 3
    assert all(len(t) >= 32 for t in tokens)


def test_not_sure_leaves_the_category_to_intake_and_the_desk(small_city, t0):
    receipt = send(description="井盖坏了，车轮差点掉进去", category=None, now=t0)
    intake = receipt.report.intake_report
    # Intake suggests one from the words; the desk still decides when filing.
    assert intake.category_suggested
    assert receipt.case.category is not None


def test_the_photo_is_stored_without_its_exif_gps(small_city, t0):
    receipt = send(photos=[jpeg("gps.jpg", gps=True)], now=t0)

    [photo] = Evidence.objects.filter(case=receipt.case)
    assert photo.kind == EvidenceKind.BEFORE
    stored = Image.open(BytesIO(photo.file.read()))
    assert not stored.getexif()  # no GPS, no camera model


def test_a_file_that_is_not_a_photo_is_refused_by_its_content(small_city, t0):
    fake = jpeg("holiday.jpg")
    fake.file = BytesIO(b"%PDF-1.4 not really a photo")
    with pytest.raises(ValidationFailed, match="holiday.jpg is not a JPEG, PNG or WebP photo"):
        send(photos=[fake], now=t0)
    assert not IntakeReport.objects.exists() and not CitizenReport.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(small_city, t0, settings):
    settings.EVIDENCE_MAX_BYTES = 200
    with pytest.raises(ValidationFailed, match="larger than the limit"):
        send(photos=[jpeg("big.jpg", size=(400, 300))], now=t0)


def test_a_photo_is_required_unless_switched_off(small_city, t0, settings):
    with pytest.raises(ValidationFailed, match="Add a photo") as caught:
        send(photos=[], now=t0)
    assert caught.value.details["field"] == "photos"
    settings.PORTAL_REQUIRE_PHOTO = False
    assert send(photos=[], now=t0).created


def test_a_point_outside_every_grid_gets_a_message_in_plain_words(small_city, t0):
    lon, lat = OUTSIDE
    with pytest.raises(ValidationFailed) as caught:
        send(lon=lon, lat=lat, now=t0)
    assert caught.value.code == "outside_grids"
    assert "outside the area this service covers" in caught.value.message
    assert "WGS-84" not in caught.value.message


def test_no_location_and_no_address_is_refused(small_city, t0):
    with pytest.raises(ValidationFailed, match="Say where the problem is") as caught:
        send(lon=None, lat=None, address="", now=t0)
    assert caught.value.code == "no_location"


def test_an_address_without_a_point_goes_to_the_city_centre(small_city, t0):
    receipt = send(lon=None, lat=None, address="Alpha Rd 12, by the school gate", now=t0)
    assert receipt.case.grid is None and receipt.case.area == small_city.city


@pytest.mark.parametrize("phone", ["12345", "010-12345678", "2381234567", "phone me"])
def test_a_phone_that_is_not_a_mobile_number_is_refused(small_city, t0, phone):
    with pytest.raises(ValidationFailed, match="is not a mobile phone number") as caught:
        send(reporter_phone=phone, now=t0)
    assert caught.value.details["field"] == "phone"


@pytest.mark.parametrize("phone", ["13812345678", "+86 138-1234-5678", "0086 13812345678"])
def test_mobile_numbers_are_normalised(phone):
    assert services.normalize_phone(phone) == PHONE


def test_sending_the_same_form_twice_gives_the_first_receipt(small_city, t0):
    submission = "0123456789abcdef0123456789abcdef"
    first = send(submission=submission, now=t0)
    again = send(submission=submission, now=t0 + timedelta(seconds=5))

    assert again.repeat and again.report == first.report and again.case == first.case
    assert IntakeReport.objects.count() == 1


def test_a_report_of_an_open_problem_joins_its_case(small_city, t0, manhole):
    first = send(category=manhole, device="a", now=t0)
    second = send(category=manhole, device="b", now=t0 + timedelta(minutes=10))

    assert second.duplicate and not second.created
    assert second.case == first.case
    assert second.report != first.report  # the second citizen has a tracking link of their own


# --- rate limits -------------------------------------------------------------------------------


def test_one_device_may_send_the_hourly_limit_and_no_more(small_city, t0, settings):
    settings.PORTAL_REPORTS_PER_HOUR = 2
    for i in range(2):
        send(ip=f"10.0.0.{i}", now=t0 + timedelta(minutes=i))
    with pytest.raises(services.RateLimited, match="from this phone") as caught:
        send(ip="10.0.0.9", now=t0 + timedelta(minutes=30))
    assert caught.value.http_status == 429
    assert caught.value.details["retry_after"] == 30 * 60
    # An hour after the first report the device may send again.
    assert send(ip="10.0.0.9", now=t0 + timedelta(minutes=61)).created


def test_one_phone_number_is_limited_across_devices(small_city, t0, settings):
    settings.PORTAL_REPORTS_PER_HOUR = 2
    for i in range(2):
        send(device=f"d{i}", ip=f"10.0.0.{i}", reporter_phone=PHONE, now=t0)
    with pytest.raises(services.RateLimited, match="for this phone number"):
        send(device="d9", ip="10.0.0.9", reporter_phone=PHONE, now=t0)


def test_one_network_gets_a_larger_allowance(small_city, t0, settings):
    settings.PORTAL_REPORTS_PER_HOUR = 1
    settings.PORTAL_REPORTS_PER_HOUR_PER_IP = 3
    for i in range(3):
        send(device=f"d{i}", ip="10.9.9.9", now=t0)
    with pytest.raises(services.RateLimited, match="from this network"):
        send(device="d9", ip="10.9.9.9", now=t0)


def test_refused_reports_do_not_count_toward_the_limit(small_city, t0, settings):
    settings.PORTAL_REPORTS_PER_HOUR = 1
    with pytest.raises(ValidationFailed):
        send(photos=[], now=t0)
    assert send(now=t0).created


def test_the_ip_address_is_kept_only_as_a_keyed_hash(small_city, t0):
    report = send(ip="203.0.113.7", now=t0).report
    assert report.ip_hash and "203.0.113.7" not in report.ip_hash
    assert report.ip_hash == services.ip_hash("203.0.113.7")


# --- SMS notices (sink) -------------------------------------------------------------------------


def test_the_reporter_is_texted_when_the_case_is_filed_and_closed(
    small_city, t0, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        receipt = send(reporter_phone=PHONE, now=t0)
    assert not OutboxMessage.objects.exists()  # received is not yet news
    with django_capture_on_commit_callbacks(execute=True):
        desk.close(receipt.case, t0 + timedelta(hours=6))
    texts = OutboxMessage.objects.filter(kind=MessageKind.SMS, to=PHONE).order_by("pk")
    assert [m.case_id for m in texts] == [receipt.case.pk] * 2
    filed, closed = (m.body for m in texts)
    assert "立案" in filed and "处理完毕" in closed  # texts go out in the platform language
    assert receipt.case.number in filed and receipt.case.number in closed


def test_no_phone_no_text(small_city, t0, desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receipt = send(now=t0)
        desk.file(receipt.case, t0 + timedelta(hours=1))
    assert not OutboxMessage.objects.exists()
