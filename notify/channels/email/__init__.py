"""Email channel (邮件) through Django's ``send_mail`` and the configured EMAIL_BACKEND."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail

from notify.channels.base import Channel, ChannelError, SendResult
from notify.models import OutboxMessage


class EmailChannel(Channel):
    kind = "email"

    def send(self, message: OutboxMessage) -> SendResult:
        try:
            count = send_mail(
                subject=message.subject,
                message=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[message.to],
                fail_silently=False,
            )
        except smtplib.SMTPRecipientsRefused as exc:
            # The server will never take this address: retrying only delays the "dead" verdict.
            raise ChannelError(f"Recipient refused: {exc.recipients}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"Mail server error: {exc}", retryable=True) from exc
        except ImproperlyConfigured as exc:
            # e.g. the file backend (embedded profile, var/mail/) cannot create its directory:
            # kept for retry, so the message goes out once an operator fixes the setting.
            raise ChannelError(f"Mail backend misconfigured: {exc}", retryable=True) from exc
        if count != 1:
            raise ChannelError("The mail backend accepted no message.", retryable=True)
        return SendResult(reference="email:accepted")
