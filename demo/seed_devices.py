"""The demo city's sensors (感知设备) and video cameras (视频智能识别点位).

112 devices over the seven starter device types (iot.device_types), placed where such sensors
stand: manhole covers and bins in the old town and middle ring, a noise station per street,
fume monitors at restaurants, gas pressure and ponding sensors further out. Device tokens are
derived from the seed (``device_token``) so the simulator and the credentials file can name
them again later without storing secrets; only their digest is in the database, as for every
device. ``DevicePlan.alarm`` numbers the devices the simulator drives into alarms.

Cameras (intake.VideoCamera) get a signing secret from the seed and event-type mappings to the
categories a street camera recognises (乱停车, 占道经营, 暴露垃圾, 店外经营, 乱堆杂物).
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass

from catalog.models import Category
from demo import texts
from demo.names import CITY_CODE
from demo.places import Places
from iot.models import Device, DeviceType
from iot.services import device_create
from org.models import Department
from org.services import token_digest

DEVICE_PREFIX = "NB-"
CAMERA_PREFIX = "NB-CAM-"
TOKEN_CHARS = 32  # of the urlsafe base64 of a SHA-256 digest
PER_STREET = "street"  # zone: one device in every street


@dataclass(frozen=True)
class DevicePlan:
    """How many devices of a type, where (area classes or one per street), who owns them, how
    often they report (seconds of simulated time) and which numbers trip alarms."""

    type_code: str
    prefix: str
    count: int
    owner: str  # city unit suffix (roster.CITY_UNITS)
    zone: str  # area classes ("AB") or PER_STREET
    label: str
    period: int
    alarm: tuple[int, ...] = ()


PLANS: tuple[DevicePlan, ...] = (
    DevicePlan("manhole_cover", "MH", 30, "WATER", "AB", "井盖监测", 3600, (3, 17)),
    DevicePlan("waste_bin", "BIN", 30, "HW", "AB", "智能垃圾箱", 1800, (5, 21)),
    DevicePlan("noise", "NS", 14, "STHJ", PER_STREET, "噪声监测站", 60, (2,)),
    DevicePlan("cooking_fume", "FM", 12, "STHJ", "AB", "餐饮油烟在线监测", 60, (4,)),
    DevicePlan("gas_pressure", "GP", 8, "GAS", "BC", "燃气管网压力监测", 900, (6,)),
    DevicePlan("road_subsidence", "RS", 8, "SZ", "BC", "道路沉降监测", 3600, (2,)),
    DevicePlan("water_level", "WL", 10, "SLJ", "BC", "易涝点积水监测", 300, (1, 7)),
)
PLAN_BY_TYPE = {plan.type_code: plan for plan in PLANS}
LISTED_PER_TYPE = 2  # devices per type published in the credentials file

# (event type the camera platform sends, category code (matter), priority)
CAMERA_EVENTS = (
    ("illegal_parking", "09009", "normal"),
    ("street_vending", "09006", "normal"),
    ("exposed_garbage", "06010", "normal"),
    ("shop_front_business", "09005", "normal"),
    ("piled_debris", "06036", "normal"),
)
CAMERAS = 6
CAMERA_THRESHOLD = 0.7


def device_code(plan: DevicePlan, number: int) -> str:
    return f"{DEVICE_PREFIX}{plan.prefix}-{number:04d}"


def plan_of(code: str) -> tuple[DevicePlan, int] | None:
    """(plan, number) of a demo device id like NB-MH-0003, or None for another device."""
    if not code.startswith(DEVICE_PREFIX):
        return None
    prefix, _sep, number = code.removeprefix(DEVICE_PREFIX).rpartition("-")
    for plan in PLANS:
        if plan.prefix == prefix and number.isdigit():
            return plan, int(number)
    return None


def _secret(kind: str, seed: int, name: str) -> str:
    digest = hashlib.sha256(f"cityops-demo-{kind}:{seed}:{name}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:TOKEN_CHARS]


def device_token(seed: int, code: str) -> str:
    """The demo token of a device: published in the credentials file, so demo only."""
    return "dev_" + _secret("device-token", seed, code)


def camera_secret(seed: int, camera_id: str) -> str:
    return _secret("camera-secret", seed, camera_id)


def seed_devices(*, seed: int, places: Places) -> dict[str, int]:
    """Register the plan's devices (owner, place, token); counts by device type."""
    rng = random.Random(f"{seed}:devices")
    types = {t.code: t for t in DeviceType.objects.all()}
    owners = {d.code: d for d in Department.objects.filter(code__startswith=f"{CITY_CODE}-")}
    counts: dict[str, int] = {}
    for plan in PLANS:
        device_type = types.get(plan.type_code)
        if device_type is None:
            continue  # the starter types were removed: nothing to place
        if plan.zone == PER_STREET:
            grids = [rng.choice(group) for _code, group in sorted(places.by_street.items())]
        else:
            grids = [places.pick(rng, plan.zone) for _ in range(plan.count)]
        for number, grid in enumerate(grids[: plan.count], start=1):
            code = device_code(plan, number)
            lon, lat = places.point(rng, grid)
            slug, district = places.district_of(grid)
            address = texts.place(rng, slug, district)
            device_create(
                code=code,
                device_type=device_type,
                name=f"{plan.label} {address.removeprefix(district)}"[:100],
                lon=lon,
                lat=lat,
                address=address,
                department=owners.get(f"{CITY_CODE}-{plan.owner}"),
                attributes={"installed_by": "CityOps demo", "alarm_prone": number in plan.alarm},
                token=device_token(seed, code),
            )
            counts[plan.type_code] = counts.get(plan.type_code, 0) + 1
    return counts


