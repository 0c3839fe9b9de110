"""After-commit hooks: other apps subscribe to case moves without cases importing them.

    from cases import hooks
    hooks.subscribe(CaseAction.CLOSE, lambda case, event: notify_reporter(case))

Hook names are ``CaseAction`` values ("file", "close", ...). Subscribers run after the move's
transaction commits (never inside it: a failed SMS must not roll back a case), each one isolated:
an exception is logged and the next subscriber still runs. Nothing is registered when nobody
listens, so an unobserved move costs nothing.

``muted()`` silences every subscriber for the moves made inside it (seeding history, bulk
imports: nobody is texted about a case closed last month)::

    with hooks.muted():
        replay_history()
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

logger = logging.getLogger(__name__)

Subscriber = Callable[..., None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
# Per thread: seeding in one thread must not silence the moves a web request makes in another.
_state = threading.local()


def subscribe(action: str, fn: Subscriber) -> Subscriber:
    """Call ``fn(case=..., event=...)`` after every committed ``action``. Returns ``fn``."""
    if fn not in _subscribers[str(action)]:
        _subscribers[str(action)].append(fn)
    return fn


def unsubscribe(action: str, fn: Subscriber) -> None:
    if fn in _subscribers.get(str(action), []):
        _subscribers[str(action)].remove(fn)


def subscribers() -> dict[str, tuple[Subscriber, ...]]:
    """Who listens to which action (a copy: for diagnostics and benchmarks)."""
    return {action: tuple(fns) for action, fns in _subscribers.items() if fns}


@contextmanager
def muted() -> Iterator[None]:
    """No subscriber runs for the moves made inside this block, in this thread.

    The moves themselves (state, CaseEvent rows) are unchanged; only their after-commit side
    effects are dropped, and dropped for good: a move emitted while muted is not replayed when
    the block ends, even if its transaction commits later. Subscriptions are untouched, so a
    subscriber added meanwhile is kept. Blocks nest; the outermost one ends the silence.
    """
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def is_muted() -> bool:
    """Whether moves in this thread currently skip their subscribers (``muted()``)."""
    return getattr(_state, "depth", 0) > 0


def emit(action: str, *, case, event) -> None:
    """Schedule the subscribers of ``action`` for after the current transaction commits
    (nothing while ``muted()``)."""
    if is_muted():
        return
    subs = tuple(_subscribers.get(str(action), ()))
    if not subs:
        return

    def run() -> None:
        for fn in subs:
            try:
                fn(case=case, event=event)
            except Exception:  # one broken subscriber must not silence the others
                logger.exception("cases hook %s failed in %r for case %s", action, fn, case)

    transaction.on_commit(run)
