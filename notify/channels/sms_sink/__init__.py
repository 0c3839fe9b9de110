"""SMS sink (短信沙箱): stores what would be sent, for the admin and the tests.

The default SMS channel until a city connects a real gateway (see ``NOTIFY_CHANNELS``); the
sender signature 【...】 comes from ``settings.NOTIFY_SMS_SENDER``.
"""

from __future__ import annotations

from django.conf import settings

from notify.channels.base import Channel, SendResult
from notify.models import OutboxMessage, SmsSinkMessage


class SmsSinkChannel(Channel):
    kind = "sms"

    def send(self, message: OutboxMessage) -> SendResult:
        row = SmsSinkMessage.objects.create(
            outbox=message,
            sender=getattr(settings, "NOTIFY_SMS_SENDER", ""),
            to=message.to,
            body=message.body,
        )
        return SendResult(reference=f"sink:{row.pk}")
