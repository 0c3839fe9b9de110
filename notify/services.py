"""Every write on the outbox: enqueue, deliver (with retry and backoff), retry now.

``enqueue`` writes the row in the caller's transaction and schedules delivery for after commit
(STYLE.md rule 3): a rolled-back case sends nothing, and a failed send never rolls back a case.
``deliver`` claims the row by compare-and-swap (STYLE.md rule 5) so two workers never send one
message twice at the same time, sends outside any transaction (no lock held across the network),
and records the outcome. Failures are retried after 1 min, 5 min, 30 min and 2 h; a fifth
failure, or a non-retryable one, makes the message ``dead``.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from notify import selectors
from notify.channels import ChannelError, get_channel
from notify.models import (
    DEDUPE_KEY_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    TO_MAX_LENGTH,
    MessageKind,
    MessageStatus,
    OutboxMessage,
)

logger = logging.getLogger(__name__)

# Wait after failed attempt n (1-based) before attempt n+1; after the last one the message is dead.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed message is hidden from other workers this long; if the sender dies mid-send the
# message becomes due again afterwards (delivery is at-least-once, never silently lost).
CLAIM_LEASE = timedelta(minutes=10)
RETRY_BATCH = 100  # messages retry_due sends per run; the rest wait for the next minute
LAST_ERROR_MAX = 2000

# Mainland mobiles are 11 digits, landlines with area code up to 12, international with +:
# accept digits with spaces/dashes, 5..20 digits, and leave real checking to the gateway.
PHONE_RE = re.compile(r"\+?[0-9][0-9 \-]{3,28}[0-9]")
PHONE_DIGITS = (5, 20)
_url_validator = URLValidator(schemes=["http", "https"])


def enqueue(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    case=None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue one message (发送通知) in the caller's transaction; deliver it after commit.

    ``kind`` is "sms", "email" or "webhook"; ``to`` is a phone number, an email address or a
    webhook URL (blank for the configured NOTIFY_WEBHOOK_URL). The same ``dedupe_key`` twice
    returns the first row and sends nothing more. Bad input raises ValidationFailed.
    """
    to = (to or "").strip()
    _validate(kind=kind, to=to, subject=subject, body=body, dedupe_key=dedupe_key)
    if dedupe_key is not None:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    try:
        # A savepoint: losing the unique-key race must leave the caller's transaction usable.
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                kind=kind,
                to=to,
                subject=subject,
                body=body,
                case=case,
                dedupe_key=dedupe_key,
                status=MessageStatus.QUEUED,
                next_attempt_at=now,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        # Another transaction queued the same key between our read and our insert.
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    transaction.on_commit(partial(_dispatch, message.pk), robust=True)
    return message


def deliver(message_id: int, *, now: datetime | None = None) -> OutboxMessage | None:
    """Make one delivery attempt if the message is due; returns the message as it now stands.

    Safe to call twice or from two workers: only the caller whose claim wins sends. A message
    already sent, dead, or not yet due is returned untouched.
    """
    now = now or timezone.now()
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        logger.warning("notify: outbox message %s no longer exists", message_id)
        return None
    if message.status not in (MessageStatus.QUEUED, MessageStatus.FAILED):
        return message
    if message.next_attempt_at is not None and message.next_attempt_at > now:
        return message  # backing off, or another worker holds the claim
    attempt = message.attempts + 1
    claimed = OutboxMessage.objects.filter(
        pk=message.pk, status=message.status, attempts=message.attempts
    ).update(
        status=MessageStatus.QUEUED,
        attempts=F("attempts") + 1,
        next_attempt_at=now + CLAIM_LEASE,
        updated_at=now,
    )
    if claimed != 1:
        return OutboxMessage.objects.filter(pk=message_id).first()
    message.attempts = attempt
    message.status = MessageStatus.QUEUED
    message.next_attempt_at = now + CLAIM_LEASE

    try:
        result = get_channel(message.kind).send(message)
    except ChannelError as exc:
        return _record_failure(message, now=now, error=exc.message, retryable=exc.retryable)
    except Exception as exc:  # a channel bug must cost a retry, not the message
        logger.exception("notify: channel %s crashed on message %s", message.kind, message.pk)
        return _record_failure(
            message, now=now, error=f"{type(exc).__name__}: {exc}", retryable=True
        )
    return _record(
        message,
        attempt=attempt,
        status=MessageStatus.SENT,
        sent_at=now,
        next_attempt_at=None,
        result=result.reference[:200],
        updated_at=now,
    )


def retry_due(*, now: datetime | None = None, limit: int = RETRY_BATCH) -> int:
    """Attempt every due message (the periodic job, every minute); returns how many were tried."""
    now = now or timezone.now()
    ids = selectors.due_message_ids(now=now, limit=limit)
    for message_id in ids:
        try:
            deliver(message_id, now=now)
        except Exception:  # one bad row must not starve the rest of the batch
            logger.exception("notify: delivering outbox message %s failed", message_id)
    return len(ids)


