"""Admin: the services offered (with their definition fields) and the api keys are configured
here; submissions are read-only (written by open311.services only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from open311 import services
from open311.models import Client, Service, ServiceAttribute, Submission


class ServiceAttributeInline(admin.StackedInline):
    model = ServiceAttribute
    extra = 0
    fields = (
        ("code", "order"),
        ("datatype", "required", "variable"),
        "description",
        "datatype_description",
        "values",
    )


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("service_code", "name", "group", "category", "type", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")
    list_filter = ("is_active", "type", "group")
    search_fields = ("service_code", "name", "keywords", "category__name", "category__code")
    autocomplete_fields = ("category",)
    inlines = [ServiceAttributeInline]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "is_active", "rate_per_hour", "last_used_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix", "contact")
    readonly_fields = ("prefix", "last_used_at")
    fields = ("name", "contact", "is_active", "rate_per_hour", "prefix", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new key is generated here and shown once: only its digest is stored.
        client, key = services.client_create(
            name=obj.name, rate_per_hour=obj.rate_per_hour, contact=obj.contact
        )
        obj.pk, obj.digest, obj.prefix = client.pk, client.digest, client.prefix
        obj._state.adding = False
        messages.success(
            request,
            _("The api key of %(name)s is %(key)s — copy it now, it is not shown again.")
            % {"name": client.name, "key": key},
        )


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("token", "client", "service", "report", "media_status", "created_at")
    list_filter = ("client", "service", "media_status")
    search_fields = ("token", "report__case__number")
    list_select_related = ("client", "service", "report")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
