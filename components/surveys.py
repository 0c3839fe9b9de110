"""Loading a survey (部件普查) into the register: GeoJSON, CSV or xlsx, a report per row, a dry
run, and a later survey compared with the register before it is applied.

Fields by their GB/T 47678.5 abbreviation or Chinese name (``FIELDS``): 管理部件标识码 GLBJBSM,
名称 GLBJMC, 主管部门代码/名称 ZGBMDM/ZGBMMC (required), 权属单位 QSDWDM/QSDWMC and 养护单位
YHDWDM/YHDWMC (optional), 所在单元网格标识码 SZDYWGBSM (optional when the place lies in a grid),
部件状态 GLBJZT (完好, 破损, 丢失, 废弃, 移除), 初始日期 CSRQ (required), 变更日期 BGRQ, 数据来源 SJLY,
备注 BZ. GeoJSON carries the geometry (point, line, polygon; WGS-84); CSV and xlsx carry 经度/纬度
(a point) or a ``geometry`` column with GeoJSON text.

Each row is checked on its own (the identifier against its grid's district and its category,
the catalogue category a 部件, the grid, the state, the dates, the geometry) and a refused row
is reported with its line and reason; the others are compared with the register:

- **new**: an identifier not registered yet;
- **changed**: registered, with any field different (each difference listed);
- **unchanged**;
- **missing**: registered components of the same district and type (the identifier's first 11
  digits) as the survey's rows, named by no row (refused ones included) and not removed yet:
  what the surveyors did not find. They are listed; ``apply_missing`` marks them 移除 (removed),
  only when no row was refused.

``dry_run`` reports all of this and writes nothing. Applying writes everything in one
transaction, and every new or changed component gets a history entry naming the survey.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from shapely.errors import ShapelyError
from shapely.geometry import shape

from areas.models import UnitGrid
from catalog.models import Category, CategoryKind
from components import identifiers
from components.models import ChangeSource, Component, ComponentChange, ComponentState
from core.spatial import grid_index
from org.models import Department

FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("GLBJBSM", "管理部件标识码", "部件标识码"),
    "name": ("GLBJMC", "名称", "部件名称"),
    "manager_code": ("ZGBMDM", "主管部门代码"),
    "manager_name": ("ZGBMMC", "主管部门名称", "主管部门"),
    "owner_code": ("QSDWDM", "权属单位代码"),
    "owner_name": ("QSDWMC", "权属单位名称", "权属单位"),
    "maintainer_code": ("YHDWDM", "养护单位代码"),
    "maintainer_name": ("YHDWMC", "养护单位名称", "养护单位"),
    "grid": ("SZDYWGBSM", "所在单元网格标识码", "单元网格"),
    "state": ("GLBJZT", "部件状态", "状态"),
    "initial_date": ("CSRQ", "初始日期"),
    "changed_date": ("BGRQ", "变更日期"),
    "data_source": ("SJLY", "数据来源"),
    "note": ("BZ", "备注"),
    "lon": ("经度", "lon", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "geometry": ("geometry", "几何"),
}
REQUIRED = ("code", "name", "manager_code", "manager_name", "initial_date")
LIMITS = {"name": 30, "manager_code": 18, "manager_name": 100, "owner_code": 18,
          "owner_name": 100, "maintainer_code": 18, "maintainer_name": 100, "data_source": 30,
          "note": 1000}  # fmt: skip
STATES = {
    **{s.value: s.value for s in ComponentState},
    "完好": "intact",
    "破损": "damaged",
    "丢失": "lost",
    "废弃": "abandoned",
    "移除": "removed",
}
GEOMETRY_KINDS = {"Point": "point", "LineString": "line", "Polygon": "polygon"}
# The fields a survey sets, compared with the register to tell a change.
COMPARED = ("category_id", "name", "manager_code", "manager_name", "owner_code", "owner_name",
            "maintainer_code", "maintainer_name", "department_id", "grid_id", "state",
            "geometry_kind", "geometry", "initial_date", "changed_date", "data_source",
            "note")  # fmt: skip
MAX_ROWS = 200_000


class RowRefused(ValueError):
    pass


@dataclass
class SurveyReport:
    rows: int = 0
    new: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, list]] = field(default_factory=dict)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (line, reason)
    applied: bool = False
    removed: int = 0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "missing": len(self.missing),
            "refused": len(self.refused),
            "applied": self.applied,
            "removed": self.removed,
        }


# --- writing (export: the same format, so an export loads back unchanged) ---------------------

STATE_NAMES = {v: k for k, v in STATES.items() if not k.isascii()}  # intact -> 完好
EXPORTED = ("code", "name", "manager_code", "manager_name", "owner_code", "owner_name",
            "maintainer_code", "maintainer_name", "grid", "state", "initial_date",
            "changed_date", "data_source", "note")  # fmt: skip


def export_properties(component: Component) -> dict[str, str]:
    """A registered component as a survey row's fields, by their GB/T 47678.5 abbreviations."""
    values = {
        "code": component.code, "name": component.name,
        "manager_code": component.manager_code, "manager_name": component.manager_name,
        "owner_code": component.owner_code, "owner_name": component.owner_name,
        "maintainer_code": component.maintainer_code,
        "maintainer_name": component.maintainer_name, "grid": component.grid.code,
        "state": STATE_NAMES.get(component.state, component.state),
        "initial_date": component.initial_date.strftime("%Y%m%d"),
        "changed_date": component.changed_date.strftime("%Y%m%d") if component.changed_date else "",
        "data_source": component.data_source, "note": component.note,
    }  # fmt: skip
    return {FIELDS[name][0]: values[name] for name in EXPORTED}


