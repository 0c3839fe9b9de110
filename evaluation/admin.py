"""Admin: evaluation schemes (评价方案) with their indicators; every change is in the admin's
history of the scheme. The scheme page (/evaluation/schemes/<id>/) shows the ranking before and
after a change of weights or rules before saving it."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from evaluation.models import PublicResults, Scheme, SchemeItem


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
