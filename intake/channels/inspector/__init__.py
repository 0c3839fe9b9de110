"""Reports made by staff themselves (监督员上报 / 直接上报): the grid inspector's phone page
``/intake/m/report/`` and ``POST /api/v1/cases`` for terminals and scripts.

The commonest source of a 数字城管 centre: an inspector on patrol photographs a problem and drops
a pin. Like every channel it goes through ``receive_report``, so the same problem reported by a
citizen an hour earlier is attached to that case instead of opening a second one, and the report
leaves its intake row (受理记录). Inspector reports are trusted (no on-site 核实 before filing);
through the API the caller names the source and the source's default applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cases.states import SourceChannel
from catalog.models import Category
from intake.channels.base import Channel


@dataclass(frozen=True)
class StaffReport:
    """What a member of staff reported. ``grid``: a unit grid code, when the terminal knows it
    (otherwise the grid of the point); ``area``: for a report without a location."""

    description: str
    source: str = SourceChannel.INSPECTOR
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    grid: str | None = None
    area: str | None = None
    address: str = ""
    category: Category | None = None
    priority: str | None = None
    external_id: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    photos: tuple = field(default=())
    # A registered component: its 17-digit identifier (checked against the reporter's slice),
    # or the Component itself when the caller has authorised it (a crew's work order).
    component: object = None


class InspectorChannel(Channel[StaffReport]):
    """The source comes from the report (inspector unless the API caller says otherwise)."""

    source = SourceChannel.INSPECTOR

    def to_report(self, message: StaffReport) -> dict:
        return {
            "source": message.source,
            "description": message.description,
            "lon": message.lon,
            "lat": message.lat,
            "crs": message.crs,
            "grid": message.grid or None,
            "area": message.area or None,
            "address": message.address,
            "category": message.category,
            "priority": message.priority,
            "external_id": message.external_id,
            "reporter_name": message.reporter_name,
            "reporter_phone": message.reporter_phone,
            "reporter_email": message.reporter_email,
            "photos": message.photos,
            "component": message.component or None,
        }