def export_header() -> list[str]:
    return [FIELDS[name][0] for name in EXPORTED] + ["geometry"]


def export_row(component: Component) -> list[str]:
    """A CSV/xlsx row: the fields and the geometry as GeoJSON text (points, lines, polygons)."""
    return [*export_properties(component).values(), json.dumps(component.geometry)]


def export_feature(component: Component) -> dict:
    return {
        "type": "Feature",
        "properties": export_properties(component),
        "geometry": component.geometry,
    }


# --- reading ------------------------------------------------------------------------------------


def read_rows(stream, name: str) -> list[tuple[str, dict, dict | None]]:
    """(label, properties, geometry or None) of every row of a GeoJSON, CSV or xlsx file."""
    if name.lower().endswith((".geojson", ".json")):
        try:
            data = json.load(stream)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RowRefused(_("The file is not GeoJSON: %(e)s") % {"e": exc}) from None
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise RowRefused(_("A GeoJSON survey is a FeatureCollection."))
        return [
            (
                _("feature %(n)s") % {"n": i},
                f.get("properties")
                if isinstance(f, dict) and isinstance(f.get("properties"), dict)
                else {},
                f.get("geometry") if isinstance(f, dict) else None,
            )
            for i, f in enumerate(features, start=1)
        ]
    from hotline.readers import open_table

    table = open_table(stream, name=name)
    rows = []
    for line, cells in table.rows:
        props = {h: c for h, c in zip(table.header, cells, strict=False) if h}
        rows.append((_("line %(n)s") % {"n": line}, props, None))
    return rows


def _value(props: dict, name: str) -> str:
    for key in FIELDS[name]:
        for given in (key, key.lower()):
            if given in props and props[given] not in (None, ""):
                value = props[given]
                if isinstance(value, datetime):
                    return value.date().isoformat()
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                return str(value).strip()
    return ""


def _day(text: str, what: str) -> date | None:
    if not text:
        return None
    compact = text.replace("-", "").replace("/", "")[:8]
    try:
        day = (
            parse_date(f"{compact[:4]}-{compact[4:6]}-{compact[6:8]}")
            if compact.isdigit()
            else None
        )
        day = day or parse_date(text[:10])
    except ValueError:  # well formed, but no such day (2024-13-45)
        day = None
    if day is None:
        raise RowRefused(
            _("%(what)s %(value)r is not a date (YYYYMMDD).") % {"what": what, "value": text}
        )
    return day


