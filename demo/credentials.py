"""var/demo-credentials.json: how a newcomer (or a script) logs in to the demo city.

DESIGN.md "Interfaces": demo logins by role, an API token, the Open311 api_key, a few device
ids with their tokens (``devices``, with the telemetry endpoint and MQTT topic in ``telemetry``),
a few vehicles and worker badges with theirs (``trackers``: positions are SenML too) and the
video cameras' signing secrets (``video_ai``). Every token listed works: the seeding
code lists only what the database really holds. Nothing is faked; what is missing is named in
``pending``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

FILENAME = "demo-credentials.json"
DEFAULT_URL = "http://127.0.0.1:8000/"
PENDING = {
    "open311": "The Open311 GeoReport v2 api_key is added by the Open311 intake issue.",
    "devices": "Device ids with their tokens are added by the IoT telemetry issue.",
}
MQTT_TOPIC = "cityops/telemetry/{device_id}"
# A plausible value per metric for the examples (the simulator sends the real stream).
SAMPLE_VALUES = {
    "tilt": 1.5,
    "water_distance": 1.2,
    "battery": 88,
    "fill_level": 0.42,
    "temperature": 21.5,
    "LAeq": 58.3,
    "concentration": 0.8,
    "pressure": 2050,
    "settlement": 0.004,
    "depth": 0.0,
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
    open311: dict | None = None  # {"api_key", "jurisdiction_id"} when the demo key exists
    devices: list[dict] = field(default_factory=list)  # {"id", "type", "name", "token", ...}
    video_ai: list[dict] = field(default_factory=list)  # {"camera_id", "secret", ...}
    trackers: list[dict] = field(default_factory=list)  # {"id", "kind", "token", "position"...}

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
            "open311": open311_block(self.open311, base) if self.open311 else None,
            "telemetry": telemetry_block(base, total=self.counts.get("devices", 0)),
            "devices": [device_entry(device, base) for device in self.devices],
            "trackers": [tracker_entry(tracker, base) for tracker in self.trackers],
            "video_ai": video_ai_block(self.video_ai, base) if self.video_ai else None,
            "pending": {
                k: v
                for k, v in PENDING.items()
                if not (k == "open311" and self.open311) and not (k == "devices" and self.devices)
            },
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


def with_url(data: dict, url: str, *, mqtt_url: str | None = None) -> dict:
    """The same credentials pointing at another address (run_demo on another host/port) and,
    given ``mqtt_url`` ('' for none), at the broker the demo really uses."""
    base = url if url.endswith("/") else f"{url}/"
    updated = {**data, "url": base, "admin_url": f"{base}admin/", "api_url": f"{base}api/v1/"}
    token = data.get("api_token")
    if token:
        updated["api_token"] = {
            **token,
            "example": f"curl -H 'Authorization: Bearer {token['token']}' {base}api/v1/me",
        }
    if data.get("open311"):
        updated["open311"] = open311_block(data["open311"], base)
    if "telemetry" in data:
        total = (data.get("telemetry") or {}).get("devices_total", 0)
        updated["telemetry"] = telemetry_block(base, total=total, mqtt_url=mqtt_url)
    updated["devices"] = [device_entry(device, base) for device in data.get("devices") or []]
    updated["trackers"] = [tracker_entry(t, base) for t in data.get("trackers") or []]
    if data.get("video_ai"):
        updated["video_ai"] = video_ai_block(data["video_ai"]["cameras"], base)
    return updated


def _broker(url: str | None = None) -> str | None:
    """The MQTT broker (``url``, default MQTT_URL) as scheme://host:port (never its password), or
    None when there is none."""
    url = getattr(settings, "MQTT_URL", "") if url is None else url
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 1883}"


def telemetry_block(base: str, *, total: int, mqtt_url: str | None = None) -> dict:
    """How a device sends readings: SenML over HTTP with its token, or the MQTT topic."""
    return {
        "http_endpoint": f"{base}api/v1/telemetry",
        "content_type": "application/senml+json",
        "auth": "Authorization: Bearer <device token>",
        "mqtt_topic": MQTT_TOPIC,
        "mqtt_broker": _broker(mqtt_url),
        "devices_total": total,
    }


def device_entry(device: dict, base: str) -> dict:
    """One device as the file lists it, with a working curl example (a SenML pack of every
    metric of its type; without a time the reading is taken as "now")."""
    device_id, token = device["id"], device["token"]
    units = device.get("units") or {}
    records = [
        {"n": metric, "u": units.get(metric, ""), "v": SAMPLE_VALUES.get(metric, 1)}
        for metric in device.get("metrics") or []
    ]
    if records:
        records[0] = {"bn": f"urn:dev:cityops:{device_id}:", **records[0]}
    pack = json.dumps(records, ensure_ascii=False, separators=(",", ":"))
    topic = MQTT_TOPIC.format(device_id=device_id)
    return {
        **{
            k: device[k] for k in ("id", "type", "name", "token", "metrics", "units") if k in device
        },
        "topic": topic,
        "header": f"Authorization: Bearer {token}",
        "example": (
            f"curl -s -H 'Authorization: Bearer {token}' -H 'Content-Type: application/senml+json' "
            f"-d '{pack}' {base}api/v1/telemetry"
        ),
        "mqtt_example": f"mosquitto_pub -q 1 -t {topic} -m '{pack}'",
    }


TRACKER_KEYS = ("id", "kind", "plate", "badge", "name", "token", "metrics", "position")
# A sweeper's pace (2.2 m/s = 8 km/h) heading east, for the example.
SAMPLE_MOTION = {"speed": ("m/s", 2.2), "heading": ("deg", 90.0)}


def tracker_entry(tracker: dict, base: str) -> dict:
    """One vehicle or badge as the file lists it: a position pack (lat/lon in WGS-84 degrees,
    speed and heading for vehicles; without a time the position is taken as "now") for the
    same telemetry endpoint and topic as every device."""
    tracker_id, token = tracker["id"], tracker["token"]
    lon, lat = tracker["position"]
    records: list[dict] = [
        {"bn": f"urn:dev:cityops:{tracker_id}:", "n": "lat", "u": "lat", "v": lat},
        {"n": "lon", "u": "lon", "v": lon},
    ]
    for metric in tracker.get("metrics") or []:
        if metric in SAMPLE_MOTION:
            unit, value = SAMPLE_MOTION[metric]
            records.append({"n": metric, "u": unit, "v": value})
    pack = json.dumps(records, separators=(",", ":"))
    topic = MQTT_TOPIC.format(device_id=tracker_id)
    return {
        **{k: tracker[k] for k in TRACKER_KEYS if k in tracker},
        "topic": topic,
        "header": f"Authorization: Bearer {token}",
        "example": (
            f"curl -s -H 'Authorization: Bearer {token}' -H 'Content-Type: application/senml+json' "
            f"-d '{pack}' {base}api/v1/telemetry"
        ),
        "mqtt_example": f"mosquitto_pub -q 1 -t {topic} -m '{pack}'",
    }


def video_ai_block(cameras: list[dict], base: str) -> dict:
    """The signed video-AI webhook: endpoint, how to sign, each camera's secret, an example."""
    endpoint = f"{base}api/v1/intake/video-ai"
    first = cameras[0]
    event = (first.get("event_types") or ["illegal_parking"])[0]
    # The event id carries the timestamp: running the example again reports a new detection.
    body = (
        f'{{"camera_id":"{first["camera_id"]}","event_type":"{event}",'
        f'"confidence":0.93,"event_id":"demo-\'$ts\'"}}'
    )
    return {
        "endpoint": endpoint,
        "timestamp_header": "X-CityOps-Timestamp: <unix seconds>",
        "signature_header": (
            "X-CityOps-Signature: sha256=<hex HMAC-SHA256(camera secret, '<timestamp>.' + body)>"
        ),
        "cameras": cameras,
        "example": (
            f"ts=$(date +%s); body='{body}'; "
            f'sig=$(printf \'%s.%s\' "$ts" "$body" | openssl dgst -sha256 '
            f"-hmac '{first['secret']}' | sed 's/^.* //'); "
            f'curl -s -H "X-CityOps-Timestamp: $ts" -H "X-CityOps-Signature: sha256=$sig" '
            f"-H 'Content-Type: application/json' -d \"$body\" {endpoint}"
        ),
    }


def open311_block(open311: dict, base: str) -> dict:
    """The Open311 GeoReport v2 entry: endpoint, api_key, jurisdiction_id and examples."""
    endpoint = f"{base}open311/v2"
    key = open311["api_key"]
    return {
        "endpoint": endpoint,
        "discovery": f"{endpoint}/discovery.json",
        "api_key": key,
        "jurisdiction_id": open311["jurisdiction_id"],
        "example": f"curl {endpoint}/services.json",
        "example_post": (
            f"curl -d api_key={key} -d service_code=01037 -d address_string=... "
            f"-d description=... {endpoint}/requests.json"
        ),
    }


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
