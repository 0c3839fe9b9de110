"""The inspector's phone report (监督员上报) is a channel like the others: through intake it is
placed, deduplicated and recorded (受理记录)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from cases.models import Case, Evidence
from cases.states import CaseStatus
from cases.tests.conftest import local, photo
from intake.models import IntakeReport, Outcome

REPORT = "/en/intake/m/report/"
ALPHA_1 = (121.505, 29.865)  # inside grid 330203001001001 (street Alpha)
GAMMA_1 = (121.465, 29.865)  # inside grid 330205001001001 (street Gamma, district West)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(local(23, 10), tick=False):
        yield


def send(client, **fields):
    data = {"description": "Broken street light", "photos": [photo("light.jpg")], **fields}
    return client.post(REPORT, data)


def test_the_page_has_moved_to_intake_and_the_old_address_follows():
    assert reverse("intake:inspector_report") == REPORT


def test_the_old_address_redirects(client, staff):
    client.force_login(staff["alpha_inspector"])
    response = client.get("/en/cases/m/report/")
    assert (response.status_code, response["Location"]) == (302, REPORT)


def test_report_with_photo_and_location(client, staff, grid):
    client.force_login(staff["alpha_inspector"])
    page = client.get(REPORT).content.decode()
    assert 'capture="environment"' in page and 'id="report-map"' in page
    lon, lat = ALPHA_1
    response = send(client, address="Alpha Rd 3", lon=lon, lat=lat)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case", args=[case.number])
    assert (case.status, case.source, case.grid) == (CaseStatus.REPORTED, "inspector", grid)
    assert (case.lon, case.lat, case.reported_by) == (lon, lat, staff["alpha_inspector"])
    assert case.evidence.get().kind == "before"
    report = IntakeReport.objects.get()
    assert (report.case, report.outcome, report.source) == (case, Outcome.CREATED, "inspector")
    assert report.received_by == staff["alpha_inspector"]


def test_the_same_problem_reported_again_joins_the_open_case(client, staff, grid, manhole):
    """A citizen reported the cover an hour ago; the inspector's report and photo join that case."""
    client.force_login(staff["alpha_inspector"])
    lon, lat = ALPHA_1
    send(client, lon=lon, lat=lat, category=manhole.pk, description="井盖缺失")
    response = send(client, lon=lon + 0.0001, lat=lat, category=manhole.pk, description="井盖没了")
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:case", args=[case.number])
    assert Evidence.objects.filter(case=case).count() == 2
    outcomes = sorted(IntakeReport.objects.values_list("outcome", flat=True))
    assert outcomes == [Outcome.CREATED, Outcome.DUPLICATE]
    followed = client.get(response["Location"]).content.decode()
    assert "your report and photo were added to it" in followed


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ((None, None), "Give the location: allow the phone&#x27;s location or tap the map"),
        ((100.0, 10.0), "lies outside every unit grid; move the pin onto your area"),
        (GAMMA_1, "You may not report in 330205001001001: it lies outside your area scope."),
    ],
)
def test_report_refusals_are_shown_on_the_form(client, staff, where, message):
    client.force_login(staff["alpha_inspector"])
    data = {}
    if where[0] is not None:
        data = {"lon": where[0], "lat": where[1]}
    response = send(client, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists() and not IntakeReport.objects.exists()


def test_only_inspectors_report_here(client, staff):
    client.force_login(staff["alpha_disposer"])
    response = send(client, lon=ALPHA_1[0], lat=ALPHA_1[1])
    assert response.status_code == 302 and not Case.objects.exists()


def test_a_report_sent_twice_with_its_key_is_one_report(client, staff, grid):
    """The phone's outbox retries after the signal returns; the key made when the form opened
    makes the second send the first answer, not a second case or a second intake row."""
    client.force_login(staff["alpha_inspector"])
    lon, lat = ALPHA_1
    key = "3f2b8c1e-9a4d-4c55-8e0f-0123456789ab"
    first = send(client, lon=lon, lat=lat, client_key=key, description="Street light out")
    again = send(client, lon=lon, lat=lat, client_key=key, description="Street light out")
    case = Case.objects.get()
    assert first["Location"] == again["Location"] == reverse("cases:case", args=[case.number])
    assert IntakeReport.objects.count() == 1 and case.evidence.count() == 1
    page = client.get(again["Location"]).content.decode()
    assert "already received" in page
    # Another key (another report) on another problem is another case.
    send(client, lon=lon, lat=lat, client_key="aaaaaaaa-0000-4000-8000-000000000000",
         description="Bin overflowing far away", category="")  # fmt: skip
    assert IntakeReport.objects.count() == 2


def test_a_malformed_key_is_refused_by_the_form(client, staff, grid):
    client.force_login(staff["alpha_inspector"])
    lon, lat = ALPHA_1
    response = send(client, lon=lon, lat=lat, client_key="'; drop table")
    assert response.status_code == 200 and not Case.objects.exists()
