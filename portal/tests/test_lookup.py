"""Find my case (/citizen/find/): case number + the phone it was reported with -> tracking page.

A 12345 caller has no tracking link and a citizen may lose theirs; the number and the whole
phone number open exactly that report's case (a case staff reported directly, 直接上报, too), a
miss says the same thing whatever was wrong, and misses are limited per IP address and per case
number.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from cases.services.reporting import case_report
from cases.states import SourceChannel
from cases.tests.conftest import received
from intake import services as intake_services
from intake.models import IntakeReport
from portal import tracking
from portal.models import CitizenReport
from portal.tests.conftest import ALPHA_1, PHONE, send

pytestmark = pytest.mark.django_db

FIND_URL = "/en/citizen/find/"
NO_MATCH = "No case has this number and phone number. Check both and try again."
TOO_MANY = "Too many tries did not match a case."
OTHER_PHONE = "13900001111"
ERROR_RE = re.compile(r'class="p-(?:alert p-alert-)?error"[^>]*>(?:<p>([^<]*)</p>)')


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The limiter lives in the cache (LocMemCache here): no test inherits another's misses."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(time_machine, t0):
    time_machine.move_to(t0, tick=False)
    return time_machine


def hotline_call(t0, *, phone: str = "+86 138-1234-5678", ticket: str = "12345-0001", at=None):
    """A 12345 hotline call recorded through intake, the phone as the call centre typed it."""
    lon, lat = ALPHA_1
    return intake_services.receive_report(
        source=SourceChannel.HOTLINE_12345,
        description=f"Caller says the drain is blocked ({ticket})",
        lon=lon,
        lat=lat,
        reporter_phone=phone,
        external_id=ticket,
        now=at or t0,
    )


def errors(response) -> list[str]:
    return ERROR_RE.findall(response.content.decode())


def find(client: Client, number: str, phone: str, ip: str = "10.9.0.1"):
    return client.post(FIND_URL, {"number": number, "phone": phone}, REMOTE_ADDR=ip)


def test_a_hotline_caller_finds_their_case_with_number_and_phone(small_city, t0, clock, client):
    call = hotline_call(t0)

    response = find(client, call.case.number, "138 1234 5678")

    assert response.status_code == 302
    issued = CitizenReport.objects.get(intake_report=call.report)
    assert response["Location"] == f"/en/citizen/t/{issued.token}/"
    # The tracking record keeps when the call was made, not when it was looked up.
    assert issued.phone == PHONE and issued.created_at == t0
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert call.case.number in page.content.decode()


def test_the_same_caller_gets_the_same_link_every_time(small_city, t0, clock, client):
    call = hotline_call(t0)
    first = find(client, call.case.number, PHONE)["Location"]
    assert find(client, call.case.number, "+86 13812345678")["Location"] == first
    assert CitizenReport.objects.count() == 1


def test_a_portal_reporter_who_lost_the_link_gets_their_own_link_back(
    small_city, t0, clock, client
):
    receipt = send(reporter_phone="138 1234 5678", now=t0)

    response = find(client, receipt.case.number, PHONE)

    assert response["Location"] == f"/en/citizen/t/{receipt.report.token}/"
    assert CitizenReport.objects.count() == 1  # no second token for the same report


def test_a_wrong_phone_and_an_unknown_number_get_the_same_answer(small_city, t0, clock, client):
    call = hotline_call(t0)

    wrong_phone = find(client, call.case.number, OTHER_PHONE)
    unknown_number = find(client, "NB2099010100001", PHONE)

    assert wrong_phone.status_code == unknown_number.status_code == 404
    # One message, and nothing else on the page tells the two apart.
    assert errors(wrong_phone) == errors(unknown_number) == [NO_MATCH]
    assert not CitizenReport.objects.exists()


def test_the_last_four_digits_are_not_enough(small_city, t0, clock, client):
    call = hotline_call(t0)

    response = find(client, call.case.number, "5678")

    assert response.status_code == 422
    assert "the last digits alone are not enough" in response.content.decode()
    assert not CitizenReport.objects.exists()


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "0086-13812345678"],
)
def test_the_phone_is_compared_without_spaces_dashes_or_country_code(
    small_city, t0, clock, client, typed
):
    call = hotline_call(t0, phone="138 1234 5678")
    assert find(client, call.case.number, typed).status_code == 302


def test_spaces_and_lower_case_in_the_case_number_do_not_matter(small_city, t0, clock, client):
    call = hotline_call(t0)
    number = call.case.number
    typed = f" {number[:2].lower()} {number[2:10]} {number[10:]} "
    assert find(client, typed, PHONE).status_code == 302


def test_phone_key_keeps_whole_numbers_only():
    assert tracking.phone_key("+86 138-1234-5678") == PHONE
    assert tracking.phone_key("8613812345678") == PHONE
    assert tracking.phone_key("0574-8765 4321") == "057487654321"
    assert tracking.phone_key("+86 574 8765 4321") == "057487654321"  # the trunk 0 comes back
    assert tracking.phone_key("5678") == ""
    assert tracking.phone_key("call after 6") == ""
    assert tracking.phone_key("") == ""


def staff_case(staff, grid, t0, *, phone: str = "138 1234 5678", lon_shift: float = 0.0):
    """A 12345 call typed in by staff as a case directly (直接上报), with its intake row."""
    lon, lat = ALPHA_1
    return received(
        case_report(
            actor=staff["shift_leader"],
            source=SourceChannel.HOTLINE_12345,
            description="Caller says the drain is blocked",
            grid=grid,
            lon=lon + lon_shift,
            lat=lat,
            reporter_phone=phone,
            now=t0,
        )
    )


def test_the_caller_of_a_case_staff_reported_finds_it(staff, grid, t0, clock, client):
    case = staff_case(staff, grid, t0)

    response = find(client, case.number, PHONE)

    assert response.status_code == 302
    [own] = IntakeReport.objects.filter(case=case)  # the report that opened the case
    issued = CitizenReport.objects.get(intake_report=own)
    assert response["Location"] == f"/en/citizen/t/{issued.token}/"
    assert issued.created_at == t0  # when staff took the call
    page = client.get(response["Location"])
    assert page.status_code == 200 and case.number in page.content.decode()
    assert find(client, case.number, "+86 138-1234-5678")["Location"] == response["Location"]
    assert IntakeReport.objects.count() == 1


def test_a_wrong_phone_on_a_case_staff_reported_makes_nothing(staff, grid, t0, clock, client):
    case = staff_case(staff, grid, t0)

    response = find(client, case.number, OTHER_PHONE)

    assert response.status_code == 404 and errors(response) == [NO_MATCH]
    assert IntakeReport.objects.count() == 1 and not CitizenReport.objects.exists()


def test_a_case_staff_reported_and_merged_away_is_found_under_the_case_kept(
    staff, grid, t0, clock, client
):
    merged = staff_case(staff, grid, t0)
    kept = staff_case(staff, grid, t0, phone=OTHER_PHONE, lon_shift=0.001)
    intake_services.case_merge(case=merged, into=kept, actor=staff["shift_leader"], now=t0)

    # The merged case is void and its reporter's report counts toward the case kept.
    assert find(client, merged.number, PHONE).status_code == 404
    location = find(client, kept.number, PHONE)["Location"]
    issued = CitizenReport.objects.get(token=location.rstrip("/").rsplit("/", 1)[1])
    assert issued.intake_report.case == kept and issued.intake_report.duplicate_of == kept
    assert IntakeReport.objects.filter(reporter_phone=merged.reporter_phone).count() == 1


def test_the_link_opens_exactly_the_case_looked_up(small_city, t0, clock, client):
    first = hotline_call(t0, ticket="12345-0001")
    lon, lat = ALPHA_1
    # The same caller, another problem elsewhere: a second case (not a duplicate).
    second = intake_services.receive_report(
        source=SourceChannel.HOTLINE_12345,
        description="Street light out",
        lon=lon + 0.01,
        lat=lat,
        reporter_phone=PHONE,
        external_id="12345-0002",
        now=t0,
    )
    assert second.case != first.case

    location = find(client, first.case.number, PHONE)["Location"]

    token = location.rstrip("/").rsplit("/", 1)[1]
    issued = CitizenReport.objects.get(token=token)
    assert issued.intake_report.case == first.case
    page = client.get(location).content.decode()
    assert first.case.number in page and second.case.number not in page
    assert not CitizenReport.objects.filter(intake_report=second.report).exists()


def test_five_misses_from_one_address_are_refused_for_fifteen_minutes(
    small_city, t0, clock, client
):
    call = hotline_call(t0)
    for i in range(5):
        assert find(client, f"NB20990101{i:05d}", PHONE).status_code == 404

    # The sixth try is refused before looking, even with the right number and phone.
    refused = find(client, call.case.number, PHONE)

    assert refused.status_code == 429
    assert TOO_MANY in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    assert not CitizenReport.objects.exists()
    # Another address is not affected; this one is let in again once the misses are old.
    assert find(client, call.case.number, PHONE, ip="10.9.0.2").status_code == 302
    clock.move_to(t0 + timedelta(minutes=15, seconds=1), tick=False)
    assert find(client, call.case.number, PHONE).status_code == 302


def test_five_misses_on_one_case_number_are_refused_from_any_address(small_city, t0, clock, client):
    call = hotline_call(t0)
    for i in range(5):
        assert (
            find(client, call.case.number, f"1390000{i:04d}", ip=f"10.8.0.{i}").status_code == 404
        )

    refused = find(client, call.case.number, PHONE, ip="10.7.0.1")

    assert refused.status_code == 429
    assert TOO_MANY in refused.content.decode()
    # The refusal cost that address nothing: it still has all its tries for other numbers.
    for i in range(4):
        assert find(client, f"NB20990101{i:05d}", PHONE, ip="10.7.0.1").status_code == 404
    assert find(client, "NB2099010100009", PHONE, ip="10.7.0.1").status_code == 404


def test_finding_a_case_uses_no_try(small_city, t0, clock, client):
    call = hotline_call(t0)
    for _ in range(4):
        assert find(client, "NB2099010100001", PHONE).status_code == 404
    for _ in range(3):
        assert find(client, call.case.number, PHONE).status_code == 302
    assert find(client, "NB2099010100001", PHONE).status_code == 404  # the fifth miss
    assert find(client, call.case.number, PHONE).status_code == 429


def test_the_form_is_csrf_protected_and_linked_from_the_start_page(small_city):
    browser = Client(enforce_csrf_checks=True)

    home = browser.get("/en/citizen/").content.decode()
    assert 'href="/en/citizen/find/"' in home

    page = browser.get(FIND_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="number"' in html and 'type="tel"' in html
    assert page["Cache-Control"] == "private, no-store"
    forged = browser.post(FIND_URL, {"number": "NB2026112300001", "phone": PHONE})
    assert forged.status_code == 403


def test_the_form_is_in_chinese_by_default(small_city):
    page = Client().get("/citizen/find/")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "zh-hans"
