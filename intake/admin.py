"""Admin: cameras and their event mappings are configured here; intake reports and merge
records are read-only (they are written by intake.services only)."""

from __future__ import annotations

from django.contrib import admin

from intake.models import CameraEventMapping, IntakeReport, MergeRecord, VideoCamera


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CameraEventMappingInline(admin.TabularInline):
    model = CameraEventMapping
    extra = 1
    fields = ("event_type", "category", "priority", "confidence_threshold")
    autocomplete_fields = ("category",)


@admin.register(VideoCamera)
class VideoCameraAdmin(admin.ModelAdmin):
    list_display = ("camera_id", "name", "address", "confidence_threshold", "is_active")
    list_filter = ("is_active",)
    search_fields = ("camera_id", "name", "address")
    inlines = [CameraEventMappingInline]
    fields = (
        "camera_id",
        "name",
        ("lon", "lat"),
        "address",
        "confidence_threshold",
        "secret",
        "is_active",
    )


@admin.register(IntakeReport)
class IntakeReportAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "source",
        "external_id",
        "outcome",
        "case",
        "duplicate_of",
        "category",
    )
    list_filter = ("source", "outcome", "category_suggested")
    search_fields = ("external_id", "case__number", "description", "reporter_phone")
    date_hierarchy = "received_at"
    list_select_related = ("case", "duplicate_of", "category")
    raw_id_fields = ("case", "duplicate_of", "grid", "area", "received_by")


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "case", "other", "actor", "reason")
    list_filter = ("kind",)
    search_fields = ("case__number", "other__number", "reason")
    list_select_related = ("case", "other", "actor")