def retry_now(*, message_ids, now: datetime | None = None) -> int:
    """Send failed or dead messages again right away (admin "retry now"); returns the count.

    A dead message gets one more attempt; if that fails it is dead again. Queued messages are
    left alone: they are waiting for their first attempt or being sent right now.
    """
    now = now or timezone.now()
    retryable = (MessageStatus.FAILED, MessageStatus.DEAD)
    ids = list(
        OutboxMessage.objects.filter(pk__in=list(message_ids), status__in=retryable).values_list(
            "pk", flat=True
        )
    )
    count = OutboxMessage.objects.filter(pk__in=ids, status__in=retryable).update(
        status=MessageStatus.QUEUED, next_attempt_at=now, updated_at=now
    )
    for message_id in ids:
        transaction.on_commit(partial(_dispatch, message_id), robust=True)
    return count


# --- internals --------------------------------------------------------------------------------


def _use_queue() -> bool:
    """Deliver through huey when its Django app is installed, else inline after commit."""
    return "huey.contrib.djhuey" in settings.INSTALLED_APPS


def _dispatch(message_id: int) -> None:
    """After commit: hand the message to the queue, or send it in this thread."""
    if _use_queue():
        from notify import tasks

        try:
            tasks.deliver_outbox(message_id)
        except Exception:
            # Queue down (Redis away): the row stays due, retry_due sends it within a minute.
            logger.exception("notify: could not queue outbox message %s", message_id)
        return
    try:
        deliver(message_id)
    except Exception:
        logger.exception("notify: delivering outbox message %s failed", message_id)


def _record_failure(
    message: OutboxMessage, *, now: datetime, error: str, retryable: bool
) -> OutboxMessage:
    attempt = message.attempts
    error = (error or "")[:LAST_ERROR_MAX]
    if retryable and attempt < MAX_ATTEMPTS:
        status, next_at = MessageStatus.FAILED, now + BACKOFF[attempt - 1]
        logger.warning(
            "notify: %s message %s attempt %s failed, next at %s: %s",
            message.kind,
            message.pk,
            attempt,
            next_at.isoformat(),
            error,
        )
    else:
        status, next_at = MessageStatus.DEAD, None
        logger.error(
            "notify: %s message %s dead after %s attempt(s): %s",
            message.kind,
            message.pk,
            attempt,
            error,
        )
    return _record(
        message,
        attempt=attempt,
        status=status,
        next_attempt_at=next_at,
        last_error=error,
        updated_at=now,
    )


def _record(message: OutboxMessage, *, attempt: int, **fields) -> OutboxMessage:
    """Write the outcome of ``attempt``; guarded by it so a stale worker cannot overwrite a newer one."""
    OutboxMessage.objects.filter(pk=message.pk, attempts=attempt).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def _validate(*, kind: str, to: str, subject: str, body: str, dedupe_key: str | None) -> None:
    if kind not in MessageKind.values:
        raise ValidationFailed(
            _("Unknown message kind %(kind)r; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(MessageKind.values)},
            details={"field": "kind"},
        )
    if not (body or "").strip():
        raise ValidationFailed(_("A message needs a body."), details={"field": "body"})
    if len(subject or "") > SUBJECT_MAX_LENGTH:
        raise ValidationFailed(
            _("The subject is longer than %(max)s characters.") % {"max": SUBJECT_MAX_LENGTH},
            details={"field": "subject"},
        )
    if dedupe_key is not None and not (0 < len(dedupe_key) <= DEDUPE_KEY_MAX_LENGTH):
        raise ValidationFailed(
            _("A deduplication key has 1 to %(max)s characters.") % {"max": DEDUPE_KEY_MAX_LENGTH},
            details={"field": "dedupe_key"},
        )
    if len(to) > TO_MAX_LENGTH:
        raise ValidationFailed(
            _("The recipient is longer than %(max)s characters.") % {"max": TO_MAX_LENGTH},
            details={"field": "to"},
        )
    if kind == MessageKind.SMS:
        digits = sum(ch.isdigit() for ch in to)
        if not PHONE_RE.fullmatch(to) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            raise ValidationFailed(
                _("%(to)r is not a phone number an SMS can go to.") % {"to": to},
                details={"field": "to"},
            )
    elif kind == MessageKind.EMAIL:
        try:
            validate_email(to)
        except ValidationError:
            raise ValidationFailed(
                _("%(to)r is not an email address.") % {"to": to}, details={"field": "to"}
            ) from None
    elif to:
        try:
            _url_validator(to)
        except ValidationError:
            raise ValidationFailed(
                _("%(to)r is not an http(s) URL a webhook can be posted to.") % {"to": to},
                details={"field": "to"},
            ) from None
    elif not getattr(settings, "NOTIFY_WEBHOOK_URL", ""):
        raise ValidationFailed(
            _("A webhook needs a URL: pass one or set NOTIFY_WEBHOOK_URL."),
            details={"field": "to"},
        )
