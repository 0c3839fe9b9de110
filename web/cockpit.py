"""The cockpit (决策舱): one screen of the city's state for the user's slice, as one JSON body.

Live tiles (today's intake by source, open cases by light, the red-light list, the newest
cases, open alarms, vehicles and badges online) are read on every poll; slow tiles (the sign
index, the department ranking of the month, the 30-day trend) change at most a few times a
day and are cached for ``SLOW_SECONDS``. The whole body is cached for ``LIVE_SECONDS`` per
scope, so many screens of one centre cost one computation; its hash is the ETag, so a poll
that finds nothing new is a 304 without a body (web.api).

Every number carries the address of the rows behind it (the workbench with the same filter,
the alarm list, the ranking page, the sign index page).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases import sla
from cases.api_selectors import visible_cases
from cases.models import Task
from cases.permissions import role_of
from cases.states import OPEN_CASE_STATUSES, OPEN_TASK_STATUSES, CaseStatus, SourceChannel
from core.words import in_language
from iot.models import OPEN_ALARM_STATUSES, Alarm
from iot.selectors import visible_alarms
from org.selectors import ALL, staff_profile, visible_area_paths
from web.map_layers import TRACKER_ONLINE_MINUTES, light_expression

NOT_DISPATCHED = (CaseStatus.REPORTED, CaseStatus.VERIFYING, CaseStatus.FILED)
LIVE_SECONDS = 1
SLOW_SECONDS = 300
LIST_LENGTH = 8
TREND_DAYS = 30


def scope_key(user) -> str:
    """Users who see exactly the same rows share the cached body: same area scope, same role
    and same department (disposers see by department; the ranking tile of anyone outside the
    ranking roles shows their own department only)."""
    paths = visible_area_paths(user)
    profile = staff_profile(user)
    department = profile.department_id if profile and profile.department_id else ""
    superuser = "su" if user.is_superuser else ""
    raw = (
        f"{'ALL' if paths is ALL else ','.join(paths)}|{department}|{role_of(user) or ''}"
        f"|{superuser}"
    )
    return hashlib.sha1(raw.encode()).hexdigest()[:16]  # noqa: S324 (a cache key, not a secret)


def body(user, *, now: datetime | None = None) -> tuple[str, str]:
    """(JSON text, ETag) of the cockpit for ``user``, from the cache when fresh."""
    language = translation.get_language()
    key = f"cockpit:{scope_key(user)}:{language}"
    hit = cache.get(key)
    if hit is not None and now is None:
        return hit
    data = summary(user, now=now)
    text = json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
    # The ETag ignores when the body was computed: the same numbers are the same screen.
    etag = hashlib.sha1(
        json.dumps({k: v for k, v in data.items() if k != "generated_at"}, default=str,
                   sort_keys=True).encode()
    ).hexdigest()[:20]  # fmt: skip  # noqa: S324
    cache.set(key, (text, etag), LIVE_SECONDS)
    return text, etag


def summary(user, *, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    cases = visible_cases(user)
    slow_key = f"cockpit-slow:{scope_key(user)}:{translation.get_language()}:{local.date()}"
    slow = cache.get(slow_key)
    if slow is None:
        slow = {
            "index": sign_index(user),
            "ranking": ranking(user, now),
            "trend": trend(cases, local.date()),
        }
        cache.set(slow_key, slow, SLOW_SECONDS)
    intake = intake_today(cases, midnight)
    closed_today = cases.filter(closed_at__gte=midnight).count()
    return {
        "generated_at": local.isoformat(),
        "today": local.date().isoformat(),
        **slow,
        # Today's point of the trend is live, as the intake tile beside it.
        "trend": {
            **slow["trend"],
            "reported": [*slow["trend"]["reported"], intake["total"]],
            "closed": [*slow["trend"]["closed"], closed_today],
        },
        "intake": intake,
        "lights": lights(cases, now),
        "red_cases": red_cases(cases, now),
        "new_cases": new_cases(cases, midnight),
        "alarms": alarms(user),
        "fleet": fleet(user, now),
    }


def _workbench(**query) -> str:
    return f"{reverse('cases:workbench')}?{urlencode({'queue': 'all', **query})}"


def intake_today(cases, midnight: datetime) -> dict:
    """今日受理: cases reported since local midnight, by channel (every channel listed)."""
    rows = dict(
        cases.filter(reported_at__gte=midnight)
        .order_by()
        .values_list("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    day = midnight.date().isoformat()
    sources = [
        {"source": value, "label": str(label), "n": rows.get(value, 0),
         "url": _workbench(source=value, reported_from=day)}
        for value, label in SourceChannel.choices
    ]  # fmt: skip
    return {"total": sum(rows.values()), "sources": sources, "url": _workbench(reported_from=day)}


def lights(cases, now: datetime) -> dict:
    """未结案件 by light (红 黄 绿, and not dispatched yet)."""
    counts = (
        cases.filter(status__in=OPEN_CASE_STATUSES)
        .order_by()
        .annotate(light=light_expression(now))
        .aggregate(
            total=Count("pk"),
            red=Count("pk", filter=Q(light=sla.Light.RED)),
            yellow=Count("pk", filter=Q(light=sla.Light.YELLOW)),
            green=Count("pk", filter=Q(light=sla.Light.GREEN)),
        )
    )
    # 尚未派遣: reported, being verified or filed (disposed and checking cases have no clock
    # either, but they are past dispatch).
    counts["waiting"] = cases.filter(status__in=NOT_DISPATCHED).count()
    # The workbench's queues: 超期 is the red list; yellow and green are dispatched cases by
    # light (the workbench computes the light per case, in working time).
    counts["urls"] = {
        "red": f"{reverse('cases:workbench')}?queue=overdue",
        "yellow": f"{reverse('cases:workbench')}?queue=dispatched&light={sla.Light.YELLOW}",
        "green": f"{reverse('cases:workbench')}?queue=dispatched&light={sla.Light.GREEN}",
        "total": reverse("cases:workbench"),
    }
    return counts


def red_cases(cases, now: datetime) -> list[dict]:
    """The red-light list (红灯案件): overdue cases, the longest overdue first."""
    late = Q(
        tasks__status__in=OPEN_TASK_STATUSES,
        tasks__deadline_at__lt=now,
    )
    rows = (
        cases.filter(status__in=(CaseStatus.DISPATCHED, CaseStatus.SUSPENDED))
        .annotate(light=light_expression(now))
        .filter(light=sla.Light.RED)
        .annotate(due=Min("tasks__deadline_at", filter=late))
        .order_by("due", "pk")
        .select_related("category")[:LIST_LENGTH]
    )
    rows = list(rows)
    departments: dict[int, list[str]] = {}
    for case_id, name in Task.objects.filter(
        case_id__in=[c.pk for c in rows], status__in=OPEN_TASK_STATUSES
    ).values_list("case_id", "department__name"):
        departments.setdefault(case_id, []).append(name)
    return [
        {
            "number": c.number,
            "category": c.category.name if c.category else "",
            "address": c.address,
            "departments": departments.get(c.pk, []),
            "overdue_hours": round((now - c.due).total_seconds() / 3600, 1) if c.due else None,
            "url": reverse("cases:case", args=[c.number]),
            "supervise_url": reverse("web:leader_supervise", args=[c.number]),
            "lon": c.lon,
            "lat": c.lat,
        }
        for c in rows
    ]


def new_cases(cases, midnight: datetime) -> list[dict]:
    """The newest cases of the day (最新案件), for the ticker and the map's pulses."""
    labels = dict(SourceChannel.choices)
    rows = (
        cases.filter(reported_at__gte=midnight)
        .order_by("-reported_at", "-pk")
        .select_related("category")[:LIST_LENGTH]
    )
    return [
        {
            "number": c.number,
            "source": str(labels.get(c.source, c.source)),
            "category": c.category.name if c.category else "",
            "address": c.address,
            "reported_at": timezone.localtime(c.reported_at).strftime("%H:%M"),
            "url": reverse("cases:case", args=[c.number]),
            "lon": c.lon,
            "lat": c.lat,
        }
        for c in rows
    ]


