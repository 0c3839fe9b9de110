"""Admin for categories (部件/事项) and their filing standards (立结案标准)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, FilingStandard


class FilingStandardInline(admin.TabularInline):
    model = FilingStandard
    fields = (
        "code",
        "filing_condition",
        "closing_condition",
        "time_limit",
        "time_unit",
        "limit_a",
        "limit_b",
        "limit_c",
        "sort_order",
        "is_active",
    )
    extra = 0
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "major_code",
        "major_name",
        "plain_name",
        "standards_count",
        "is_local",
        "is_active",
    )
    list_display_links = ("code", "name")
    list_filter = ("kind", "major_name", "is_active", "is_local")
    search_fields = ("code", "name", "plain_name", "keywords")
    ordering = ("kind", "code")
    inlines = (FilingStandardInline,)
    fieldsets = (
        (None, {"fields": ("kind", "code", "name", "major_code", "major_name")}),
        (_("Citizen words"), {"fields": ("plain_name", "keywords")}),
        (_("Provenance"), {"fields": ("source", "is_local", "is_active")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_standards=Count("standards", filter=Q(standards__is_active=True)))
        )

    @admin.display(description=_("standards"), ordering="_standards")
    def standards_count(self, obj) -> int:
        return obj._standards


@admin.register(FilingStandard)
class FilingStandardAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "category",
        "filing_condition",
        "closing_condition",
        "time_limit",
        "time_unit",
        "limit_a",
        "limit_b",
        "limit_c",
        "is_active",
    )
    list_filter = ("time_unit", "category__kind", "category__major_name", "is_active")
    search_fields = (
        "code",
        "filing_condition",
        "closing_condition",
        "responsible_note",
        "source",
        "category__code",
        "category__name",
    )
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
    ordering = ("category__kind", "category__code", "sort_order", "code")
