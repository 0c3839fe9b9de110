"""Historical rows checked one by one: what a finished case was, or why the row is refused.

A row describes a finished case (结案 closed, or 作废 voided) with the times of its moves. The
checks are those the services apply to the live moves, on the recorded times: known source,
status closed/voided, a description, a catalogue category (and, once filed, a filing standard
of it), a place (grid code, a point inside a grid, or an area code), a department for a
dispatched case, and times in the order of the state machine (cases.states), none in the
future. Optional times are inferred from the next move when missing (核实 at 立案, 接收 at
派遣, 核查通过 at 结案) and listed in the intake record's payload as ``inferred``.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from cases.limits import DESCRIPTION_MAX
from cases.states import TRUSTED_BY_DEFAULT, CaseStatus, Priority, SourceChannel
from hotline.mapping import Mapping, RowRejected
from hotline.models import Crs
from hotline.readers import Cell
from hotline.refs import AreaRef, GridRef, Refs, StandardRef
from hotline.report import TEXT_LIMITS, cut_fields
from intake.models import EXTERNAL_ID_MAX
from org.models import Department

CLOSED, VOIDED = CaseStatus.CLOSED.value, CaseStatus.VOIDED.value  # plain strs: fast compares
FINISHED = (CLOSED, VOIDED)
NORMAL = Priority.NORMAL.value
TRUSTED = frozenset(str(s.value) for s in TRUSTED_BY_DEFAULT)
CLOSED_REQUIRED = ("filed_at", "dispatched_at", "disposed_at", "closed_at")
# Moves a voided case never made (live: only a case not yet dispatched can be voided).
NOT_WHEN_VOIDED = (
    "deadline_at",
    "dispatched_at",
    "accepted_at",
    "disposed_at",
    "check_started_at",
    "check_passed_at",
    "closed_at",
)


class Planned:
    """One valid row: the case to write (location may still be pending a grid lookup)."""

    __slots__ = (
        "line",
        "external_id",
        "source",
        "trusted",
        "status",
        "priority",
        "category_id",
        "standard",
        "description",
        "lon",
        "lat",
        "crs",
        "input_lon",
        "input_lat",
        "grid",
        "area",
        "address",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "category_hint",
        "department",
        "times",
        "inferred",
        "void_reason",
        "dispose_note",
        "close_note",
        "on_time",
        "cut",
    )

    line: int
    external_id: str
    source: str
    trusted: bool
    status: str
    priority: str
    category_id: int
    standard: StandardRef | None
    description: str
    lon: float | None
    lat: float | None
    crs: str
    grid: GridRef | None
    area: AreaRef | None
    department: Department | None
    times: dict[str, datetime]
    inferred: list[str]


class Planner:
    """Checks rows of one file; remembers the external ids seen so a repeat is refused."""

    def __init__(self, mapping: Mapping, refs: Refs, *, now: datetime) -> None:
        self.mapping = mapping
        self.refs = refs
        self.now = now
        self.seen: set[str] = set()
        m = mapping
        self.has_location = m.has("lon") and m.has("lat")
        self.time_fields = [f for f in (*_ORDER, "deadline_at") if m.has(f)]

    def plan(self, line: int, cells: list[Cell]) -> Planned:
        m = self.mapping
        p = Planned()
        p.line = line
        p.external_id = ext = m.require(cells, "external_id")
        if len(ext) > EXTERNAL_ID_MAX:
            raise RowRejected(
                _("%(column)s is longer than %(max)d characters.")
                % {"column": m.header_of("external_id"), "max": EXTERNAL_ID_MAX}
            )
        if ext in self.seen:
            raise RowRejected(
                _("%(column)s %(value)s appears on an earlier line of this file.")
                % {"column": m.header_of("external_id"), "value": ext}
            )
        p.source = m.choice(cells, "source", SourceChannel, m.source)
        p.trusted = p.source in TRUSTED
        p.status = status = m.choice(cells, "status", CaseStatus)
        if status not in FINISHED:
            raise RowRejected(
                _(
                    "%(column)s is %(value)r: the historical import loads finished cases only "
                    "(closed 结案 or voided 作废)."
                )
                % {"column": m.header_of("status"), "value": status or ""}
            )
        texts = {
            "description": m.require(cells, "description"),
            "address": m.text(cells, "address"),
            "reporter_name": m.text(cells, "reporter_name"),
            "reporter_phone": m.text(cells, "reporter_phone"),
        }
        p.description = texts["description"][:DESCRIPTION_MAX]
        category = self.refs.category(m.require(cells, "category"))
        p.category_id = category.pk
        p.priority = m.choice(cells, "priority", Priority, NORMAL)
        p.address = texts["address"][: TEXT_LIMITS["address"]]
        p.reporter_name = texts["reporter_name"][: TEXT_LIMITS["reporter_name"]]
        p.reporter_phone = texts["reporter_phone"][: TEXT_LIMITS["reporter_phone"]]
        p.reporter_email = m.text(cells, "reporter_email")
        p.category_hint = m.text(cells, "category_hint")
        self._place(p, cells)
        times = self._times(p, cells)
        if status == CLOSED or "filed_at" in times:
            p.standard = self.refs.standard(m.text(cells, "standard"), category)
        else:
            p.standard = None
        if status == CLOSED:
            p.department = self.refs.department(m.require(cells, "department"))
            p.dispose_note = m.text(cells, "dispose_note")
            p.close_note = m.text(cells, "close_note")
            p.void_reason = ""
            p.on_time = m.flag(cells, "on_time")
        else:
            p.department = None
            p.on_time = None
            if m.text(cells, "on_time"):
                raise RowRejected(
                    _("%(column)s is set, but a voided case was never disposed.")
                    % {"column": m.header_of("on_time")}
                )
            texts["void_reason"] = m.require(cells, "void_reason")
            p.void_reason = texts["void_reason"][: TEXT_LIMITS["void_reason"]]
            p.dispose_note = p.close_note = ""
        p.cut = cut_fields(texts)
        self.seen.add(ext)
        return p

    # --- place ----------------------------------------------------------------------------------
    def _place(self, p: Planned, cells: list[Cell]) -> None:
        m = self.mapping
        p.grid = p.area = None
        p.lon = p.lat = p.input_lon = p.input_lat = None
        p.crs = m.choice(cells, "crs", Crs, m.crs)
        lon, lat = m.number(cells, "lon"), m.number(cells, "lat")
        if (lon is None) != (lat is None):
            raise RowRejected(
                _("Give both %(lon)s and %(lat)s, or neither.")
                % {"lon": m.header_of("lon"), "lat": m.header_of("lat")}
            )
        if lon is not None:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise RowRejected(
                    _("Location %(lon)s, %(lat)s is not a longitude/latitude pair.")
                    % {"lon": lon, "lat": lat}
                )
            p.input_lon, p.input_lat = lon, lat
        grid_code = m.text(cells, "grid")
        if grid_code:
            p.grid = self.refs.grid(grid_code)
        if lon is None and p.grid is None:
            area_code = m.text(cells, "area")
            if not area_code:
                raise RowRejected(
                    _("The row has no place: give %(grid)s, %(lon)s/%(lat)s or %(area)s.")
                    % {
                        "grid": m.header_of("grid"),
                        "lon": m.header_of("lon"),
                        "lat": m.header_of("lat"),
                        "area": m.header_of("area"),
                    }
                )
            p.area = self.refs.area(area_code)

    # --- times ----------------------------------------------------------------------------------
    def _times(self, p: Planned, cells: list[Cell]) -> dict[str, datetime]:
        m = self.mapping
        times: dict[str, datetime] = {}
        for name in self.time_fields:
            value = m.time(cells, name)
            if value is not None:
                times[name] = value
        if "reported_at" not in times:
            raise RowRejected(_("%(column)s is empty.") % {"column": m.header_of("reported_at")})
        inferred: list[str] = []
        if p.trusted and "verified_at" in times:
            raise RowRejected(
                _("%(column)s is set, but %(source)s reports are trusted and skip 核实.")
                % {"column": m.header_of("verified_at"), "source": p.source}
            )
        if p.status == CLOSED:
            for name in CLOSED_REQUIRED:
                if name not in times:
                    raise RowRejected(
                        _(
                            "%(column)s is empty (a closed case was filed, dispatched, disposed "
                            "and closed)."
                        )
                        % {"column": m.header_of(name)}
                    )
            if "voided_at" in times:
                raise RowRejected(
                    _("%(column)s is set on a closed case.") % {"column": m.header_of("voided_at")}
                )
            for name, source in _INFERRED_CLOSED:
                if name not in times and not (name == "verified_at" and p.trusted):
                    times[name] = times[source]
                    inferred.append(name)
        else:
            for name in NOT_WHEN_VOIDED:
                if name in times:
                    raise RowRejected(
                        _("%(column)s is set, but a voided case was never dispatched.")
                        % {"column": m.header_of(name)}
                    )
            if "voided_at" not in times:
                raise RowRejected(_("%(column)s is empty.") % {"column": m.header_of("voided_at")})
            if "filed_at" in times and not p.trusted and "verified_at" not in times:
                times["verified_at"] = times["filed_at"]
                inferred.append("verified_at")
        previous = None
        for name in _ORDER:
            value = times.get(name)
            if value is None:
                continue
            if previous is not None and value < times[previous]:
                raise RowRejected(
                    _("%(later)s (%(a)s) is before %(earlier)s (%(b)s).")
                    % {
                        "later": m.header_of(name),
                        "a": value.isoformat(sep=" "),
                        "earlier": m.header_of(previous),
                        "b": times[previous].isoformat(sep=" "),
                    }
                )
            previous = name
        deadline = times.get("deadline_at")
        if deadline is not None and deadline < times["dispatched_at"]:
            raise RowRejected(
                _("%(deadline)s (%(a)s) is before %(dispatched)s (%(b)s).")
                % {
                    "deadline": m.header_of("deadline_at"),
                    "a": deadline.isoformat(sep=" "),
                    "dispatched": m.header_of("dispatched_at"),
                    "b": times["dispatched_at"].isoformat(sep=" "),
                }
            )
        if times[previous] > self.now:
            raise RowRejected(
                _("%(column)s (%(value)s) is in the future.")
                % {"column": m.header_of(previous), "value": times[previous].isoformat(sep=" ")}
            )
        p.times = times
        p.inferred = inferred
        return times


# The order of the moves (cases.states); a voided case stops after 立案 at the latest.
_ORDER = (
    "reported_at",
    "verified_at",
    "filed_at",
    "dispatched_at",
    "accepted_at",
    "disposed_at",
    "check_started_at",
    "check_passed_at",
    "closed_at",
    "voided_at",
)
# (missing time, taken from): a closed case always has these moves on its trail.
_INFERRED_CLOSED = (
    ("verified_at", "filed_at"),
    ("accepted_at", "dispatched_at"),
    ("check_passed_at", "closed_at"),
)
