"""Admin: sign trees (体征指标体系) and their nodes; every change is in the admin's history of
the object (the one change log of rule tables, STYLE.md). A tree file is loaded or exported
with ``manage.py signs_tree``."""

from django.contrib import admin

from signs.models import Figure, SignNode, SignTree


class SignNodeInline(admin.TabularInline):
    model = SignNode
    extra = 0
    fields = ("code", "name", "level", "parent", "weight", "source", "frequency")
    readonly_fields = ("level", "parent")
    show_change_link = True
    ordering = ("code",)


@admin.register(SignTree)
class SignTreeAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "is_active", "updated_at")
    list_filter = ("is_active",)
    inlines = [SignNodeInline]


@admin.register(SignNode)
class SignNodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "weight", "source", "direction", "frequency", "tree")
    list_filter = ("tree", "level", "source", "frequency")
    search_fields = ("code", "name", "name_en")
    ordering = ("tree", "code")


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    """Figures pushed by other systems, and the manual ones (填报: surveys, coverage rates)
    entered here, each with who entered it and when."""

    list_display = ("code", "area", "at", "value", "unit", "channel", "by", "received_at")
    list_filter = ("channel", "code")
    search_fields = ("code", "source_id")
    readonly_fields = ("by", "received_at")
    autocomplete_fields = ()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.by = request.user
        super().save_model(request, obj, form, change)
