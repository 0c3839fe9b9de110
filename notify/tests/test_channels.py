"""The SMS sink and email channels, and the channel registry."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail

from notify import services
from notify.channels import DEFAULT_CHANNELS, get_channel
from notify.channels.base import Channel, ChannelError
from notify.channels.email import EmailChannel
from notify.channels.sms_sink import SmsSinkChannel
from notify.channels.webhook import WebhookChannel
from notify.models import MessageStatus, SmsSinkMessage
from notify.tests.conftest import PHONE


def test_the_registry_maps_every_kind_to_a_channel_of_that_kind():
    for kind in DEFAULT_CHANNELS:
        channel = get_channel(kind)
        assert isinstance(channel, Channel) and channel.kind == kind
    assert isinstance(get_channel("sms"), SmsSinkChannel)
    assert isinstance(get_channel("email"), EmailChannel)
    assert isinstance(get_channel("webhook"), WebhookChannel)
    with pytest.raises(ChannelError) as err:
        get_channel("pager")
    assert err.value.retryable is False


def test_a_setting_replaces_one_channel(settings):
    settings.NOTIFY_CHANNELS = {"sms": "notify.tests.fakes.CrashingChannel"}
    assert type(get_channel("sms")).__name__ == "CrashingChannel"
    assert isinstance(get_channel("email"), EmailChannel)


@pytest.mark.django_db
def test_the_sms_sink_keeps_what_would_be_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(kind="sms", to=PHONE, subject="s", body="短" * 70)
    sink = SmsSinkMessage.objects.get(outbox=message)
    assert (sink.to, sink.sender, sink.body) == (PHONE, "Testcity", "短" * 70)
    # 【Testcity】 + 70 characters is over one SMS: two parts of at most 67.
    assert sink.segments == 2
    sink.body = "short"
    assert sink.segments == 1


@pytest.mark.django_db
def test_email_goes_through_django_mail(django_capture_on_commit_callbacks, settings):
    settings.DEFAULT_FROM_EMAIL = "noreply@cityops.example"
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(
            kind="email", to="citizen@example.org", subject="Case filed", body="Thank you"
        )
    [email] = mail.outbox
    assert (email.subject, email.body, email.to, email.from_email) == (
        "Case filed",
        "Thank you",
        ["citizen@example.org"],
        "noreply@cityops.example",
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")}), "dead"),
        (smtplib.SMTPServerDisconnected("gone"), "failed"),
        (ConnectionRefusedError("port 25 closed"), "failed"),
    ],
)
def test_mail_server_errors_decide_retry_or_give_up(
    monkeypatch, error, outcome, django_capture_on_commit_callbacks
):
    def broken_send_mail(**kwargs):
        raise error

    monkeypatch.setattr("notify.channels.email.send_mail", broken_send_mail)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(kind="email", to="x@example.org", subject="s", body="b")
    message.refresh_from_db()
    assert message.status == outcome


@pytest.mark.django_db
def test_a_mail_file_directory_that_cannot_be_made_keeps_the_message_for_retry(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """The embedded profile writes emails under var/mail/ (file backend); when that path is
    unusable the message fails with the reason and stays for retry, it is not lost."""
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the directory should be")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = blocker
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(kind="email", to="x@example.org", subject="s", body="b")
    message.refresh_from_db()
    assert message.status == "failed"
    assert "Mail backend misconfigured" in message.last_error
