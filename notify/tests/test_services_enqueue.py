"""enqueue: the row is written in the caller's transaction and sent only after it commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.errors import ValidationFailed
from notify import services, tasks
from notify.models import MessageStatus, OutboxMessage, SmsSinkMessage
from notify.tests.conftest import PHONE


def sms(**kwargs) -> OutboxMessage:
    kwargs.setdefault("kind", "sms")
    kwargs.setdefault("to", PHONE)
    kwargs.setdefault("subject", "Test")
    kwargs.setdefault("body", "Road closed tomorrow")
    return services.enqueue(**kwargs)


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_message_is_queued_in_the_transaction_and_sent_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = sms()
        assert message.status == MessageStatus.QUEUED
        assert SmsSinkMessage.objects.count() == 0  # nothing leaves before commit
    assert len(callbacks) == 1
    callbacks[0]()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.sent_at is not None and message.next_attempt_at is None
    sink = SmsSinkMessage.objects.get()
    assert (sink.to, sink.body, sink.sender, sink.outbox) == (
        PHONE,
        "Road closed tomorrow",
        "Testcity",
        message,
    )
    assert message.result == f"sink:{sink.pk}"


@pytest.mark.django_db
def test_a_rolled_back_transaction_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom):
            with transaction.atomic():
                sms()
                raise Boom
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert SmsSinkMessage.objects.count() == 0


@pytest.mark.django_db
def test_the_same_dedupe_key_twice_is_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = sms(dedupe_key="case:1:file:sms")
        second = sms(dedupe_key="case:1:file:sms", body="a different text")
    assert second.pk == first.pk
    assert len(callbacks) == 1
    assert list(SmsSinkMessage.objects.values_list("body", flat=True)) == ["Road closed tomorrow"]
    # Without a key, the same text twice is two messages.
    with django_capture_on_commit_callbacks(execute=True):
        sms()
        sms()
    assert OutboxMessage.objects.count() == 3


@pytest.mark.django_db
def test_dedupe_survives_losing_the_insert_race(monkeypatch):
    """Two transactions read "no such key", both insert: the loser gets the winner's row and
    its own transaction stays usable (savepoint)."""
    winner = sms(dedupe_key="race")
    real_filter = OutboxMessage.objects.filter
    reads = []

    def stale_first_read(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        if kwargs.get("dedupe_key") == "race" and not reads:
            reads.append(1)
            return qs.none()  # as if the winner had not committed yet when we looked
        return qs

    monkeypatch.setattr(OutboxMessage.objects, "filter", stale_first_read)
    with transaction.atomic():
        loser = sms(dedupe_key="race")
        assert OutboxMessage.objects.count() == 1  # the transaction is still usable
    assert loser.pk == winner.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "fax"}, "kind"),
        ({"to": "call me"}, "to"),
        ({"to": "123"}, "to"),
        ({"kind": "email", "to": "not-an-address"}, "to"),
        ({"kind": "webhook", "to": "ftp://example.org/hook"}, "to"),
        ({"kind": "webhook", "to": ""}, "to"),  # and no NOTIFY_WEBHOOK_URL
        ({"body": "   "}, "body"),
        ({"subject": "x" * 201}, "subject"),
        ({"dedupe_key": ""}, "dedupe_key"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValidationFailed) as err:
        sms(**kwargs)
    assert err.value.details == {"field": field}
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "to"),
    [
        ("sms", "+86 138-0013-8000"),
        ("sms", "0574-87654321"),
        ("email", "citizen@example.org"),
        ("webhook", "https://hooks.example.org/cityops"),
    ],
)
def test_good_recipients_are_accepted(kind, to):
    assert sms(kind=kind, to=to).to == to


@pytest.mark.django_db
def test_webhook_without_to_uses_the_configured_url(settings):
    settings.NOTIFY_WEBHOOK_URL = "https://hooks.example.org/cityops"
    assert sms(kind="webhook", to="").to == ""


@pytest.mark.django_db
def test_with_a_queue_delivery_is_handed_to_huey_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(services, "_use_queue", lambda: True)
    monkeypatch.setattr(tasks, "deliver_outbox", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
        assert queued == []
    assert queued == [message.pk]
    assert SmsSinkMessage.objects.count() == 0  # the worker sends, not this thread


@pytest.mark.django_db
def test_queue_down_leaves_the_message_due_for_the_retry_job(
    monkeypatch, django_capture_on_commit_callbacks
):
    def redis_away(message_id):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(services, "_use_queue", lambda: True)
    monkeypatch.setattr(tasks, "deliver_outbox", redis_away)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms()
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert services.retry_due() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
