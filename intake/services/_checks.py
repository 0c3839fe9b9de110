"""Input checks of intake: source, priority, text, external id, and the place of a report."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from areas.geometry import metres_outside
from areas.models import AdminArea, UnitGrid
from cases.limits import DESCRIPTION_MAX
from cases.states import Priority, SourceChannel
from catalog.models import Category
from catalog.selectors import suggest_categories
from core.coords import normalize_crs, to_wgs84
from core.errors import ValidationFailed
from core.spatial import grid_index
from intake.models import EXTERNAL_ID_MAX


@dataclass(frozen=True)
class Place:
    lon: float | None
    lat: float | None
    grid: UnitGrid | None
    area: AdminArea | None


def check_source(source: str) -> str:
    if source not in SourceChannel.values:
        raise ValidationFailed(
            _("Unknown source channel %(source)r; use one of %(choices)s.")
            % {"source": source, "choices": ", ".join(SourceChannel.values)},
            details={"field": "source"},
        )
    return str(source)


def check_priority(priority: str | None) -> str:
    if priority is None or priority == "":
        return Priority.NORMAL
    if priority not in Priority.values:
        raise ValidationFailed(
            _("Unknown priority %(p)r; use %(choices)s.")
            % {"p": priority, "choices": ", ".join(Priority.values)},
            details={"field": "priority"},
        )
    return str(priority)


# C0 control characters other than tab, newline and carriage return, and DEL: never part of a
# report a person wrote, and NUL breaks PostgreSQL text columns and every export.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_plain(fields: dict[str, str]) -> None:
    """Refuse control characters in any text of a report, naming the field (every channel goes
    through here, so Open311, the portal, the hotline and the API answer alike)."""
    for name, value in fields.items():
        if value and _CONTROL.search(str(value)):
            raise ValidationFailed(
                _("%(field)s contains a control character (such as NUL); remove it.")
                % {"field": name},
                details={"field": name},
                code="control_character",
            )


def check_text(description: str) -> str:
    text = (description or "").strip()
    if not text:
        raise ValidationFailed(
            _("Describe the problem: the description is empty."),
            details={"field": "description"},
        )
    return text[:DESCRIPTION_MAX]


def check_external_id(external_id: str) -> str:
    value = (external_id or "").strip()
    if len(value) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            _("external_id is %(n)d characters long; at most %(max)d are kept.")
            % {"n": len(value), "max": EXTERNAL_ID_MAX},
            details={"field": "external_id"},
        )
    return value


def _root_area() -> AdminArea | None:
    roots = list(AdminArea.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


def _resolve_area(area: AdminArea | str | None) -> AdminArea | None:
    if area is None or isinstance(area, AdminArea):
        return area
    found = AdminArea.objects.filter(code=str(area).strip()).first()
    if found is None:
        raise ValidationFailed(
            _("No area has the code %(code)r.") % {"code": area}, details={"field": "area"}
        )
    return found


def check_crs(crs: str) -> str:
    try:
        return normalize_crs(crs)
    except ValueError as exc:
        raise ValidationFailed(
            _("Unknown coordinate system %(crs)r; use wgs84, gcj02 or bd09.") % {"crs": crs},
            code="unknown_crs",
            details={"field": "crs"},
        ) from exc


def _resolve_grid(grid: UnitGrid | str) -> UnitGrid:
    if isinstance(grid, UnitGrid):
        return grid
    found = UnitGrid.objects.filter(code=str(grid).strip(), is_active=True).first()
    if found is None:
        raise ValidationFailed(
            _("No active unit grid has the code %(code)r.") % {"code": grid},
            details={"field": "grid"},
        )
    return found


def locate(
    *,
    lon: float | None,
    lat: float | None,
    crs: str,
    address: str,
    area=None,
    grid: UnitGrid | str | None = None,
) -> Place:
    """WGS-84 point and its grid; without a point, the given area or the city (one root).

    A ``grid`` named by the reporter (a grid code from a terminal that knows it) is taken as
    given; the point, if any, is still converted and kept.
    """
    crs = check_crs(crs)
    if (lon is None) != (lat is None):
        raise ValidationFailed(
            _("Give both longitude and latitude, or neither."),
            details={"field": "lon" if lon is None else "lat"},
        )
    named = _resolve_grid(grid) if grid else None
    if lon is None:
        if named is not None:
            return Place(None, None, named, None)
        if not (address or "").strip():
            raise ValidationFailed(
                _("The report has neither a location nor an address: say where the problem is."),
                code="no_location",
                details={"field": "address"},
            )
        # A hotline call may give only an address: the case belongs to the named area, or to the
        # city centre, whose operators place it.
        chosen = _resolve_area(area) or _root_area()
        if chosen is None:
            raise ValidationFailed(
                _("A report without a location needs the code of its area."),
                details={"field": "area"},
            )
        return Place(None, None, None, chosen)
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            _("Longitude and latitude must be numbers; got %(lon)r, %(lat)r.")
            % {"lon": lon, "lat": lat},
            details={"field": "lon"},
        ) from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(
            _("Location %(lon)s, %(lat)s is not a longitude/latitude pair.")
            % {"lon": lon, "lat": lat},
            details={"field": "lon"},
        )
    wlon, wlat = to_wgs84(lon, lat, crs)
    if named is not None:
        _check_point_in_named_grid(named, wlon, wlat)
        return Place(wlon, wlat, named, None)
    grid_id = grid_index.locate(wlon, wlat)
    if grid_id is None:
        raise ValidationFailed(
            _(
                "The point %(lon).6f, %(lat).6f (WGS-84, from %(crs)s) lies outside every unit "
                "grid: check the coordinates and their coordinate system."
            )
            % {"lon": wlon, "lat": wlat, "crs": crs},
            code="outside_grids",
            details={"field": "lon"},
        )
    return Place(wlon, wlat, UnitGrid.objects.get(pk=grid_id), None)


def _check_point_in_named_grid(grid: UnitGrid, lon: float, lat: float) -> None:
    """A named grid and a point far outside it contradict each other (a wrong grid code, or
    coordinates in another system): refused, naming both, rather than a case in the wrong place.
    INTAKE_GRID_TOLERANCE_METERS allows for GPS error and a problem across a grid's edge."""
    outside = metres_outside(grid.polygon, lon, lat)
    if outside > settings.INTAKE_GRID_TOLERANCE_METERS:
        raise ValidationFailed(
            _(
                "The point %(lon).6f, %(lat).6f (WGS-84) lies %(metres)d m outside grid "
                "%(grid)s that the report names: give the grid the point is in, or a point "
                "inside the grid."
            )
            % {"lon": lon, "lat": lat, "metres": outside, "grid": grid.code},
            code="point_outside_named_grid",
            details={"field": "grid", "metres_outside": round(outside)},
        )


def suggested_category(category_hint: str, description: str) -> Category | None:
    for text in (category_hint, description):
        if (text or "").strip():
            found = suggest_categories(text, limit=1)
            if found:
                return found[0].category
    return None


def user_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None
