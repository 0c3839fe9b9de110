"""Sensing pages 感知设备页面: devices (list, detail with charts of recent readings), alarms (list,
acknowledge, clear) and vehicles (list, track playback on the map).

Every list and every object goes through the same scoped selectors as /api/v1/iot
(org.selectors.scope on ``area_path``): what lies outside a user's areas is a 404, never a hint.
Moves call iot.alarms' services; their refusals come back as messages on the page.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import exports
from core.errors import DomainError
from iot import alarms, selectors
from iot.models import (
    OPEN_ALARM_STATUSES,
    AlarmStatus,
    Device,
    DeviceType,
    Reading,
    Severity,
    TrackPoint,
    Vehicle,
    VehicleKind,
)
from iot.tracking import selectors as tracking

PAGE_SIZE = 50
CHART_HOURS = 24
MAX_CHART_HOURS = 24 * 7
MAX_CHART_POINTS = 2000  # per metric: an ECharts line stays smooth and the page small
ONLINE, OFFLINE, INACTIVE, NEVER = "online", "offline", "inactive", "never"
OPEN = "open"


def _page(request: HttpRequest, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- devices ------------------------------------------------------------------------------


@login_required
@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    type_code = request.GET.get("type") or None
    status = request.GET.get("status") or ""
    text = (request.GET.get("q") or "").strip()
    qs = selectors.device_list(user=request.user, device_type=type_code)
    if status == ONLINE:
        qs = qs.filter(is_active=True, is_online=True)
    elif status == OFFLINE:
        qs = qs.filter(is_active=True, is_online=False, last_seen_at__isnull=False)
    elif status == NEVER:
        qs = qs.filter(is_active=True, last_seen_at__isnull=True)
    elif status == INACTIVE:
        qs = qs.filter(is_active=False)
    if text:
        qs = qs.filter(
            Q(code__icontains=text) | Q(name__icontains=text) | Q(address__icontains=text)
        )
    if fmt := request.GET.get("format"):
        rows = (
            (d.code, d.name, d.device_type.name, d.grid.code if d.grid else "", d.address,
             d.department.name if d.department else "", d.lon, d.lat,
             _("Online") if d.is_online else _("Offline"), d.last_seen_at, d.battery)
            for d in qs.iterator(chunk_size=2000)
        )  # fmt: skip
        header = [_("Device id 设备编号"), _("Name 名称"), _("Type 类型"), _("Grid 单元网格"),
                  _("Address 地址"), _("Owner department 权属部门"), _("Longitude"),
                  _("Latitude"), _("Status 状态"), _("Last seen 最后上报"), _("Battery (%)")]  # fmt: skip
        return exports.export_response(
            fmt,
            "devices",
            header,
            rows,
            title=_("Devices"),
            count=qs.count,
        )
    return render(
        request,
        "iot/device_list.html",
        {
            "section": "devices",
            "page": _page(request, qs),
            "query": _query_without_page(request),
            "types": DeviceType.objects.order_by("code"),
            "type_code": type_code or "",
            "status": status,
            "statuses": [
                (ONLINE, _("Online")),
                (OFFLINE, _("Offline")),
                (NEVER, _("Never seen")),
                (INACTIVE, _("Deactivated")),
            ],
            "q": text,
        },
    )


def _device(request: HttpRequest, code: str) -> Device:
    return get_object_or_404(selectors.device_list(user=request.user), code=code)


def _hours(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("hours", CHART_HOURS)), 1), MAX_CHART_HOURS)
    except ValueError:
        return CHART_HOURS


def _labelled(device: Device, states) -> list:
    labels = device.device_type.metric_labels()
    states = list(states)
    for state in states:
        state.label = labels.get(state.metric, state.metric)
    return states


def chart_series(device: Device, *, hours: int) -> list[dict]:
    """One series per metric of the last ``hours`` before the device's latest data, as
    [[epoch ms, value], ...] (ECharts' time axis); trackers add speed from their track."""
    labels = device.device_type.metric_labels()
    states = list(selectors.latest_values(device=device))
    series = []
    for state in states:
        since = state.ts - timedelta(hours=hours)
        rows = list(
            Reading.objects.filter(
                device=device, metric=state.metric, ts__gte=since, value__isnull=False
            )
            .order_by("-ts")
            .values_list("ts", "value")[:MAX_CHART_POINTS]
        )
        rows.reverse()
        series.append(
            {
                "metric": state.metric,
                "label": labels.get(state.metric, state.metric),
                "unit": state.unit,
                "points": [[int(ts.timestamp() * 1000), value] for ts, value in rows],
            }
        )
    last = (
        TrackPoint.objects.filter(tracker=device)
        .order_by("-ts")
        .values_list("ts", flat=True)
        .first()
    )
    if last is not None:
        rows = list(
            TrackPoint.objects.filter(
                tracker=device, ts__gte=last - timedelta(hours=hours), speed__isnull=False
            )
            .order_by("-ts")
            .values_list("ts", "speed")[:MAX_CHART_POINTS]
        )
        rows.reverse()
        series.append(
            {
                "metric": "speed",
                "label": labels.get("speed", _("Speed")),
                "unit": "km/h",
                "points": [[int(ts.timestamp() * 1000), round(v, 1)] for ts, v in rows],
            }
        )
    return [s for s in series if s["points"]]


@login_required
@require_GET
def device_detail(request: HttpRequest, code: str) -> HttpResponse:
    device = _device(request, code)
    hours = _hours(request)
    recent_alarms = selectors.alarm_list(user=request.user).filter(device=device)[:20]
    return render(
        request,
        "iot/device_detail.html",
        {
            "section": "devices",
            "device": device,
            "latest": _labelled(device, selectors.latest_values(device=device)),
            "series": chart_series(device, hours=hours),
            "hours": hours,
            "hour_choices": (6, 24, 72, 168),
            "alarms": recent_alarms,
            "vehicle": Vehicle.objects.filter(device=device).first(),
        },
    )


# --- alarms -------------------------------------------------------------------------------


@login_required
@require_GET
def alarm_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", OPEN)
    severity = request.GET.get("severity") or None
    qs = selectors.alarm_list(
        user=request.user,
        status=status if status in AlarmStatus.values else None,
        open_only=status == OPEN,
        severity=severity if severity in Severity.values else None,
    )
    device = (request.GET.get("device") or "").strip()
    if device:
        qs = qs.filter(device__code=device)
    if fmt := request.GET.get("format"):
        rows = (
            (a.pk, a.device.code, a.device.name, a.device.device_type.name, a.rule.name,
             a.get_severity_display(), a.get_status_display(), a.started_at,
             a.last_triggered_at, a.trigger_value, a.last_value, a.acknowledged_at,
             a.cleared_at, a.case.number if a.case_id else "")
            for a in qs.iterator(chunk_size=2000)
        )  # fmt: skip
        header = [_("Alarm 告警"), _("Device id 设备编号"), _("Name 名称"), _("Type 类型"),
                  _("Rule 规则"), _("Severity 级别"), _("Status 状态"), _("Started at 开始时间"),
                  _("Last triggered 最近触发"), _("Value at start 触发值"),
                  _("Latest value 最新值"), _("Acknowledged at 确认时间"),
                  _("Cleared at 解除时间"), _("Case number 案件编号")]  # fmt: skip
        return exports.export_response(
            fmt,
            "alarms",
            header,
            rows,
            title=_("Alarms"),
            count=qs.count,
        )
    return render(
        request,
        "iot/alarm_list.html",
        {
            "section": "alarms",
            "page": _page(request, qs),
            "may_open_cases": alarms.may_open_case(request.user),
            "query": _query_without_page(request),
            "status": status,
            "statuses": [
                (OPEN, _("Open (active or acknowledged)")),
                *AlarmStatus.choices,
                ("", _("All")),
            ],
            "severity": severity or "",
            "severities": Severity.choices,
            "device": device,
            "open_statuses": OPEN_ALARM_STATUSES,
        },
    )


@login_required
@require_POST
def alarm_act(request: HttpRequest, alarm_id: int, action: str) -> HttpResponse:
    """Acknowledge (note optional), clear by hand (reason required) or report as a case
    (转立案) one alarm in scope. The cockpit asks for JSON (处置指挥一键通)."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    alarm = selectors.alarm_list(user=request.user).filter(pk=alarm_id).first()
    if alarm is None:
        if wants_json:
            return JsonResponse(
                {"ok": False, "message": _("No alarm %(pk)s that you may see.") % {"pk": alarm_id}},
                status=404,
            )
        raise Http404(alarm_id)
    answer: dict = {}
    try:
        if action == "acknowledge":
            alarms.alarm_acknowledge(
                alarm=alarm, actor=request.user, note=request.POST.get("note", "")
            )
            text = _("Alarm %(pk)s acknowledged.") % {"pk": alarm.pk}
        elif action == "clear":
            alarms.alarm_clear(
                alarm=alarm, actor=request.user, reason=request.POST.get("reason", "")
            )
            text = _("Alarm %(pk)s cleared.") % {"pk": alarm.pk}
        elif action == "case":
            case = alarms.alarm_open_case(alarm=alarm, actor=request.user)
            text = _("Case %(number)s opened from alarm %(pk)s.") % {
                "number": case.number,
                "pk": alarm.pk,
            }
            answer = {"number": case.number, "url": reverse("cases:case", args=[case.number])}
        else:
            raise Http404(f"no alarm action {action!r}")
    except DomainError as exc:
        if wants_json:
            return JsonResponse({"ok": False, "message": exc.message}, status=400)
        messages.error(request, exc.message)
    else:
        if wants_json:
            return JsonResponse({"ok": True, "message": text, **answer})
        messages.success(request, text)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("iot:alarms")
    return redirect(target)


# --- vehicles -----------------------------------------------------------------------------


@login_required
@require_GET
def vehicle_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    qs = tracking.vehicle_list(user=request.user, kind=kind if kind in VehicleKind.values else None)
    if fmt := request.GET.get("format"):
        rows = (
            (v.plate, v.name, v.get_kind_display(), v.company, v.area.name if v.area else "",
             v.device.code, v.last_ts, v.open_alarms or 0)
            for v in qs.iterator(chunk_size=2000)
        )  # fmt: skip
        header = [_("Plate number 车牌"), _("Name 名称"), _("Kind 类型"), _("Company 公司"),
                  _("Service area 作业区域"), _("Terminal 终端"), _("Last position 最后定位"),
                  _("Open alarms 未处理告警")]  # fmt: skip
        return exports.export_response(
            fmt,
            "vehicles",
            header,
            rows,
            title=_("Vehicles"),
            count=qs.count,
        )
    return render(
        request,
        "iot/vehicle_list.html",
        {
            "section": "vehicles",
            "page": _page(request, qs),
            "query": _query_without_page(request),
            "kind": kind or "",
            "kinds": VehicleKind.choices,
        },
    )


def _vehicle(request: HttpRequest, vehicle_id: int):
    return get_object_or_404(tracking.vehicle_list(user=request.user), pk=vehicle_id)


def _day(request: HttpRequest, vehicle) -> date:
    raw = request.GET.get("date") or ""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return tracking.last_track_day(vehicle) or date.today()


@login_required
@require_GET
def vehicle_track(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle(request, vehicle_id)
    day = _day(request, vehicle)
    return render(
        request,
        "iot/vehicle_track.html",
        {
            "section": "vehicles",
            "vehicle": vehicle,
            "day": day,
            "alarms": selectors.alarm_list(user=request.user).filter(device=vehicle.device)[:20],
            "track_url": reverse("iot:vehicle_track_data", args=[vehicle.pk])
            + f"?date={day.isoformat()}",
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
    )


@login_required
@require_GET
def vehicle_track_data(request: HttpRequest, vehicle_id: int) -> JsonResponse:
    """A day's track as {"points": [[epoch ms, lon, lat, km/h, heading]], "fences": GeoJSON}."""
    vehicle = _vehicle(request, vehicle_id)
    day = _day(request, vehicle)
    tz = ZoneInfo(settings.TIME_ZONE)
    points = tracking.track_of_day(vehicle, day)
    return JsonResponse(
        {
            "vehicle": vehicle.plate,
            "date": day.isoformat(),
            "timezone": str(tz),
            "points": [
                [int(ts.timestamp() * 1000), round(lon, 6), round(lat, 6), speed, heading]
                for ts, lon, lat, speed, heading in points
            ],
            "fences": tracking.fences_geojson(tracking.fences_for(vehicle)),
        }
    )