def _geometry(props: dict, geometry: dict | None) -> tuple[str, dict, float, float]:
    if geometry is None:
        text = _value(props, "geometry")
        if text:
            try:
                geometry = json.loads(text)
            except ValueError:
                raise RowRefused(_("The geometry column is not GeoJSON.")) from None
    if geometry is None:
        lon, lat = _value(props, "lon"), _value(props, "lat")
        if not lon or not lat:
            raise RowRefused(_("No place: give a geometry, or 经度 and 纬度."))
        try:
            geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]}
        except ValueError:
            raise RowRefused(
                _("经度/纬度 %(lon)r, %(lat)r are not numbers.") % {"lon": lon, "lat": lat}
            ) from None
    kind = GEOMETRY_KINDS.get(geometry.get("type") if isinstance(geometry, dict) else None)
    if kind is None:
        raise RowRefused(_("The geometry is not a Point, LineString or Polygon."))
    try:
        shaped = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, ShapelyError):
        raise RowRefused(_("The geometry's coordinates cannot be read.")) from None
    if shaped.is_empty or not shaped.is_valid:
        raise RowRefused(_("The geometry is empty or not valid."))
    minx, miny, maxx, maxy = shaped.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90) or not all(
        math.isfinite(v) for v in shaped.bounds
    ):
        raise RowRefused(_("The geometry is not in longitude/latitude (WGS-84)."))
    point = shaped if kind == "point" else shaped.representative_point()
    return kind, geometry, round(point.x, 7), round(point.y, 7)


# --- checking one row ---------------------------------------------------------------------------


class Checker:
    """Checks rows of one survey, with the catalogue, grids and departments at hand."""

    def __init__(self) -> None:
        self.categories = {
            c.code: c for c in Category.objects.filter(kind=CategoryKind.COMPONENT, is_active=True)
        }
        self.departments = dict(Department.objects.filter(is_active=True).values_list("code", "pk"))
        self.grids: dict[str, UnitGrid | None] = {}
        self.seen: set[str] = set()

    def _grid(self, code: str, lon: float, lat: float) -> UnitGrid:
        if code:
            if code not in self.grids:
                self.grids[code] = UnitGrid.objects.filter(code=code).first()
            grid = self.grids[code]
            if grid is None:
                raise RowRefused(_("No unit grid %(code)s.") % {"code": code})
            return grid
        grid_id = grid_index.locate(lon, lat)
        key = f"#{grid_id}"
        if key not in self.grids:
            self.grids[key] = UnitGrid.objects.filter(pk=grid_id).first() if grid_id else None
        grid = self.grids[key]
        if grid is None:
            raise RowRefused(_("The place lies in no unit grid; give 所在单元网格标识码."))
        return grid

    def check(self, props: dict, geometry: dict | None) -> dict:
        """The component's fields from one row, or RowRefused saying why not."""
        missing = [FIELDS[n][1] for n in REQUIRED if not _value(props, n)]
        if missing:
            raise RowRefused(_("Empty: %(names)s.") % {"names": "、".join(missing)})
        row = {name: _value(props, name) for name in LIMITS}
        too_long = [FIELDS[n][1] for n, limit in LIMITS.items() if len(row[n]) > limit]
        if too_long:
            raise RowRefused(_("Too long: %(names)s.") % {"names": "、".join(too_long)})
        code = _value(props, "code")
        if code in self.seen:
            raise RowRefused(_("%(code)s appears twice in this survey.") % {"code": code})
        kind, shaped, lon, lat = _geometry(props, geometry)
        try:
            parts = identifiers.parse(code)
        except identifiers.CodeError as exc:
            raise RowRefused(str(exc)) from None
        category = self.categories.get(parts.type)
        if category is None:
            raise RowRefused(
                _("%(code)r: type %(type)s is no 部件 category of the catalogue.")
                % {"code": code, "type": parts.type}
            )
        grid = self._grid(_value(props, "grid"), lon, lat)
        try:
            identifiers.check(code, category_code=category.code, grid_code=grid.code)
        except identifiers.CodeError as exc:
            raise RowRefused(str(exc)) from None
        state_text = _value(props, "state") or "完好"
        state = STATES.get(state_text) or STATES.get(state_text.lower())
        if state is None:
            raise RowRefused(
                _("State %(value)r is not one of 完好, 破损, 丢失, 废弃, 移除.")
                % {"value": state_text}
            )
        self.seen.add(code)
        department = self.departments.get(row["maintainer_code"]) or self.departments.get(
            row["manager_code"]
        )
        return {
            **row,
            "code": code,
            "category_id": category.pk,
            "department_id": department,
            "grid_id": grid.pk,
            "area_path": grid.path,
            "state": state,
            "geometry_kind": kind,
            "geometry": shaped,
            "lon": lon,
            "lat": lat,
            "initial_date": _day(_value(props, "initial_date"), FIELDS["initial_date"][1]),
            "changed_date": _day(_value(props, "changed_date"), FIELDS["changed_date"][1]),
        }