def alarms(user) -> dict:
    """Open alarms (实时告警), newest first, with their count; each with what one click does
    on it (处置指挥一键通): 督办 its case, or report it as a case (转立案)."""
    from iot.alarms import may_open_case

    qs = visible_alarms(
        Alarm.objects.filter(status__in=OPEN_ALARM_STATUSES).select_related(
            "device", "device__device_type", "rule", "case"
        ),
        user,
    )
    opens = may_open_case(user)
    rows = list(qs.order_by("-started_at", "-pk")[:LIST_LENGTH])
    return {
        "open": qs.count(),
        "url": reverse("iot:alarms"),
        "rows": [
            {
                "id": a.pk,
                "device": a.device.name or a.device.code,
                "type": in_language(a.device.device_type.name),
                "rule": in_language(a.rule.name),
                "case": a.case.number if a.case_id else None,
                "case_url": reverse("cases:case", args=[a.case.number]) if a.case_id else None,
                "supervise_url": (
                    reverse("web:leader_supervise", args=[a.case.number]) if a.case_id else None
                ),
                "to_case_url": (
                    reverse("iot:alarm_act", args=[a.pk, "case"])
                    if opens and not a.case_id
                    else None
                ),
                "severity": a.severity,
                "severity_label": a.get_severity_display(),
                "started_at": timezone.localtime(a.started_at).strftime("%m-%d %H:%M"),
                "url": reverse("iot:device", args=[a.device.code]),
                "lon": a.device.lon,
                "lat": a.device.lat,
            }
            for a in rows
        ],
    }


