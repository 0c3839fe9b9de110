"""The reporter is told when their case is filed (立案) and when it is closed (结案)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core import mail

from cases import services as case_services
from cases.states import CaseAction, CaseStatus
from notify import receivers
from notify.models import MessageKind, MessageStatus, OutboxMessage, SmsSinkMessage
from notify.receivers import Recipient, case_recipients
from notify.tests.conftest import PHONE
from portal.models import CitizenReport


def test_filing_a_case_puts_the_reporter_sms_in_the_sink(
    flow, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://city.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed(reporter_phone=PHONE)
    sink = SmsSinkMessage.objects.get()
    assert sink.to == PHONE and sink.sender == "Testcity"
    # zh-Hans is the platform language: the citizen reads Chinese whatever the operator uses.
    # Staff typed the phone on the case (直接上报): the reporter gets a tracking link all the same.
    token = CitizenReport.objects.get(intake_report__case=case).token
    assert sink.body == (
        f"您反映的问题已立案，案件编号 {case.number}，我们将尽快处理。 "
        f"详情： https://city.example.cn/citizen/t/{token}/"
    )
    message = sink.outbox
    assert (message.case, message.kind, message.status) == (case, "sms", MessageStatus.SENT)
    assert message.subject == f"案件 {case.number} 已立案"
    assert message.dedupe_key == f"case:{case.pk}:file:sms:{PHONE}"


def test_closing_a_case_tells_the_reporter_it_is_done(
    flow, staff, django_capture_on_commit_callbacks
):
    case, _task = flow.check_passed(reporter_phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_close(
            case=case, actor=staff["shift_leader"], now=flow.t0 + timedelta(hours=3)
        )
    assert case.status == CaseStatus.CLOSED
    sink = SmsSinkMessage.objects.get()
    assert sink.body.startswith(f"您反映的问题（{case.number}）已处理完毕，欢迎评价。 详情： ")


def test_messages_follow_the_platform_language_setting(
    flow, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed(reporter_phone=PHONE)
    assert SmsSinkMessage.objects.get().body.startswith(
        f"Your report has been filed as case {case.number}. We will handle it as soon as possible."
        " Details: "
    )


def test_only_filing_and_closing_tell_the_reporter(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _task = flow.disposed(reporter_phone=PHONE)  # file, dispatch, accept, dispose
    [message] = OutboxMessage.objects.all()
    assert message.subject == f"案件 {case.number} 已立案"


def test_a_reporter_without_phone_is_told_by_email(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed(reporter_email="citizen@example.org")
    assert SmsSinkMessage.objects.count() == 0
    [email] = mail.outbox
    assert email.to == ["citizen@example.org"] and case.number in email.subject
    assert OutboxMessage.objects.get().kind == MessageKind.EMAIL


def test_an_anonymous_report_tells_nobody(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flow.filed()
    assert OutboxMessage.objects.count() == 0


def test_a_mistyped_phone_is_logged_and_the_case_still_filed(
    flow, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.WARNING, logger="notify.receivers"):
        with django_capture_on_commit_callbacks(execute=True):
            case = flow.filed(reporter_phone="call after 6")
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    assert OutboxMessage.objects.count() == 0
    assert "call after 6" in caplog.text and case.number in caplog.text


def test_the_reporter_is_told_once_per_move(flow, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = flow.filed(reporter_phone=PHONE)
        receivers.on_case_filed(case=case, event=None)  # e.g. a hook run again by a retry
    assert SmsSinkMessage.objects.count() == 1


def test_case_recipients_is_the_reporter(flow):
    case = flow.reported(reporter_phone=f" {PHONE} ", reporter_email="a@example.org")
    assert case_recipients(case) == [Recipient(kind="sms", to=PHONE)]


def test_the_receivers_are_subscribed_at_start():
    from cases import hooks

    assert receivers.on_case_filed in hooks._subscribers[CaseAction.FILE]
    assert receivers.on_case_closed in hooks._subscribers[CaseAction.CLOSE]
