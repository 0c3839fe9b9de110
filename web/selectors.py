"""Reads composed for the shell's pages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from areas.models import AdminArea, AreaLevel, UnitGrid
from cases.views.access import INSPECTOR_ROLES, role_of
from catalog.models import Category, CategoryKind
from intake.selectors import counts_by_source
from org.selectors import ALL, scope, staff_profile, visible_area_paths


def home_context(user) -> dict:
    """The home page: who the user is, the areas they answer for, and counts per tier."""
    areas = scope(AdminArea.objects.all(), user)
    grids = scope(UnitGrid.objects.filter(is_active=True), user)
    by_level = dict(areas.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    profile = staff_profile(user)
    scope_areas = list(profile.areas.order_by("code")) if profile else []
    if (
        profile
        and not scope_areas
        and profile.department_id
        and visible_area_paths(user) is not ALL
    ):
        scope_areas = [profile.department.area]
    return {
        "profile": profile,
        "scope_areas": scope_areas,
        "unrestricted": visible_area_paths(user) is ALL,
        # An inspector may report a problem on a component from its popup (部件上报).
        "may_report": role_of(user) in INSPECTOR_ROLES,
        "tiers": [
            (level, AreaLevel(level).label, by_level.get(level, 0)) for level in AreaLevel.values
        ],
        "grid_count": grids.count(),
        # Cases per channel (intake) in the user's areas; channels with no case are left out.
        "source_counts": [row for row in counts_by_source(user) if row["total"]],
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }


def tiles() -> dict:
    """The map tiles the pages draw on; without a tile server the outlines are the base and
    coordinates go out as stored (WGS-84)."""
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "tile_crs": settings.MAP_TILE_CRS if settings.MAP_TILE_URL else "wgs84",
    }


def map_context(user) -> dict:
    """The one map's page: the tiles, the tiers and category classes to choose from."""
    majors = (
        Category.objects.filter(is_active=True)
        .order_by("kind", "major_code")
        .values_list("kind", "major_code", "major_name")
        .distinct()
    )
    kinds = dict(CategoryKind.choices)
    return {
        **tiles(),
        "tiers": [(level, AreaLevel(level).label) for level in AreaLevel.values],
        "majors": [
            {"kind": kind, "code": code, "label": f"{kinds.get(kind, kind)} {code} {name}"}
            for kind, code, name in majors
        ],
        "unrestricted": visible_area_paths(user) is ALL,
        # An inspector may report a problem on a component from its popup (部件上报).
        "may_report": role_of(user) in INSPECTOR_ROLES,
        "map_text": {
            "open_case": _("Open the case"),
            "open_device": _("Open the device"),
            "open_component": _("Open the component"),
            "report_component": _("Report a problem on it"),
            "components": _("components"),
            "faulty": _("damaged or lost"),
            "intact": _("intact"),
            "open_track": _("Today's track"),
            "reported": _("Reported"),
            "cases": _("cases"),
            "red": _("overdue"),
            "yellow": _("due soon"),
            "green": _("in time"),
            "undispatched": _("not dispatched"),
            "sensors": _("sensors"),
            "alarm": _("alarm"),
            "offline": _("offline"),
            "online": _("online"),
            "speed": _("km/h"),
            "seen": _("Last position"),
            "index": _("Sign index"),
            "no_index": _("No index computed"),
            "index_until": _("as of %(at)s, the 24 hours before"),
            "loading": _("Loading…"),
            "failed": _("Could not load %(layer)s: %(error)s"),
            "shown": _(
                "%(cases)s open cases, %(devices)s sensors, %(trackers)s vehicles and badges in view"
            ),
        },
    }


def cockpit_context(user) -> dict:
    """The cockpit page: its title (the top of the user's scope) and the words its script
    writes."""
    from signs.scoring import BAND_LABELS

    paths = visible_area_paths(user)
    top = (
        AdminArea.objects.filter(parent__isnull=True).order_by("code").first()
        if paths is ALL
        else AdminArea.objects.filter(path__in=paths or []).order_by("path").first()
    )
    return {
        "title": _("%(area)s city operations cockpit") % {"area": top.name if top else _("City")},
        "time_zone": settings.TIME_ZONE,
        **tiles(),
        "cockpit_text": {
            "no_index": _("No index computed yet."),
            "bands": {band: str(label) for band, label in BAND_LABELS.items()},
            "cases_today": _("cases reported today"),
            "red": _("Overdue 红灯"),
            "yellow": _("Due soon 黄灯"),
            "green": _("In time 绿灯"),
            "waiting": _("Not dispatched yet"),
            "open_total": _("Open cases in all"),
            "no_red": _("No case is overdue."),
            "open_alarms": _("Open alarms"),
            "no_new": _("No case reported today yet."),
            "vehicles": _("vehicles online"),
            "workers": _("worker badges online"),
            "no_ranking": _("No department has a rate this month yet."),
            "best": _("Best on time"),
            "worst": _("Last on time"),
            "live": _("Live"),
            "supervise": _("Supervise 督办"),
            "supervise_note": _("Overdue: dispose of it now and report back."),
            "send": _("Send"),
            "cancel": _("Cancel"),
            "supervised": _("Supervised"),
            "to_case": _("Open a case 转立案"),
            "to_case_ask": _("Report this alarm as a case?"),
            "to_case_send": _("Yes, open the case"),
            "hours": _(" h"),
            "days": _(" d"),
            "lost": _("Connection lost, retrying…"),
        },
    }
