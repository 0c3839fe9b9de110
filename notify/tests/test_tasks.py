"""The huey tasks are thin wrappers; the retry job also runs as a management command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from core.testing import huey_immediate
from notify import services, tasks
from notify.models import MessageStatus, OutboxMessage, SmsSinkMessage
from notify.tests.conftest import PHONE, T0


def queued_sms(body: str = "hello") -> OutboxMessage:
    """A message left queued (its after-commit delivery never ran)."""
    return services.enqueue(kind="sms", to=PHONE, subject="s", body=body)


@pytest.mark.django_db
def test_enqueue_through_the_queue_delivers(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "_use_queue", lambda: True)
    with huey_immediate(), django_capture_on_commit_callbacks(execute=True):
        message = queued_sms()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert SmsSinkMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_deliver_task_sends_one_message():
    message = queued_sms()
    with huey_immediate():
        tasks.deliver_outbox(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.django_db
def test_the_periodic_job_sends_what_is_due():
    with time_machine.travel(T0, tick=False) as clock:
        message = queued_sms()
        clock.shift(timedelta(minutes=1))
        with huey_immediate():
            tasks.retry_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_the_retry_job_runs_every_minute():
    from datetime import datetime

    job = tasks.retry_due.s()
    assert all(job.validate_datetime(datetime(2026, 11, 23, 9, minute)) for minute in (0, 1, 59))


@pytest.mark.django_db
def test_the_command_sends_what_is_due():
    queued_sms("one")
    queued_sms("two")
    out = StringIO()
    call_command("notify_retry", stdout=out)
    assert out.getvalue().strip() == "2 message(s) attempted"
    assert SmsSinkMessage.objects.count() == 2
