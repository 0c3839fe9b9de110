"""What a sign value counted, listed (the explanation's "cases / readings behind it"): the
rows a leaf's measure read, found again from the filter its explanation keeps
(``SignValue.explanation["rows"]``), for the value page. Rate leaves and a day's filed count
link to the evaluation drill-down instead (``signs.views._cases_url``); feed and manual values
name their figure record.

Each list is the area's (the value page checks the reader may see the area) and at most
``LIMIT`` rows, with the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.selectors import codes_q
from evaluation import selectors as evaluation
from evaluation.models import CaseFact, Outcome, PostFact, Stage, TaskFact

LIMIT = 50


@dataclass
class Behind:
    title: str
    total: int
    rows: list[dict] = field(default_factory=list)  # {"case"|"device", "what", "at", "note"}


def _window(rows: dict) -> tuple[datetime, datetime]:
    """[start, end) of an explanation's window: whole days from/to (cut at ``until``), or the
    24 hours from/until of an hour's value, or a day."""
    if "to" in rows:
        start, end = evaluation.day_bounds(
            date.fromisoformat(rows["from"]), date.fromisoformat(rows["to"])
        )
    elif "until" in rows:
        end = datetime.fromisoformat(rows["until"])
        start = datetime.fromisoformat(rows["from"]) if "from" in rows else end - timedelta(1)
        return start, end
    else:
        day = date.fromisoformat(rows["day"])
        start, end = evaluation.day_bounds(day, day)
    if "until" in rows:
        end = min(end, datetime.fromisoformat(rows["until"]))
    return start, end


def _cases(title, facts, when: str, total, note=None) -> Behind:
    """The latest ``LIMIT`` facts by ``when`` (newest first: read back along its index from the
    period's end, where the rows are) and the total the measure counted (not counted again)."""
    facts = facts.select_related("case", "category").order_by(f"-{when}", "-pk")
    rows = [
        {"case": f.case.number, "what": f.category.name if f.category_id else "",
         "at": getattr(f, when), "note": note(f) if note else ""}
        for f in facts[:LIMIT]
    ]  # fmt: skip
    return Behind(str(title), int(total or 0), rows)


def _categories(codes) -> list[int]:
    """The ids of the categories named (a filter by id, not by a join on codes)."""
    from catalog.models import Category

    return list(Category.objects.filter(codes_q(codes, prefix="")).values_list("pk", flat=True))


def _share(f) -> str:
    return f"{f.work_seconds / f.allowed_seconds * 100:.1f} %"


def records(value) -> Behind | None:
    """The rows behind a leaf value, or None where the page links elsewhere (or has none)."""
    e = value.explanation or {}
    rows, measure = e.get("rows") or {}, e.get("measure") or {}
    if not rows.get("area"):
        return None
    area = value.area_path  # the area the page checked the reader may see
    kind = measure.get("kind")
    mine = CaseFact.objects.filter(area_path__startswith=area)
    if kind in ("open", "component_ok_rate"):
        at = datetime.fromisoformat(rows["at"])
        facts = mine.filter(category__in=_categories(rows["open_cases"]), filed_at__lt=at)
        facts = facts.filter(Q(settled_at__isnull=True) | Q(settled_at__gte=at))
        if measure.get("kind_of_case"):
            facts = facts.filter(category_kind=measure["kind_of_case"])
        total = rows["open"] if "open" in rows else value.raw
        return _cases(_("Cases open then"), facts, "filed_at", total)
    if kind == "filed" and "until" in rows:  # an hour's 24 hours (a day's: the drill-down)
        start, end = _window(rows)
        facts = mine.filter(category__in=_categories(rows["categories"]), filed_at__gte=start,
                            filed_at__lt=end)  # fmt: skip
        if measure.get("kind_of_case"):
            facts = facts.filter(category_kind=measure["kind_of_case"])
        return _cases(_("Cases filed in those 24 hours"), facts, "filed_at", value.raw)
    if kind == "repeat_rate":
        return _repeats(area, rows)
    if kind == "dissatisfied_share":
        start, end = _window(rows)
        from signs.measures import DISSATISFIED_BELOW

        facts = mine.filter(rated_at__gte=start, rated_at__lt=end, rating__lt=DISSATISFIED_BELOW)
        return _cases(_("Dissatisfied ratings"), facts, "rated_at", rows.get("dissatisfied"),
                      lambda f: f.rating)  # fmt: skip
    if kind == "active_discovery_rate":
        from signs.measures import FOUND_BY_THE_CITY

        start, end = _window(rows)
        facts = mine.filter(filed_at__gte=start, filed_at__lt=end, source__in=FOUND_BY_THE_CITY)
        return _cases(_("Cases the city found itself"), facts, "filed_at",
                      rows.get("found_by_the_city"), lambda f: f.get_source_display())  # fmt: skip
    if kind == "overdue_per_mille":
        end = _window(rows)[1]
        overdue = evaluation.region_filters(end - timedelta(days=1), end, end)["overdue_open"]
        facts = mine.filter(overdue)
        return _cases(_("Cases overdue and open then"), facts, "deadline_at",
                      rows.get("overdue_open"))  # fmt: skip
    if kind == "time_share":
        start, end = _window(rows)
        tasks = TaskFact.objects.filter(
            area_path__startswith=area, outcome=Outcome.DISPOSED, is_lead=True,
            settled_at__gte=start, settled_at__lt=end, allowed_seconds__gt=0,
            work_seconds__isnull=False,
        ).select_related("case", "department").order_by("-settled_at", "-pk")  # fmt: skip
        found = [
            {"case": t.case.number, "what": t.department.name, "at": t.settled_at,
             "note": _share(t)}
            for t in tasks[:LIMIT]
        ]  # fmt: skip
        return Behind(str(_("Lead tasks disposed: time taken of the time allowed")),
                      int(rows.get("tasks") or 0), found)  # fmt: skip
    if kind == "dispatch_quality":
        start, end = _window(rows)
        steps = (
            PostFact.objects.filter(
                area_path__startswith=area, stage=Stage.DISPATCH, at__gte=start, at__lt=end
            )
            .select_related("case", "person")
            .order_by("-at", "-pk")
        )
        found = [
            {"case": s.case.number, "what": s.person.get_full_name() or s.person.username,
             "at": s.at, "note": _dispatch_note(s)}
            for s in steps[:LIMIT]
        ]  # fmt: skip
        return Behind(str(_("Dispatches")), steps.count(), found)
    if value.node.source == "sensor" and "device_type" in rows:
        return _alarms(rows, kind, area)
    if kind in ("feed", "manual") and rows.get("figure"):
        return _figure(rows["figure"])
    return None


