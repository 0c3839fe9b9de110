"""var/demo-credentials.json: how a newcomer (or a script) logs in to the demo city.

DESIGN.md "Interfaces": demo logins by role, an API token, the Open311 api_key and a few device
ids with tokens. The Open311 key and the devices come with later issues; until then ``open311``
is null and ``devices`` is empty, and ``pending`` says which issue fills them. Nothing is faked.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

FILENAME = "demo-credentials.json"
DEFAULT_URL = "http://127.0.0.1:8000/"
PENDING = {
    "open311": "The Open311 GeoReport v2 api_key is added by the Open311 intake issue.",
    "devices": "Device ids with their tokens are added by the IoT telemetry issue.",
}


@dataclass
class Login:
    role: str
    role_label: str
    username: str
    password: str
    scope: str
    department: str | None


@dataclass
class DemoCredentials:
    """What the demo city publishes; ``as_json(url)`` is the file's content."""

    seed: int
    password: str
    logins: list[Login]
    api_token: dict | None
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self, url: str = DEFAULT_URL) -> dict:
        base = url if url.endswith("/") else f"{url}/"
        token = None
        if self.api_token:
            key = self.api_token["token"]
            token = {
                **self.api_token,
                "header": f"Authorization: Bearer {key}",
                "example": f"curl -H 'Authorization: Bearer {key}' {base}api/v1/me",
            }
        return {
            "about": "Demo logins of CityOps, written by `manage.py seed_demo`. Demo data only: "
            "every account shares one published password.",
            "seed": self.seed,
            "url": base,
            "admin_url": f"{base}admin/",
            "api_url": f"{base}api/v1/",
            "password": self.password,
            "counts": self.counts,
            "logins": [vars(login) for login in self.logins],
            "api_token": token,
            "open311": None,
            "devices": [],
            "pending": PENDING,
        }


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / FILENAME


def write_credentials(data: dict, path: Path | None = None) -> Path:
    """Write atomically (a reader never sees half a file), readable by the owner only."""
    path = path or credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def read_credentials(path: Path | None = None) -> dict | None:
    """The file's content, or None when it is missing or unreadable."""
    try:
        return json.loads((path or credentials_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def with_url(data: dict, url: str) -> dict:
    """The same credentials pointing at another address (run_demo on another host/port)."""
    base = url if url.endswith("/") else f"{url}/"
    updated = {**data, "url": base, "admin_url": f"{base}admin/", "api_url": f"{base}api/v1/"}
    token = data.get("api_token")
    if token:
        updated["api_token"] = {
            **token,
            "example": f"curl -H 'Authorization: Bearer {token['token']}' {base}api/v1/me",
        }
    return updated


def logins_table(data: dict, *, per_role: int | None = None) -> str:
    """A plain-text table of the logins, one line per account (at most ``per_role`` per role)."""
    logins = data.get("logins") or []
    if not logins:
        return "(no demo logins found)"
    shown: list[dict] = []
    hidden: dict[str, int] = {}
    for login in logins:
        same_role = sum(1 for s in shown if s["role"] == login["role"])
        if per_role is not None and same_role >= per_role:
            hidden[login["role"]] = hidden.get(login["role"], 0) + 1
        else:
            shown.append(login)
    rows = [("role", "username", "scope", "department")]
    rows += [
        (login["role"], login["username"], login["scope"], login.get("department") or "")
        for login in shown
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(3)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    lines += [f"... and {n} more {role} accounts" for role, n in hidden.items()]
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
