"""Every channel ends here: ``receive_report`` (受理), and ``record_report`` (仅记录).

``receive_report`` normalises the point to WGS-84, finds its unit grid, suggests a category from
the text when none is given, attaches the report to an open case of the same problem (same
category, within INTAKE_DUPLICATE_METERS and INTAKE_DUPLICATE_HOURS) or opens a case through
``cases.services.case_report``. One transaction; an IntakeReport row records every report.
A repeat of (source, external_id) returns the first answer (``created=False``, ``repeat=True``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import AdminArea, UnitGrid
from cases import permissions
from cases import services as case_services
from cases.evidence import store_evidence
from cases.models import Case
from cases.services.reporting import case_report
from cases.states import (
    FINAL_CASE_STATUSES,
    TRUSTED_BY_DEFAULT,
    EvidenceKind,
    Priority,
    SourceChannel,
)
from catalog.models import Category
from core import locks
from core.coords import to_wgs84
from core.errors import PermissionDenied, ValidationFailed
from intake import dedupe
from intake.models import IntakeReport, Outcome
from intake.services._checks import (
    DESCRIPTION_MAX,
    check_crs,
    check_external_id,
    check_plain,
    check_priority,
    check_source,
    check_text,
    locate,
    suggested_category,
    user_or_none,
)

NOTE_EXCERPT = 200
# What of a channel's data goes on the case's report event (the trail): who ordered it, the
# article, the time limit of a leader order (交办时限). The rest stays on the intake report.
BRIEF_KEYS = ("origin", "link", "due_at")
# PostgreSQL advisory-lock namespace: reports of one category are deduplicated one at a time, so
# two reports of one problem arriving together cannot both open a case. (SQLite's IMMEDIATE
# transactions already serialise writers.)
DEDUPE_LOCK_NAMESPACE = 5005


@dataclass(frozen=True)
class IntakeResult:
    """What became of a report: the case it counts toward and whether that case is new.

    ``case`` is None only for a report recorded without a case (``record_report``) and its
    repeats.
    """

    case: Case | None
    created: bool
    duplicate_of: Case | None
    report: IntakeReport
    repeat: bool = False


# --- receive ---------------------------------------------------------------------------------


def _claim(report: IntakeReport) -> IntakeReport | None:
    """Insert ``report``; on a repeated (source, external_id) return the first one instead.

    Inserting first (not "look, then insert") makes the unique constraint the referee when the
    same message arrives twice at once: the second insert waits for the first transaction and
    then fails, and its caller gets the first answer.
    """
    if report.external_id:
        existing = _existing(report.source, report.external_id)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                report.save(force_insert=True)
        except IntegrityError:
            existing = _existing(report.source, report.external_id)
            if existing is None:  # pragma: no cover - some other constraint failed
                raise
            return existing
        return None
    report.save(force_insert=True)
    return None


def _existing(source: str, external_id: str) -> IntakeReport | None:
    return (
        IntakeReport.objects.select_related("case", "duplicate_of")
        .filter(source=source, external_id=external_id)
        .first()
    )


def _repeat(report: IntakeReport) -> IntakeResult:
    return IntakeResult(
        case=report.case,
        created=False,
        duplicate_of=report.duplicate_of,
        report=report,
        repeat=True,
    )


def _lock_category(category_id: int) -> None:
    locks.hold(DEDUPE_LOCK_NAMESPACE, category_id)


def _open_locked(case: Case) -> Case | None:
    """The duplicate candidate, locked, if it is still open (it may have closed meanwhile)."""
    fresh = Case.objects.select_for_update().filter(pk=case.pk).first()
    if fresh is None or fresh.status in FINAL_CASE_STATUSES:
        return None
    return fresh


def _attach(
    *, case: Case, report: IntakeReport, photos: list, actor, now: datetime
) -> IntakeResult:
    stored = [
        store_evidence(case=case, kind=EvidenceKind.BEFORE, upload=p, actor=actor, at=now)
        for p in photos
    ]
    distance = dedupe.haversine_m(report.lon, report.lat, case.lon, case.lat)
    label = SourceChannel(report.source).label
    note = _("Duplicate report via %(source)s, %(m).0f m away: %(text)s") % {
        "source": label,
        "m": distance,
        "text": report.description[:NOTE_EXCERPT],
    }
    if report.priority == Priority.URGENT and case.priority != Priority.URGENT:
        note += " " + _("(reported as urgent: consider an emergency upgrade)")
    report.case = case
    report.duplicate_of = case
    report.outcome = Outcome.DUPLICATE
    report.save(update_fields=["case", "duplicate_of", "outcome", "updated_at"])
    case_services.case_add_note(
        case=case,
        actor=None,  # the channel, not a staff member, attached it
        note=note,
        data={
            "intake_report": report.pk,
            "source": report.source,
            "external_id": report.external_id,
            "distance_m": round(distance, 1),
            "priority": report.priority,
            "photos": [e.pk for e in stored],
            # A leader order on a problem already open keeps its time limit and who ordered it.
            **({"brief": brief} if (brief := _brief(report.payload.get("data"))) else {}),
        },
        now=now,
    )
    return IntakeResult(case=case, created=False, duplicate_of=case, report=report)


def _brief(data: dict | None) -> dict | None:
    """What of a channel's data goes on the case's trail (BRIEF_KEYS), or None."""
    return {key: data[key] for key in BRIEF_KEYS if data and data.get(key)} or None


@transaction.atomic
def receive_report(
    *,
    source: str,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    category: Category | None = None,
    category_hint: str = "",
    priority: str | None = None,
    trusted: bool | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    photos: Iterable = (),
    external_id: str = "",
    data: dict | None = None,
    area: AdminArea | str | None = None,
    grid: UnitGrid | str | None = None,
    component=None,
    actor=None,
    now: datetime | None = None,
) -> IntakeResult:
    """Take one report from any channel to a case (see the module docstring).

    ``area`` (an AdminArea or its code) places a report that has no location; without it such
    a report goes to the city (the single root area). ``grid`` (a UnitGrid or its code) is taken
    as given instead of the grid of the point. ``trusted=None`` uses the source's
    default (inspector, leader order, IoT and video AI skip on-site 核实). ``component`` (a
    registered Component or its 17-digit identifier) names the 部件 the report is about: its
    category and place stand in for missing ones, and a category of another code (not the 部件
    nor its 管理事项 "异常") is refused.
    """
    now = now or timezone.now()
    actor = user_or_none(actor)
    source = check_source(source)
    check_plain(
        {
            "description": description,
            "address": address,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
            "reporter_email": reporter_email,
            "external_id": external_id,
            "category_hint": category_hint,
        }
    )
    description = check_text(description)
    priority = check_priority(priority)
    external_id = check_external_id(external_id)
    if category is not None and not isinstance(category, Category):
        raise ValidationFailed(_("category must be a catalogue Category."))
    if component is not None:
        component = check_component(component, category, actor=actor)
        category = category or component.category
        if lon is None and lat is None and grid is None and area is None:
            lon, lat, crs, grid = component.lon, component.lat, "wgs84", component.grid
    place = locate(lon=lon, lat=lat, crs=crs, address=address, area=area, grid=grid)
    if component is not None and place.lon is not None:
        check_component_place(component, place.lon, place.lat)
    path = place.grid.path if place.grid is not None else place.area.path
    if actor is not None and not permissions.can_see(actor, path):
        raise PermissionDenied(
            _("You may not report in %(where)s: it lies outside your area scope.")
            % {"where": place.grid.code if place.grid is not None else place.area.name},
            code="out_of_scope",
        )
    suggested = category is None
    if suggested:
        category = suggested_category(category_hint, description)
    if trusted is None:
        trusted = source in TRUSTED_BY_DEFAULT
    report = IntakeReport(
        source=source,
        external_id=external_id,
        outcome=Outcome.RECORDED,  # until we know better, below
        description=description,
        category=category,
        category_suggested=suggested and category is not None,
        priority=priority,
        trusted=bool(trusted),
        lon=place.lon,
        lat=place.lat,
        grid=place.grid,
        area=place.area,
        address=(address or "")[:200],
        reporter_name=(reporter_name or "")[:60],
        reporter_phone=(reporter_phone or "")[:30],
        reporter_email=reporter_email or "",
        payload={
            "input": {
                "lon": lon,
                "lat": lat,
                "crs": crs,
                "category_hint": category_hint,
                **({"component": component.code} if component is not None else {}),
            },
            "data": data or {},
        },
        received_at=now,
        received_by=actor,
    )
    first = _claim(report)
    if first is not None:
        return _repeat(first)
    photos = list(photos)
    if category is not None and place.lon is not None:
        _lock_category(category.pk)
        candidate = dedupe.find_duplicate(
            category_id=category.pk, lon=place.lon, lat=place.lat, now=now
        )
        if candidate is not None:
            locked = _open_locked(candidate)
            if locked is not None:
                return _attach(case=locked, report=report, photos=photos, actor=actor, now=now)
    case = case_report(
        actor=actor,
        source=source,
        description=description,
        grid=place.grid,
        area=place.area,
        lon=place.lon,
        lat=place.lat,
        address=report.address,
        category=category,
        priority=priority,
        trusted=bool(trusted),
        source_ref=external_id,
        reporter_name=report.reporter_name,
        reporter_phone=report.reporter_phone,
        reporter_email=report.reporter_email,
        photos=photos,
        brief=_brief(data),
        component=component,
        now=now,
    )
    report.case = case
    report.outcome = Outcome.CREATED
    report.save(update_fields=["case", "outcome", "updated_at"])
    return IntakeResult(case=case, created=True, duplicate_of=None, report=report)


COMPONENT_NEAR_M = 100  # a report naming a component is made where it stands


def check_component(component, category: Category | None, *, actor=None):
    """The registered component a report names (a Component or its identifier): it must exist,
    not be removed, be visible to the reporting staff member (their area; one outside answers
    like a missing one), and be of the report's category when the report names one."""
    from components import selectors as components
    from components.models import Component, ComponentState
    from org.selectors import staff_profile

    found = component
    if not isinstance(component, Component):
        rows = Component.objects.all()
        if actor is not None and not actor.is_superuser and staff_profile(actor) is not None:
            rows = components.visible(actor)
        found = rows.select_related("category", "grid").filter(code=str(component or "")).first()
    if found is None or found.state == ComponentState.REMOVED:
        raise ValidationFailed(
            _("No registered component %(code)s.") % {"code": component},
            details={"field": "component"},
        )
    if category is not None and not component_fits(found, category):
        raise ValidationFailed(
            _("Component %(code)s is a %(kind)s, not a %(category)s.")
            % {"code": found.code, "kind": found.category.name, "category": category.name},
            details={"field": "component"},
        )
    return found


