"""Channel registry: message kind -> Channel class.

The defaults below can be replaced per kind with ``settings.NOTIFY_CHANNELS`` (dotted paths), e.g.
a real SMS gateway instead of the sink: ``NOTIFY_CHANNELS = {"sms": "myorg.sms.AliyunChannel"}``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from notify.channels.base import Channel, ChannelError, SendResult

DEFAULT_CHANNELS: dict[str, str] = {
    "sms": "notify.channels.sms_sink.SmsSinkChannel",
    "email": "notify.channels.email.EmailChannel",
    "webhook": "notify.channels.webhook.WebhookChannel",
}

__all__ = ["Channel", "ChannelError", "SendResult", "DEFAULT_CHANNELS", "get_channel"]


def get_channel(kind: str) -> Channel:
    """The channel that sends ``kind`` messages, or a non-retryable ChannelError."""
    paths = {**DEFAULT_CHANNELS, **getattr(settings, "NOTIFY_CHANNELS", {})}
    path = paths.get(kind)
    if not path:
        raise ChannelError(f"No channel is configured for {kind!r} messages.", retryable=False)
    try:
        channel_class = import_string(path)
    except ImportError as exc:
        raise ChannelError(
            f"Channel {path!r} for {kind!r} messages cannot be imported: {exc}", retryable=False
        ) from exc
    return channel_class()
