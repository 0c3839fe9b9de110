"""Every reporter of a case — the first one and each duplicate — is told when it closes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import services as case_services
from cases.tests.conftest import photo
from intake.tests.conftest import ALPHA_LON, M_LON
from notify import services as notify_services
from notify.models import OutboxMessage
from notify.receivers import Recipient, case_recipients


@pytest.fixture(autouse=True)
def _inline_delivery(monkeypatch):
    monkeypatch.setattr(notify_services, "_use_queue", lambda: False)


@pytest.fixture
def reported(receive, manhole, t0):
    first = receive(source="inspector", category=manhole, reporter_phone="13800000001")
    receive(category=manhole, lon=ALPHA_LON + 5 * M_LON, reporter_phone="13800000002")
    receive(category=manhole, reporter_email="citizen@example.org")
    receive(category=manhole, reporter_phone="13800000001")  # the same person again
    receive(category=manhole)  # anonymous
    return first.case


def test_the_recipients_are_every_reporter_once(reported):
    assert case_recipients(reported) == [
        Recipient("sms", "13800000001"),
        Recipient("sms", "13800000002"),
        Recipient("email", "citizen@example.org"),
    ]


def test_closing_tells_every_reporter(
    reported, staff, standard, roads, t0, django_capture_on_commit_callbacks
):
    case = reported
    case_services.case_file(case=case, actor=staff["shift_leader"], standard=standard, now=t0)
    [task] = case_services.case_dispatch(
        case=case, actor=staff["city_dispatcher"], departments=[roads], now=t0
    )
    case_services.task_accept(task=task, actor=staff["roads_disposer"], now=t0)
    case_services.task_dispose(
        task=task, actor=staff["roads_disposer"], photos=[photo()], now=t0 + timedelta(hours=1)
    )
    case_services.case_check_pass(
        case=case, actor=staff["alpha_inspector"], now=t0 + timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_close(
            case=case, actor=staff["shift_leader"], now=t0 + timedelta(hours=3)
        )

    closing = OutboxMessage.objects.filter(dedupe_key__contains=":close:")
    assert sorted(closing.values_list("to", flat=True)) == [
        "13800000001",
        "13800000002",
        "citizen@example.org",
    ]
