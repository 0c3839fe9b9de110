"""Writing on a second thread while this one prepares the next batch (bulk loads).

PostgreSQL only, and only outside a transaction: the Python side (reading, checking, building
rows) and the server side (COPY or upserts, indexes, constraints) then run on two cores at once.
The second thread has its own connection (Django's are per thread); each ``write(batch)`` is
its own transaction; an error stops the run at the next ``submit`` or at ``close``. Used by the
historical import and the evaluation backfill.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from django.db import connection, connections


def can_pipeline() -> bool:
    """Whether a pipeline may run here: PostgreSQL, and not inside a transaction (a second
    connection would not see its rows, nor they its own)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Pipeline:
    DEPTH = 2

    def __init__(self, write: Callable[[object], None], *, name: str) -> None:
        self.write = write
        self.queue: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name=name)
        self.thread.start()

    def _work(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        self.write(batch)
                    except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                        self.error = exc
        finally:
            connections.close_all()

    def submit(self, batch) -> None:
        self._raise()
        self.queue.put(batch)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error
