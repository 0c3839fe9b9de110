"""Admin: evaluation schemes (评价方案) with their indicators; every change is in the admin's
history of the scheme. The scheme page (/evaluation/schemes/<id>/) shows the ranking before and
after a change of weights or rules before saving it."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from evaluation.models import PostLimits, PublicResults, Scheme, SchemeItem


class SchemeItemInline(admin.TabularInline):
    model = SchemeItem
    extra = 0
    fields = ("position", "indicator", "weight", "rule", "params")


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "object_type", "is_active", "updated_at", "preview")
    list_filter = ("object_type", "is_active")
    inlines = [SchemeItemInline]

    @admin.display(description=_("ranking before and after"))
    def preview(self, obj):
        url = reverse("evaluation:scheme", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Try a change"))


@admin.register(PublicResults)
class PublicResultsAdmin(admin.ModelAdmin):
    """One row: what the citizen portal's results page and open data show (off by default)."""

    list_display = ("__str__", "enabled", "region_tier", "show_departments", "updated_at")

    def has_add_permission(self, request):
        return not PublicResults.objects.exists()


@admin.register(PostLimits)
class PostLimitsAdmin(admin.ModelAdmin):
    """One row: how many working hours each post has for its step (按时核实, 按时立案 ...).
    Without it the defaults of the model apply."""

    list_display = (
        "__str__",
        "verify_hours",
        "file_hours",
        "dispatch_hours",
        "check_hours",
        "close_hours",
        "updated_at",
    )

    def has_add_permission(self, request):
        return not PostLimits.objects.exists()

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)
