"""In-process fake channels: the only fakes here stand in for the external SMS gateway."""

from __future__ import annotations

from notify.channels.base import Channel, ChannelError
from notify.channels.sms_sink import SmsSinkChannel


class FlakySmsChannel(Channel):
    """Fails ``failures`` times (``retryable`` decides the kind of failure), then sends to the sink."""

    kind = "sms"
    failures = 0
    retryable = True
    calls = 0

    @classmethod
    def reset(cls, *, failures: int, retryable: bool = True) -> None:
        cls.failures, cls.retryable, cls.calls = failures, retryable, 0

    def send(self, message):
        cls = type(self)
        cls.calls += 1
        if cls.calls <= cls.failures:
            raise ChannelError("SMS gateway timed out", retryable=cls.retryable)
        return SmsSinkChannel().send(message)


class CrashingChannel(Channel):
    """A channel with a bug: raises something that is not a ChannelError."""

    kind = "sms"

    def send(self, message):
        raise RuntimeError("unexpected gateway answer")


class WorkerKilled(BaseException):
    """The worker process dies mid-send (nothing after the claim runs)."""


class DyingChannel(Channel):
    kind = "sms"

    def send(self, message):
        raise WorkerKilled()


class ReentrantChannel(Channel):
    """While sending, a second worker tries to deliver the same message."""

    kind = "sms"
    second_worker_saw: list = []

    def send(self, message):
        from notify import services

        type(self).second_worker_saw.append(services.deliver(message.pk))
        return SmsSinkChannel().send(message)
