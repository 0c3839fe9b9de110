"""Webhook channel: POST the message as JSON, signed with HMAC-SHA256.

Request (one per delivery attempt; delivery is at-least-once, so receivers dedupe on the id)::

    POST <message.to or NOTIFY_WEBHOOK_URL>
    Content-Type: application/json; charset=utf-8
    X-CityOps-Delivery: <outbox message id>
    X-CityOps-Timestamp: <unix seconds>
    X-CityOps-Signature: sha256=<hex HMAC-SHA256(NOTIFY_WEBHOOK_SECRET, "<timestamp>." + body)>

    {"id": 7, "subject": "...", "body": "...", "case": "NB20261123000001", "dedupe_key": null,
     "created_at": "2026-11-23T01:00:00+00:00"}

The timestamp is inside the signed text so a captured request cannot be replayed later
(``verify_signature`` refuses one older than ``SIGNATURE_TOLERANCE``). Any 2xx answer is
success; 408/425/429 and 5xx, timeouts and connection errors are retried; other answers
(4xx, and 3xx: redirects are not followed, a POST body must not wander) are final.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from django.conf import settings

from core.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature_matches
from notify.channels.base import Channel, ChannelError, SendResult
from notify.models import OutboxMessage

DELIVERY_HEADER = "X-CityOps-Delivery"
SIGNATURE_TOLERANCE = 300  # seconds a receiver should accept between signing and checking
DEFAULT_TIMEOUT = 10  # seconds, when settings.NOTIFY_WEBHOOK_TIMEOUT is not set
RETRYABLE_HTTP = frozenset({408, 425, 429})
USER_AGENT = "CityOps-Notify/1"
ERROR_BODY_PREVIEW = 200  # characters of a refusing server's answer kept in last_error


def verify_signature(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is fresh."""
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(age) > tolerance:
        return False
    return signature_matches(secret=secret, timestamp=timestamp, body=body, signature=signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError for the 3xx, which we treat as final


def payload(message: OutboxMessage) -> bytes:
    data = {
        "id": message.pk,
        "subject": message.subject,
        "body": message.body,
        "case": message.case.number if message.case_id else None,
        "dedupe_key": message.dedupe_key,
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class WebhookChannel(Channel):
    kind = "webhook"

    def send(self, message: OutboxMessage) -> SendResult:
        url = message.to or getattr(settings, "NOTIFY_WEBHOOK_URL", "")
        secret = getattr(settings, "NOTIFY_WEBHOOK_SECRET", "")
        if not url:
            raise ChannelError(
                "No webhook URL: the message has none and NOTIFY_WEBHOOK_URL is not set.",
                retryable=False,
            )
        if not secret:
            # An unsigned webhook cannot be told apart from a forged one; refuse to send it.
            raise ChannelError(
                "NOTIFY_WEBHOOK_SECRET is not set; refusing to send unsigned.", retryable=False
            )
        body = payload(message)
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                DELIVERY_HEADER: str(message.pk),
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(secret, timestamp, body),
            },
        )
        timeout = getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", DEFAULT_TIMEOUT)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            retryable = exc.code >= 500 or exc.code in RETRYABLE_HTTP
            detail = _preview(exc)
            raise ChannelError(
                f"{url} answered HTTP {exc.code}{detail}", retryable=retryable
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ChannelError(f"{url} unreachable: {reason}", retryable=True) from exc
        return SendResult(reference=f"HTTP {status}")


def _preview(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(ERROR_BODY_PREVIEW).decode("utf-8", "replace").strip()
    except Exception:  # the answer body is a courtesy; its absence must not mask the status
        text = ""
    return f": {text}" if text else ""