def fleet(user, now: datetime) -> dict:
    """Vehicles and worker badges online (在线: a position in the last minutes) of all."""
    from iot.models import TrackPoint, Vehicle, WorkerBadge
    from iot.selectors import sensing_scope

    recent = TrackPoint.objects.filter(ts__gte=now - timedelta(minutes=TRACKER_ONLINE_MINUTES))
    out = {}
    for name, model, department in (
        ("vehicles", Vehicle, "department_id"),
        ("badges", WorkerBadge, None),
    ):
        qs = sensing_scope(model.objects.filter(is_active=True), user, department_field=department)
        out[name] = qs.count()
        out[f"{name}_online"] = qs.filter(
            device_id__in=recent.values("tracker_id").distinct()
        ).count()
    out["url"] = reverse("iot:vehicles")
    return out


def sign_index(user) -> dict | None:
    """The index of the top of the user's scope and its five goals (体征指数 · 一级): "now"
    (the latest hour's values, their 24 hours) when hours are computed, else the latest day;
    the trend is the days'."""
    from signs import selectors as signs
    from signs.measures import When
    from signs.models import Level

    tree = signs.current_tree()
    roots = signs.scope_roots(user)
    if tree is None or not roots:
        return None
    row, label = None, ""
    latest = signs.current_hour(tree)
    if latest is not None:
        day, hour = latest
        row = signs.tree_of(tree, roots[0], day, hour)
        label = timezone.localtime(When.of_hour(day, hour).end).strftime("%Y-%m-%d %H:%M")
    if row is None:
        day = signs.latest_day(tree)
        if day is None:
            return None
        row, label = signs.tree_of(tree, roots[0], day), day.isoformat()
    if row is None:
        return None
    return {
        "area": roots[0].name,
        "day": label,
        "score": row.value.score,
        "band": row.value.band,
        "colour": row.value.colour,
        "url": reverse("signs:index"),
        "trend": [score for _d, score in row.trend],
        "goals": [
            {"code": g.node.code, "name": g.node.name, "score": g.value.score,
             "band": g.value.band, "url": reverse("signs:value", args=[g.value.pk])}
            for g in row.children
            if g.node.level == Level.GOAL
        ],
    }  # fmt: skip


def ranking(user, now: datetime) -> dict | None:
    """This month's departments by 按期处置率: the best and the last five (考核排名)."""
    from evaluation import selectors as evaluation

    _facts, departments = evaluation.scoped_facts(user)
    if departments is None:
        return None
    today = timezone.localtime(now).date()
    start, end = evaluation.day_bounds(today.replace(day=1), today)
    rows = [
        {
            "name": r["department"].name,
            "on_time_rate": r["values"]["on_time_rate"],
            "disposal_rate": r["values"]["disposal_rate"],
            "due": r["counts"].get("due", 0),
        }
        for r in evaluation.department_ranking(departments, start, end, now=now)
        if r["values"]["on_time_rate"] is not None
    ]
    return {
        "month": today.strftime("%Y-%m"),
        "top": rows[:5],
        "bottom": list(reversed(rows[5:][-5:])) if len(rows) > 5 else [],
        "ranked": len(rows),
        "url": reverse("evaluation:departments"),
    }


def trend(cases, today) -> dict:
    """Cases reported and closed per day over the last 30 days (30日走势), but for today's,
    which ``summary`` adds live."""
    first = today - timedelta(days=TREND_DAYS - 1)
    tz = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()), tz)
    until = timezone.make_aware(datetime.combine(today, datetime.min.time()), tz)

    def per_day(field: str) -> dict:
        return dict(
            cases.filter(**{f"{field}__gte": since, f"{field}__lt": until})
            .order_by()
            .annotate(day=TruncDate(field, tzinfo=tz))
            .values("day")
            .annotate(n=Count("pk"))
            .values_list("day", "n")
        )

    reported, closed = per_day("reported_at"), per_day("closed_at")
    days = [first + timedelta(days=i) for i in range(TREND_DAYS)]
    before = days[:-1]
    return {
        "days": [d.strftime("%m-%d") for d in days],
        "reported": [reported.get(d, 0) for d in before],
        "closed": [closed.get(d, 0) for d in before],
        "label_reported": _("Cases reported"),
        "label_closed": _("Cases closed"),
    }
