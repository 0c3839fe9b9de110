"""Figures by hand and by file (体征数据填报 / 导入): ``/signs/figures/``.

For the people who may add figures (the ``signs.add_figure`` permission, or an administrator):

- **upload** a CSV or xlsx file of one feed: columns 区域代码 (area), 时间 (at), 数值 (value),
  and optionally 单位 (unit, default the feed's) and 记录编号 (source id, default area + time,
  so the same file twice stores nothing twice). Every line is checked before any is stored
  (signs.feeds.store); the report names each refused line and why. ``dry run`` checks only.
- **enter** one figure of a manual leaf (清扫覆盖率, a survey ...): area, time, value; stored
  with who entered it and when.
- the latest figures of the user's scope, with who sent or entered them and when.

Areas outside the user's scope are refused like unknown ones.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from areas.models import AdminArea
from cases import permissions
from cases.views.access import elsewhere
from core.errors import DomainError
from org.models import Role
from org.selectors import can_see_path, scope, visible_areas
from signs import feeds
from signs.models import Channel, Figure

SHOWN = 50
HEADERS = {
    "area": ("区域代码", "区域编码", "area", "area_code"),
    "at": ("时间", "统计时间", "at", "time"),
    "value": ("数值", "值", "value"),
    "unit": ("单位", "unit"),
    "source_id": ("记录编号", "source_id", "id"),
}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def may_add(user) -> bool:
    return user.has_perm("signs.add_figure") or permissions.role_of(user) == Role.ADMIN


def _in_scope(user, areas: dict[str, AdminArea]) -> set[str]:
    return {code for code, area in areas.items() if can_see_path(user, area.path)}


def _moment(cell) -> datetime | None:
    """A time from a cell: an xlsx date, ISO text (a date alone is its midnight); naive times
    are the city's."""
    if isinstance(cell, datetime):
        at = cell
    else:
        text = str(cell or "").strip().replace("/", "-")
        try:
            at = parse_datetime(text.replace(" ", "T", 1)) if text else None
            if at is None and text:
                day = parse_date(text)
                at = datetime.combine(day, time.min) if day else None
        except ValueError:  # well formed, but no such moment (2026-02-30)
            at = None
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def read_file(upload, feed: feeds.Feed, user) -> tuple[list[feeds.Record], list[str], list[str]]:
    """The file's records, their labels ("line 5") and the problems of lines that could not
    be read at all (a bad time, not a number, an area outside the scope)."""
    from hotline.readers import open_table

    table = open_table(upload, name=upload.name)
    header = [(h or "").strip().casefold() for h in table.header]
    columns = {}
    for name, names in HEADERS.items():
        for candidate in names:
            if candidate.casefold() in header:
                columns[name] = header.index(candidate.casefold())
                break
    missing = [HEADERS[n][0] for n in ("area", "at", "value") if n not in columns]
    if missing:
        return [], [], [_("The file has no column %(names)s.") % {"names": "、".join(missing)}]
    rows = []
    for line, cells in table.rows:

        def cell(name, cells=cells):
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else None

        rows.append((line, cell))
        if len(rows) > feeds.MAX_RECORDS:
            return [], [], [_("At most %(n)s records per push.") % {"n": feeds.MAX_RECORDS}]
    codes = {str(cell("area") or "").strip() for _line, cell in rows}
    areas = {a.code: a for a in AdminArea.objects.filter(code__in=codes)}
    allowed = _in_scope(user, areas)
    records, labels, problems = [], [], []
    for line, cell in rows:
        label = _("line %(n)s") % {"n": line}
        area = str(cell("area") or "").strip()
        at = _moment(cell("at"))
        try:
            value = float(Decimal(str(cell("value") or "").strip()))
        except (InvalidOperation, ValueError):
            value = None
        if at is None:
            problems.append(f"{label}: " + _("%(value)r is not a time") % {"value": cell("at")})
        if value is None:
            problems.append(
                f"{label}: " + _("%(value)r is not a number") % {"value": cell("value")}
            )
        if area in areas and area not in allowed:
            problems.append(f"{label}: " + _("no area %(code)s") % {"code": area})
        if at is None or value is None:
            continue
        unit = str(cell("unit") or "").strip() or feed.unit
        source_id = str(cell("source_id") or "").strip() or f"{area}@{at.isoformat()}"
        records.append(feeds.Record(area, at, value, unit, source_id))
        labels.append(label)
    return records, labels, problems


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    if not may_add(request.user):
        return elsewhere(request.user)
    known = feeds.known()
    report = None
    if request.method == "POST":
        report = _post(request, known)
        if report is None:
            return redirect("signs:figures")
    latest = scope(Figure.objects.all(), request.user, path_field="area__path")
    latest = latest.select_related("area", "by").order_by("-received_at", "-pk")
    areas = visible_areas(request.user).order_by("path")
    return render(
        request,
        "signs/figures.html",
        {
            "feeds": sorted(known.values(), key=lambda f: f.code),
            "manual": sorted(
                (f for f in known.values() if f.channel == Channel.MANUAL), key=lambda f: f.code
            ),
            "areas": areas.filter(level__in=("city", "district", "street")),
            "latest": latest[:SHOWN],
            "report": report,
        },
    )


