"""The channel interface: an adapter turns its own input into ``receive_report`` arguments.

A channel (video AI, leader order, Open311, hotline import, citizen portal, IoT alarm) knows
its message format and nothing else; deciding grid, category, duplicates and the case is the
one service's job. The smallest channel is ``source`` plus ``to_report``::

    class HotlineChannel(Channel[Row]):
        source = SourceChannel.HOTLINE_12345

        def to_report(self, row: Row) -> dict:
            return {"description": row.text, "address": row.address, "external_id": row.ticket}

    HotlineChannel().receive(row, actor=operator)

``record_reason`` lets a channel keep a message that must not open a case (a detection below
its confidence threshold): it is stored as an IntakeReport with outcome ``recorded``.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from datetime import datetime
from typing import ClassVar, Generic, TypeVar

from intake import services

Message = TypeVar("Message")

# The arguments a channel may fill; actor and now belong to the caller of ``receive``.
REPORT_FIELDS = frozenset(inspect.signature(services.receive_report).parameters) - {
    "actor",
    "now",
}
RECORD_FIELDS = frozenset(inspect.signature(services.record_report).parameters) - {
    "actor",
    "now",
    "reason",
}


class Channel(ABC, Generic[Message]):
    """One way reports come in; ``receive`` hands a message to ``receive_report``."""

    source: ClassVar[str]

    @abstractmethod
    def to_report(self, message: Message) -> dict:
        """``receive_report`` keyword arguments for ``message`` (``source`` defaults to ours)."""

    def record_reason(self, message: Message) -> str | None:
        """Why ``message`` is only recorded, without a case; None to report it (default)."""
        return None

    def receive(self, message: Message, *, actor=None, now: datetime | None = None):
        """Report (or only record) ``message``; returns ``services.IntakeResult``."""
        kwargs = {"source": self.source, **self.to_report(message)}
        unknown = set(kwargs) - REPORT_FIELDS
        if unknown:  # a programming error in the adapter, not bad input
            raise TypeError(f"{type(self).__name__}.to_report returned unknown {sorted(unknown)}")
        reason = self.record_reason(message)
        if reason is not None:
            kept = {k: v for k, v in kwargs.items() if k in RECORD_FIELDS}
            return services.record_report(**kept, reason=reason, actor=actor, now=now)
        return services.receive_report(**kwargs, actor=actor, now=now)
