"""Admin for the five tiers: administrative areas and unit grids (单元网格)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from areas.models import AdminArea, AreaLevel, UnitGrid


class _AncestorFilter(admin.SimpleListFilter):
    """Rows under one area of ``level``, by path (works for areas and grids alike)."""

    level: str

    def lookups(self, request, model_admin):
        return list(AdminArea.objects.filter(level=self.level).values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(path__contains=f"/{self.value()}/")
        return queryset


class DistrictFilter(_AncestorFilter):
    title = _("district")
    parameter_name = "district"
    level = AreaLevel.DISTRICT


class StreetFilter(_AncestorFilter):
    title = _("street")
    parameter_name = "street"
    level = AreaLevel.STREET


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "has_boundary", "boundary_derived")
    list_filter = ("level", "boundary_derived", DistrictFilter, StreetFilter)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    readonly_fields = ("path", "centroid_lon", "centroid_lat", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "level", "parent", "path")}),
        (
            _("Boundary"),
            {"fields": ("boundary", "boundary_derived", "centroid_lon", "centroid_lat")},
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    actions = ("refresh_boundaries",)

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj: AdminArea) -> bool:
        return obj.boundary is not None

    @admin.action(description=_("Recompute derived boundaries from the grids"))
    def refresh_boundaries(self, request, queryset):
        from areas.services import refresh_area_boundaries

        changed = refresh_area_boundaries()
        self.message_user(
            request,
            ngettext(
                "%(n)d area boundary recomputed.", "%(n)d area boundaries recomputed.", changed
            )
            % {"n": changed},
            messages.SUCCESS,
        )


@admin.register(UnitGrid)
class UnitGridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "area_class", "area_display", "is_active")
    list_filter = ("area_class", "is_active", DistrictFilter, StreetFilter)
    search_fields = ("code", "name", "community__code", "community__name")
    autocomplete_fields = ("community",)
    list_select_related = ("community",)
    readonly_fields = (
        "path",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "centroid_lon",
        "centroid_lat",
        "area_m2",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("code", "name", "community", "area_class", "is_active", "path")}),
        (_("Geometry (WGS-84)"), {"fields": ("polygon", "area_m2")}),
        (
            _("Bounding box and centroid"),
            {
                "classes": ("collapse",),
                "fields": (
                    ("min_lon", "min_lat"),
                    ("max_lon", "max_lat"),
                    ("centroid_lon", "centroid_lat"),
                ),
            },
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    actions = ("activate", "deactivate")

    @admin.display(description=_("area (m²)"), ordering="area_m2")
    def area_display(self, obj: UnitGrid) -> str:
        return f"{obj.area_m2:,.0f}"

    def _set_active(self, request, queryset, active: bool) -> None:
        # save() per row, not update(): the point -> grid index listens to save signals.
        changed = 0
        for grid in queryset.select_related("community"):
            if grid.is_active != active:
                grid.is_active = active
                grid.save()
                changed += 1
        self.message_user(
            request,
            ngettext("%(n)d grid changed.", "%(n)d grids changed.", changed) % {"n": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Activate selected grids"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Deactivate selected grids"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)
