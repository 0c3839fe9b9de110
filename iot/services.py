"""Device registry writes 设备台账: create, locate (-> grid), tokens, bulk import from CSV/GeoJSON.

Device tokens are bearer secrets (``Authorization: Bearer <token>`` on /api/v1/telemetry). Only
their SHA-256 digest is stored; a token is returned once, when issued. The demo (or a migration
from another platform) may hand in its own token.
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from iot.models import Device, DeviceType
from iot.models.devices import DEVICE_CODE_RE, TOKEN_PREFIX_LENGTH
from org.services import token_digest

TOKEN_BYTES = 24
MIN_TOKEN_LENGTH = 16
IMPORT_FIELDS = (
    "code",
    "name",
    "type",
    "lon",
    "lat",
    "crs",
    "address",
    "department",
    "category",
    "token",
)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def device_authenticate(token: str) -> Device | None:
    """The active device holding ``token``, or None."""
    if not token:
        return None
    return (
        Device.objects.select_related("device_type")
        .filter(token_digest=token_digest(token), is_active=True)
        .first()
    )


def assign_token(device: Device, token: str | None) -> str:
    token = token or new_token()
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValidationFailed(
            _("A device token has at least %(n)d characters.") % {"n": MIN_TOKEN_LENGTH},
            details={"field": "token"},
        )
    digest = token_digest(token)
    if Device.objects.filter(token_digest=digest).exclude(pk=device.pk).exists():
        raise ValidationFailed(
            _("This token belongs to another device."), details={"field": "token"}
        )
    device.token_digest, device.token_prefix = digest, token[:TOKEN_PREFIX_LENGTH]
    return token


def place_device(device: Device, *, lon, lat, crs: str) -> None:
    """WGS-84 position and grid (core.spatial.grid_index); outside every grid is allowed (the
    device is then visible to city-wide users only) but a bad coordinate is not."""
    from areas.models import UnitGrid
    from core.coords import to_wgs84
    from core.spatial import grid_index

    if lon is None and lat is None:
        device.lon = device.lat = device.grid = None
        device.area_path = ""
        return
    try:
        lon, lat = float(lon), float(lat)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Longitude and latitude must both be numbers."), details={"field": "lon"}
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(
            _("(%(lon)s, %(lat)s) is not a longitude/latitude pair.") % {"lon": lon, "lat": lat},
            details={"field": "lon"},
        )
    try:
        lon, lat = to_wgs84(lon, lat, crs or "wgs84")
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"field": "crs"}) from None
    device.lon, device.lat = lon, lat
    grid_id = grid_index.locate(lon, lat)
    device.grid = UnitGrid.objects.filter(pk=grid_id).first() if grid_id is not None else None
    device.area_path = device.grid.path if device.grid else ""


def _check_code(code: str) -> str:
    code = (code or "").strip()
    if not DEVICE_CODE_RE.match(code):
        raise ValidationFailed(
            _(
                "Device id %(code)r: use 1-64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit."
            )
            % {"code": code},
            details={"field": "code"},
        )
    return code


@transaction.atomic
def device_create(
    *,
    code: str,
    device_type: DeviceType,
    name: str = "",
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    department=None,
    category=None,
    attributes: dict | None = None,
    token: str | None = None,
    component=None,
) -> tuple[Device, str]:
    """Register a device; returns it with its token (shown once). ``component``: the registered
    component (部件) it watches; without a place of its own the device stands at it."""
    code = _check_code(code)
    if component is not None and lon is None and lat is None:
        lon, lat, crs = component.lon, component.lat, "wgs84"
    if Device.objects.filter(code=code).exists():
        raise ValidationFailed(
            _("Device id %(code)s is taken.") % {"code": code}, details={"field": "code"}
        )
    device = Device(
        code=code,
        name=name,
        device_type=device_type,
        address=address,
        department=department,
        category=category,
        attributes=attributes or {},
        component=component,
    )
    place_device(device, lon=lon, lat=lat, crs=crs)
    token = assign_token(device, token)
    device.save()
    return device, token


@transaction.atomic
def device_move(
    *, device: Device, lon, lat, crs: str = "wgs84", address: str | None = None
) -> Device:
    """New position (re-located to its grid); open alarms keep the area they started in."""
    place_device(device, lon=lon, lat=lat, crs=crs)
    if address is not None:
        device.address = address
    device.save(update_fields=["lon", "lat", "grid", "area_path", "address", "updated_at"])
    return device


@transaction.atomic
def device_rotate_token(*, device: Device, token: str | None = None) -> str:
    """A new token; the old one stops working at once."""
    token = assign_token(device, token)
    device.save(update_fields=["token_digest", "token_prefix", "updated_at"])
    return token


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[tuple[str, str]] = field(default_factory=list)  # (device id, token)
    updated: list[str] = field(default_factory=list)


def read_rows(content: bytes | str, *, fmt: str) -> list[tuple[str, dict]]:
    """(where, row) pairs from a CSV (header row, IMPORT_FIELDS) or a GeoJSON FeatureCollection
    of Point features (properties as the CSV columns). ``where`` names the line or feature."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = {"code", "type"} - set(reader.fieldnames or ())
        if missing:
            raise ValidationFailed(
                _("The CSV header lacks %(cols)s.") % {"cols": ", ".join(sorted(missing))}
            )
        return [
            (_("line %(n)d") % {"n": n}, {k: (v or "").strip() for k, v in row.items() if k})
            for n, row in enumerate(reader, start=2)
        ]
    if fmt != "geojson":
        raise ValidationFailed(_("Unknown format %(fmt)r: csv or geojson.") % {"fmt": fmt})
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(_("Not JSON: %(e)s") % {"e": exc}) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed(_("A GeoJSON device file is a FeatureCollection."))
    rows = []
    for n, feature in enumerate(data.get("features") or [], start=1):
        where = _("feature %(n)d") % {"n": n}
        props = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry")
        if geometry:
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
                raise ValidationFailed(
                    _("%(where)s: the geometry must be a Point [lon, lat].") % {"where": where}
                )
            props["lon"], props["lat"] = coords[0], coords[1]
        rows.append((where, props))
    return rows