# --- comparing and applying ---------------------------------------------------------------------


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def load(
    stream,
    *,
    name: str,
    survey: str = "",
    user=None,
    dry_run: bool = False,
    apply_missing: bool = False,
    now: datetime | None = None,
) -> SurveyReport:
    """Check every row, compare with the register and (unless ``dry_run``) apply: the report."""
    now = now or timezone.now()
    report = SurveyReport()
    rows = read_rows(stream, name)
    if len(rows) > MAX_ROWS:
        raise RowRefused(_("At most %(n)s rows per survey file.") % {"n": MAX_ROWS})
    checker = Checker()
    planned: dict[str, dict] = {}
    named: set[str] = set()  # every identifier the file names, refused rows' too
    for label, props, geometry in rows:
        report.rows += 1
        named.add(_value(props, "code"))
        try:
            planned_row = checker.check(props, geometry)
        except RowRefused as exc:
            report.refused.append((str(label), str(exc)))
            continue
        planned[planned_row["code"]] = planned_row
    registered = {c.code: c for c in Component.objects.filter(code__in=list(planned))}
    for code, row in planned.items():
        old = registered.get(code)
        if old is None:
            report.new.append(code)
            continue
        differences = {
            name: [_plain(getattr(old, name)), _plain(row[name])]
            for name in COMPARED
            if getattr(old, name) != row[name]
        }
        if differences:
            report.changed[code] = differences
        else:
            report.unchanged += 1
    # Missing: registered, of a district and type the survey covers, named by no row at all (a
    # refused row's component is not missing: the surveyors found it, the row needs fixing).
    registered_now = Component.objects.exclude(state=ComponentState.REMOVED)
    for prefix in sorted({code[:11] for code in planned}):
        codes = registered_now.filter(code__startswith=prefix).values_list("code", flat=True)
        report.missing += sorted(code for code in codes if code not in named)
    if dry_run:
        return report
    reference = survey or name
    with transaction.atomic():
        for code in report.new:
            row = planned[code]
            component = Component.objects.create(
                **{k: v for k, v in row.items() if k != "area_path"}, area_path=row["area_path"]
            )
            first = {n: [None, _plain(row[n])] for n in ("name", "state", "grid_id")}
            ComponentChange.objects.create(
                component=component, at=now, source=ChangeSource.SURVEY, reference=reference,
                fields=first, by=user,
            )  # fmt: skip
        for code, differences in report.changed.items():
            row = planned[code]
            Component.objects.filter(code=code).update(**row, updated_at=now)
            ComponentChange.objects.create(
                component=registered[code], at=now, source=ChangeSource.SURVEY,
                reference=reference, fields=differences, by=user,
            )  # fmt: skip
        if apply_missing and not report.refused:  # never remove on a survey with refused rows
            for component in Component.objects.filter(code__in=report.missing):
                ComponentChange.objects.create(
                    component=component, at=now, source=ChangeSource.SURVEY,
                    reference=reference, by=user,
                    fields={"state": [component.state, ComponentState.REMOVED.value]},
                )  # fmt: skip
            report.removed = Component.objects.filter(code__in=report.missing).update(
                state=ComponentState.REMOVED, changed_date=timezone.localdate(now), updated_at=now
            )
    report.applied = True
    return report
