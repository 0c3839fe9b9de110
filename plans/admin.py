from django.contrib import admin

from plans.models import Plan, PlanItem, WorkOrder


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "frequency", "starts_on", "ends_on", "is_active")
    list_filter = ("frequency", "is_active")


@admin.register(PlanItem)
class PlanItemAdmin(admin.ModelAdmin):
    list_display = ("plan", "grid", "component")
    raw_id_fields = ("grid", "component")


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("plan", "item", "starts_at", "due_at", "status", "done_at", "inspection")
    list_filter = ("status", "inspection", "sampled")
    raw_id_fields = ("item", "plan", "done_by", "inspected_by", "rework_of")