def _lookups(rows: list[tuple[str, dict]]):
    from catalog.models import Category
    from org.models import Department

    types = {t.code: t for t in DeviceType.objects.all()}
    departments = {
        d.code: d
        for d in Department.objects.filter(code__in={r.get("department") for _, r in rows} - {""})
    }
    categories = {(c.kind, c.code): c for c in Category.objects.filter(is_active=True)}
    return types, departments, categories


def _category(raw: str, categories: dict):
    kind, _sep, code = raw.rpartition(":")
    return categories.get((kind or "event", code))


@transaction.atomic
def device_import(*, rows: Iterable[tuple[str, dict]]) -> ImportReport:
    """Create or update devices from rows (``read_rows``); all or nothing.

    Every problem of every row is collected first and reported together (ValidationFailed with
    ``details["errors"]``, each naming its line or feature); only a clean file is written. An
    existing device id is updated (type, name, place, owner, category; its token only when the
    file gives one). New devices get a fresh token unless the file gives one.
    """
    rows = list(rows)
    types, departments, categories = _lookups(rows)
    existing = {d.code: d for d in Device.objects.filter(code__in=[r.get("code") for _, r in rows])}
    errors: list[str] = []
    report = ImportReport()
    seen: set[str] = set()
    for where, row in rows:
        try:
            code = _check_code(str(row.get("code") or ""))
            if code in seen:
                raise ValidationFailed(_("device id %(code)s appears twice") % {"code": code})
            seen.add(code)
            device_type = types.get(str(row.get("type") or ""))
            if device_type is None:
                raise ValidationFailed(
                    _("unknown device type %(t)r (known: %(known)s)")
                    % {"t": row.get("type"), "known": ", ".join(sorted(types))}
                )
            department = None
            if row.get("department"):
                department = departments.get(row["department"])
                if department is None:
                    raise ValidationFailed(_("unknown department %(d)r") % {"d": row["department"]})
            category = None
            if row.get("category"):
                category = _category(str(row["category"]), categories)
                if category is None:
                    raise ValidationFailed(
                        _("unknown category %(c)r (write kind:code, e.g. event:01002)")
                        % {"c": row["category"]}
                    )
            device = existing.get(code) or Device(code=code)
            device.device_type, device.department, device.category = (
                device_type,
                department,
                category,
            )
            device.name = str(row.get("name") or device.name or "")[:100]
            device.address = str(row.get("address") or device.address or "")[:200]
            lon, lat = row.get("lon"), row.get("lat")
            has_place = lon not in (None, "") or lat not in (None, "")
            if has_place:
                place_device(device, lon=lon, lat=lat, crs=str(row.get("crs") or "wgs84"))
            token = str(row.get("token") or "") or None
            if device.pk is None:
                token = assign_token(device, token)
                report.created.append((code, token))
            else:
                if token:
                    assign_token(device, token)
                report.updated.append(code)
            device.save()
        except ValidationFailed as exc:
            errors.append(f"{where}: {exc.message}")
    if errors:
        transaction.set_rollback(True)
        raise ValidationFailed(
            _("%(n)d of %(total)d rows are wrong; nothing was imported. %(first)s")
            % {"n": len(errors), "total": len(rows), "first": errors[0]},
            details={"errors": errors},
        )
    return report