def component_fits(component, category: Category) -> bool:
    """Whether a report of ``category`` may be about ``component``: the same 5-digit code (the
    部件 itself, or the 管理事项 "部件 X 异常" that shares it)."""
    return category.code == component.category.code


def check_component_place(component, lon: float, lat: float) -> None:
    """A report naming a component is made where the component stands."""
    metres = dedupe.haversine_m(lon, lat, component.lon, component.lat)
    if metres > COMPONENT_NEAR_M:
        raise ValidationFailed(
            _("Component %(code)s stands %(m)d m from the reported place (at most %(max)d m).")
            % {"code": component.code, "m": metres, "max": COMPONENT_NEAR_M},
            details={"field": "component"},
        )


@transaction.atomic
def record_report(
    *,
    source: str,
    description: str,
    reason: str,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    address: str = "",
    category: Category | None = None,
    external_id: str = "",
    data: dict | None = None,
    actor=None,
    now: datetime | None = None,
) -> IntakeResult:
    """Keep a report that opens no case (仅记录), e.g. a detection below its threshold.

    Nothing is lost: the row holds the payload and ``reason``; it counts in the source figures.
    """
    now = now or timezone.now()
    source = check_source(source)
    check_plain({"description": description, "address": address, "external_id": external_id})
    external_id = check_external_id(external_id)
    wlon, wlat = (None, None)
    if lon is not None and lat is not None:
        wlon, wlat = to_wgs84(float(lon), float(lat), check_crs(crs))
    report = IntakeReport(
        source=source,
        external_id=external_id,
        outcome=Outcome.RECORDED,
        description=(description or "").strip()[:DESCRIPTION_MAX],
        category=category,
        lon=wlon,
        lat=wlat,
        address=(address or "")[:200],
        payload={"reason": reason, "data": data or {}},
        received_at=now,
        received_by=user_or_none(actor),
    )
    first = _claim(report)
    if first is not None:
        return _repeat(first)
    return IntakeResult(case=None, created=False, duplicate_of=None, report=report)
