"""Writes for the photo behind a POSTed ``media_url``: fetched in the background, attached to the
case as a before-photo (照片取回并作为处置前照片), or the reason why not put on the case trail.

The POST only records the link (``Submission.media_status = pending``) and, after its
transaction commits, queues ``open311.tasks.fetch_media``; the answer to the client does not
wait for the client's server. The task calls ``fetch_submission_media``:
- the photo is fetched by ``open311.fetch`` (SSRF checks, time and size limits), outside any
  database transaction;
- it is stored through ``cases.evidence.store_evidence`` exactly like a photo uploaded with the
  POST (type by content, pixel limit, EXIF stripped, re-encoded), as a before-photo taken at the
  instant the report was received. That instant is what makes it a photo the reporter published
  through GeoReport (open311.selectors): GET requests then answer with our copy;
- a note (备注) on the case trail says so, or says why the photo was not attached (what staff
  see); the link itself is kept on the Submission and in the report's payload either way.
Transient failures (timeouts, HTTP 5xx) are retried by huey; the last attempt and every
permanent refusal (private address, 404, not an image, too large) end the row's wait.
The row moves out of ``pending`` with a compare-and-swap, so a retry, the sweeper and a second
worker never attach the same photo twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.evidence import max_bytes, store_evidence
from cases.models import Case
from cases.states import FINAL_CASE_STATUSES, EvidenceKind
from core.errors import ValidationFailed
from open311 import conf, fetch
from open311.models import MEDIA_REASON_MAX, MediaStatus, Submission

logger = logging.getLogger(__name__)

# A row still pending this long after its POST lost its task (queue down when it was queued,
# worker killed): the sweeper tries it once more. Longer than the task's retries take.
SWEEP_AFTER = timedelta(minutes=30)
SWEEP_BATCH = 10  # each fetch may take fetch.TOTAL_SECONDS; keep one sweep short


class RetryLater(Exception):
    """A transient failure on an attempt that is not the last: huey tries again."""


@dataclass(frozen=True)
class Outcome:
    status: str  # MediaStatus (a retry raises RetryLater instead)
    reason: str = ""


def queue_fetch(submission_id: int) -> None:
    """After commit: hand the fetch to the queue. A queue that is down loses nothing: the row
    stays pending and ``fetch_missing`` finds it."""
    from open311 import tasks

    try:
        tasks.fetch_media(submission_id)
    except Exception:
        logger.exception("open311: could not queue the media fetch of submission %s", submission_id)


def fetch_submission_media(
    submission_id: int, *, final_attempt: bool = True, now: datetime | None = None
) -> Outcome:
    """One attempt at the photo of a pending submission (see the module docstring).

    Raises ``RetryLater`` on a transient failure unless ``final_attempt``.
    """
    submission = Submission.objects.select_related("report__case").filter(pk=submission_id).first()
    if submission is None or submission.media_status != MediaStatus.PENDING:
        return Outcome(submission.media_status if submission else MediaStatus.NONE)
    now = now or timezone.now()
    Submission.objects.filter(pk=submission.pk).update(
        media_attempts=F("media_attempts") + 1, media_checked_at=now
    )
    case = submission.report.case
    if case is None or case.status in FINAL_CASE_STATUSES:
        return _finish(submission, MediaStatus.REFUSED, _closed(), now)
    try:
        fetched = fetch.fetch(
            submission.media_url, max_bytes=max_bytes(), allow=conf.media_fetch_allow_private()
        )
    except fetch.FetchError as exc:
        if exc.transient and not final_attempt:
            Submission.objects.filter(pk=submission.pk).update(
                media_reason=exc.reason[:MEDIA_REASON_MAX]
            )
            raise RetryLater(exc.reason) from exc
        status = MediaStatus.FAILED if exc.transient else MediaStatus.REFUSED
        return _finish(submission, status, exc.reason, now)
    try:
        return _attach(submission, fetched, now)
    except ValidationFailed as exc:  # cases.evidence's checks: not a photo, too many pixels...
        return _finish(submission, MediaStatus.REFUSED, str(exc.message), now)


def _closed() -> str:
    return _("the case was closed before the photo arrived")


def _locked_case(submission: Submission) -> Case | None:
    """The report's case, locked, if it is still open (a note may only go on an open case)."""
    case = Case.objects.select_for_update().filter(pk=submission.report.case_id).first()
    return case if case is not None and case.status not in FINAL_CASE_STATUSES else None


@transaction.atomic
def _attach(submission: Submission, fetched: fetch.Fetched, now: datetime) -> Outcome:
    case = _locked_case(submission)
    if case is None:
        _claim(submission, MediaStatus.REFUSED, now, reason=_closed())
        return Outcome(MediaStatus.REFUSED, _closed())
    if not _claim(submission, MediaStatus.STORED, now):  # another worker finished it
        return Outcome(Submission.objects.get(pk=submission.pk).media_status)
    upload = ContentFile(fetched.data, name=fetched.name or "media_url")
    evidence = store_evidence(
        case=case,
        kind=EvidenceKind.BEFORE,
        upload=upload,
        actor=None,  # the client sent it; no staff member uploaded it
        at=submission.report.received_at,  # the GeoReport photo rule (module docstring)
    )
    Submission.objects.filter(pk=submission.pk).update(media_evidence=evidence, media_reason="")
    case_services.case_add_note(
        case=case,
        actor=None,
        note=_(
            "The photo at the Open311 media_url %(url)s was fetched and attached as a before-photo."
        )
        % {"url": submission.media_url},
        data={
            "open311_submission": submission.pk,
            "media_url": submission.media_url,
            "fetched_from": fetched.url,
            "photos": [evidence.pk],
        },
        now=now,
    )
    return Outcome(MediaStatus.STORED)


@transaction.atomic
def _finish(submission: Submission, status: str, reason: str, now: datetime) -> Outcome:
    """Record why the photo was not attached: on the row, and on the case trail if it is open."""
    case = _locked_case(submission)
    if not _claim(submission, status, now, reason=reason):
        return Outcome(status, reason)
    if case is not None:
        case_services.case_add_note(
            case=case,
            actor=None,
            note=_(
                "The photo at the Open311 media_url %(url)s was not attached: %(reason)s. "
                "The link stays on the request."
            )
            % {"url": submission.media_url, "reason": reason.rstrip(".。")},
            data={
                "open311_submission": submission.pk,
                "media_url": submission.media_url,
                "media_status": status,
            },
            now=now,
        )
    logger.info("open311: media of submission %s %s: %s", submission.pk, status, reason)
    return Outcome(status, reason)


def _claim(submission: Submission, status: str, now: datetime, *, reason: str = "") -> bool:
    """Move the row out of pending (compare-and-swap); False if someone else did first."""
    return bool(
        Submission.objects.filter(pk=submission.pk, media_status=MediaStatus.PENDING).update(
            media_status=status, media_reason=reason[:MEDIA_REASON_MAX], media_checked_at=now
        )
    )


def fetch_missing(*, now: datetime | None = None) -> int:
    """Last attempts for rows left pending past ``SWEEP_AFTER`` (their task was lost)."""
    now = now or timezone.now()
    ids = list(
        Submission.objects.filter(
            media_status=MediaStatus.PENDING, created_at__lt=now - SWEEP_AFTER
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for submission_id in ids:
        try:
            fetch_submission_media(submission_id, final_attempt=True)
        except Exception:  # one bad row must not stop the sweep
            logger.exception("open311: media sweep of submission %s failed", submission_id)
    return len(ids)
