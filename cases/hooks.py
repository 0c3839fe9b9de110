"""After-commit hooks: other apps subscribe to case moves without cases importing them.

    from cases import hooks
    hooks.subscribe(CaseAction.CLOSE, lambda case, event: notify_reporter(case))

Hook names are ``CaseAction`` values ("file", "close", ...). Subscribers run after the move's
transaction commits (never inside it: a failed SMS must not roll back a case), each one isolated:
an exception is logged and the next subscriber still runs. Nothing is registered when nobody
listens, so an unobserved move costs nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Subscriber = Callable[..., None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(action: str, fn: Subscriber) -> Subscriber:
    """Call ``fn(case=..., event=...)`` after every committed ``action``. Returns ``fn``."""
    if fn not in _subscribers[str(action)]:
        _subscribers[str(action)].append(fn)
    return fn


def unsubscribe(action: str, fn: Subscriber) -> None:
    if fn in _subscribers.get(str(action), []):
        _subscribers[str(action)].remove(fn)


def emit(action: str, *, case, event) -> None:
    """Schedule the subscribers of ``action`` for after the current transaction commits."""
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