def _post(request: HttpRequest, known: dict) -> dict | None:
    """Store (or, dry run, check) an upload or one entered figure; the report to show, or None
    when an entry was stored (the page is shown again with a message)."""
    feed = known.get(request.POST.get("feed", ""))
    if feed is None:
        return {"problems": [_("Choose a feed the sign tree in use reads.")]}
    if request.POST.get("action") == "enter":
        if feed.channel != Channel.MANUAL:
            return {"problems": [_("Only the figures of manual leaves are entered by hand.")]}
        return _enter(request, feed)
    upload = request.FILES.get("file")
    if upload is None:
        return {"problems": [_("Choose a CSV or xlsx file.")]}
    if upload.size > MAX_UPLOAD_BYTES:
        return {"problems": [_("The file is larger than 5 MB.")]}
    try:
        records, labels, problems = read_file(upload, feed, request.user)
    except DomainError as exc:
        return {"problems": [exc.message]}
    if problems:
        return {"problems": problems, "feed": feed.code, "file": upload.name}
    dry = bool(request.POST.get("dry_run"))
    try:
        with transaction.atomic():
            result = feeds.store(feed.code, records, user=request.user, labels=labels)
            if dry:
                transaction.set_rollback(True)
    except DomainError as exc:
        found = (exc.details or {}).get("problems") or [exc.message]
        return {"problems": found, "feed": feed.code, "file": upload.name}
    return {**result, "dry_run": dry, "feed": feed.code, "file": upload.name, "rows": len(records)}


def _enter(request: HttpRequest, feed: feeds.Feed) -> dict | None:
    area = AdminArea.objects.filter(code=request.POST.get("area", "")).first()
    at = _moment(request.POST.get("at", ""))
    problems = []
    if area is None or not _in_scope(request.user, {area.code: area}):
        problems.append(_("Choose an area of your scope."))
    if at is None:
        problems.append(_("Give the date (and time) the figure is for."))
    try:
        value = float(Decimal(request.POST.get("value", "").strip()))
    except (InvalidOperation, ValueError):
        value = None
        problems.append(_("The value is not a number."))
    if problems:
        return {"problems": problems, "feed": feed.code}
    source_id = f"manual:{request.user.get_username()}:{area.code}@{at.isoformat()}"
    try:
        feeds.store(
            feed.code,
            [feeds.Record(area.code, at, value, feed.unit, source_id)],
            user=request.user,
            labels=[_("the figure")],
        )
    except DomainError as exc:
        return {"problems": (exc.details or {}).get("problems") or [exc.message]}
    messages.success(
        request,
        _("Stored: %(code)s %(value)s %(unit)s for %(area)s.")
        % {"code": feed.code, "value": f"{value:g}", "unit": feed.unit, "area": area.name},
    )
    return None