def _figure(pk: int) -> Behind | None:
    """The figure record a feed or manual value is (who sent or entered it, when, its id)."""
    from signs.models import Figure

    figure = Figure.objects.filter(pk=pk).select_related("area", "by").first()
    if figure is None:
        return None
    by = (figure.by.get_full_name() or figure.by.username) if figure.by_id else ""
    row = {"what": f"{figure.code} = {figure.value:g} {figure.unit} ({figure.area.name}) · "
                   f"{figure.source_id}",
           "at": figure.at, "note": " · ".join(filter(None, [by, f"{figure.received_at:%Y-%m-%d %H:%M}"]))}  # fmt: skip
    return Behind(str(_("The figure")), 1, [row])


def _dispatch_note(step) -> str:
    timed = {True: _("on time"), False: _("late"), None: "—"}[step.on_time]
    held = {True: _("accurate"), False: _("returned"), None: "—"}[step.held]
    return f"{timed} · {held}"


def _repeats(area: str, rows) -> Behind:
    """The window's cases that followed an earlier case of the same grid and subclass within
    ``days`` days: the measure's statement (``signs.measures.lagged``) over the area's facts,
    the latest ``LIMIT`` of them."""
    from django.db import connection

    from signs.measures import lagged

    days = int(rows["days"])
    start, end = datetime.fromisoformat(rows["from"]), datetime.fromisoformat(rows["until"])
    each, params = lagged(start, end, days, under=area)
    sql = f"""
        SELECT case_id, filed_at, gap FROM ({each}) AS r WHERE gap <= %s
        ORDER BY filed_at DESC, case_id DESC LIMIT %s
    """  # noqa: S608 - built by lagged
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, days, LIMIT])
        found = cursor.fetchall()
    facts = {f.case_id: f for f in CaseFact.objects.filter(case_id__in=[r[0] for r in found])
             .select_related("case", "category")}  # fmt: skip
    listed = [
        {"case": facts[case_id].case.number, "what": facts[case_id].category.name,
         "at": facts[case_id].filed_at, "note": f"+{gap:.1f} d"}
        for case_id, _at, gap in found
    ]  # fmt: skip
    return Behind(str(_("Repeated cases")), int(rows.get("repeats", len(listed))), listed)


def _alarms(rows, kind, area: str) -> Behind:
    """The alarms a sensor leaf read, newest first (its total: the devices over their limit,
    the alarms started, or those active, as the measure counted them)."""
    from iot.models import Alarm
    from signs.measures import active_in

    start, end = _window(rows)
    alarms = Alarm.objects.filter(
        device__device_type__code=rows["device_type"], device__is_active=True,
        rule__metric=rows["metric"], device__area_path__startswith=area,
    ).select_related("device", "rule")  # fmt: skip
    if kind == "alarms":
        alarms = alarms.filter(started_at__gte=start, started_at__lt=end)
    else:
        alarms = active_in(alarms, start, end)
    alarms = alarms.order_by("-started_at", "-pk")
    found = [
        {"device": a.device.code, "what": f"{a.device.code} {a.rule.name}", "at": a.started_at,
         "note": a.get_severity_display()}
        for a in alarms[:LIMIT]
    ]  # fmt: skip
    if kind == "alarms":
        title, total = _("Alarms started"), rows.get("alarms", len(found))
    elif kind == "alarm_level":
        title, total = _("Alarms active"), alarms.count()
    else:  # points_over / share_over count devices
        title, total = _("Alarms active (devices over their limit)"), rows.get("over", 0)
    return Behind(str(title), int(total), found)
