"""The demo city's Open311 api key: deterministic for a seed, published in
var/demo-credentials.json by ``seed_demo`` (demo only: anyone can read that file)."""

from __future__ import annotations

import base64
import hashlib

from open311 import conf
from open311.models import Client
from open311.services import client_create
from org.services import token_digest

NAME_PREFIX = "demo Open311 key, seed "
# Demo scripts post in bursts; the demo key is not rate limited.
DEMO_RATE = 0


def demo_key(seed: int) -> str:
    digest = hashlib.sha256(f"cityops-demo-open311-key:{seed}".encode()).digest()
    return "o311_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def ensure_client(seed: int) -> Client:
    """The demo key's client, created on first use (a re-seed after a reset finds it)."""
    key = demo_key(seed)
    found = Client.objects.filter(digest=token_digest(key)).first()
    if found is not None:
        return found
    client, _key = client_create(name=f"{NAME_PREFIX}{seed}", key=key, rate_per_hour=DEMO_RATE)
    return client


def section(seed: int) -> dict | None:
    """What the credentials file says about Open311, or None if the key does not exist."""
    key = demo_key(seed)
    if not Client.objects.filter(digest=token_digest(key), is_active=True).exists():
        return None
    return {"api_key": key, "jurisdiction_id": conf.jurisdiction_id()}
