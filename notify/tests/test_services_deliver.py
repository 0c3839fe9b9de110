"""deliver / retry_due / retry_now: retries with backoff (1m, 5m, 30m, 2h), then dead; a
failing channel never rolls back the case; one message is never sent twice at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from cases.states import CaseStatus
from notify import services
from notify.models import MessageStatus, OutboxMessage, SmsSinkMessage
from notify.tests import fakes
from notify.tests.conftest import PHONE, T0


def sms(**kwargs) -> OutboxMessage:
    return services.enqueue(kind="sms", to=PHONE, subject="s", body="hello", **kwargs)


def test_a_failing_channel_never_rolls_back_the_case(
    flow, failing_sms, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            case = flow.filed(reporter_phone=PHONE)
    case.refresh_from_db()
    assert case.status == CaseStatus.FILED
    message = OutboxMessage.objects.get(case=case)
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert message.next_attempt_at == T0 + timedelta(minutes=1)
    assert message.last_error == "SMS gateway timed out"
    assert SmsSinkMessage.objects.count() == 0


@pytest.mark.django_db
def test_retries_back_off_then_the_message_is_dead(failing_sms, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            message = sms()
        waits = []
        last_attempt = T0
        for _ in range(services.MAX_ATTEMPTS - 1):
            message.refresh_from_db()
            assert message.status == MessageStatus.FAILED
            due = message.next_attempt_at
            waits.append(due - last_attempt)
            clock.move_to(due - timedelta(seconds=1))
            assert services.retry_due() == 0  # not due yet: backing off
            clock.move_to(due)
            assert services.retry_due() == 1
            last_attempt = due
        message.refresh_from_db()
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]
    assert message.status == MessageStatus.DEAD
    assert message.attempts == services.MAX_ATTEMPTS == 5
    assert message.next_attempt_at is None
    assert failing_sms.calls == 5
    with time_machine.travel(T0 + timedelta(days=1)):
        assert services.retry_due() == 0  # the dead stay dead until someone retries them


@pytest.mark.django_db
def test_a_message_that_fails_twice_is_sent_on_the_third_attempt(
    failing_sms, django_capture_on_commit_callbacks
):
    failing_sms.reset(failures=2)
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            message = sms()
        for wait in (timedelta(minutes=1), timedelta(minutes=5)):
            clock.shift(wait)
            services.retry_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 3)
    assert message.sent_at == T0 + timedelta(minutes=6)
    assert SmsSinkMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_non_retryable_failure_is_dead_at_once(failing_sms, django_capture_on_commit_callbacks):
    failing_sms.reset(failures=1, retryable=False)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (
        MessageStatus.DEAD,
        1,
        None,
    )


@pytest.mark.django_db
def test_a_crashing_channel_costs_a_retry_not_the_message(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = {"sms": "notify.tests.fakes.CrashingChannel"}
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "RuntimeError: unexpected gateway answer"


@pytest.mark.django_db
def test_an_unknown_channel_path_is_a_dead_message_with_the_reason(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = {"sms": "notify.tests.fakes.NoSuchChannel"}
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    assert "notify.tests.fakes.NoSuchChannel" in message.last_error


@pytest.mark.django_db
def test_delivering_twice_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
    again = services.deliver(message.pk)
    assert again.status == MessageStatus.SENT and again.attempts == 1
    assert SmsSinkMessage.objects.count() == 1
    assert services.deliver(10**9) is None  # a vanished row is logged, not raised


@pytest.mark.django_db
def test_a_second_worker_cannot_send_a_claimed_message(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = {"sms": "notify.tests.fakes.ReentrantChannel"}
    fakes.ReentrantChannel.second_worker_saw = []
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
    [seen] = fakes.ReentrantChannel.second_worker_saw
    assert (seen.pk, seen.status, seen.attempts) == (message.pk, MessageStatus.QUEUED, 1)
    assert SmsSinkMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_send_cut_short_by_a_dying_worker_is_retried_after_the_lease(settings):
    settings.NOTIFY_CHANNELS = {"sms": "notify.tests.fakes.DyingChannel"}
    with time_machine.travel(T0, tick=False) as clock:
        message = sms()  # no commit callbacks here: the "worker" below picks it up
        with pytest.raises(fakes.WorkerKilled):
            services.deliver(message.pk)
        settings.NOTIFY_CHANNELS = {}
        clock.shift(services.CLAIM_LEASE - timedelta(seconds=1))
        assert services.retry_due() == 0  # still hidden: the dead worker's claim holds
        clock.shift(timedelta(seconds=1))
        assert services.retry_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert SmsSinkMessage.objects.count() == 1


@pytest.mark.django_db
def test_retry_now_gives_a_dead_message_one_more_attempt(
    failing_sms, django_capture_on_commit_callbacks
):
    failing_sms.reset(failures=1, retryable=False)
    with django_capture_on_commit_callbacks(execute=True):
        dead = sms()
        waiting = services.enqueue(kind="sms", to=PHONE, subject="s", body="queued, untouched")
    OutboxMessage.objects.filter(pk=waiting.pk).update(status=MessageStatus.QUEUED, attempts=0)
    with django_capture_on_commit_callbacks(execute=True):
        count = services.retry_now(message_ids=[dead.pk, waiting.pk])
    assert count == 1
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (MessageStatus.SENT, 2)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (MessageStatus.QUEUED, 0)


@pytest.mark.django_db
def test_a_dead_message_retried_now_that_fails_again_is_dead_again(
    failing_sms, django_capture_on_commit_callbacks
):
    failing_sms.reset(failures=10, retryable=True)
    message = sms()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.DEAD, attempts=services.MAX_ATTEMPTS, next_attempt_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_now(message_ids=[message.pk])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.DEAD, services.MAX_ATTEMPTS + 1)


@pytest.mark.django_db
def test_retry_due_takes_the_longest_waiting_first_and_stops_at_the_limit():
    with time_machine.travel(T0, tick=False) as clock:
        older = sms()
        clock.shift(timedelta(seconds=30))
        newer = sms()
        clock.shift(timedelta(seconds=30))
        assert services.retry_due(limit=1) == 1
        older.refresh_from_db()
        newer.refresh_from_db()
    assert older.status == MessageStatus.SENT
    assert newer.status == MessageStatus.QUEUED
