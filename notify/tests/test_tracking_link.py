"""The reporter's SMS carries their tracking link: PUBLIC_BASE_URL + /citizen/t/<token>/.

The token is that reporter's own (portal.tracking): it opens their case and no other, is issued
for a 12345 call the first time it is needed, and a portal reporter gets the one they already have.
A case staff reported directly (直接上报) with the reporter's phone gets its intake report and token
the same way, the first time its reporter is sent a message.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import clear_url_caches

from cases import services as case_services
from cases.states import CaseStatus, SourceChannel
from cases.tests.api_client import as_user, ok
from cityops import checks
from intake import services as intake_services
from intake.models import IntakeReport
from notify.models import OutboxMessage, SmsSinkMessage
from notify.tests.conftest import PHONE
from portal.models import CitizenReport, Satisfaction
from portal.tests.conftest import ALPHA_1, Desk, send

pytestmark = pytest.mark.django_db

BASE = "https://city.example.cn"
FILED_ZH = "您反映的问题已立案，案件编号 {number}，我们将尽快处理。"
CLOSED_ZH = "您反映的问题（{number}）已处理完毕，欢迎评价。"
SEGMENT = 67  # characters of one part of a split Chinese SMS (70 for a single one)


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PUBLIC_BASE_URL = BASE + "/"  # a trailing slash is not doubled


@pytest.fixture
def desk(staff, standard, roads) -> Desk:
    return Desk(staff=staff, standard=standard, roads=roads)


def hotline_call(t0, *, phone: str = "138 0013 8000", ticket: str = "12345-0001", lon_shift=0.0):
    lon, lat = ALPHA_1
    return intake_services.receive_report(
        source=SourceChannel.HOTLINE_12345,
        description="Caller says the drain is blocked",
        lon=lon + lon_shift,
        lat=lat,
        reporter_phone=phone,
        external_id=ticket,
        now=t0,
    )


def link_of(report: CitizenReport) -> str:
    return f"{BASE}/citizen/t/{report.token}/"


def test_the_filing_sms_of_a_hotline_caller_ends_with_their_tracking_link(
    small_city, t0, desk, django_capture_on_commit_callbacks
):
    call = hotline_call(t0)
    with django_capture_on_commit_callbacks(execute=True):
        desk.file(call.case, t0)

    sms = SmsSinkMessage.objects.get()
    issued = CitizenReport.objects.get(intake_report=call.report)
    assert sms.to == "138 0013 8000"  # as the call centre typed it
    assert sms.body.startswith(FILED_ZH.format(number=call.case.number))
    assert sms.body.endswith(" " + link_of(issued))  # last, so phones make it tappable
    assert issued.phone == PHONE


@pytest.fixture
def english_platform(settings):
    """English as the platform language. URL reversing caches the language prefix per language,
    so the caches are dropped on the way in and out (a site never changes it while running)."""
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()
    yield
    clear_url_caches()


def test_the_whole_text_in_english(
    small_city, t0, desk, english_platform, django_capture_on_commit_callbacks
):
    call = hotline_call(t0)
    with django_capture_on_commit_callbacks(execute=True):
        desk.file(call.case, t0)

    issued = CitizenReport.objects.get(intake_report=call.report)
    assert SmsSinkMessage.objects.get().body == (
        f"Your report has been filed as case {call.case.number}. We will handle it as soon as "
        f"possible. Details: {link_of(issued)}"  # the platform language has no /en/ prefix
    )


def test_the_closing_sms_links_to_the_page_where_the_case_is_rated(
    small_city, t0, desk, django_capture_on_commit_callbacks
):
    call = hotline_call(t0)
    with django_capture_on_commit_callbacks(execute=True):
        desk.close(call.case, t0 + timedelta(hours=4), start=t0)

    closing = SmsSinkMessage.objects.get(body__startswith=CLOSED_ZH.format(number=call.case.number))
    filing = SmsSinkMessage.objects.exclude(pk=closing.pk).get()
    link = closing.body.rsplit(" ", 1)[1]
    assert filing.body.endswith(link)  # one token per report, in every message
    page = Client().get(link.removeprefix(BASE))
    assert page.status_code == 200
    html = page.content.decode()
    assert call.case.number in html and 'id="rate-form"' in html


def test_a_portal_reporter_gets_the_link_they_already_have(
    small_city, t0, desk, django_capture_on_commit_callbacks
):
    receipt = send(reporter_phone=PHONE, now=t0)
    with django_capture_on_commit_callbacks(execute=True):
        desk.file(receipt.case, t0)

    assert SmsSinkMessage.objects.get().body.endswith(link_of(receipt.report))
    assert CitizenReport.objects.count() == 1


def test_each_reporter_gets_a_link_to_their_own_report_only(
    small_city, t0, desk, django_capture_on_commit_callbacks
):
    first = hotline_call(t0, phone="+86 138-0013-8000")
    # A second caller about the same drain: attached to the open case as a duplicate.
    second = hotline_call(t0, phone="13900001111", ticket="12345-0002")
    assert second.case == first.case and second.duplicate_of == first.case
    # The first caller also reported something else: that case must not open from this SMS.
    other = hotline_call(t0, ticket="12345-0003", lon_shift=0.01)
    assert other.case != first.case
    with django_capture_on_commit_callbacks(execute=True):
        desk.file(first.case, t0)

    bodies = dict(SmsSinkMessage.objects.values_list("to", "body"))
    assert set(bodies) == {"+86 138-0013-8000", "13900001111"}
    for to, report in (("+86 138-0013-8000", first.report), ("13900001111", second.report)):
        issued = CitizenReport.objects.get(intake_report=report)
        assert bodies[to].endswith(link_of(issued))
    assert not CitizenReport.objects.filter(intake_report=other.report).exists()


def test_the_filing_sms_with_its_link_fits_two_segments(
    small_city, t0, desk, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # the default; a real host is similar
    call = hotline_call(t0)
    with django_capture_on_commit_callbacks(execute=True):
        desk.file(call.case, t0)
    assert len(SmsSinkMessage.objects.get().body) <= 2 * SEGMENT


def test_a_case_staff_reported_with_a_phone_links_its_reporter_to_the_case(
    flow, staff, time_machine, django_capture_on_commit_callbacks
):
    # Staff typed a caller's phone on a case reported directly (直接上报), not through intake.
    with django_capture_on_commit_callbacks(execute=True):
        case, _task = flow.check_passed(reporter_phone=PHONE)
    filing = SmsSinkMessage.objects.get()
    link = filing.body.rsplit(" ", 1)[1]
    assert filing.body.startswith(FILED_ZH.format(number=case.number))
    own = IntakeReport.objects.get(case=case)  # the case's one intake, made for the link
    assert (own.reporter_phone, own.duplicate_of, own.received_at) == (PHONE, None, flow.t0)
    assert link == link_of(CitizenReport.objects.get(intake_report=own))

    browser = Client()  # anonymous: the link is the only key
    page = browser.get(link.removeprefix(BASE))
    assert page.status_code == 200
    assert case.number in page.content.decode()
    assert 'id="rate-form"' not in page.content.decode()  # not closed yet

    closed_at = flow.t0 + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_close(case=case, actor=staff["shift_leader"], now=closed_at)
    closing = SmsSinkMessage.objects.exclude(pk=filing.pk).get()
    assert closing.body.startswith(CLOSED_ZH.format(number=case.number))
    assert closing.body.endswith(" " + link)  # the same link
    assert IntakeReport.objects.filter(case=case).count() == 1

    time_machine.move_to(closed_at + timedelta(hours=1), tick=False)
    path = link.removeprefix(BASE)
    assert 'id="rate-form"' in browser.get(path).content.decode()
    rated = browser.post(path + "rate/", {"rating": "5", "comment": "Quick"})
    assert rated.status_code == 302 and rated["Location"] == path + "?rated=1"
    assert Satisfaction.objects.get(case=case).rating == 5


def test_a_case_reported_through_the_cases_api_gets_the_link(
    flow, staff, django_capture_on_commit_callbacks
):
    desk = as_user(staff["shift_leader"])
    body = {
        "source": "hotline_12345",
        "description": "Caller says the drain outside No. 3 is blocked",
        "grid": flow.grid.code,
        "reporter_name": "Ms Li",
        "reporter_phone": "138 0013 8000",
    }
    number = ok(desk.post("/cases", body), 201)["number"]
    ok(as_user(staff["alpha_inspector"]).post(f"/cases/{number}/verify", {}))
    with django_capture_on_commit_callbacks(execute=True):
        ok(desk.post(f"/cases/{number}/file", {"standard": flow.standard.code}))

    sms = SmsSinkMessage.objects.get()
    assert sms.to == "138 0013 8000"
    link = sms.body.rsplit(" ", 1)[1]
    assert link.startswith(f"{BASE}/citizen/t/")
    page = Client().get(link.removeprefix(BASE))
    assert page.status_code == 200 and number in page.content.decode()
    assert CitizenReport.objects.get().phone == PHONE  # compared by the whole number


def test_a_case_staff_reported_without_a_phone_sends_no_sms_and_issues_no_link(
    flow, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, _task = flow.check_passed()
        case_services.case_close(
            case=case, actor=staff["shift_leader"], now=flow.t0 + timedelta(hours=3)
        )
    assert case.status == CaseStatus.CLOSED
    assert not OutboxMessage.objects.exists()
    assert IntakeReport.objects.count() == 1 and not CitizenReport.objects.exists()


def test_an_email_only_reporter_gets_no_link(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed(reporter_email="citizen@example.org")
    assert OutboxMessage.objects.get().body == FILED_ZH.format(number=case.number)
    assert IntakeReport.objects.count() == 1 and not CitizenReport.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["127.0.0.1:8000", "ftp://city.example.cn", "https://", "https://x.cn/?a=1", "http://[::1"],
)
def test_a_public_base_url_that_is_not_http_is_e006(url):
    with override_settings(PUBLIC_BASE_URL=url):
        assert [m.id for m in checks.check_public_base_url()] == ["cityops.E006"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "https://city.example.cn/cityops/"])
def test_an_http_public_base_url_passes(url):
    with override_settings(PUBLIC_BASE_URL=url):
        assert checks.check_public_base_url() == []
