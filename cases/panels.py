"""What other apps add to the case page: links to their own pages about the case.

The intake app offers merge (合并) and split (拆分) from here; ``cases`` does not import it.
An app registers a function at start-up (``AppConfig.ready``)::

    from cases import panels
    panels.register(lambda user, case: [panels.CaseLink("merge", _("Merge"), url)])

Each function answers for one user and one case and says only what that user may do now (the
target page and its service still check). One failing function must not break the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

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
