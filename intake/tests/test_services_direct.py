"""The intake row of a case staff reported directly (直接上报), made on first need."""

from __future__ import annotations

import pytest

from intake import services
from intake.models import IntakeReport, Outcome

pytestmark = pytest.mark.django_db


def test_a_case_reported_directly_gets_one_intake_row_from_what_it_says(flow, staff, t0):
    case = flow.reported(reporter_name="Ms Li", reporter_phone="13900000009", address="No. 12")

    own = services.own_report(case=case)

    assert (own.case, own.duplicate_of, own.outcome) == (case, None, Outcome.CREATED)
    assert (own.source, own.description, own.grid, own.address) == (
        case.source,
        case.description,
        case.grid,
        "No. 12",
    )
    assert (own.reporter_name, own.reporter_phone) == ("Ms Li", "13900000009")
    assert (own.received_at, own.received_by) == (t0, staff["alpha_inspector"])
    assert own.payload == {"from_case": case.number}
    assert services.own_report(case=case) == own  # made once
    assert IntakeReport.objects.count() == 1


def test_a_case_opened_through_intake_keeps_the_report_that_opened_it(receive):
    first = receive(reporter_phone="13800000001")

    assert services.own_report(case=first.case) == first.report
    assert IntakeReport.objects.count() == 1


def test_a_case_merged_away_gets_no_second_row(flow, staff, receive, t0):
    manual = flow.reported(reporter_phone="13900000009")
    target = receive(description="污水井盖坏了").case
    services.case_merge(case=manual, into=target, actor=staff["shift_leader"], now=t0)

    assert services.own_report(case=manual) is None
    assert IntakeReport.objects.filter(reporter_phone="13900000009").count() == 1
