"""Huey tasks: thin wrappers around open311.media (run by ``manage.py run_huey``)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from open311 import media

logger = logging.getLogger(__name__)

# Transient failures (timeouts, HTTP 5xx) are tried again after 1, 2 and 4 minutes; the fourth
# attempt is the last and records the failure. Permanent refusals are never retried.
FETCH_RETRIES = 3
FETCH_RETRY_DELAY_SECONDS = 60
FETCH_RETRY_BACKOFF = 2


@db_task(
    retries=FETCH_RETRIES,
    retry_delay=FETCH_RETRY_DELAY_SECONDS,
    retry_backoff=FETCH_RETRY_BACKOFF,
    context=True,
)
def fetch_media(submission_id: int, task=None) -> str:
    """Fetch the photo behind a POSTed media_url and attach it to the case (open311.media)."""
    final = task is None or not task.retries
    return media.fetch_submission_media(submission_id, final_attempt=final).status


@db_periodic_task(crontab(minute="*/10"))
def fetch_missing_media() -> int:
    """Every ten minutes: a last attempt for media fetches whose task was lost."""
    found = media.fetch_missing()
    if found:
        logger.warning("open311: %d media fetch(es) had lost their task; tried once more", found)
    return found
