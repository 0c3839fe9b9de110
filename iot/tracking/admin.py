"""Admin for tracking: vehicles, badges, geofences, road segments, coverage (read-only)."""

from __future__ import annotations

from django.contrib import admin

from iot.tracking.models import CoverageDay, Geofence, RoadSegment, TrackPoint, Vehicle, WorkerBadge


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ("plate", "name", "kind", "company", "area", "device", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("plate", "name", "company", "device__code")
    raw_id_fields = ("device", "area", "department")
    readonly_fields = ("area_path",)


@admin.register(WorkerBadge)
class WorkerBadgeAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "staff", "device", "is_active")
    search_fields = ("number", "name", "device__code")
    raw_id_fields = ("device", "staff")
    filter_horizontal = ("grids",)
    readonly_fields = ("area_path",)


@admin.register(Geofence)
class GeofenceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "buffer_m", "active_from", "active_until", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(RoadSegment)
class RoadSegmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "street", "length_m", "tolerance_m", "is_active")
    search_fields = ("code", "name")
    raw_id_fields = ("street",)
    readonly_fields = ("length_m", "area_path")


@admin.register(CoverageDay)
class CoverageDayAdmin(admin.ModelAdmin):
    list_display = ("date", "segment", "covered_share", "covered_m", "track_points", "computed_at")
    list_filter = ("date",)
    raw_id_fields = ("segment",)

    def has_add_permission(self, request) -> bool:
        return False  # computed by `manage.py compute_coverage`

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrackPoint)
class TrackPointAdmin(admin.ModelAdmin):
    list_display = ("tracker", "ts", "lon", "lat", "speed", "heading")
    raw_id_fields = ("tracker",)
    date_hierarchy = "ts"
    show_full_result_count = False  # millions of rows: no COUNT(*) per page

    def has_change_permission(self, request, obj=None) -> bool:
        return False
