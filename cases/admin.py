"""Admin: cases are read here, not moved (moves go through cases.services and the pages).

Status, version and the clock fields are read-only; CaseEvent rows can be neither added,
changed nor deleted (append-only audit trail).
"""

from __future__ import annotations

from django.contrib import admin

from cases.models import Case, CaseEvent, CaseSequence, Evidence, Task


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TaskInline(ReadOnlyInline):
    model = Task
    fields = (
        "department",
        "is_lead",
        "round",
        "status",
        "assignee",
        "time_limit",
        "time_unit",
        "deadline_at",
        "paused_seconds",
        "rework_count",
    )
    readonly_fields = fields


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "action", "from_status", "to_status", "actor", "task", "reason", "note")
    readonly_fields = fields
    ordering = ("at", "pk")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("kind", "file", "task", "content_type", "width", "height", "size", "taken_at")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "status",
        "priority",
        "source",
        "category",
        "area_path",
        "reported_at",
    )
    list_filter = ("status", "source", "priority", "category__kind", "trusted")
    search_fields = ("number", "address", "description")
    date_hierarchy = "reported_at"
    list_select_related = ("category",)
    raw_id_fields = ("grid", "area", "category", "standard", "reported_by")
    inlines = (TaskInline, CaseEventInline, EvidenceInline)
    readonly_fields = (
        "number",
        "status",
        "version",
        "area_path",
        "area_class",
        "dispatch_round",
        "returned_count",
        "needs_fallback",
        "rework_count",
        "reported_at",
        "verified_at",
        "filed_at",
        "dispatched_at",
        "disposed_at",
        "check_passed_at",
        "closed_at",
    )

    def has_add_permission(self, request) -> bool:
        # A case starts through case_report (number, event, scope); never a bare admin form.
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("at", "case", "action", "from_status", "to_status", "actor")
    list_filter = ("action", "to_status")
    search_fields = ("case__number", "reason", "note")
    date_hierarchy = "at"
    list_select_related = ("case", "actor")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CaseSequence)
class CaseSequenceAdmin(admin.ModelAdmin):
    list_display = ("day", "last")
    readonly_fields = ("day", "last")

    def has_add_permission(self, request) -> bool:
        return False
