"""Reads of the intake records: a case's reports, reporters to tell, counts by source; and for
the call desk, the open cases near a place and places matching words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from areas.models import UnitGrid
from cases import tally
from cases.api_selectors import visible_cases
from cases.models import Case
from cases.states import FINAL_CASE_STATUSES, OPEN_CASE_STATUSES, SourceChannel
from intake import dedupe
from intake.models import IntakeReport
from org.selectors import ALL, scope, visible_area_paths


def case_reports(case: Case) -> QuerySet[IntakeReport]:
    """The reports that count toward ``case``, oldest first (the one that opened it first)."""
    return IntakeReport.objects.filter(case=case).order_by("received_at", "pk")


def opener(case: Case) -> IntakeReport | None:
    """The report that opened ``case`` (受理记录, ``duplicate_of`` empty).

    Every case has one (every channel goes through ``receive_report``; older cases got theirs in
    migration intake 0002) except a case merged away (合并), whose reports count toward the case
    it was merged into.
    """
    return case_reports(case).filter(duplicate_of__isnull=True).first()


def reporter_contacts(case: Case) -> list[tuple[str, str]]:
    """(phone, email) of every report on ``case`` that left a contact, oldest first."""
    return list(
        case_reports(case)
        .exclude(reporter_phone="", reporter_email="")
        .values_list("reporter_phone", "reporter_email")
    )


def counts_by_source(
    user, *, since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Cases per source channel in the user's area scope: total and still open, every channel
    listed (zeros included) in the channel order of ``SourceChannel``.

    All time is read from the tallies the database keeps (cases.tally: a city's years would
    take seconds to count); a period is counted on the cases reported in it.
    """
    if since is None and until is None:
        counts = tally.by_source(user, open_statuses=OPEN_CASE_STATUSES)
    else:
        qs = scope(Case.objects.all(), user, path_field="area_path")
        if since is not None:
            qs = qs.filter(reported_at__gte=since)
        if until is not None:
            qs = qs.filter(reported_at__lt=until)
        counts = {
            source: (total, still_open)
            for source, total, still_open in qs.values_list("source")
            .annotate(
                total=Count("id"), open=Count("id", filter=~Q(status__in=FINAL_CASE_STATUSES))
            )
            .order_by()
        }
    return [
        {
            "source": value,
            "label": str(label),
            "total": counts.get(value, (0, 0))[0],
            "open": counts.get(value, (0, 0))[1],
        }
        for value, label in SourceChannel.choices
    ]


# --- the call desk: what is near the caller's place, and where a place is -------------------

NEARBY_METERS = 300
NEARBY_MAX = 10
PLACES_MAX = 10
PLACE_QUERY_MAX = 60


@dataclass(frozen=True)
class Nearby:
    case: Case
    meters: float
    same_category: bool  # saving now would attach the call to this case (duplicate window)


def nearby_open_cases(
    user,
    *,
    lon: float,
    lat: float,
    category_id: int | None = None,
    meters: float = NEARBY_METERS,
    limit: int = NEARBY_MAX,
) -> list[Nearby]:
    """Open cases the user may see within ``meters`` of the point, nearest first: what the
    acceptor tells a caller before saving ("it is known already, case ...")."""
    min_lon, min_lat, max_lon, max_lat = dedupe.bounding_box(lon, lat, meters)
    rows = (
        visible_cases(user)
        .filter(
            lon__gte=min_lon,
            lon__lte=max_lon,
            lat__gte=min_lat,
            lat__lte=max_lat,
            status__in=dedupe.OPEN_CASE_STATUSES,
        )
        .order_by("-reported_at")[: limit * 5]
    )
    found = []
    for case in rows:
        distance = dedupe.haversine_m(lon, lat, case.lon, case.lat)
        if distance <= meters:
            same = category_id is not None and case.category_id == category_id
            found.append(Nearby(case, round(distance), same))
    found.sort(key=lambda n: (not n.same_category, n.meters))
    return found[:limit]


@dataclass(frozen=True)
class Place:
    label: str
    kind: str  # "grid", "area" or "address"
    lon: float
    lat: float


def find_places(user, text: str, *, limit: int = PLACES_MAX) -> list[Place]:
    """Places matching the words: unit grids (name or code), areas, then addresses of earlier
    cases the user may see (with their point); each with a point to drop the pin on."""
    text = (text or "").strip()[:PLACE_QUERY_MAX]
    if len(text) < 2:
        return []
    places: list[Place] = []
    paths = visible_area_paths(user)
    grids = UnitGrid.objects.filter(is_active=True).filter(
        Q(name__icontains=text) | Q(code__startswith=text)
    )
    if paths is not ALL:
        grids = grids.filter(_under(paths, "path"))
    for grid in grids.order_by("code")[:limit]:
        label = f"{grid.name or grid.code} · {grid.code}"
        places.append(Place(label, "grid", grid.centroid_lon, grid.centroid_lat))
    seen: set[str] = set()
    cases = (
        visible_cases(user)
        .filter(address__icontains=text, lon__isnull=False)
        .order_by("-reported_at")
        .values_list("address", "lon", "lat")[: limit * 3]
    )
    for address, lon, lat in cases:
        if address in seen:
            continue
        seen.add(address)
        places.append(Place(address, "address", lon, lat))
    return places[:limit]


def _under(paths: list[str], field: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q
