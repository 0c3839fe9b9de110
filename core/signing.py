"""The one HMAC signature scheme CityOps speaks on HTTP, both ways.

Outgoing webhooks (notify) sign with it and incoming machine calls (the video-AI webhook) are
checked with it: ``X-CityOps-Signature: sha256=HMAC-SHA256(secret, "<timestamp>." + body)`` with
``X-CityOps-Timestamp`` in unix seconds, so one integrator recipe serves both directions.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-CityOps-Signature"
TIMESTAMP_HEADER = "X-CityOps-Timestamp"
SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def signature_matches(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time comparison of a received signature with the one we compute."""
    return hmac.compare_digest(sign(secret, timestamp, body), (signature or "").strip())
