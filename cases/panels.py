"""What other apps add to the case screens, so ``cases`` imports none of them.

- Links on the case page to an app's own pages (intake: merge 合并, split 拆分)::

      panels.register(lambda user, case: [panels.CaseLink("merge", _("Merge"), url)])

  Each function answers for one user and one case and says only what that user may do now
  (the target page and its service still check). One failing function must not break the page.
- Notes on the disposer's task cards (dispatch: the 督办 waiting for a reply):
  ``register_task_notes(fn)``, ``fn(tasks) -> {task_pk: [TaskNote, ...]}``.
- Routing (dispatch: RoutingRule category x area, 兜底): ``register_router(suggest=, route=)``;
  the dispatch form pre-fills the suggestion and a dispatch that keeps it is routed, so the
  decision is recorded. Without a router the desk chooses every department itself.

Apps register in ``AppConfig.ready``; registering twice is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseLink:
    key: str  # stable, for tests and styling (data-link)
    label: str
    url: str
    hint: str = ""


LinkSource = Callable[[object, object], list[CaseLink]]
_sources: list[LinkSource] = []


def register(source: LinkSource) -> LinkSource:
    """Add a link source (idempotent: AppConfig.ready may run more than once)."""
    if source not in _sources:
        _sources.append(source)
    return source


def links(user, case) -> list[CaseLink]:
    """The links every registered app offers ``user`` on ``case``, in registration order."""
    found: list[CaseLink] = []
    for source in _sources:
        try:
            found.extend(source(user, case))
        except Exception:  # one app's bug must not take the case page down
            logger.exception("case page links from %r failed for case %s", source, case.number)
    return found


# --- notes on task cards ---------------------------------------------------------------------


@dataclass(frozen=True)
class TaskNote:
    key: object  # the source row's id (data-supervision on the card)
    badge: str  # e.g. 红灯超时督办
    at: datetime
    text: str


TaskNoteSource = Callable[[Sequence[object]], dict[int, list[TaskNote]]]
_note_sources: list[TaskNoteSource] = []


def register_task_notes(source: TaskNoteSource) -> TaskNoteSource:
    if source not in _note_sources:
        _note_sources.append(source)
    return source


def task_notes(tasks: Sequence[object]) -> dict[int, list[TaskNote]]:
    """Every registered app's notes for these tasks, by task pk (one query per app)."""
    found: dict[int, list[TaskNote]] = {}
    if not tasks:
        return found
    for source in _note_sources:
        for pk, notes in source(tasks).items():
            found.setdefault(pk, []).extend(notes)
    return found


# --- routing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Router:
    # suggest(case) -> a plan with .lead, .co, .departments, .explanation; may raise DomainError
    suggest: Callable[[object], object]
    # route(case=, actor=, note=) -> the tasks, dispatched where the plan says and recorded
    route: Callable[..., list]


_router: list[Router] = []


def register_router(*, suggest: Callable, route: Callable) -> None:
    _router[:] = [Router(suggest=suggest, route=route)]


def router() -> Router | None:
    return _router[0] if _router else None