def seed_cameras(*, seed: int, places: Places) -> int:
    """Video cameras with their event mappings (the video-AI channel of intake)."""
    from intake.models import CameraEventMapping, VideoCamera

    rng = random.Random(f"{seed}:cameras")
    categories = {c.code: c for c in Category.objects.filter(kind="event", is_active=True)}
    made = 0
    for number in range(1, CAMERAS + 1):
        grid = places.pick(rng, "AB")
        lon, lat = places.point(rng, grid)
        slug, district = places.district_of(grid)
        address = texts.place(rng, slug, district)
        camera_id = f"{CAMERA_PREFIX}{number:02d}"
        camera = VideoCamera(
            camera_id=camera_id,
            name=f"{address.removeprefix(district)}视频监控",
            lon=lon,
            lat=lat,
            address=address,
            confidence_threshold=CAMERA_THRESHOLD,
            secret=camera_secret(seed, camera_id),
        )
        camera.full_clean()
        camera.save()
        for event_type, code, priority in CAMERA_EVENTS:
            if code in categories:
                CameraEventMapping.objects.create(
                    camera=camera,
                    event_type=event_type,
                    category=categories[code],
                    priority=priority,
                )
        made += 1
    return made


# --- what the credentials file says ------------------------------------------------------------


def listed_devices(seed: int) -> list[dict]:
    """A few devices per type whose stored token digest is the seed's token (never a token that
    does not work): id, type, name, token and metrics."""
    devices = Device.objects.filter(code__startswith=DEVICE_PREFIX, is_active=True).select_related(
        "device_type"
    )
    shown: dict[str, int] = {}
    listed = []
    for device in devices.order_by("device_type__code", "code"):
        type_code = device.device_type.code
        if shown.get(type_code, 0) >= LISTED_PER_TYPE:
            continue
        token = device_token(seed, device.code)
        if device.token_digest != token_digest(token):
            continue  # rotated since seeding: the seed's token no longer works
        shown[type_code] = shown.get(type_code, 0) + 1
        listed.append(
            {
                "id": device.code,
                "type": type_code,
                "name": device.name,
                "token": token,
                "metrics": [m["key"] for m in device.device_type.metrics],
                "units": device.device_type.metric_units(),
            }
        )
    return listed


def device_count() -> int:
    return Device.objects.filter(code__startswith=DEVICE_PREFIX).count()


def listed_cameras(seed: int) -> list[dict]:
    """The demo cameras whose stored secret is the seed's: id, name, secret, event types."""
    from intake.models import VideoCamera

    cameras = VideoCamera.objects.filter(camera_id__startswith=CAMERA_PREFIX, is_active=True)
    listed = []
    for camera in cameras.prefetch_related("mappings").order_by("camera_id"):
        secret = camera_secret(seed, camera.camera_id)
        if camera.secret != secret:
            continue
        listed.append(
            {
                "camera_id": camera.camera_id,
                "name": camera.name,
                "secret": secret,
                "event_types": sorted(m.event_type for m in camera.mappings.all()),
                "confidence_threshold": camera.confidence_threshold,
            }
        )
    return listed
