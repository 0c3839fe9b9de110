"""Figures from other systems and from people (接入 / 填报): storing them, and reading the one a
leaf uses for an area and a day.

A feed code is known when a leaf of the tree in use reads it (``measure: {"kind": "feed",
"code": "aqi"}``; manual leaves ``{"kind": "manual", "code": ...}``), and its unit is that
leaf's. ``store`` checks every record of a push before writing any (nothing half-stored): the
area must exist, the unit must be the leaf's, the value a finite number, the time not in the
future; the same (code, source id) sent again is reported as a duplicate and not stored twice,
and a different value under a source id already used is refused. Records older than the latest
one are history and are stored (a backfill), never taken for the latest.

A leaf reads the latest figure of its code at or before the end of the day for the area, or
for the nearest area above it that has one (a city-wide AQI holds for its districts), as long
as it is fresh: at most ``FRESH_FOR`` old for the leaf's frequency (twice the period). Older
means stale: no value, and the page says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from areas.models import AdminArea
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from signs.models import Channel, Figure, Frequency, Level, SignNode
from signs.tree import active_tree

FRESH_FOR = {
    Frequency.HOUR: timedelta(hours=2),
    Frequency.DAY: timedelta(days=2),
    Frequency.MONTH: timedelta(days=62),
    Frequency.QUARTER: timedelta(days=184),
    Frequency.YEAR: timedelta(days=731),
}
CLOCK_SKEW = timedelta(minutes=10)  # a sender's clock may run this much ahead
MAX_RECORDS = 1000  # per push


@dataclass(frozen=True)
class Feed:
    code: str
    channel: str
    unit: str
    leaves: tuple[str, ...]


def known(tree=None) -> dict[str, Feed]:
    """code -> the feed the tree in use reads (and which leaves read it)."""
    tree = tree or active_tree()
    found: dict[str, Feed] = {}
    if tree is None:
        return found
    for leaf in tree.nodes.filter(level=Level.LEAF):
        kind, code = leaf.measure.get("kind"), leaf.measure.get("code")
        if kind in (Channel.FEED, Channel.MANUAL) and code:
            seen = found.get(code)
            leaves = (*seen.leaves, leaf.code) if seen else (leaf.code,)
            found[code] = Feed(code, kind, leaf.unit, leaves)
    return found


def _refused(status: int, problems: list[str]) -> DomainError:
    """A push that stores nothing: 404 unknown feed, 409 a source id reused with other
    values, else 422; every problem listed (``details.problems``)."""
    kind = {404: NotFound, 409: Conflict}.get(status, ValidationFailed)
    return kind("; ".join(problems), details={"problems": problems})


@dataclass(frozen=True)
class Record:
    area: str  # the area's code
    at: datetime
    value: float
    unit: str
    source_id: str


def store(
    code: str,
    records: list[Record],
    *,
    user,
    now: datetime | None = None,
    labels: list[str] | None = None,
) -> dict:
    """Check every record, then store the new ones in one transaction; returns
    ``{"stored": n, "duplicates": [source ids]}``. Raises a DomainError (nothing stored); its
    problems name each record by ``labels`` (default ``records[i]``; a file: its lines)."""
    now = now or timezone.now()
    feed = known().get(code)
    if feed is None:
        raise _refused(404, [_("No leaf of the sign tree in use reads the feed %(code)s.")
                                % {"code": code}])  # fmt: skip
    if not records:
        raise _refused(422, [_("No records.")])
    if len(records) > MAX_RECORDS:
        raise _refused(422, [_("At most %(n)s records per push.") % {"n": MAX_RECORDS}])
    areas = dict(
        AdminArea.objects.filter(code__in={r.area for r in records}).values_list("code", "pk")
    )
    problems, seen = [], {}
    for i, r in enumerate(records):

        def where(name: str, i=i) -> str:
            return f"{labels[i]}: {name}: " if labels else f"records[{i}].{name}: "

        if r.area not in areas:
            problems.append(where("area") + _("no area %(code)s") % {"code": r.area})
        if r.unit != feed.unit:
            problems.append(where("unit") + _("the feed's unit is %(unit)s, not %(given)s")
                            % {"unit": feed.unit, "given": r.unit})  # fmt: skip
        if not math.isfinite(r.value):
            problems.append(where("value") + _("must be a finite number"))
        if r.at.tzinfo is None:
            problems.append(where("at") + _("must carry a time zone (e.g. +08:00)"))
        elif r.at > now + CLOCK_SKEW:
            problems.append(where("at") + _("is in the future"))
        if r.source_id in seen and seen[r.source_id] != r:
            problems.append(where("source_id") + _("used twice in this push"))
        seen[r.source_id] = r
    stored = {f.source_id: f for f in Figure.objects.filter(code=code, source_id__in=list(seen))}
    duplicates, conflict = [], False
    for source_id, r in seen.items():
        old = stored.get(source_id)
        if old is None:
            continue
        same = (old.area_id == areas.get(r.area) and old.at == r.at and old.value == r.value
                and old.unit == r.unit)  # fmt: skip
        if not same:
            conflict = True
            problems.append(f"source_id {source_id}: " + _("already stored with other values"))
        duplicates.append(source_id)
    if problems:
        raise _refused(409 if conflict else 422, problems)
    new = [
        Figure(code=code, channel=feed.channel, area_id=areas[r.area], at=r.at, value=r.value,
               unit=r.unit, source_id=source_id, by=user if user and user.pk else None)
        for source_id, r in seen.items()
        if source_id not in stored
    ]  # fmt: skip
    with transaction.atomic():
        Figure.objects.bulk_create(new)
    return {"stored": len(new), "duplicates": sorted(duplicates)}


def latest(leaf: SignNode, paths: list[str], end: datetime) -> dict[str, tuple]:
    """path -> (figure or None, area path it came from, stale figure or None) for the leaf's
    code at ``end`` (a day's value: its end): the latest at or before it, for the area or the
    nearest above."""
    code = leaf.measure.get("code")
    fresh_for = FRESH_FOR.get(leaf.frequency, timedelta(days=2))
    ancestors = {p: [p[: i + 1] for i, ch in enumerate(p) if ch == "/" and i > 0] for p in paths}
    wanted = {a for chain in ancestors.values() for a in chain}
    newest: dict[str, Figure] = {}
    # The area's path only: joining the whole area would parse its boundary (an official
    # outline: thousands of points) once per figure.
    rows = (
        Figure.objects.filter(code=code, at__lte=end, area__path__in=wanted)
        .annotate(origin=F("area__path"))
        .order_by("area__path", "-at", "-pk")
    )
    for figure in rows:
        newest.setdefault(figure.origin, figure)
    found = {}
    for path in paths:
        chain = sorted(ancestors[path], key=len, reverse=True)  # the area itself first
        figure = next((newest[a] for a in chain if a in newest), None)
        if figure is None:
            found[path] = (None, "", None)
        elif end - figure.at > fresh_for:
            found[path] = (None, figure.origin, figure)
        else:
            found[path] = (figure, figure.origin, None)
    return found
