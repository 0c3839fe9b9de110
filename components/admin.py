"""Admin: the component register with each component's history (read-only: changes come from
surveys, cases and the register page, each recorded)."""

from django.contrib import admin

from components.models import Component, ComponentChange


class ChangeInline(admin.TabularInline):
    model = ComponentChange
    extra = 0
    can_delete = False
    fields = ("at", "source", "reference", "fields", "by", "case")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "state", "grid", "maintainer_name", "updated_at")
    list_filter = ("state", "category")
    search_fields = ("code", "name", "maintainer_name", "manager_name")
    raw_id_fields = ("grid", "department", "category")
    readonly_fields = ("area_path", "created_at", "updated_at")
    inlines = [ChangeInline]
