"""The channel interface: one class per way of telling someone (短信, 邮件, webhook).

A channel only sends; retries, backoff and bookkeeping belong to ``notify.services.deliver``.
It raises ``ChannelError`` saying whether trying again later could help (a gateway timeout can
recover, a refused phone number never will).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from notify.models import OutboxMessage


class ChannelError(Exception):
    """Sending failed; ``retryable`` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class SendResult:
    """What the channel answered (sink row id, HTTP status, gateway message id)."""

    reference: str = ""


class Channel(ABC):
    """Send one ``OutboxMessage``; return a ``SendResult`` or raise ``ChannelError``."""

    kind: ClassVar[str]

    @abstractmethod
    def send(self, message: OutboxMessage) -> SendResult: ...
