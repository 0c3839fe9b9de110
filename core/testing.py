"""Helpers for the test suites of every app (imported by tests only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def huey_immediate() -> Iterator[None]:
    """Run huey tasks at once, in the calling thread and on the test database, inside the block
    (settings.HUEY is never ``immediate``: the real worker runs them)."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before
